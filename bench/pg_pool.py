"""Client CPU of one pooled use (acquire, `SELECT $1`, release): unicard's pool against
asyncpg's, with a bare connection as the floor. No HTTP, one task, rounds alternate.

    .venv/bin/python bench/pg_pool.py
    UNICARD_TEST_DATABASE_URL=postgresql://... .venv/bin/python bench/pg_pool.py

Prints one line: the CPU per use of each, and what each pool adds to the bare query.
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from unicard.db import postgres_config
from unicard.pg_pool import ConnectionPool

URL = os.environ.get("UNICARD_TEST_DATABASE_URL",
                     "postgresql://postgres:postgres@127.0.0.1:5432/postgres")
USES = 5_000
ROUNDS = 5


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def per_use(run: Callable[[int], Awaitable[Any]]) -> float:
    """µs of this process's CPU per use."""
    start = cpu_seconds()
    for i in range(USES):
        await run(i)
    return (cpu_seconds() - start) / USES * 1e6


async def main() -> None:
    import asyncpg

    config = postgres_config(URL)

    async def no_reset(connection: Any) -> None:  # as unicard ran asyncpg's pool
        return None

    theirs = await asyncpg.create_pool(**config, min_size=1, max_size=1, reset=no_reset)
    ours = await ConnectionPool(lambda: asyncpg.connect(**config), max_size=1,
                                min_size=1).start()
    bare = await asyncpg.connect(**config)

    async def bare_use(i: int) -> None:
        await bare.fetchval("SELECT $1::int", i)

    async def their_use(i: int) -> None:
        connection = await theirs.acquire()
        try:
            await connection.fetchval("SELECT $1::int", i)
        finally:
            await theirs.release(connection)

    async def our_use(i: int) -> None:
        connection = await ours.acquire()
        try:
            await connection.fetchval("SELECT $1::int", i)
        finally:
            await ours.release(connection)

    figures: dict[str, list[float]] = {"bare": [], "asyncpg": [], "unicard": []}
    try:
        for _ in range(ROUNDS):
            for name, use in (("bare", bare_use), ("asyncpg", their_use),
                              ("unicard", our_use)):
                figures[name].append(await per_use(use))
    finally:
        await bare.close()
        await theirs.close()
        await ours.close()
    median = {name: statistics.median(values) for name, values in figures.items()}
    print(f"pg_pool: CPU per pooled query {median['unicard']:.1f} µs with unicard's pool "
          f"(+{median['unicard'] - median['bare']:.1f} µs over a bare connection), "
          f"{median['asyncpg']:.1f} µs with asyncpg's "
          f"(+{median['asyncpg'] - median['bare']:.1f} µs); median of {ROUNDS} rounds "
          f"of {USES:,}")


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main())
