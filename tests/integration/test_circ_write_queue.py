"""The SQLite write path circulation relies on (unicard.db): writers queue in-process, use
cases that finish in one turn of the loop share a COMMIT, each stays atomic (a savepoint),
and `write_transaction` returns only once its work is committed. Runs on both backends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from unicard.bulk import execute, fetch
from unicard.db import WriteQueue, read_transaction, write_transaction
from unicard.events import Outbox


async def _insert(key: str, fail: bool = False) -> None:
    async with write_transaction():
        await execute("INSERT INTO outbox (topic, key, created_at, attempts) "
                      "VALUES ('test', ?, CURRENT_TIMESTAMP, 0)", [key])
        if fail:
            raise ValueError(key)


async def _keys() -> set[str]:
    async with read_transaction():
        return {r["key"] for r in await fetch("SELECT key FROM outbox WHERE topic = 'test'")}


async def test_concurrent_use_cases_commit_together_and_fail_alone(db: str):
    results = await asyncio.gather(*(_insert(str(n), fail=n % 7 == 3) for n in range(60)),
                                   return_exceptions=True)
    failed = {str(n) for n in range(60) if n % 7 == 3}
    assert {str(e) for e in results if isinstance(e, ValueError)} == failed
    assert await _keys() == {str(n) for n in range(60)} - failed


async def test_nested_write_joins_and_piccolo_queries_share_the_unit(db: str):
    async with write_transaction():
        await Outbox.insert(Outbox(topic="test", key="piccolo",
                                   created_at=datetime(2026, 11, 2, tzinfo=UTC)))
        async with write_transaction():
            await _insert("inner")
        rows = await fetch("SELECT key FROM outbox WHERE topic = 'test'")
        assert {r["key"] for r in rows} == {"piccolo", "inner"}
    assert await _keys() == {"piccolo", "inner"}


async def test_a_use_case_that_yields_keeps_others_waiting_not_failing(db: str):
    async def slow() -> None:
        async with write_transaction():
            await execute("INSERT INTO outbox (topic, key, created_at, attempts) "
                          "VALUES ('test', 'slow', CURRENT_TIMESTAMP, 0)")
            await asyncio.sleep(0.05)

    await asyncio.gather(slow(), *(_insert(f"fast{n}") for n in range(5)))
    assert await _keys() == {"slow", *(f"fast{n}" for n in range(5))}


async def test_write_queue_is_first_in_first_out_and_survives_cancellation():
    queue, order = WriteQueue(), []

    async def writer(name: str, hold: float = 0.0) -> None:
        async with queue:
            order.append(name)
            await asyncio.sleep(hold)

    first = asyncio.create_task(writer("first", 0.02))
    await asyncio.sleep(0)
    cancelled = asyncio.create_task(writer("cancelled"))
    later = [asyncio.create_task(writer(f"w{n}")) for n in range(3)]
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.gather(first, *later)
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert order == ["first", "w0", "w1", "w2"]
    assert not queue.locked()
