"""Database engines: SQLite by default (WAL, write lock taken at BEGIN), PostgreSQL by DSN.

Tables are bound to one engine at start-up (`bind`), so the same process can be pointed at a
different database in tests. Services open transactions only through `write_transaction` /
`read_transaction`, never through the engine directly.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlparse

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory
from piccolo.table import Table

from unicard.settings import Settings

__all__ = [
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
    "write_transaction",
]

os.environ.setdefault("PICCOLO_CONF", "unicard.piccolo_conf")

_SQLITE_PRAGMAS = (
    "PRAGMA foreign_keys = 1",
    "PRAGMA busy_timeout = 10000",
    "PRAGMA synchronous = NORMAL",
)


class _PooledConnection:
    """An aiosqlite connection whose close() hands it back to the engine's pool."""

    def __init__(self, connection: aiosqlite.Connection, engine: UnicardSQLiteEngine) -> None:
        self._connection = connection
        self._engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    async def close(self) -> None:
        await self._engine._release(self._connection)


class UnicardSQLiteEngine(SQLiteEngine):
    """SQLite tuned for a busy desk: WAL, persistent pooled connections (Piccolo opens a new
    connection and thread per query otherwise), pragmas set once per connection instead of
    before every statement, and write transactions queued in-process before `BEGIN
    IMMEDIATE` so writers wait in order instead of polling SQLite's busy handler."""

    def __init__(self, path: str, pool_size: int = 8, **kwargs: Any) -> None:
        super().__init__(path=path, **kwargs)
        self._pool_size = pool_size
        self._idle: list[aiosqlite.Connection] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._write_lock: asyncio.Lock | None = None

    def _bind_loop(self) -> None:
        """Connections and locks belong to one event loop; a new loop (a new CLI command,
        a new test loop) starts a fresh pool."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._idle, self._write_lock = loop, [], asyncio.Lock()

    @property
    def write_lock(self) -> asyncio.Lock:
        self._bind_loop()
        assert self._write_lock is not None
        return self._write_lock

    async def _open(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        for pragma in _SQLITE_PRAGMAS:
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

    async def close_pool(self) -> None:
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


def engine_from_settings(settings: Settings) -> Engine:
    if settings.is_postgres:
        url = urlparse(settings.database_url)
        config: dict[str, Any] = {
            "host": url.hostname or "127.0.0.1",
            "port": url.port or 5432,
            "user": url.username or "postgres",
            "password": url.password or "",
            "database": (url.path or "/unicard").lstrip("/"),
        }
        return PostgresEngine(config=config)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return UnicardSQLiteEngine(path=str(settings.sqlite_path), timeout=10)


_engine: Engine | None = None


def bind(engine: Engine) -> None:
    """Point every table (ours and Piccolo's migration table) and Piccolo's finder at `engine`."""
    global _engine
    from piccolo.apps.migrations.tables import Migration

    from unicard import piccolo_conf

    piccolo_conf.DB = engine
    for table in [*all_tables(), Migration]:
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
    so two writers queue instead of failing halfway with SQLITE_BUSY on upgrade."""
    engine = current_engine()
    if isinstance(engine, UnicardSQLiteEngine):
        if engine.current_transaction.get() is not None:  # joining the caller's transaction
            yield engine.current_transaction.get()
            return
        async with engine.write_lock, engine.transaction(
            transaction_type=TransactionType.immediate
        ) as tx:
            yield tx
    elif isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate) as tx:
            yield tx
    else:
        async with engine.transaction() as tx:
            yield tx


@asynccontextmanager
async def read_transaction() -> AsyncIterator[Any]:
    """A consistent snapshot for multi-query reads."""
    engine = current_engine()
    async with engine.transaction() as tx:
        yield tx


async def open_pools(engine: Engine, size: int) -> None:
    """PostgreSQL needs its pool started; SQLite's pool fills on demand."""
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=min(2, size), max_size=size)


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
