"""Set-at-a-time SQL for hot and bulk paths, on the current transaction's connection.

Piccolo builds a Table instance per row, which costs more than the database work on a bulk
import or a busy desk; these helpers run plain parameterised SQL written once with `?`
placeholders, translated to `$n` for PostgreSQL. Only call them inside `write_transaction()`
or `read_transaction()`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from unicard.db import current_engine, is_sqlite, single_statements

__all__ = [
    "as_utc",
    "execute",
    "execute_many",
    "execute_short",
    "fetch",
    "fetch_once",
    "in_list",
    "placeholders",
]

_QMARK = re.compile(r"\?")


def placeholders(count: int) -> str:
    """`?, ?, ?` for an IN list of `count` values."""
    return ", ".join(["?"] * count) if count else "NULL"


def in_list(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """`column` is one of `values`, as SQL and its arguments. PostgreSQL gets one array
    parameter (`= ANY(?)`): one statement text whatever the count, prepared and planned once.
    An `IN (?, ?, …)` of each new length was a new statement to parse and plan, hundreds of
    parameters long, every few hundred milliseconds for the search worker. SQLite has no
    arrays and no plan cache to fill, so it keeps `IN`."""
    if is_sqlite():
        return f"{column} IN ({placeholders(len(values))})", list(values)
    return f"{column} = ANY(?)", [list(values)]


def _connection() -> Any:
    transaction = current_engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("bulk SQL must run inside write_transaction()/read_transaction()")
    return transaction.connection


@lru_cache(maxsize=1024)
def _dollar(sql: str) -> str:
    counter = iter(range(1, 1_000_000))
    return _QMARK.sub(lambda _: f"${next(counter)}", sql)


async def fetch(sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
    connection = _connection()
    if is_sqlite():
        # One hop to the connection's thread (a cursor context costs three).
        return list(await connection.execute_fetchall(sql, list(args)))
    return [dict(row) for row in await connection.fetch(_dollar(sql), *args)]


async def execute(sql: str, args: Sequence[Any] = ()) -> None:
    connection = _connection()
    if is_sqlite():
        await connection.execute(sql, list(args))
    else:
        await connection.execute(_dollar(sql), *args)


async def execute_short(sql: str, args: Sequence[Any] = ()) -> None:
    """A statement known to take a few milliseconds at most, in a write transaction that
    others wait on: on SQLite it runs on the event loop thread instead of aiosqlite's (the hop
    there and back, with the write lock held, costs the waiting desks more than the
    statement); on PostgreSQL it is `execute`."""
    if is_sqlite():
        _connection().raw.execute(sql, tuple(args))
        return
    await execute(sql, args)


async def execute_many(sql: str, rows: Iterable[Sequence[Any]]) -> None:
    batch = [tuple(row) for row in rows]
    if not batch:
        return
    connection = _connection()
    if is_sqlite():
        await connection.executemany(sql, batch)
    else:
        await connection.executemany(_dollar(sql), batch)


async def fetch_once(sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """One read statement on its own, outside any transaction (a single statement is its own
    snapshot): for lookups made on every request, such as the session behind a token, where
    BEGIN and COMMIT would be two more round trips on PostgreSQL. On SQLite the statement runs
    inline on a pooled connection; a point read in WAL mode never waits for the writer."""
    engine = current_engine()
    if is_sqlite():
        pooled = await engine.get_connection()  # type: ignore[attr-defined]
        try:
            return pooled.raw.execute(sql, tuple(args)).fetchall()  # type: ignore[no-any-return]
        finally:
            await pooled.close()
    async with single_statements():  # pooled, or a connection of its own without a pool
        return await fetch(sql, args)


def as_utc(value: Any) -> datetime | None:
    """A timestamp read by plain SQL: asyncpg hands back aware datetimes, SQLite ISO text or
    a naive datetime (stored as UTC)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
