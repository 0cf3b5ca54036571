"""`pg_pool.ConnectionPool` against a real PostgreSQL: reuse, the size limit and its queue,
rollback on release, dropped connections, cancellation and closing."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.conftest import PG_ADMIN_URL, PG_SKIP_REASON, backend_param
from unicard.db import postgres_config
from unicard.pg_pool import ConnectionPool, PoolClosed

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(PG_SKIP_REASON is not None, reason=PG_SKIP_REASON or "")]


def connector(opened: list[asyncpg.Connection] | None = None):  # type: ignore[no-untyped-def]
    async def connect() -> asyncpg.Connection:
        connection = await asyncpg.connect(**postgres_config(PG_ADMIN_URL))
        if opened is not None:
            opened.append(connection)
        return connection
    return connect


# The tests of unicard's PostgreSQL transaction need the `db` fixture on PostgreSQL only.
on_postgres = pytest.mark.parametrize("db", [backend_param("postgres")], indirect=True)


async def end_session(pid: int) -> None:
    """What a PostgreSQL restart or an admin's `pg_terminate_backend` does to a session."""
    admin = await asyncpg.connect(**postgres_config(PG_ADMIN_URL))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def take(pool: ConnectionPool) -> asyncpg.Connection:
    return await pool.acquire()


async def backend_pid(pool: ConnectionPool) -> int:
    async with pool.acquire() as connection:
        return int(await connection.fetchval("SELECT pg_backend_pid()"))


async def test_a_released_connection_is_handed_out_again():
    opened: list[asyncpg.Connection] = []
    pool = await ConnectionPool(connector(opened), max_size=4, min_size=2).start()
    try:
        assert (pool.size, pool.idle) == (2, 2)
        first = await backend_pid(pool)
        assert await backend_pid(pool) == first  # the warm one, no new connection
        assert len(opened) == 2
    finally:
        await pool.close()
    assert all(c.is_closed() for c in opened)


async def test_no_more_than_max_size_and_waiters_are_served_in_order():
    pool = await ConnectionPool(connector(), max_size=2).start()
    try:
        a, b = await pool.acquire(), await pool.acquire()
        assert pool.size == 2
        served: list[str] = []

        async def wait(name: str) -> None:
            connection = await pool.acquire()
            served.append(name)
            await pool.release(connection)

        waiting = [asyncio.create_task(wait(name)) for name in ("first", "second", "third")]
        await asyncio.sleep(0.05)
        assert served == [] and pool.size == 2
        await pool.release(a)
        await asyncio.gather(*waiting)
        assert served == ["first", "second", "third"]
        await pool.release(b)
        assert (pool.size, pool.idle) == (2, 2)
    finally:
        await pool.close()


async def test_an_open_transaction_is_rolled_back_on_release():
    pool = await ConnectionPool(connector(), max_size=1).start()
    try:
        connection = await pool.acquire()
        await connection.execute("CREATE TEMPORARY TABLE pool_probe (n int)")
        await connection.execute("BEGIN")
        await connection.execute("INSERT INTO pool_probe VALUES (1)")
        await pool.release(connection)
        async with pool.acquire() as again:
            assert again is connection and not again.is_in_transaction()
            assert await again.fetchval("SELECT count(*) FROM pool_probe") == 0
    finally:
        await pool.close()


async def test_a_dead_connection_is_dropped_and_a_waiter_gets_a_new_one():
    pool = await ConnectionPool(connector(), max_size=1).start()
    try:
        connection = await pool.acquire()
        dead_pid = await connection.fetchval("SELECT pg_backend_pid()")
        waiter = asyncio.create_task(backend_pid(pool))
        await asyncio.sleep(0.05)
        connection.terminate()
        await pool.release(connection)
        assert await asyncio.wait_for(waiter, 10) != dead_pid
        assert pool.size == 1
        # a connection that dies while idle is noticed at the next acquire
        async with pool.acquire() as idle_one:
            pass
        idle_one.terminate()
        assert await backend_pid(pool) != dead_pid and pool.size == 1
    finally:
        await pool.close()


async def test_a_backend_ended_by_the_server_is_replaced_on_the_next_acquire():
    """PostgreSQL restarted or an admin ended the session: the idle connection is dead."""
    pool = await ConnectionPool(connector(), max_size=2, min_size=1).start()
    try:
        old = await backend_pid(pool)
        await end_session(old)
        await asyncio.sleep(0.2)  # the socket's close reaches the connection
        new = await backend_pid(pool)
        assert new != old and pool.size == 1
    finally:
        await pool.close()


