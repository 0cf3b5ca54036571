"""Database engines: SQLite by default (WAL, write lock taken at BEGIN), PostgreSQL by DSN.

Tables are bound to one engine at start-up (`bind`), so the same process can be pointed at a
different database in tests. Services open transactions only through `write_transaction` /
`read_transaction`, never through the engine directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlparse

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import (
    SQLiteEngine,
    SQLiteTransaction,
    TransactionType,
    dict_factory,
)
from piccolo.table import Table

from unicard.pg_pool import ConnectionPool
from unicard.settings import SQLITE_SYNCHRONOUS, Settings

__all__ = [
    "SingleStatements",
    "UnicardSQLiteEngine",
    "all_tables",
    "bind",
    "close_pools",
    "current_engine",
    "engine_from_settings",
    "is_sqlite",
    "migrate",
    "open_pools",
    "read_transaction",
    "single_statements",
    "write_transaction",
]

os.environ.setdefault("PICCOLO_CONF", "unicard.piccolo_conf")

_SQLITE_PRAGMAS = (
    "PRAGMA foreign_keys = 1",
    "PRAGMA busy_timeout = 10000",
    # Checkpoints run in the background (`UnicardSQLiteEngine._written`), not in the
    # COMMIT that happens to cross the threshold, where they stalled the event loop.
    "PRAGMA wal_autocheckpoint = 0",
)
_CHECKPOINT_EVERY = 200  # write transactions between background checkpoints


class _PooledConnection:
    """An aiosqlite connection whose close() hands it back to the engine's pool."""

    def __init__(self, connection: aiosqlite.Connection, engine: UnicardSQLiteEngine) -> None:
        self._connection = connection
        self._engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    @property
    def raw(self) -> sqlite3.Connection:
        """The sqlite3 connection itself, for statements run inline on the event loop."""
        return self._connection._conn

    async def close(self) -> None:
        await self._engine._release(self._connection)


_BUSY_TIMEOUT_MS = 10000  # as in _SQLITE_PRAGMAS


