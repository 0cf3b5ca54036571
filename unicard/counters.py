"""Named serial counters that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from unicard.readers.tables import Counter

__all__ = ["next_values"]


async def next_values(name: str, count: int = 1, start: int = 1) -> range:
    """Reserve `count` consecutive values; must run inside the caller's write transaction,
    whose row lock (PostgreSQL) or write lock (SQLite) keeps two callers apart."""
    rows = await Counter.raw(
        "UPDATE counter SET value = value + {} WHERE name = {} RETURNING value", count, name
    )
    if not rows:
        await Counter.insert(Counter(name=name, value=start - 1 + count))
        return range(start, start + count)
    end = int(rows[0]["value"])
    return range(end - count + 1, end + 1)
