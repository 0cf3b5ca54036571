"""Which server process on a machine runs the background work: the search outbox worker and
its indexer child, the circulation jobs, the settlement of room bookings.

Several server processes can serve one PostgreSQL database (`uvicorn --workers N`); each would
otherwise start its own indexer and jobs, indexing every change N times and running every job
N times over. The process holding an exclusive `flock` on a file in the data directory does
the work. The lock belongs to the open file, so it is released when that process exits, even
by a crash, and another process takes over at its next try.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from pathlib import Path

__all__ = ["BackgroundLease"]


class BackgroundLease:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lease if no other holder has it; never waits."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # who holds it, for whoever looks
        self._fd = fd
        return True

    async def wait(self, stop: asyncio.Event, retry_seconds: float = 5.0) -> bool:
        """Try until the lease is ours (True) or `stop` is set (False)."""
        while not self.try_acquire():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=retry_seconds)
                return False
        return True

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
