"""The PostgreSQL connection pool: asyncpg connections handed out and taken back, nothing more.

asyncpg's own pool costs about 45 µs of the server's CPU per acquire and release on top of the
queries (it shields every release in a new task, arms and cancels an idle timer, wraps each
connection in a proxy), measured in `bench/pg_pool.py`. A desk's check-out takes one
connection for its two statements, so that was nearly a tenth of the server's CPU per
operation, in the one process that sets the desks' latency. This pool does what unicard needs
and no more:

- the most recently released connection is handed out first (its backend is warm);
- a request that finds none idle opens one while there are fewer than `max_size`, else waits
  its turn (first come, first served);
- a connection comes back without a transaction (an open one is rolled back), and a closed or
  broken one is dropped, making room for a new one;
- a connection that closes while it is out (PostgreSQL restarted, the session was ended) gives
  its place back even if nobody returns it, so lost connections cannot drain the pool; giving
  one back twice is harmless.

No session state is reset on release: unicard sets none (no LISTEN, advisory locks or SET).
Piccolo uses it through `engine.pool` (`await pool.acquire()`, `pool.release(connection)`,
`async with pool.acquire() as connection`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Generator
from typing import Any

__all__ = ["ConnectionPool", "PoolClosed"]

Connection = Any  # asyncpg.Connection (asyncpg ships no type hints)


class PoolClosed(RuntimeError):
    pass


class ConnectionPool:
    def __init__(self, connect: Callable[[], Awaitable[Connection]], max_size: int,
                 min_size: int = 0) -> None:
        if max_size < 1 or not 0 <= min_size <= max_size:
            raise ValueError(f"pool sizes: min {min_size}, max {max_size}")
        self._connect = connect
        self.max_size = max_size
        self.min_size = min_size
        self._idle: list[Connection] = []
        self._live: set[Connection] = set()  # open (or being used) and counted in _size
        self._waiters: deque[asyncio.Future[Connection | None]] = deque()
        self._size = 0  # open connections and those being opened
        self._closed = False

    async def start(self) -> ConnectionPool:
        """Open `min_size` connections now, so the first requests do not wait for them."""
        opened = await asyncio.gather(*(self._open() for _ in range(self.min_size)))
        self._idle.extend(opened)
        return self

    @property
    def size(self) -> int:
        return self._size

    @property
    def idle(self) -> int:
        return len(self._idle)

    def acquire(self) -> _Acquire:
        """`await pool.acquire()` (then `pool.release(connection)`) or
        `async with pool.acquire() as connection`."""
        return _Acquire(self)

    async def _acquire(self) -> Connection:
        while True:
            if self._closed:
                raise PoolClosed("the connection pool is closed")
            while self._idle:
                connection = self._idle.pop()
                if not connection.is_closed():
                    return connection
                self._forget(connection)
            if self._size < self.max_size:
                return await self._open()
            waiter: asyncio.Future[Connection | None] = (
                asyncio.get_running_loop().create_future())
            self._waiters.append(waiter)
            try:
                connection = await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():  # woken as we were cancelled
                    handed = waiter.result()
                    if handed is not None:
                        self._put_back(handed)
                    else:
                        self._wake_one(None)  # the room to open one goes to the next
                raise
            if connection is not None:
                return connection
            # None: a connection was dropped, there is room to open one; try again

    async def _open(self) -> Connection:
        self._size += 1
        try:
            connection = await self._connect()
        except BaseException:
            self._size -= 1
            self._wake_one(None)
            raise
        self._live.add(connection)
        connection.add_termination_listener(self._forget)
        return connection

    async def release(self, connection: Connection) -> None:
        """Take a connection back; an open transaction is rolled back first."""
        if connection not in self._live or connection in self._idle:
            return  # given back already, or closed and forgotten
        if connection.is_closed():
            self._forget(connection)
            return
        if connection.is_in_transaction():
            try:
                await connection.execute("ROLLBACK")
            except BaseException:
                connection.terminate()
                self._forget(connection)
                raise
        self._put_back(connection)

    def _put_back(self, connection: Connection) -> None:
        if self._closed:
            connection.terminate()
            self._forget(connection)
            return
        if not self._wake_one(connection):
            self._idle.append(connection)

    def _forget(self, connection: Connection) -> None:
        """A connection is gone (closed, broken, or ended by the server): free its place
        once, whoever notices first."""
        if connection not in self._live:
            return
        self._live.discard(connection)
        if connection in self._idle:
            self._idle.remove(connection)
        self._size -= 1
        if not self._closed:
            self._wake_one(None)

    def _wake_one(self, value: Connection | None) -> bool:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(value)
                return True
        return False

    async def close(self) -> None:
        """Close the idle connections; those in use are closed when they come back."""
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            self._forget(connection)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), timeout=10)
            if not connection.is_closed():
                connection.terminate()
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(PoolClosed("the connection pool is closed"))


class _Acquire:
    __slots__ = ("_connection", "_pool")

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        self._connection: Connection | None = None

    def __await__(self) -> Generator[Any, None, Connection]:
        return self._pool._acquire().__await__()

    async def __aenter__(self) -> Connection:
        self._connection = await self._pool._acquire()
        return self._connection

    async def __aexit__(self, *exc: object) -> None:
        connection, self._connection = self._connection, None
        await self._pool.release(connection)
