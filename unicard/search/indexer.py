"""Who turns outbox entries into search documents: this process, or a child process of its own.

Building a document (segmentation, pinyin, traditional/simplified forms) and writing it into
the index is CPU work in Python. Done inside the server process it takes turns with the desks
on one core, and every batch shows up as a stall in their latency. `unicard serve` therefore
hands it to a child process (`ChildIndexer`): the child reads the records from the database
itself and writes the index, so it runs on the machine's other core, while the server keeps
the outbox bookkeeping (which rows are done) in its own transactions. A child that dies is
started again on the next batch; its rows stay in the outbox until a batch succeeds.

Most entries come from circulation and change only where a record's copies are (outbox topic
"availability"): for those only the copies are read and only the availability fields of the
document are rewritten (`SearchEngine.update_availability`), with no text analysis; a record
the index does not have yet gets its whole document. Topic "record" (catalogue changes)
always rebuilds the whole document.

The child speaks JSON lines on stdin/stdout: `{"records": [ids], "availability": [ids]}` in,
then `{"ok": n}`,
`{"unavailable": reason}` (the engine is down: back off) or `{"error": text}` out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any, Protocol

from search_index import Availability, Document, SearchEngine, SearchUnavailable
from unicard.bulk import fetch, in_list
from unicard.db import current_engine, read_transaction
from unicard.network.services import NETWORK_VERSION_SQL, load_tree
from unicard.network.topology import OrgTree
from unicard.search.documents import build_availability, build_document
from unicard.settings import Settings

__all__ = ["ChildIndexer", "Indexer", "InlineIndexer", "availability_for", "documents_for",
           "index_records"]

log = logging.getLogger("unicard.search")

# A batch that takes longer than this is taken as a hung child: it is restarted.
BATCH_TIMEOUT_SECONDS = 300.0
# The child runs at a lower CPU priority than the server: the desks come first, and search
# catches up in the moments between them (a backlog waits in the outbox, nothing is lost).
CHILD_NICENESS = 10


_RECORD_FIELDS = ("id, title, title_pinyin, authors, subjects, summary, series, responsibility, "
                  "publisher, year, language, material_type, clc, isbns")
_ITEM_FIELDS = ("SELECT i.record, i.status, i.not_for_loan, i.call_number, h.code AS home_org, "
                "c.code AS current_org FROM item i JOIN org h ON h.id = i.home_org "
                "JOIN org c ON c.id = i.current_org")


async def documents_for(record_ids: Sequence[int], tree: OrgTree) -> tuple[list[Document],
                                                                          list[str]]:
    """Whole documents for these records, and the ids that no longer exist (to delete)."""
    if not record_ids:
        return [], []
    where, args = in_list("id", record_ids)
    records = await fetch(f"SELECT {_RECORD_FIELDS} FROM bib_record WHERE {where}", args)
    by_record = await _copies(record_ids)
    docs = [build_document(r, by_record.get(r["id"], []), tree) for r in records]
    found = {r["id"] for r in records}
    return docs, [str(i) for i in record_ids if i not in found]


async def _copies(record_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    where, args = in_list("i.record", record_ids)
    items = await fetch(f"{_ITEM_FIELDS} WHERE {where}", args)
    by_record: dict[int, list[dict[str, Any]]] = {}
    for item in items:
        by_record.setdefault(item["record"], []).append(item)
    return by_record


async def availability_for(record_ids: Sequence[int], tree: OrgTree) -> list[Availability]:
    """The availability part of these records' documents, from their copies alone."""
    if not record_ids:
        return []
    by_record = await _copies(record_ids)
    return [build_availability(i, by_record.get(i, []), tree) for i in record_ids]


class Indexer(Protocol):
    async def index(self, record_ids: Sequence[int],
                    availability_only: Sequence[int] = ()) -> None:
        """Bring these records' documents up to date (deleting records that are gone), and
        the availability of `availability_only` (whole documents for those the index lacks);
        raises `SearchUnavailable` when the engine cannot be reached."""

    async def close(self) -> None: ...


# The org tree at a network version of one database (tests bind several in one process).
_tree: tuple[tuple[int, int], OrgTree] | None = None


async def _current_tree() -> OrgTree:
    """The org tree, loaded again only when the network version moved (a batch arrives every
    few hundred milliseconds under load; the tree changes a few times a year)."""
    global _tree
    version = (id(current_engine()), (await fetch(f"SELECT {NETWORK_VERSION_SQL} AS v"))[0]["v"])
    if _tree is None or _tree[0] != version:
        _tree = (version, await load_tree())
    return _tree[1]