async def test_a_cancelled_wait_leaves_the_pool_whole():
    pool = await ConnectionPool(connector(), max_size=1).start()
    try:
        held = await pool.acquire()
        waiter = asyncio.create_task(take(pool))
        await asyncio.sleep(0.05)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        await pool.release(held)
        assert (pool.size, pool.idle) == (1, 1)
        # handed over at the moment the waiter is cancelled: it goes back to the pool
        held = await pool.acquire()
        waiter = asyncio.create_task(take(pool))
        await asyncio.sleep(0.05)
        await pool.release(held)  # the waiter's future now holds the connection
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert (pool.size, pool.idle) == (1, 1)
    finally:
        await pool.close()


async def test_a_failed_connect_frees_its_place():
    attempts = 0

    async def refuse() -> asyncpg.Connection:
        nonlocal attempts
        attempts += 1
        raise OSError("connection refused")

    pool = ConnectionPool(refuse, max_size=1)
    for _ in range(2):
        with pytest.raises(OSError, match="refused"):
            await pool.acquire()
    assert attempts == 2 and pool.size == 0


async def test_closing_closes_idle_connections_and_refuses_new_requests():
    opened: list[asyncpg.Connection] = []
    pool = await ConnectionPool(connector(opened), max_size=2, min_size=1).start()
    in_use = await pool.acquire()
    await pool.close()
    assert pool.size == 1 and not in_use.is_closed()  # in use: left alone
    with pytest.raises(PoolClosed):
        await pool.acquire()
    await pool.release(in_use)  # comes back after the close: closed, not kept
    assert in_use.is_closed() and pool.size == 0


def test_sizes_are_checked():
    with pytest.raises(ValueError, match="min 3, max 2"):
        ConnectionPool(connector(), max_size=2, min_size=3)


async def test_a_connection_lost_while_out_gives_its_place_back_unreturned():
    """Nobody returns it (its user failed with the connection): the pool notices the close."""
    pool = await ConnectionPool(connector(), max_size=1).start()
    try:
        lost = await pool.acquire()
        await end_session(await lost.fetchval("SELECT pg_backend_pid()"))
        assert await asyncio.wait_for(backend_pid(pool), 10) > 0  # not waiting forever
        assert pool.size == 1
        await pool.release(lost)  # late and dead: ignored
        assert (pool.size, pool.idle) == (1, 1)
    finally:
        await pool.close()


async def test_the_same_connection_given_back_twice_is_kept_once():
    pool = await ConnectionPool(connector(), max_size=2).start()
    try:
        connection = await pool.acquire()
        await pool.release(connection)
        await pool.release(connection)
        assert (pool.size, pool.idle) == (1, 1)
        assert await pool.acquire() is connection
        other = await pool.acquire()
        assert other is not connection
    finally:
        await pool.close()


@on_postgres
async def test_a_failed_commit_still_returns_the_connection(db: str):
    """Piccolo skips the release when COMMIT raises; unicard's transaction does not."""
    from unicard.db import current_engine, write_transaction

    engine = current_engine()
    pool = engine.pool
    async with engine.transaction():
        pass  # at least one connection open and idle
    idle = pool.idle
    with pytest.raises(asyncpg.UniqueViolationError):
        async with write_transaction() as transaction:
            connection = transaction.connection
            await connection.execute(
                "CREATE TEMPORARY TABLE IF NOT EXISTS deferred_probe (n int UNIQUE "
                "DEFERRABLE INITIALLY DEFERRED)")
            await connection.execute("INSERT INTO deferred_probe VALUES (1), (1)")
    assert pool.idle == idle  # back in the pool
    assert engine.current_transaction.get() is None
    async with write_transaction() as transaction:  # and the next use case runs
        assert await transaction.connection.fetchval("SELECT 41 + 1") == 42


@on_postgres
async def test_a_failed_begin_returns_the_connection(db: str):
    from unicard.db import current_engine

    engine = current_engine()
    pool = engine.pool
    async with engine.transaction():
        pass
    idle = pool.idle
    transaction = engine.transaction()

    async def refuse() -> None:
        raise RuntimeError("BEGIN refused")

    transaction.begin = refuse  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="BEGIN refused"):
        async with transaction:
            pass
    assert pool.idle == idle


async def test_room_freed_while_a_waiter_is_cancelled_goes_to_the_next_waiter():
    pool = await ConnectionPool(connector(), max_size=1).start()
    try:
        held = await pool.acquire()
        first = asyncio.create_task(take(pool))
        second = asyncio.create_task(backend_pid(pool))
        await asyncio.sleep(0.05)
        held.terminate()
        await pool.release(held)  # room to open one: told to the first waiter …
        first.cancel()  # … which is cancelled before it can use it
        with pytest.raises(asyncio.CancelledError):
            await first
        assert await asyncio.wait_for(second, 10) > 0
        assert pool.size == 1
    finally:
        await pool.close()