class WriteQueue:
    """The in-process queue of SQLite writers: a writer that finds it free goes at once, a
    writer that finds it taken waits in line (first in, first out).

    Unlike `asyncio.Lock`, a free queue is taken even while a woken waiter has not run yet.
    Handing the lock to a waiter costs a full turn of the event loop, which under load is
    milliseconds; with strict handover every writer after the first wait pays that turn
    (a convoy that never clears), while most transactions run inline and never yield.
    """

    def __init__(self) -> None:
        self._locked = False
        self._waiters: deque[asyncio.Future[None]] = deque()

    def locked(self) -> bool:
        return self._locked

    async def __aenter__(self) -> None:
        if not self._locked:
            self._locked = True
            return
        loop = asyncio.get_running_loop()
        first_try = True
        while True:
            waiter: asyncio.Future[None] = loop.create_future()
            if first_try:
                self._waiters.append(waiter)
            else:  # woken but overtaken: keep the place at the head of the line
                self._waiters.appendleft(waiter)
            first_try = False
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                elif not self._locked:
                    self._wake_next()
                raise
            if not self._locked:
                self._locked = True
                return

    async def __aexit__(self, *exc: object) -> None:
        self._locked = False
        self._wake_next()

    def _wake_next(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return


async def _begin(connection: Any, transaction_type: TransactionType) -> None:
    raw = connection.raw
    statement = f"BEGIN {transaction_type.value}"
    if transaction_type is TransactionType.deferred:
        raw.execute(statement)
        return
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        raw.execute(statement)
        return
    except sqlite3.OperationalError:  # another process holds the write lock
        pass
    finally:
        raw.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
    await connection.execute(statement)


class _InlineTransaction(SQLiteTransaction):
    """BEGIN, COMMIT and ROLLBACK run inline on the event loop thread: they take microseconds,
    while a hop to aiosqlite's thread and back, twice per transaction with the write lock
    held, is what limited a busy desk. A BEGIN IMMEDIATE that would have to wait for another
    process's writer goes through the thread, so the loop never sleeps in SQLite's busy
    handler; COMMIT in WAL mode never waits for readers."""

    async def begin(self) -> None:
        await _begin(self.connection, self.transaction_type)

    async def commit(self) -> None:
        self.connection.raw.execute("COMMIT")
        self._committed = True
        if self.transaction_type is not TransactionType.deferred:
            self.engine._written()  # type: ignore[attr-defined]

    async def rollback(self) -> None:
        self.connection.raw.execute("ROLLBACK")
        self._rolled_back = True


class _Unit(SQLiteTransaction):
    """One use case inside a group-commit batch: what `engine.current_transaction` holds, so
    Piccolo queries and `unicard.bulk` run on the batch's connection."""

    def __init__(self, engine: UnicardSQLiteEngine, connection: Any) -> None:
        super().__init__(engine=engine, transaction_type=TransactionType.immediate)
        self.connection = connection


class _Batch:
    """Write transactions committed together: one BEGIN IMMEDIATE, a SAVEPOINT per use case,
    one COMMIT for all of them."""

    def __init__(self, connection: Any, done: asyncio.Future[None]) -> None:
        self.connection = connection
        self.done = done
        self.commit_scheduled = False
        self.commit_task: asyncio.Task[None] | None = None


class UnicardSQLiteEngine(SQLiteEngine):
    """SQLite tuned for a busy desk: WAL, persistent pooled connections (Piccolo opens a new
    connection and thread per query otherwise), pragmas set once per connection instead of
    before every statement, and write transactions queued in-process before `BEGIN
    IMMEDIATE` so writers wait in order instead of polling SQLite's busy handler."""

    def __init__(self, path: str, pool_size: int = 8, synchronous: str = "normal",
                 **kwargs: Any) -> None:
        super().__init__(path=path, **kwargs)
        if synchronous not in SQLITE_SYNCHRONOUS:
            raise ValueError(f"SQLite synchronous must be one of {SQLITE_SYNCHRONOUS}")
        self._pragmas = (*_SQLITE_PRAGMAS, f"PRAGMA synchronous = {synchronous.upper()}")
        self._pool_size = pool_size
        self._idle: list[aiosqlite.Connection] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._write_lock: WriteQueue | None = None
        self._commits = 0
        self._checkpoint: asyncio.Task[None] | None = None
        self._batch: _Batch | None = None

    def _bind_loop(self) -> None:
        """Connections and locks belong to one event loop; a new loop (a new CLI command,
        a new test loop) starts a fresh pool."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._idle, self._write_lock = loop, [], WriteQueue()
            self._commits, self._checkpoint, self._batch = 0, None, None

    @property
    def write_lock(self) -> WriteQueue:
        self._bind_loop()
        assert self._write_lock is not None
        return self._write_lock

    async def _open(self) -> aiosqlite.Connection:
        # Used from the loop thread too (`_InlineTransaction`, inline hot-path SQL), never
        # from two threads at once: a connection belongs to one transaction at a time.
        connection = await aiosqlite.connect(**self.connection_kwargs, check_same_thread=False)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        for pragma in self._pragmas:
            await connection.execute(pragma)
        return connection

    async def get_connection(self) -> Any:
        self._bind_loop()
        connection = self._idle.pop() if self._idle else await self._open()
        return _PooledConnection(connection, self)

    async def _release(self, connection: aiosqlite.Connection) -> None:
        if connection.in_transaction:
            await connection.execute("ROLLBACK")
        if self._loop is asyncio.get_running_loop() and len(self._idle) < self._pool_size:
            self._idle.append(connection)
        else:
            await connection.close()

    def transaction(self, transaction_type: TransactionType = TransactionType.deferred,
                    allow_nested: bool = True) -> SQLiteTransaction:
        return _InlineTransaction(engine=self, transaction_type=transaction_type,
                                  allow_nested=allow_nested)

    @asynccontextmanager
    async def write_unit(self) -> AsyncIterator[_Unit]:
        """One use case as a savepoint of the open batch; returns once the batch's COMMIT is
        done, so the use case is durable when `write_transaction` returns (group commit).

        A COMMIT in WAL mode writes every page the transaction touched, one write per page:
        on a busy desk that is most of the cost of a check-out. Use cases that finish in the
        same turn of the event loop share one COMMIT (and the pages they both touched), which
        runs on the next turn, under the write queue so that no use case is half done."""
        async with self.write_lock:
            batch = self._batch
            if batch is None:
                connection = await self.get_connection()
                try:
                    await _begin(connection, TransactionType.immediate)
                except BaseException:
                    await connection.close()
                    raise
                batch = self._batch = _Batch(connection,
                                             asyncio.get_running_loop().create_future())
            raw = batch.connection.raw
            unit = _Unit(self, batch.connection)
            token = self.current_transaction.set(unit)
            raw.execute("SAVEPOINT unit")
            try:
                yield unit
            except BaseException:
                if raw.in_transaction:
                    raw.execute("ROLLBACK TO unit")
                    raw.execute("RELEASE unit")
                else:  # SQLite rolled the whole batch back: its other use cases failed too
                    self._fail_batch(batch, RuntimeError("the group transaction was rolled "
                                                         "back by SQLite"))
                    await batch.connection.close()
                raise
            else:
                raw.execute("RELEASE unit")
            finally:
                self.current_transaction.reset(token)
                if self._batch is batch and not batch.commit_scheduled:
                    batch.commit_scheduled = True
                    # Held by the batch: the loop keeps only a weak reference to tasks.
                    batch.commit_task = asyncio.get_running_loop().create_task(
                        self._commit(batch))
        await asyncio.shield(batch.done)

    async def _commit(self, batch: _Batch) -> None:
        async with self.write_lock:
            if self._batch is not batch:
                return
            self._batch = None
            try:
                batch.connection.raw.execute("COMMIT")
            except BaseException as exc:
                self._fail_batch(batch, exc)
            else:
                batch.done.set_result(None)
                self._written()
            finally:
                await batch.connection.close()

    def _fail_batch(self, batch: _Batch, exc: BaseException) -> None:
        if self._batch is batch:
            self._batch = None
        raw = batch.connection.raw
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        if not batch.done.done():
            batch.done.set_exception(exc)
            batch.done.exception()  # retrieved: waiters re-raise it, nobody else must

    def _written(self) -> None:
        """Count write commits; every `_CHECKPOINT_EVERY` one, checkpoint in the background."""
        self._commits += 1
        if self._commits >= _CHECKPOINT_EVERY and (self._checkpoint is None
                                                   or self._checkpoint.done()):
            self._commits = 0
            self._checkpoint = asyncio.get_running_loop().create_task(self._run_checkpoint())

    async def _run_checkpoint(self) -> None:
        """PASSIVE: copies what it can from the WAL into the database file on aiosqlite's
        thread, never blocking writers or readers."""
        connection = await self._open()
        try:
            await connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            await connection.close()

    async def close_pool(self) -> None:
        batch = self._batch
        if batch is not None and self._loop is asyncio.get_running_loop():
            await self._commit(batch)
        if self._checkpoint is not None and self._loop is asyncio.get_running_loop():
            await asyncio.gather(self._checkpoint, return_exceptions=True)
        self._checkpoint = None
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()

    async def _run_in_new_connection(self, query: str, args: list[Any] | None = None,
                                     query_type: str = "generic", table: Any = None) -> Any:
        pooled = await self.get_connection()
        try:
            return await self._run_in_existing_connection(pooled, query, args, query_type, table)
        finally:
            await pooled.close()

    async def _run_in_existing_connection(self, connection: Any, query: str,
                                          args: list[Any] | None = None,
                                          query_type: str = "generic",
                                          table: Any = None) -> Any:
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()

    def enable_wal(self) -> None:
        """WAL is a property of the file: set once, readers then never block the writer."""
        with sqlite3.connect(self.path) as connection:
            connection.execute("PRAGMA journal_mode = WAL")


class _ReleasingTransaction(PostgresTransaction):
    """Piccolo's transaction, except that a COMMIT or ROLLBACK that fails (the connection was
    lost, the disk is full) still hands the connection back to the pool and leaves the
    transaction context: Piccolo skips both then, and every such failure would keep one pooled
    connection out for good. The pool takes a connection back once (`pg_pool`). The same when
    BEGIN fails after the connection was taken."""

    async def __aenter__(self) -> PostgresTransaction:
        try:
            return await super().__aenter__()
        except BaseException:
            connection = getattr(self, "connection", None)
            if not self._parent and connection is not None:
                with contextlib.suppress(Exception):
                    await self._give_back(connection)
            raise

    async def _give_back(self, connection: Any) -> None:
        if self.engine.pool is not None:
            await self.engine.pool.release(connection)
        else:
            await connection.close()

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        try:
            return await super().__aexit__(exception_type, exception, traceback)
        except BaseException:
            if not self._parent:
                with contextlib.suppress(Exception):
                    await self._give_back(self.connection)
                with contextlib.suppress(ValueError, RuntimeError):  # reset already
                    self.engine.current_transaction.reset(self.context)
            raise


class UnicardPostgresEngine(PostgresEngine):
    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return _ReleasingTransaction(engine=self, allow_nested=allow_nested)


def engine_from_settings(settings: Settings) -> Engine:
    if settings.is_postgres:
        return UnicardPostgresEngine(config=postgres_config(settings.database_url))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return UnicardSQLiteEngine(path=str(settings.sqlite_path), timeout=10,
                               synchronous=settings.sqlite_synchronous)


def postgres_config(url: str) -> dict[str, Any]:
    """asyncpg's connection arguments for a libpq-style DSN: asyncpg reads the DSN itself, so
    everything libpq accepts works, a Unix socket too (`postgresql:///unicard?host=/run/
    postgresql`). On the loopback or a socket TLS protects nothing and costs CPU on every query
    (about a third of a booking's time), so it is off there unless the DSN asks for it."""
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    config: dict[str, Any] = {"dsn": url,
                              "database": (parsed.path or "/").lstrip("/") or "postgres"}
    host = query.get("host", [parsed.hostname or ""])[0]
    local = host in ("", "127.0.0.1", "localhost", "::1") or host.startswith("/")
    if "sslmode" not in query and local:
        config["ssl"] = "disable"
    return config


_engine: Engine | None = None


def bind(engine: Engine) -> None:
    """Point every table (ours and Piccolo's migration table) and Piccolo's finder at `engine`."""
    global _engine
    from piccolo.apps.migrations.tables import Migration

    from unicard import piccolo_conf

    piccolo_conf.DB = engine
    tables: list[type[Table]] = [*all_tables(), Migration]
    for table in tables:
        table._meta.db = engine
    _engine = engine
    if isinstance(engine, UnicardSQLiteEngine):
        engine.enable_wal()


def all_tables() -> list[type[Table]]:
    """Every table of every registered Piccolo app (core, catalogue, rooms, …)."""
    from unicard import piccolo_conf

    return [table for app in piccolo_conf.APP_REGISTRY.app_configs.values()
            for table in app.table_classes]


def current_engine() -> Engine:
    if _engine is None:
        from unicard import piccolo_conf

        bind(piccolo_conf.DB)
    assert _engine is not None
    return _engine


def is_sqlite() -> bool:
    return isinstance(current_engine(), SQLiteEngine)


@asynccontextmanager
async def write_transaction() -> AsyncIterator[Any]:
    """One use case, one transaction. On SQLite BEGIN IMMEDIATE takes the write lock up front,
    so two writers queue instead of failing halfway with SQLITE_BUSY on upgrade; use cases
    that finish in the same turn of the event loop share one COMMIT (`write_unit`)."""
    engine = current_engine()
    if isinstance(engine, UnicardSQLiteEngine):
        if engine.current_transaction.get() is not None:  # joining the caller's transaction
            yield engine.current_transaction.get()
            return
        async with engine.write_unit() as tx:
            yield tx
    elif isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate) as tx:
            yield tx
    else:
        if isinstance(engine.current_transaction.get(), SingleStatements):
            # Piccolo would join it as if it were a transaction: the writes would not be one.
            raise RuntimeError("write_transaction() inside single_statements()")
        async with engine.transaction() as tx:
            yield tx


