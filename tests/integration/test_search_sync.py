"""The outbox keeps the search engine current, and loses nothing while the engine is down."""

from __future__ import annotations

import shutil

import pytest

from search_index import Query, SearchUnavailable, open_engine
from unicard.bulk import fetch
from unicard.catalogue.services import (
    NewItem,
    RecordInput,
    create_item,
    create_record,
    update_item,
)
from unicard.db import read_transaction
from unicard.search.indexer import ChildIndexer, InlineIndexer
from unicard.search.sync import drain_outbox, outbox_backlog, reindex
from unicard.settings import Settings

from ..conftest import pg_url


async def pending_attempts() -> list[int]:
    async with read_transaction():
        rows = await fetch("SELECT attempts FROM outbox WHERE processed_at IS NULL")
    return [row["attempts"] for row in rows]


async def test_catalogue_changes_reach_search_through_the_outbox(network, clock, tmp_path):
    engine = open_engine(index_path=tmp_path / "index" / "search.sqlite3")
    librarian = network.east_librarian
    record = await create_record(RecordInput(title="红楼梦", authors=("曹雪芹",),
                                             isbns=("9787020002207",)), librarian, clock)
    item = await create_item(record["id"], NewItem(branch="EAST-B1"), librarian, clock)
    while await drain_outbox(InlineIndexer(engine), clock):
        pass
    assert await outbox_backlog() == 0
    found = engine.search(Query(text="hlm", available_at="EAST"))
    assert [hit.id for hit in found.hits] == [str(record["id"])]

    await update_item(item["barcode"], {"status": "missing"}, librarian, clock)
    await drain_outbox(InlineIndexer(engine), clock)
    assert engine.search(Query(text="红楼梦", available_at="EAST")).total == 0
    assert engine.search(Query(text="红楼梦", held_by="NET")).total == 1
    engine.close()


async def test_engine_down_keeps_the_outbox_and_catches_up(network, clock, tmp_path):
    index_dir = tmp_path / "index"
    engine = open_engine(index_path=index_dir / "search.sqlite3")
    librarian = network.east_librarian
    shutil.rmtree(index_dir)  # the index volume went away
    record = await create_record(RecordInput(title="西游记", authors=("吴承恩",)), librarian,
                                 clock)
    with pytest.raises(SearchUnavailable):
        await drain_outbox(InlineIndexer(engine), clock)
    assert await pending_attempts() == [1]  # kept, and the failed attempt counted
    engine.close()
    index_dir.mkdir()
    back = open_engine(index_path=index_dir / "search.sqlite3")
    assert await drain_outbox(InlineIndexer(back), clock) == 1
    assert await outbox_backlog() == 0
    assert back.search(Query(text="xyj")).hits[0].id == str(record["id"])
    back.close()


async def test_reindex_rebuilds_from_the_database(network, clock, tmp_path):
    engine = open_engine(index_path=tmp_path / "search.sqlite3")
    for title in ("三国演义", "水浒传", "平凡的世界"):
        await create_record(RecordInput(title=title), network.east_librarian, clock)
    seen: list[int] = []
    assert await reindex(engine, seen.append, batch=2) == 3
    assert engine.count() == 3 and seen
    assert engine.search(Query(text="水浒")).total == 1
    engine.close()


def _child_settings(db: str, tmp_path, templates) -> Settings:  # type: ignore[no-untyped-def]
    """The settings a `serve` on this test's database would hand its indexer child."""
    url = "" if db == "sqlite" else pg_url(templates.pg_name)
    return Settings(data_dir=tmp_path, database_url=url, secret_key="test-secret-key")


async def test_the_indexer_child_process_indexes_and_comes_back_after_dying(
        db, network, clock, tmp_path, _templates):
    indexer = ChildIndexer(_child_settings(db, tmp_path, _templates))
    await indexer.start()
    try:
        first = await create_record(RecordInput(title="红楼梦", authors=("曹雪芹",)),
                                    network.east_librarian, clock)
        assert await drain_outbox(indexer, clock) == 1
        engine = open_engine(index_path=tmp_path / "search.sqlite3")
        assert [h.id for h in engine.search(Query(text="hlm")).hits] == [str(first["id"])]

        process = indexer._process
        assert process is not None
        process.kill()  # the child dies between batches
        await process.wait()
        second = await create_record(RecordInput(title="西游记"), network.east_librarian,
                                     clock)
        assert await drain_outbox(indexer, clock) == 1  # started again, nothing lost
        assert [h.id for h in engine.search(Query(text="xyj")).hits] == [str(second["id"])]
        assert indexer._process is not process
        engine.close()
    finally:
        await indexer.close()


async def test_the_indexer_child_reports_an_unavailable_engine_and_the_rows_stay(
        db, network, clock, tmp_path, _templates):
    (tmp_path / "search.sqlite3").mkdir()  # where the index file should be: unusable
    indexer = ChildIndexer(_child_settings(db, tmp_path, _templates))
    try:
        await create_record(RecordInput(title="水浒传"), network.east_librarian, clock)
        with pytest.raises(SearchUnavailable):
            await drain_outbox(indexer, clock)
        assert await pending_attempts() == [1]
    finally:
        await indexer.close()


async def test_a_branch_opened_after_indexing_began_is_in_the_next_documents(
        network, clock, tmp_path):
    """The indexer keeps the org tree between batches; a new branch (a new network version)
    must reach the documents of the very next batch."""
    from unicard.network.services import NewOrg, create_org

    engine = open_engine(index_path=tmp_path / "search.sqlite3")
    record = await create_record(RecordInput(title="围城"), network.east_librarian, clock)
    await create_item(record["id"], NewItem(branch="EAST-B1"), network.east_librarian, clock)
    assert await drain_outbox(InlineIndexer(engine), clock) >= 1
    await create_org(NewOrg("EAST-B9", "branch", "东区九分馆", "EAST"), network.admin, clock)
    await create_item(record["id"], NewItem(branch="EAST-B9"), network.east_librarian, clock)
    while await drain_outbox(InlineIndexer(engine), clock):
        pass
    assert engine.search(Query(text="围城", available_at="EAST-B9")).total == 1
    engine.close()
