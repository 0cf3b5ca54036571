"""One server process per machine holds the background lease; it passes on when released."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from unicard.lease import BackgroundLease


def test_only_one_holder_at_a_time_and_the_lease_passes_on(tmp_path: Path) -> None:
    path = tmp_path / "background.lock"
    first, second = BackgroundLease(path), BackgroundLease(path)
    assert first.try_acquire() and first.held
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()


def test_a_lease_held_by_another_process_is_free_once_that_process_is_gone(
        tmp_path: Path) -> None:
    path = tmp_path / "background.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\n"
         "from unicard.lease import BackgroundLease\n"
         f"assert BackgroundLease(Path({str(path)!r})).try_acquire()\n"
         "print('held', flush=True)\ntime.sleep(60)"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        ours = BackgroundLease(path)
        assert not ours.try_acquire()
        holder.kill()  # a crash: the lock goes with the process
        holder.wait()
        assert ours.try_acquire()
        ours.release()
    finally:
        holder.kill()


async def test_waiting_for_the_lease_ends_when_asked_to_stop(tmp_path: Path) -> None:
    path = tmp_path / "background.lock"
    holder = BackgroundLease(path)
    assert holder.try_acquire()
    stop = asyncio.Event()
    waiter = asyncio.create_task(BackgroundLease(path).wait(stop, retry_seconds=0.01))
    await asyncio.sleep(0.05)
    stop.set()
    assert await waiter is False
    holder.release()