async def index_records(engine: SearchEngine, record_ids: Sequence[int],
                        availability_only: Sequence[int] = ()) -> int:
    """Read the records and their copies, build their documents, write them to `engine`;
    for `availability_only` (minus `record_ids`) rewrite only where their copies are."""
    wanted = set(record_ids)
    full = sorted(wanted)
    partial = [i for i in dict.fromkeys(availability_only) if i not in wanted]
    async with read_transaction():
        tree = await _current_tree()
        updates = await availability_for(partial, tree)
        docs, gone = await documents_for(full, tree)
    missing: list[str] = []
    if updates:
        missing = await asyncio.to_thread(engine.update_availability, updates)
        if missing:  # not indexed yet: the whole document
            async with read_transaction():
                more, also_gone = await documents_for([int(i) for i in missing], tree)
            docs, gone = docs + more, gone + also_gone
    if docs:
        await asyncio.to_thread(engine.upsert, docs)
    if gone:
        await asyncio.to_thread(engine.delete, gone)
    return len(docs) + len(gone) + len(updates) - len(missing)


class InlineIndexer:
    """In this process: for `unicard search sync`, tests, and servers that want no child."""

    def __init__(self, engine: SearchEngine) -> None:
        self.engine = engine

    async def index(self, record_ids: Sequence[int],
                    availability_only: Sequence[int] = ()) -> None:
        await index_records(self.engine, record_ids, availability_only)

    async def close(self) -> None:
        return None


class ChildIndexer:
    """In a child process (`python -m unicard.search.indexer`), started on first use and
    again after it died; the settings reach it through its environment."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._process: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Start the child now, so that its dictionaries are loaded before the first batch."""
        async with self._lock:
            await self._ensure()

    async def _ensure(self) -> asyncio.subprocess.Process:
        process = self._process
        if process is not None and process.returncode is None:
            return process
        env = {**os.environ, **self.settings.to_env()}
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "unicard.search.indexer", env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            limit=1 << 20)
        return self._process

    async def index(self, record_ids: Sequence[int],
                    availability_only: Sequence[int] = ()) -> None:
        request = {"records": list(record_ids), "availability": list(availability_only)}
        async with self._lock:
            process = await self._ensure()
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(json.dumps(request).encode() + b"\n")
                await process.stdin.drain()
                line = await asyncio.wait_for(process.stdout.readline(),
                                              timeout=BATCH_TIMEOUT_SECONDS)
            except (OSError, TimeoutError) as exc:
                await self._stop(process)
                raise RuntimeError(f"the search indexer process failed: {exc!r}") from exc
            if not line:
                await self._stop(process)
                raise RuntimeError("the search indexer process exited "
                                   f"(code {process.returncode})")
        reply = json.loads(line)
        if "unavailable" in reply:
            raise SearchUnavailable(reply.get("engine", "search"), reply["unavailable"])
        if "error" in reply:
            raise RuntimeError(f"the search indexer process failed: {reply['error']}")

    async def _stop(self, process: asyncio.subprocess.Process) -> None:
        if process.returncode is None:
            if process.stdin is not None:
                process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                process.kill()
                await process.wait()
        if self._process is process:
            self._process = None

    async def close(self) -> None:
        async with self._lock:
            if self._process is not None:
                await self._stop(self._process)


async def _serve_child() -> None:
    """The child's loop: one batch per line on stdin until stdin closes."""
    from unicard.db import bind, close_pools, engine_from_settings, open_pools
    from unicard.search.engine import open_search_engine

    settings = Settings.from_env()
    database = engine_from_settings(settings)
    bind(database)
    await open_pools(database, size=2)
    engine = open_search_engine(settings)
    out = sys.stdout.buffer
    try:
        while True:
            line = await asyncio.to_thread(sys.stdin.buffer.readline)
            if not line:
                return
            try:
                request = json.loads(line)
                ids = [int(i) for i in request["records"]]
                partial = [int(i) for i in request.get("availability", ())]
                reply: dict[str, object] = {"ok": await index_records(engine, ids, partial)}
            except SearchUnavailable as exc:
                reply = {"unavailable": exc.reason, "engine": exc.engine}
            except Exception as exc:  # reported to the server, which retries the batch
                log.exception("indexing failed")
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            out.write(json.dumps(reply).encode() + b"\n")
            out.flush()
    finally:
        engine.close()
        await close_pools(database)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    with contextlib.suppress(OSError):  # not allowed here: run at the normal priority
        os.nice(CHILD_NICENESS)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_child())


if __name__ == "__main__":
    main()
