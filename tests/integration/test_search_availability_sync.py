"""Circulation changes reach search as availability-only updates: the copies are read again
and the document's availability rewritten, nothing else (no text analysis); a record the index
does not have yet gets its whole document."""

from __future__ import annotations

from search_index import Copies, Query, open_engine
from tests.integration.circ_world import World, make_items, make_record, rows, world
from unicard.bulk import execute
from unicard.circulation.services import check_in, check_out
from unicard.db import write_transaction
from unicard.search.indexer import InlineIndexer
from unicard.search.sync import drain_outbox, outbox_backlog

__all__ = ["world"]


async def drain(indexer: InlineIndexer, world: World) -> None:
    while await drain_outbox(indexer, world.clock):
        pass
    assert await outbox_backlog() == 0


async def test_a_check_out_rewrites_only_the_availability_of_the_document(world: World,
                                                                           tmp_path):
    engine = open_engine(index_path=tmp_path / "search.sqlite3")
    indexer = InlineIndexer(engine)
    card = await world.reader("张三")
    record = await make_record("红楼梦")
    [barcode] = await make_items(record, "EAST-B1")
    await indexer.index([record])
    assert engine.get(str(record)).availability == {"EAST-B1": Copies(1, 1)}
    # Changed behind the outbox's back: only a whole rebuild of the document would show it.
    async with write_transaction():
        await execute("UPDATE bib_record SET title = '石头记' WHERE id = ?", [record])

    await check_out(card, barcode, world.desk("EAST-B1"), world.clock)
    assert [r["topic"] for r in await rows("SELECT topic FROM outbox")] == ["availability"]
    await drain(indexer, world)
    doc = engine.get(str(record))
    assert doc is not None and doc.title == "红楼梦"
    assert doc.availability == {"EAST-B1": Copies(1, 0)}
    assert "EAST-B1" in doc.held_by and "EAST-B1" not in doc.available_at
    assert engine.search(Query(text="红楼梦", available_at="EAST")).total == 0
    assert engine.search(Query(text="红楼梦", held_by="EAST")).total == 1

    await check_in(barcode, world.desk("EAST-B1"), world.clock)
    await drain(indexer, world)
    assert engine.search(Query(text="红楼梦", available_at="EAST-B1")).total == 1
    assert engine.get(str(record)).title == "红楼梦"
    engine.close()


async def test_availability_of_a_record_not_yet_indexed_brings_its_whole_document(
        world: World, tmp_path):
    engine = open_engine(index_path=tmp_path / "search.sqlite3")
    card = await world.reader("李四")
    record = await make_record("围城")  # written straight into the tables: not indexed
    [barcode, _] = await make_items(record, "EAST-B1", count=2)
    await check_out(card, barcode, world.desk("EAST-B1"), world.clock)
    await drain(InlineIndexer(engine), world)
    doc = engine.get(str(record))
    assert doc is not None and doc.title == "围城"
    assert doc.availability == {"EAST-B1": Copies(2, 1)}
    assert engine.search(Query(text="围城", available_at="EAST-B1")).total == 1
    engine.close()
