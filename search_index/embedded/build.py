"""Building a new generation of the embedded index aside, then swapping it in.

Analysis (segmentation, pinyin) runs in worker processes, one batch of JSON-encoded documents
per task, while this process inserts the analysed rows, a few thousand per transaction so
live upserts can interleave. Live upserts and deletes made during the build also reach the
new generation (see ``EmbeddedEngine._generations``); the build skips ids already there or
deleted meanwhile, so a stale copy read before a change never overwrites it. Availability
updates reach the records the new generation already holds and skip the others.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import sqlite3
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from search_index.embedded import schema
from search_index.embedded.analysis import Row, analyse, analyse_encoded, encode_batch
from search_index.model import Document
from search_index.text import CHAR_MARK, SEGMENTER

if TYPE_CHECKING:
    from search_index.embedded.engine import EmbeddedEngine
    from search_index.engine import Progress

__all__ = ["Builder"]

BATCH = 500  # documents per analysis task
COMMIT_EVERY = 10  # batches per write transaction (5,000 documents, well under a second)
#: FTS5 settings while bulk loading. Measured on 60k records: the default (automerge 4,
#: 1 MB pending-terms hash) inserts at ~290 µs/record, automerge 16 with a 64 MB hash at
#: ~95 µs/record. No merging at all while loading (each transaction leaves one segment,
#: ~200 for a million records) and one ``optimize`` at the end writes every posting once
#: more instead of once per merge level. FTS5 allows 2,000 segments: past 256 on a level
#: (far beyond a million records) a crisis merge keeps them in bounds.
BULK_FTS_CONFIG = {"automerge": 0, "crisismerge": 256, "hashsize": 64 * 2**20}
LIVE_FTS_CONFIG = {"automerge": 4, "crisismerge": 16}
QUEUE_PER_WORKER = 8
#: Below this many documents a pool costs more than it saves.
POOL_THRESHOLD = 5_000


def common_threshold(records: int) -> int:
    """Records a word must be in to be left out of ranking expressions (5%, and at least
    2,000: below that, weighing it costs little)."""
    return max(2_000, records // 20)


def _batched(docs: Iterable[Document], size: int) -> Iterator[list[Document]]:
    it = iter(docs)
    while batch := list(itertools.islice(it, size)):
        yield batch


class Builder:
    """One rebuild: ``add`` documents, then ``commit`` (swap in) or ``abort``."""

    def __init__(self, engine: EmbeddedEngine) -> None:
        self.engine = engine
        engine.init_file()  # a rebuild also recreates an index file that went missing
        self.conn = engine._open()  # its own connection, closed at commit/abort
        # Loading writes gigabytes: checkpoint the WAL every 64 MB rather than every 4 MB
        # (pages rewritten by consecutive transactions reach the file once), and skip the
        # fsyncs until ``commit`` (an OS crash mid-build can cost the index file, which a
        # reindex rebuilds; the swap itself is written with the usual durability).
        self.conn.execute("PRAGMA wal_autocheckpoint = 16384")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.done = False
        with engine._write(self.conn):
            stale = engine._meta_int(self.conn, "building")
            if stale:  # an earlier build died half-way
                schema.drop_generation(self.conn, stale)
            live = engine._meta_int(self.conn, "generation")
            self.generation = max(live, stale) + 1
            schema.create_generation(self.conn, self.generation, indexes=False)
            self._fts_config(BULK_FTS_CONFIG)
            self.conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'building'", (str(self.generation),)
            )
        self.added = 0
        #: Seconds spent per phase (insert, analyse here, wait for workers, optimize, …).
        self.timings: dict[str, float] = {}

    def _time(self, phase: str, since: float) -> float:
        now = time.perf_counter()
        self.timings[phase] = self.timings.get(phase, 0.0) + now - since
        return now

    def _fts_config(self, config: dict[str, int]) -> None:
        p = schema.prefix(self.generation)
        for key, value in config.items():
            self.conn.execute(f"INSERT INTO {p}fts({p}fts, rank) VALUES (?, ?)", (key, value))

    def _insert(self, rows: list[Row]) -> None:
        p = schema.prefix(self.generation)
        conn = self.conn
        ids = [r.id for r in rows]
        marks = ",".join("?" * len(ids))
        present = {
            i
            for (i,) in conn.execute(
                f"SELECT id FROM {p}docs WHERE id IN ({marks}) "
                f"UNION ALL SELECT id FROM {p}tomb WHERE id IN ({marks})",
                (*ids, *ids),
            )
        }
        if present:
            rows = [r for r in rows if r.id not in present]
        seen: set[str] = set()
        unique = []
        for r in reversed(rows):  # a repeated id: the later document wins
            if r.id not in seen:
                seen.add(r.id)
                unique.append(r)
        unique.reverse()
        if unique:
            first = self.engine._next_rowid(conn, self.generation)
            rowids = range(first, first + len(unique))
            self.engine.insert_rows(conn, self.generation, unique, rowids)
        self.added += len(unique)

    def _analysed(self, docs: Iterable[Document]) -> Iterator[list[Row]]:
        """Analysed batches, from worker processes when it pays.

        This process inserts, and analyses a batch itself whenever the workers have none
        ready (measured here: analysis ~60 µs/record, inserting ~90 µs/record, so with two
        cores one worker plus this process keeps both busy). Batches therefore arrive out of
        input order; ids are expected to be unique within one rebuild.
        """
        workers = self.engine.workers
        batches = _batched(docs, BATCH)
        head = list(itertools.islice(batches, POOL_THRESHOLD // BATCH))
        if workers < 1 or len(head) < POOL_THRESHOLD // BATCH:
            for batch in itertools.chain(head, batches):
                yield [analyse(d) for d in batch]
            return
        source = itertools.chain(head, batches)
        ctx = multiprocessing.get_context("spawn")  # safe in a threaded app, unlike fork
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            pending: deque[tuple[Future[list[Row]], list[Document]]] = deque()
            broken = False

            def submit() -> None:
                batch = next(source, [])
                if batch:
                    pending.append((pool.submit(analyse_encoded, encode_batch(batch)), batch))

            def result(future: Future[list[Row]], batch: list[Document]) -> list[Row]:
                nonlocal broken
                if not broken:
                    try:
                        t = time.perf_counter()
                        rows = future.result()
                        self._time("wait for workers", t)
                        return rows
                    except BrokenProcessPool:
                        # Workers could not start (e.g. a __main__ that cannot be re-imported)
                        # or died: analyse here instead of failing the rebuild.
                        broken = True
                return [analyse(d) for d in batch]

            # A deep queue: the workers must never wait for this process to finish an
            # insert or a batch of its own before they get more work.
            for _ in range(QUEUE_PER_WORKER * workers):
                submit()
            while pending:
                if broken or pending[0][0].done():
                    yield result(*pending.popleft())
                    if not broken:
                        submit()
                    continue
                batch = next(source, [])
                if not batch:
                    yield result(*pending.popleft())
                else:
                    t = time.perf_counter()
                    rows = [analyse(d) for d in batch]
                    self._time("analyse here", t)
                    yield rows
            for batch in source:  # only left over if the pool broke
                yield [analyse(d) for d in batch]

    def add(self, docs: Iterable[Document], progress: Progress | None = None) -> int:
        """Index documents into the new generation; returns how many were added so far."""
        with self.engine._guard():
            in_txn = 0
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                for rows in self._analysed(docs):
                    t = time.perf_counter()
                    self._insert(rows)
                    self._time("insert", t)
                    in_txn += 1
                    if in_txn >= COMMIT_EVERY:
                        self.conn.execute("COMMIT")
                        self.conn.execute("BEGIN IMMEDIATE")
                        in_txn = 0
                        if progress is not None:
                            progress(self.added)
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
            if progress is not None:
                progress(self.added)
        return self.added

    def commit(self) -> int:
        """Finish the new generation (vocabulary, segment merge) and make it the live one."""
        engine, conn, g = self.engine, self.conn, self.generation
        p = schema.prefix(g)
        with engine._guard():
            t = time.perf_counter()
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            conn.execute("PRAGMA wal_autocheckpoint = 1000")
            with engine._write(conn):
                conn.execute(f"INSERT INTO {p}fts({p}fts) VALUES ('optimize')")
                self._fts_config(LIVE_FTS_CONFIG)
            t = self._time("optimize", t)
            with engine._write(conn):
                conn.execute(
                    f"CREATE VIRTUAL TABLE temp.{p}vocab USING fts5vocab(main, {p}fts, row)"
                )
                # One pass over the vocabulary (character tokens, marked with CHAR_MARK,
                # sort after every word and are skipped outright): the Latin words feed the
                # typo vocabulary, the very common words of any script the ranking.
                conn.execute(
                    f"CREATE TEMP TABLE {p}words AS SELECT term, doc FROM temp.{p}vocab "
                    "WHERE term < ?",
                    (CHAR_MARK,),
                )
                conn.execute(
                    f"INSERT OR REPLACE INTO {p}terms(term, len, docs) "
                    f"SELECT term, length(term), doc FROM temp.{p}words "
                    "WHERE term >= 'a' AND term < '{' "
                    "AND term GLOB '[a-z][a-z][a-z]*' AND term NOT GLOB '*[^a-z]*'"
                )
                conn.execute(
                    f"INSERT OR REPLACE INTO {p}common(term, docs) "
                    f"SELECT term, doc FROM temp.{p}words WHERE doc >= ?",
                    (common_threshold(self.added),),
                )
                conn.execute(f"DROP TABLE temp.{p}words")
                conn.execute(f"DROP TABLE temp.{p}vocab")
            t = self._time("vocabulary", t)
            with engine._write(conn):
                schema.create_indexes(conn, g)
            t = self._time("indexes", t)
            with engine._write(conn):
                old = engine._meta_int(conn, "generation")
                conn.execute("UPDATE meta SET value = ? WHERE key = 'generation'", (str(g),))
                conn.execute("UPDATE meta SET value = '' WHERE key = 'building'")
                conn.execute("UPDATE meta SET value = ? WHERE key = 'segmenter'", (SEGMENTER,))
                conn.execute(f"DELETE FROM {p}tomb")
            with engine._write(conn):  # readers still on `old` keep their WAL snapshot
                schema.drop_generation(conn, old)
            self._time("swap", t)
            count = int(conn.execute(f"SELECT count(*) FROM {p}docs").fetchone()[0])
        self._close()
        return count

    def abort(self) -> None:
        """Drop the half-built generation; the live one is untouched."""
        if self.done:
            return
        with contextlib.suppress(sqlite3.Error), self.engine._write(self.conn):
            schema.drop_generation(self.conn, self.generation)
            self.conn.execute("UPDATE meta SET value = '' WHERE key = 'building'")
        self._close()

    def _close(self) -> None:
        self.done = True
        self.engine._forget(self.conn)
