"""PostgreSQL backend CPU per statement for the desk's reads, one connection, no HTTP.

    .venv/bin/python bench/pg_statements.py            # 20,000 items, 5,000 readers
    .venv/bin/python bench/pg_statements.py --items 100000 --readers 20000

Why: at 32 desks the machine's two cores are shared by the server, the PostgreSQL backends
and the load generator, so a change to one statement moves `bench/circulation.py` by less
than the machine's own drift. Here one connection runs each statement back to back and the
figure is the CPU its backend spent (from /proc), next to `SELECT 1`, the floor every round
trip pays (receive, wake up, bind, send) whatever the statement does. Rounds alternate the
statements and the median round is printed, one line per statement.

Prepared statements, as the server runs them (asyncpg caches them per connection).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from circulation import Backend, load, pg_url  # noqa: E402
from proc_cpu import process_cpu  # noqa: E402


def statements() -> dict[str, tuple[str, int]]:
    """Name → (SQL with $n placeholders, how many of (card, barcode) it takes)."""
    from unicard.bulk import _dollar
    from unicard.circulation import services

    return {
        "SELECT 1 (round-trip floor)": ("SELECT 1", 0),
        "check-out read": (_dollar(services._CHECKOUT_VERSIONED), 2),
        "check-in read": (_dollar(services._CHECKIN_VERSIONED), 1),
    }


async def measure(url: str, rounds: int, per_round: int) -> dict[str, float]:
    import asyncpg

    connection = await asyncpg.connect(url, ssl=False)
    try:
        pid = await connection.fetchval("SELECT pg_backend_pid()")
        barcodes = [r[0] for r in await connection.fetch(
            "SELECT barcode FROM item ORDER BY random() LIMIT 2000")]
        cards = [r[0] for r in await connection.fetch(
            "SELECT number FROM card ORDER BY random() LIMIT 2000")]
        prepared = {name: (await connection.prepare(sql), arity)
                    for name, (sql, arity) in statements().items()}

        def args(i: int, arity: int) -> tuple[str, ...]:
            both = (cards[i % len(cards)], barcodes[i % len(barcodes)])
            return both if arity == 2 else both[1:] if arity == 1 else ()

        results: dict[str, list[float]] = {name: [] for name in prepared}
        for _ in range(rounds):
            for name, (statement, arity) in prepared.items():
                for i in range(50):  # warm the plan and the buffers
                    await statement.fetch(*args(i, arity))
                before = process_cpu(pid)
                for i in range(per_round):
                    await statement.fetch(*args(i, arity))
                results[name].append((process_cpu(pid) - before) / per_round)
        return {name: statistics.median(values) for name, values in results.items()}
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--readers", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=4_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="unicard-bench-"))
    backend = Backend.create("postgres", root)
    try:
        load(backend, args.items, args.readers, index=False)  # no search here
        assert backend.pg_name is not None
        os.environ.setdefault("UNICARD_SECRET_KEY", "bench-secret")
        figures = asyncio.run(measure(pg_url(backend.pg_name), args.rounds, args.per_round))
    finally:
        backend.drop()
    for name, seconds in figures.items():
        print(f"postgres {name:28s} backend CPU {seconds * 1e6:6.1f} µs/statement")


if __name__ == "__main__":
    main()