class SingleStatements:
    """What `current_transaction` holds inside `single_statements()`: a pooled connection
    with no transaction open, on which each statement commits on its own."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.writes = 0  # a use case here writes with one statement (`sql.WriteBatch`)


@asynccontextmanager
async def single_statements() -> AsyncIterator[SingleStatements]:
    """PostgreSQL: a use case that reads with one statement and writes with one, each its
    own transaction, two round trips fewer than BEGIN … COMMIT. Its read takes no lock, so
    its write must be guarded against changes since the read (`sql.WriteBatch.guard`)."""
    engine = current_engine()
    if not isinstance(engine, PostgresEngine):
        raise RuntimeError("single_statements() is for PostgreSQL")
    pool = engine.pool
    connection = await (pool.acquire() if pool is not None else engine.get_new_connection())
    unit = SingleStatements(connection)
    token = engine.current_transaction.set(unit)  # type: ignore[arg-type]
    try:
        yield unit
    finally:
        engine.current_transaction.reset(token)
        await (pool.release(connection) if pool is not None else connection.close())


@asynccontextmanager
async def read_transaction() -> AsyncIterator[Any]:
    """A consistent snapshot for multi-query reads."""
    engine = current_engine()
    async with engine.transaction() as tx:
        yield tx


async def open_pools(engine: Engine, size: int) -> None:
    """PostgreSQL needs its pool started (`pg_pool`, in place of asyncpg's); SQLite's pool
    fills on demand."""
    if isinstance(engine, PostgresEngine):
        if engine.pool is not None:
            raise RuntimeError("the connection pool is already open")
        engine.pool = await ConnectionPool(  # type: ignore[assignment]
            engine.get_new_connection, max_size=size, min_size=min(2, size)).start()


async def close_pools(engine: Engine) -> None:
    """Close pooled connections: a still-open SQLite connection keeps the WAL unmerged and
    its worker thread keeps the process alive."""
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    elif isinstance(engine, UnicardSQLiteEngine):
        await engine.close_pool()


async def migrate() -> None:
    """Apply the checked-in Piccolo migrations (what `unicard init` does)."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    current_engine()
    result = await run_forwards(app_name="all", migration_id="all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")
