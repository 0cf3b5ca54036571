"""Set-at-a-time SQL for hot and bulk paths, on the current transaction's connection.

Piccolo builds a Table instance per row, which costs more than the database work on a bulk
import or a busy desk; these helpers run plain parameterised SQL written once with `?`
placeholders, translated to `$n` for PostgreSQL. Only call them inside `write_transaction()`
or `read_transaction()`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from unicard.db import current_engine, is_sqlite

__all__ = ["execute", "execute_many", "fetch", "placeholders"]

_QMARK = re.compile(r"\?")


def placeholders(count: int) -> str:
    """`?, ?, ?` for an IN list of `count` values."""
    return ", ".join(["?"] * count) if count else "NULL"


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


async def execute_many(sql: str, rows: Iterable[Sequence[Any]]) -> None:
    batch = [tuple(row) for row in rows]
    if not batch:
        return
    connection = _connection()
    if is_sqlite():
        await connection.executemany(sql, batch)
    else:
        await connection.executemany(_dollar(sql), batch)
