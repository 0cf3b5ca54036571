"""The embedded engine: an SQLite FTS5 index file beside (not inside) the main database.

How a search runs: the query text becomes an FTS5 expression (:mod:`.fts_query`); matches
passing the filters are collected newest-indexed first into a per-connection temp table, at
most ``window`` of them (1,000 by default, more for deep pages); ranking (BM25 with field
weights, an exact title first), sorting, paging and facet counts all run inside that window.
When there are more matches than the window holds, the total is exact up to ``COUNT_CAP``
and extrapolated beyond it or under filters (flagged), facet counts are scaled from the
window and flagged, and the order is the best of the most recently indexed matches
(``ranking_is_partial``). That bounds the cost of a query by the window, not by how common
its words are: on a million records "the" matches hundreds of thousands. Words in more than
5% of the records are left out of the ranking expression (never out of the match): FTS5's
bm25 counts every row of every phrase to weigh it, and such words weigh next to nothing.

Reads run on one connection per thread in WAL mode, so searches never wait for writers; each
search reads ``meta`` and all its figures in one read transaction (one consistent snapshot).
Anything SQLite or the file system refuses — file or directory gone, not a database, locked
beyond the busy timeout — surfaces as :class:`SearchUnavailable`; a rebuild recreates a lost
file.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import msgspec

from search_index.embedded import schema
from search_index.embedded.analysis import Row, analyse, encode_body, org_codes, vocabulary
from search_index.embedded.build import Builder
from search_index.embedded.fts_query import SHORT_PREFIX, compile_text
from search_index.embedded.sql import Plan, plan_search
from search_index.engine import Progress
from search_index.errors import SearchUnavailable
from search_index.highlight import highlight
from search_index.model import (
    Availability,
    Document,
    Facet,
    Health,
    Hit,
    Query,
    SearchResult,
    Sort,
)
from search_index.text import (
    SEGMENTER,
    call_number_key,
    exact_key,
    isbn13,
    looks_like_call_number,
)
from search_index.typo import budget, candidate_ranges, edits_at_start, expand

__all__ = ["EmbeddedEngine"]

_DECODER = msgspec.json.Decoder(Document)
_NOTES_CROP = 120
#: Matches a text search ranks, sorts and counts facets over (see ``sql.Plan``); beyond it
#: facet counts are scaled estimates and the order is the best of the K most recent matches.
WINDOW = 1_000
_ORG_FACETS = (Facet.AVAILABLE_AT, Facet.HELD_BY)
#: Completions a two- or three-letter prefix stands for.
COMPLETIONS = 30
#: Ranking by the rarer words of a query reads at most this many of their matches per
#: window row before giving up (and ranking by the whole query).
RANK_SPREAD = 4
#: Text matches are counted up to this; beyond it the total is extrapolated from how densely
#: the counted ones lie among the records (flagged as an estimate): counting 500,000 matches
#: of "the" would cost more than the rest of the search.
COUNT_CAP = 2_000


class EmbeddedEngine:
    """SQLite FTS5 search over one index file (created on first open)."""

    name = "embedded"

    def __init__(
        self,
        path: str | Path,
        *,
        workers: int | None = None,
        busy_timeout_ms: int = 2_000,
        window: int = WINDOW,
    ) -> None:
        self.path = Path(path)
        # Analysis processes for rebuilds, besides this one (which inserts and helps).
        self.workers = max(1, (os.cpu_count() or 1) - 1) if workers is None else workers
        self.busy_timeout_ms = busy_timeout_ms
        self.window = window
        self._local = threading.local()
        self._all_conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._org_ids: dict[str, int] = {}
        self._org_codes: dict[int, str] = {}
        try:
            self.init_file()
        except (OSError, sqlite3.Error) as exc:
            raise SearchUnavailable(self.name, f"{self.path}: {exc}") from exc

    def init_file(self) -> None:
        """Create the index file and its tables if missing (idempotent)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            # A WAL left by a removed index must not be replayed into the new file.
            for suffix in ("-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        conn = self._open(create=True)
        try:
            with self._write(conn):
                schema.init_file(conn, SEGMENTER)
        finally:
            self._forget(conn)

    # --- connections --------------------------------------------------------------------

    def _open(self, *, create: bool = False) -> sqlite3.Connection:
        """A tuned connection; only the constructor and rebuilds may create the file (a
        search must not leave an empty index where the real one went missing)."""
        uri = self.path.absolute().as_uri() + ("?mode=rwc" if create else "?mode=rw")
        conn = sqlite3.connect(
            uri, uri=True, isolation_level=None, check_same_thread=False, timeout=0
        )
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA cache_size = -65536")
        conn.execute("PRAGMA mmap_size = 1073741824")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA secure_delete = OFF")
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS win(rid INTEGER PRIMARY KEY, r REAL)")
        with self._conns_lock:
            self._all_conns.append(conn)
        return conn

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection, reopened if the file was replaced; unavailable if gone.

        An open SQLite handle keeps reading a deleted file, so we look at the path itself:
        a removed index must answer 503, not stale results.
        """
        try:
            st = os.stat(self.path)
            ident: tuple[int, int] | None = (st.st_dev, st.st_ino)
        except FileNotFoundError:
            ident = None
        local = self._local
        conn: sqlite3.Connection | None = getattr(local, "conn", None)
        if conn is not None and getattr(local, "ident", None) == ident and ident is not None:
            return conn
        if conn is not None:
            self._forget(conn)
            local.conn = None
        if ident is None:
            raise SearchUnavailable(self.name, f"index file {self.path} is missing")
        conn = self._open()
        local.conn, local.ident = conn, ident
        return conn

    def _forget(self, conn: sqlite3.Connection) -> None:
        with self._conns_lock:
            if conn in self._all_conns:
                self._all_conns.remove(conn)
        with contextlib.suppress(sqlite3.Error):
            conn.close()

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except (SearchUnavailable, sqlite3.ProgrammingError, sqlite3.IntegrityError):
            raise  # ours, or a bug: not the index's condition
        except (sqlite3.OperationalError, sqlite3.DatabaseError, OSError) as exc:
            conn = getattr(self._local, "conn", None)
            if conn is not None:
                self._forget(conn)
                self._local.conn = None
            raise SearchUnavailable(self.name, f"{self.path}: {exc}") from exc

    @contextlib.contextmanager
    def _write(self, conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextlib.contextmanager
    def _read(self) -> Iterator[tuple[sqlite3.Connection, int]]:
        with self._guard():
            conn = self._conn()
            conn.execute("BEGIN")
            try:
                yield conn, self._meta_int(conn, "generation")
            finally:
                conn.execute("COMMIT")

    @staticmethod
    def _meta_int(conn: sqlite3.Connection, key: str) -> int:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return int(row[0]) if row and row[0] else 0

    def close(self) -> None:
        with self._conns_lock:
            conns, self._all_conns = self._all_conns, []
        for conn in conns:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._local = threading.local()

    # --- org codes ----------------------------------------------------------------------

    def org_ids(self, conn: sqlite3.Connection, codes: Iterable[str]) -> list[int]:
        """Small integer per org code, created on first sight (call inside a write)."""
        out = []
        for code in codes:
            oid = self._org_ids.get(code)
            if oid is None:
                conn.execute("INSERT OR IGNORE INTO orgs(code) VALUES (?)", (code,))
                oid = conn.execute("SELECT id FROM orgs WHERE code = ?", (code,)).fetchone()[0]
                self._org_ids[code] = oid
                self._org_codes[oid] = code
            out.append(oid)
        return out

    def _org_id(self, conn: sqlite3.Connection, code: str) -> int | None:
        oid = self._org_ids.get(code)
        if oid is None:
            row = conn.execute("SELECT id FROM orgs WHERE code = ?", (code,)).fetchone()
            if row is None:
                return None
            oid = self._org_ids[code] = row[0]
            self._org_codes[oid] = code
        return oid

    def _org_code(self, conn: sqlite3.Connection, oid: int) -> str:
        code = self._org_codes.get(oid)
        if code is None:
            code = conn.execute("SELECT code FROM orgs WHERE id = ?", (oid,)).fetchone()[0]
            self._org_codes[oid] = code
            self._org_ids[code] = oid
        return code

    # --- writes -------------------------------------------------------------------------

    def _generations(self, conn: sqlite3.Connection) -> list[int]:
        """Generations a write must reach: the live one, and the one being built if any."""
        gens = [self._meta_int(conn, "generation")]
        building = self._meta_int(conn, "building")
        if building:
            gens.append(building)
        return gens

    def _org_rows(
        self,
        conn: sqlite3.Connection,
        rid: int,
        held_by: Sequence[str],
        available_at: frozenset[str],
    ) -> list[tuple[int, int, int]]:
        """``org`` rows (doc, org, avail) of one record, from :func:`.analysis.org_codes`."""
        return [
            (rid, oid, 1 if code in available_at else 0)
            for code, oid in zip(held_by, self.org_ids(conn, held_by), strict=True)
        ]

    def insert_rows(
        self, conn: sqlite3.Connection, generation: int, rows: list[Row], rowids: Sequence[int]
    ) -> None:
        """Insert analysed rows under the given rowids (their ids must be absent)."""
        p = schema.prefix(generation)
        conn.executemany(
            f"INSERT INTO {p}docs(rowid, id, material_type, language, year, decade, clc, "
            "clc_top, title_sort, title_key) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    rid, r.id, r.material_type, r.language, r.year, r.decade,
                    r.clc, r.clc_top, r.title_sort, r.title_key,
                )
                for rid, r in zip(rowids, rows, strict=True)
            ],
        )
        conn.executemany(
            f"INSERT INTO {p}body(rowid, body) VALUES (?, ?)",
            [(rid, r.body) for rid, r in zip(rowids, rows, strict=True)],
        )
        conn.executemany(
            f"INSERT INTO {p}fts(rowid, title, title_chars, title_py, authors, authors_chars, "
            "authors_py, subjects, subjects_chars, notes) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(rid, *r.fts) for rid, r in zip(rowids, rows, strict=True)],
        )
        org_rows = []
        for rid, r in zip(rowids, rows, strict=True):
            org_rows.extend(self._org_rows(conn, rid, r.held_by, r.available_at))
        conn.executemany(f"INSERT INTO {p}org(doc, org, avail) VALUES (?,?,?)", org_rows)
        conn.executemany(
            f"INSERT INTO {p}codes(code, doc) VALUES (?,?)",
            [(c, rid) for rid, r in zip(rowids, rows, strict=True) for c in r.codes],
        )
        conn.executemany(
            f"INSERT INTO {p}subj(subject, doc) VALUES (?,?)",
            [(s, rid) for rid, r in zip(rowids, rows, strict=True) for s in r.subjects],
        )

    def _delete_ids(
        self, conn: sqlite3.Connection, generation: int, ids: list[str]
    ) -> dict[str, int]:
        """Delete documents by id; returns the rowids they had (an upsert reuses them, so a
        record keeps its place in index order however often its availability changes)."""
        p = schema.prefix(generation)
        freed: dict[str, int] = {}
        for doc_id in ids:
            row = conn.execute(f"SELECT rowid FROM {p}docs WHERE id = ?", (doc_id,)).fetchone()
            if row is None:
                continue
            rid = freed[doc_id] = row[0]
            conn.execute(f"DELETE FROM {p}fts WHERE rowid = ?", (rid,))
            conn.execute(f"DELETE FROM {p}org WHERE doc = ?", (rid,))
            conn.execute(f"DELETE FROM {p}codes WHERE doc = ?", (rid,))
            conn.execute(f"DELETE FROM {p}subj WHERE doc = ?", (rid,))
            conn.execute(f"DELETE FROM {p}docs WHERE rowid = ?", (rid,))
            conn.execute(f"DELETE FROM {p}body WHERE rowid = ?", (rid,))
        return freed

    def _next_rowid(self, conn: sqlite3.Connection, generation: int) -> int:
        p = schema.prefix(generation)
        return int(conn.execute(f"SELECT coalesce(max(rowid), 0) + 1 FROM {p}docs").fetchone()[0])

    def _add_terms(self, conn: sqlite3.Connection, generation: int, rows: list[Row]) -> None:
        p = schema.prefix(generation)
        conn.executemany(
            f"INSERT OR IGNORE INTO {p}terms(term, len) VALUES (?, ?)",
            [(t, len(t)) for r in rows for t in vocabulary(r)],
        )

    def upsert(self, docs: Iterable[Document]) -> None:
        latest = {d.id: d for d in docs}  # last version wins within a batch
        if not latest:
            return
        rows = [analyse(d) for d in latest.values()]
        ids = list(latest)
        with self._guard():
            conn = self._conn()
            with self._write(conn):
                for gen in self._generations(conn):
                    freed = self._delete_ids(conn, gen, ids)
                    next_rowid = self._next_rowid(conn, gen)
                    rowids = []
                    for doc_id in ids:
                        rid = freed.get(doc_id)
                        if rid is None:
                            rid, next_rowid = next_rowid, next_rowid + 1
                        rowids.append(rid)
                    self.insert_rows(conn, gen, rows, rowids)
                    self._add_terms(conn, gen, rows)

    def update_availability(self, updates: Iterable[Availability]) -> list[str]:
        """Rewrite the stored record and its ``org`` rows only: no analysis, no FTS5 write
        (a check-out changes neither the text nor the record's place in index order)."""
        latest = {u.id: u for u in updates}  # last update wins, ids in first-seen order
        if not latest:
            return []
        with self._guard():
            conn = self._conn()
            with self._write(conn):
                live, *building = self._generations(conn)
                missing = dict.fromkeys(self._replace_availability(conn, live, latest))
                # A record the build has read but not written yet would arrive there with its
                # old availability: the caller upserts it whole, which the build then keeps.
                for gen in building:
                    missing.update(dict.fromkeys(self._replace_availability(conn, gen, latest)))
        return list(missing)

    def _replace_availability(
        self, conn: sqlite3.Connection, generation: int, updates: dict[str, Availability]
    ) -> list[str]:
        """Apply updates to one generation; returns the ids it does not hold."""
        p = schema.prefix(generation)
        missing = []
        for doc_id, update in updates.items():
            row = conn.execute(
                f"SELECT d.rowid, b.body FROM {p}docs d JOIN {p}body b ON b.rowid = d.rowid "
                "WHERE d.id = ?",
                (doc_id,),
            ).fetchone()
            if row is None:
                missing.append(doc_id)
                continue
            rid, body = row
            stored = _DECODER.decode(body)
            doc = update.applied_to(stored)
            if doc == stored:  # e.g. a check-out and its check-in in one batch
                continue
            conn.execute(f"UPDATE {p}body SET body = ? WHERE rowid = ?", (encode_body(doc), rid))
            held_by, available_at = org_codes(update.held_by, update.available_at)
            self._rewrite_org_rows(conn, p, rid, self._org_rows(conn, rid, held_by, available_at))
        return missing

    @staticmethod
    def _rewrite_org_rows(
        conn: sqlite3.Connection, p: str, rid: int, rows: list[tuple[int, int, int]]
    ) -> None:
        """Make the record's ``org`` rows ``rows``, writing only those that differ: a copy
        moving changes one or two of a record's branches, and each row written costs its
        pages in both the table and ``org_by_org``."""
        wanted = {org: avail for _, org, avail in rows}
        stored = dict(conn.execute(f"SELECT org, avail FROM {p}org WHERE doc = ?", (rid,)))
        conn.executemany(
            f"DELETE FROM {p}org WHERE doc = ? AND org = ?",
            [(rid, org) for org in stored if org not in wanted],
        )
        conn.executemany(
            f"UPDATE {p}org SET avail = ? WHERE doc = ? AND org = ?",
            [(avail, rid, org) for org, avail in wanted.items()
             if org in stored and stored[org] != avail],
        )
        conn.executemany(
            f"INSERT INTO {p}org(doc, org, avail) VALUES (?,?,?)",
            [(rid, org, avail) for org, avail in wanted.items() if org not in stored],
        )

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return
        with self._guard():
            conn = self._conn()
            with self._write(conn):
                gens = self._generations(conn)
                for gen in gens:
                    self._delete_ids(conn, gen, ids)
                if len(gens) > 1:  # a build in progress must not bring them back
                    p = schema.prefix(gens[1])
                    conn.executemany(
                        f"INSERT OR IGNORE INTO {p}tomb(id) VALUES (?)", [(i,) for i in ids]
                    )

    def clear(self) -> None:
        self.reindex([])

    def rebuild(self) -> Builder:
        """Start building a new generation aside; ``commit()`` swaps it in (see Builder)."""
        with self._guard():
            return Builder(self)

    def reindex(self, docs: Iterable[Document], progress: Progress | None = None) -> int:
        builder = self.rebuild()
        try:
            builder.add(docs, progress)
        except BaseException:
            builder.abort()
            raise
        return builder.commit()

    # --- reads --------------------------------------------------------------------------

    def get(self, doc_id: str) -> Document | None:
        with self._read() as (conn, gen):
            p = schema.prefix(gen)
            row = conn.execute(
                f"SELECT b.body FROM {p}docs d JOIN {p}body b ON b.rowid = d.rowid "
                "WHERE d.id = ?",
                (doc_id,),
            ).fetchone()
        return None if row is None else _DECODER.decode(row[0])

    def count(self) -> int:
        with self._read() as (conn, gen):
            p = schema.prefix(gen)
            return int(conn.execute(f"SELECT count(*) FROM {p}docs").fetchone()[0])

    def health(self) -> Health:
        """OK with the document count; the detail warns when the index was analysed by
        another segmenter than this process has (queries then miss some words: reindex)."""
        try:
            with self._read() as (conn, gen):
                p = schema.prefix(gen)
                count = int(conn.execute(f"SELECT count(*) FROM {p}docs").fetchone()[0])
                row = conn.execute("SELECT value FROM meta WHERE key = 'segmenter'").fetchone()
        except SearchUnavailable as exc:
            return Health(False, self.name, None, exc.reason)
        detail = str(self.path)
        if row and row[0] != SEGMENTER:
            detail += f"; built with {row[0]}, running {SEGMENTER}: reindex"
        return Health(True, self.name, count, detail)

    def _typo_variants(self, conn: sqlite3.Connection, p: str, word: str, last: bool) -> list[str]:
        """Indexed words within the typo budget — only when the word itself (or, for the
        last word, a word it starts) is not in the index: BM25 cannot rank exact matches
        above typo matches, so we do not mix them."""
        if not budget(word):
            return []
        hi = word[:-1] + chr(ord(word[-1]) + 1)
        if conn.execute(
            f"SELECT 1 FROM {p}terms WHERE term >= ? AND term < ? LIMIT 1"
            if last
            else f"SELECT 1 FROM {p}terms WHERE term = ?",
            (word, hi) if last else (word,),
        ).fetchone():
            return []
        candidates: list[str] = []
        for head, lo_len, hi_len in candidate_ranges(word):
            candidates.extend(
                t
                for (t,) in conn.execute(
                    f"SELECT term FROM {p}terms WHERE substr(term, 1, 1) = ? "
                    "AND len BETWEEN ? AND ?",
                    (head, lo_len, hi_len),
                )
            )
        for variant in edits_at_start(word):
            if conn.execute(f"SELECT 1 FROM {p}terms WHERE term = ?", (variant,)).fetchone():
                candidates.append(variant)
        return expand(word, candidates)

    def _completions(self, conn: sqlite3.Connection, p: str, prefix: str) -> list[str]:
        """The most common indexed words starting with a short prefix (search as you type);
        for a longer prefix all of them, or none if there are more than ``COMPLETIONS``."""
        hi = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        terms = [
            t
            for (t,) in conn.execute(
                f"SELECT term FROM {p}terms WHERE term >= ? AND term < ? "
                "ORDER BY docs DESC LIMIT ?",
                (prefix, hi, COMPLETIONS + 1),
            )
        ]
        if len(prefix) >= SHORT_PREFIX and len(terms) > COMPLETIONS:
            return []
        return terms[:COMPLETIONS]

    def _code_lookup(self, conn: sqlite3.Connection, p: str, text: str) -> str | None:
        """The code a query names when it is an ISBN or a call number with hits, else None."""
        code = isbn13(text)
        if code is None and looks_like_call_number(text):
            code = call_number_key(text)
        if code is None:
            return None
        hit = conn.execute(
            f"SELECT 1 FROM {p}codes WHERE code >= ? AND code < ? LIMIT 1", (code, code + "\uffff")
        ).fetchone()
        return code if hit else None

    def search(self, query: Query) -> SearchResult:
        with self._read() as (conn, gen):
            p = schema.prefix(gen)
            text = query.text.strip()
            code = self._code_lookup(conn, p, text) if text else None
            match = None
            rank_match: str | None = None
            needles: tuple[str, ...] = ()
            if text and code is None:
                compiled = compile_text(
                    text,
                    typos=lambda word, last: self._typo_variants(conn, p, word, last),
                    prefixes=lambda word: self._completions(conn, p, word),
                )
                match, needles = compiled.match, compiled.needles
                if match is None:  # only punctuation: nothing can match
                    return SearchResult([], 0, query.page, query.per_page)
                if query.sort is Sort.RELEVANCE and len(compiled.clauses) > 1:
                    words = {t for _, terms in compiled.clauses for t in terms}
                    rank_match = compiled.rank_match(self._common(conn, p, words))
            plan = plan_search(
                p, query, match=match, code=code, org_id=lambda c: self._org_id(conn, c)
            )
            return self._run(conn, p, plan, query, needles, rank_match)

    @staticmethod
    def _rank_window(
        conn: sqlite3.Connection, p: str, rank_match: str, in_window: int
    ) -> bool:
        """Rank the window by ``rank_match`` (the query without its very common words: every
        window row matches it, and FTS5 weighs each phrase by counting all its rows, see
        ``CompiledText.rank_match``). False, ranking nothing, when that expression matches
        many more rows than the window within the window's rowid range."""
        lo, hi = conn.execute("SELECT min(rid), max(rid) FROM temp.win").fetchone()
        cap = RANK_SPREAD * in_window + 100
        ranks = conn.execute(
            f"SELECT rank, rowid FROM {p}fts WHERE {p}fts MATCH ? AND rowid BETWEEN ? AND ? "
            "ORDER BY rowid DESC LIMIT ?",
            (rank_match, lo, hi, cap),
        ).fetchall()
        if len(ranks) >= cap:
            return False
        conn.executemany("UPDATE temp.win SET r = ? WHERE rid = ?", ranks)
        return True

    @staticmethod
    def _common(conn: sqlite3.Connection, p: str, words: set[str]) -> dict[str, int]:
        """Which of these words are in a large share of the records (see ``rank_match``)."""
        marks = ",".join("?" * len(words))
        try:
            return dict(
                conn.execute(f"SELECT term, docs FROM {p}common WHERE term IN ({marks})", [*words])
            )
        except sqlite3.OperationalError:  # an index built before the table existed
            return {}

    def _run(
        self,
        conn: sqlite3.Connection,
        p: str,
        plan: Plan,
        query: Query,
        needles: tuple[str, ...],
        rank_match: str | None = None,
    ) -> SearchResult:
        if plan.empty:
            facets: dict[str, dict[str, int]] = {f.value: {} for f in query.facets}
            return SearchResult([], 0, query.page, query.per_page, facets)
        window = max(self.window, query.offset + query.per_page)
        conn.execute("DELETE FROM temp.win")
        cur = conn.execute(plan.window_sql(ranked=rank_match is None), (*plan.params, window + 1))
        in_window = cur.rowcount
        if rank_match is not None and in_window and not self._rank_window(
            conn, p, rank_match, in_window
        ):  # the rarer words are not rare enough here: rank by the whole expression
            conn.execute("DELETE FROM temp.win")
            conn.execute(plan.window_sql(), (*plan.params, window + 1))
        partial = in_window > window
        total_is_estimate = False
        if not partial:
            total = in_window
        elif plan.match is None:
            total = int(conn.execute(plan.count_sql, plan.params).fetchone()[0])
        else:
            count = plan.match_count_sql
            total, lo, hi = conn.execute(count, (plan.match, 0, COUNT_CAP)).fetchone()
            total_is_estimate = total >= COUNT_CAP
            if total_is_estimate:
                # The most recent COUNT_CAP matches span rowids lo..hi: assume the same
                # density below (documents are numbered in the order they were indexed).
                total = round(total * hi / max(1, hi - lo + 1))
            if plan.filtered:
                # Filters passed in_window of the text matches at or above `lowest`: assume
                # the same share below it.
                lowest = conn.execute("SELECT min(rid) FROM temp.win").fetchone()[0]
                scanned = conn.execute(count, (plan.match, lowest, COUNT_CAP)).fetchone()[0]
                passed = in_window
                if scanned >= COUNT_CAP:  # counted the most recent COUNT_CAP, down to lo
                    passed = conn.execute(
                        "SELECT count(*) FROM temp.win WHERE rid >= ?", (lo,)
                    ).fetchone()[0]
                total = round(total * passed / max(1, scanned))
                total_is_estimate = True
        if plan.match is None:
            sql, params = plan.direct_page_sql(), (*plan.params, query.per_page, query.offset)
        else:
            sql = plan.window_page_sql()
            params = (exact_key(query.text), query.per_page, query.offset)
        page = conn.execute(sql, params).fetchall()
        marks = ",".join("?" * len(page))
        bodies = dict(
            conn.execute(
                f"SELECT rowid, body FROM {p}body WHERE rowid IN ({marks})", [r for r, _ in page]
            )
        )
        hits = []
        for rid, rank in page:
            doc = _DECODER.decode(bodies[rid])
            hl = self._highlights(doc, needles) if query.highlight and needles else {}
            hits.append(Hit(doc.id, None if rank is None else -float(rank), doc, hl))
        facets = {}
        scale = total / in_window if partial and in_window else 1.0
        for facet in query.facets:
            sql, params = plan.facet_sql(facet, query.max_facet_values)
            values: dict[str, int] = {}
            for value, n in conn.execute(sql, params):
                key = self._org_code(conn, value) if facet in _ORG_FACETS else str(value)
                values[key] = round(n * scale)
            facets[facet.value] = values
        return SearchResult(
            hits,
            total,
            query.page,
            query.per_page,
            facets,
            total_is_estimate=total_is_estimate,
            facets_are_estimates=partial and bool(query.facets),
            ranking_is_partial=partial and plan.match is not None,
        )

    @staticmethod
    def _highlights(doc: Document, needles: tuple[str, ...]) -> dict[str, str]:
        fields = {
            "title": (doc.title, None),
            "authors": ("; ".join(doc.authors), None),
            "subjects": ("; ".join(doc.subjects), None),
            "notes": (doc.notes, _NOTES_CROP),
            "publisher": (doc.publisher, None),
        }
        out = {}
        for name, (text, crop) in fields.items():
            marked = highlight(text, needles, crop)
            if marked is not None:
                out[name] = marked
        return out

    # --- introspection for benchmarks and tests -----------------------------------------

    def file_size(self) -> int:
        """Bytes on disk: the index file and its WAL."""
        total = 0
        for suffix in ("", "-wal"):
            with contextlib.suppress(FileNotFoundError):
                total += os.path.getsize(f"{self.path}{suffix}")
        return total
