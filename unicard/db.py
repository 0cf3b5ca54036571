"""Database engines: SQLite by default (WAL, write lock taken at BEGIN), PostgreSQL by DSN.

Tables are bound to one engine at start-up (`bind`), so the same process can be pointed at a
different database in tests. Services open transactions only through `write_transaction` /
`read_transaction`, never through the engine directly.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlparse

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from unicard.settings import Settings

__all__ = [
    "UnicardSQLiteEngine",
    "bind",
    "current_engine",
    "engine_from_settings",
    "is_sqlite",
    "migrate",
    "read_transaction",
    "write_transaction",
]

os.environ.setdefault("PICCOLO_CONF", "unicard.piccolo_conf")

_SQLITE_PRAGMAS = (
    "PRAGMA foreign_keys = 1",
    "PRAGMA busy_timeout = 10000",
    "PRAGMA synchronous = NORMAL",
)


class UnicardSQLiteEngine(SQLiteEngine):
    """SQLite with WAL and a busy timeout on every connection Piccolo opens."""

    async def get_connection(self) -> aiosqlite.Connection:
        connection = await super().get_connection()
        for pragma in _SQLITE_PRAGMAS:
            await connection.execute(pragma)
        return connection

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
    from unicard.piccolo_app import TABLES

    piccolo_conf.DB = engine
    for table in [*TABLES, Migration]:
        table._meta.db = engine
    _engine = engine
    if isinstance(engine, UnicardSQLiteEngine):
        engine.enable_wal()


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
    if isinstance(engine, SQLiteEngine):
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


async def migrate() -> None:
    """Apply the checked-in Piccolo migrations (what `unicard init` does)."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    current_engine()
    result = await run_forwards(app_name="unicard", migration_id="all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")
