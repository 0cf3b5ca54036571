"""`bulk.in_list`: one array parameter on PostgreSQL, `IN (…)` on SQLite, the same rows."""

from __future__ import annotations

from tests.integration.conftest import Network
from unicard.bulk import fetch, in_list
from unicard.db import read_transaction


async def codes_among(codes: list[str]) -> list[str]:
    where, args = in_list("code", codes)
    async with read_transaction():
        rows = await fetch(f"SELECT code FROM org WHERE {where} ORDER BY code", args)
    return [r["code"] for r in rows]


async def test_the_rows_whose_column_is_in_the_list(network: Network, db: str):
    assert await codes_among(["WEST-B1", "NO-SUCH-ORG", "EAST-B1"]) == ["EAST-B1", "WEST-B1"]
    assert await codes_among([]) == []


def test_postgresql_gets_one_array_whatever_the_count(db: str):
    if db != "postgres":
        where, args = in_list("id", [3, 1, 2])
        assert (where, args) == ("id IN (?, ?, ?)", [3, 1, 2])
        return
    for values in ([1], [1, 2, 3], list(range(400))):
        where, args = in_list("id", values)
        assert (where, args) == ("id = ANY(?)", [values])
