"""Keeping the search engine in step with the catalogue: the outbox worker and reindex.

Catalogue changes write an outbox row (topic "record", key = record id) in their own
transaction, circulation changes one with topic "availability" (only where the copies are
changed). The worker reads a batch, builds whole documents from the database for "record"
(the availability part alone for "availability", see `indexer`), upserts them (deleting
records that no longer exist), and only then marks the rows done; if
the engine is down the rows stay and are retried with back-off, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator

from search_index import Document, SearchEngine, SearchUnavailable
from unicard.bulk import execute, execute_short, fetch, fetch_once, in_list
from unicard.clock import Clock
from unicard.db import read_transaction, write_transaction
from unicard.network.services import load_tree
from unicard.search.indexer import Indexer, documents_for

__all__ = ["documents_for", "drain_outbox", "outbox_backlog", "reindex", "run_outbox_worker"]

log = logging.getLogger("unicard.search")

async def outbox_backlog() -> int:
    rows = await fetch_once("SELECT COUNT(*) AS n FROM outbox WHERE processed_at IS NULL")
    return int(rows[0]["n"])


async def drain_outbox(indexer: Indexer, clock: Clock, batch: int = 500) -> int:
    """Deliver one batch; returns how many outbox rows were completed (0 when empty).
    `indexer` builds and writes the documents (`InlineIndexer(engine)`: in this process)."""
    rows = await fetch_once("SELECT id, topic, key FROM outbox WHERE processed_at IS NULL AND "
                            "topic IN ('record', 'availability') ORDER BY id LIMIT ?", (batch,))
    if not rows:
        return 0
    row_ids = [row["id"] for row in rows]
    # A record in both lists is rebuilt whole (`index_records` drops it from the partial).
    whole = sorted({int(row["key"]) for row in rows if row["topic"] == "record"})
    partial = sorted({int(row["key"]) for row in rows if row["topic"] == "availability"})
    try:
        await indexer.index(whole, partial)
    except SearchUnavailable:
        async with write_transaction():
            where, args = in_list("id", row_ids)
            await execute_short(f"UPDATE outbox SET attempts = attempts + 1 WHERE {where}", args)
        raise
    async with write_transaction():
        where, args = in_list("id", row_ids)
        await execute_short(f"UPDATE outbox SET processed_at = ? WHERE {where}",
                            [clock.now(), *args])
    return len(row_ids)


async def run_outbox_worker(indexer: Indexer, clock: Clock, stop: asyncio.Event,
                            interval: float = 0.25, max_backoff: float = 30.0,
                            batch: int = 500) -> None:
    """Drain until `stop` is set, a batch every `interval` seconds (at once while batches
    come back full); back off while the engine is unavailable.

    Waiting for changes to gather keeps search within a fraction of a second of the desks
    while costing far less: a batch has a fixed cost of its own (two transactions here, one
    in the index, a message to the indexer process) that a busy desk would otherwise pay
    for every few check-outs."""
    delay = interval
    last_cleanup = 0.0
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        try:
            while (done := await drain_outbox(indexer, clock, batch)):
                delay = interval
                if done < batch:  # caught up
                    break
            if loop.time() - last_cleanup > 3600:  # hourly: a write the desks need not wait on
                await execute_cleanup(clock)
                last_cleanup = loop.time()
        except SearchUnavailable as exc:
            delay = min(max_backoff, max(delay * 2, 1.0))
            log.warning("search engine unavailable, retrying in %.0f s: %s", delay, exc)
        except Exception:  # the worker must survive anything and keep the outbox
            delay = min(max_backoff, max(delay * 2, 1.0))
            log.exception("outbox worker failed; retrying in %.0f s", delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)


async def execute_cleanup(clock: Clock, keep_hours: int = 24) -> None:
    """Delivered rows are kept a day for diagnosis, then removed."""
    from datetime import timedelta

    async with write_transaction():
        await execute("DELETE FROM outbox WHERE processed_at IS NOT NULL AND processed_at < ?",
                      (clock.now() - timedelta(hours=keep_hours),))


async def reindex(engine: SearchEngine, progress: Callable[[int], None] | None = None,
                  batch: int = 1000) -> int:
    """Rebuild the whole index from the database without downtime (the engine builds aside
    and swaps). Documents are read in batches on the event loop and handed to the engine,
    which runs in a thread."""
    loop = asyncio.get_running_loop()
    async with read_transaction():
        tree = await load_tree()
        started = (await fetch("SELECT COALESCE(MAX(id), 0) AS n FROM outbox"))[0]["n"]

    async def next_batch(after: int) -> tuple[list[Document], int]:
        async with read_transaction():
            rows = await fetch("SELECT id FROM bib_record WHERE id > ? ORDER BY id LIMIT ?",
                               (after, batch))
            if not rows:
                return [], after
            ids = [row["id"] for row in rows]
            docs, _ = await documents_for(ids, tree)
        return docs, ids[-1]

    def documents() -> Iterator[Document]:
        after = 0
        while True:
            docs, after = asyncio.run_coroutine_threadsafe(next_batch(after), loop).result()
            if not docs:
                return
            yield from docs

    count = await asyncio.to_thread(engine.reindex, documents(), progress)
    # Changes delivered while the new index was built may have reached only the old one
    # (Meilisearch builds aside); hand them to the worker again, upserts are idempotent.
    async with write_transaction():
        await execute("UPDATE outbox SET processed_at = NULL WHERE id > ?", (started,))
    return int(count)
