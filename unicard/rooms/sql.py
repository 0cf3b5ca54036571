"""Plain SQL for the hot paths of rooms and classes: one round trip per statement.

Statements are written once with PostgreSQL placeholders (`$1`, `$2`, …) and run on either
engine: for SQLite they become numbered `?1`, `?2`. They run on the connection of the ambient
transaction (opened by `write_transaction` / `read_transaction`), so they join it exactly as
Piccolo queries do. Piccolo's query builder costs more than the database on a booking request;
this module is what keeps a booking to a handful of cheap statements.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine

from unicard.bulk import as_utc as utc
from unicard.bulk import fetch_once
from unicard.db import current_engine

__all__ = ["execute", "fetch", "fetchrow", "is_constraint", "utc"]

_PLACEHOLDER = re.compile(r"\$(\d+)")


@lru_cache(maxsize=512)
def _for_sqlite(sql: str) -> str:
    return _PLACEHOLDER.sub(r"?\1", sql)


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows as dicts; joins the caller's transaction when there is one, else runs as one
    statement of its own (`bulk.fetch_once`)."""
    engine = current_engine()
    transaction = engine.current_transaction.get()
    sqlite = isinstance(engine, SQLiteEngine)
    statement = _for_sqlite(sql) if sqlite else sql
    if transaction is None:
        return await fetch_once(statement, args)
    if sqlite:
        return await _sqlite_fetch(transaction.connection, statement, args)
    # a transaction, or `db.single_statements()`
    return [dict(row) for row in await transaction.connection.fetch(sql, *args)]


async def _sqlite_fetch(connection: Any, statement: str, args: tuple[Any, ...]
                        ) -> list[dict[str, Any]]:
    """Inline on the event loop thread when the pooled connection allows it (`raw`): these
    statements are index lookups and single-row writes of tens of µs, less than a hop to
    aiosqlite's thread and back, and on SQLite the write lock is held across every hop."""
    raw = getattr(connection, "raw", None)
    if raw is not None:
        return raw.execute(statement, args).fetchall()  # type: ignore[no-any-return]
    return list(await connection.execute_fetchall(statement, args))


async def fetchrow(sql: str, *args: Any) -> dict[str, Any] | None:
    rows = await fetch(sql, *args)
    return rows[0] if rows else None


async def execute(sql: str, *args: Any) -> None:
    await fetch(sql, *args)


def is_constraint(exc: BaseException, name: str) -> bool:
    """Whether a database error is the named constraint (PostgreSQL) or trigger (SQLite)
    refusing a row; both engines put the name in the message."""
    return name in str(exc) or name == getattr(exc, "constraint_name", None)
