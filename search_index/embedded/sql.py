"""Query model → SQL for one generation of the embedded index: matches, filters, order, facets.

Two shapes: with text, FTS5 drives and filters are checked per match (primary-key lookups);
without text (browsing, or an ISBN/call-number lookup), the most selective index drives.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from search_index.fields import clc_key, subject_key
from search_index.model import Facet, Query, Sort

__all__ = ["Plan", "plan_search"]

_DOC_COLUMN = {
    Facet.MATERIAL_TYPE: "material_type",
    Facet.LANGUAGE: "language",
    Facet.DECADE: "decade",
    Facet.CLC_TOP: "clc_top",
}


#: Best-ranked matches beyond the page in which an exact title is looked for.
EXACT_POOL = 200


def _next_key(key: str) -> str:
    """Smallest string above every string starting with ``key`` (prefix as a range)."""
    return key + "\uffff"


@dataclasses.dataclass(frozen=True)
class Plan:
    """SQL for one search. Text searches first collect a *window* of matches into the
    connection's temp table ``win`` (the most recently indexed ``window`` matches, all of
    them when there are fewer), then rank, sort, page and count facets inside it — so the
    cost of a search is bounded by the window, not by how common its words are."""

    p: str
    empty: bool
    from_sql: str
    where_sql: str
    params: tuple[Any, ...]
    rid: str
    match: str | None
    filtered: bool  # conditions beyond the text match
    sort: Sort
    limit: int
    offset: int

    @property
    def count_sql(self) -> str:
        return f"SELECT count(*) {self.from_sql} WHERE {self.where_sql}"

    @property
    def match_count_sql(self) -> str:
        """Matches of the text alone at or above a rowid, the most recent counted up to a cap,
        with the lowest and highest rowid counted (parameters: match, rowid, cap): counting
        half a million matches of "ba*" costs more than the rest of the search."""
        p = self.p
        return (
            f"SELECT count(*), min(rowid), max(rowid) FROM (SELECT rowid FROM {p}fts "
            f"WHERE {p}fts MATCH ? AND rowid >= ? ORDER BY rowid DESC LIMIT ?)"
        )

    def window_sql(self, *, ranked: bool = True) -> str:
        """Collects the window; ``ranked=False`` leaves ranks to be filled in afterwards."""
        ranked = ranked and self.match is not None and self.sort is Sort.RELEVANCE
        rank = f"{self.p}fts.rank" if ranked else "NULL"
        return (
            f"INSERT INTO temp.win(rid, r) SELECT {self.rid}, {rank} {self.from_sql} "
            f"WHERE {self.where_sql} ORDER BY {self.rid} DESC LIMIT ?"
        )

    def window_page_sql(self) -> str:
        """Page of the window. Parameters: the query's exact key, then LIMIT and OFFSET.

        Relevance puts a title that is exactly the query first (Meilisearch's "exactness"),
        among the best-ranked ``EXACT_POOL`` beyond the page only: checking every title in
        the window would read every one of its records.
        """
        p = self.p
        if self.sort is Sort.NEWEST:
            order = "? IS NULL, d.year IS NULL, d.year DESC, w.rid DESC"
        elif self.sort is Sort.TITLE:
            order = "? IS NULL, d.title_sort, w.rid"
        else:
            return (
                f"SELECT w.rid, w.r FROM (SELECT rid, r FROM temp.win "
                f"ORDER BY r, rid DESC LIMIT ?3 + ?2 + {EXACT_POOL}) w "
                f"CROSS JOIN {p}docs d ON d.rowid = w.rid "
                "ORDER BY d.title_key = ?1 DESC, w.r, w.rid DESC LIMIT ?2 OFFSET ?3"
            )
        return (
            f"SELECT w.rid, w.r FROM temp.win w "
            f"CROSS JOIN {p}docs d ON d.rowid = w.rid ORDER BY {order} LIMIT ? OFFSET ?"
        )

    def direct_page_sql(self) -> str:
        """Browsing (no text): the sort's index drives, stopping at the page."""
        if self.sort is Sort.NEWEST:
            order = "d.year IS NULL, d.year DESC, d.rowid DESC"
        elif self.sort is Sort.TITLE:
            order = "d.title_sort, d.rowid"
        else:
            order = "d.rowid DESC"  # most recently indexed first
        return (
            f"SELECT d.rowid, NULL {self.from_sql} WHERE {self.where_sql} "
            f"ORDER BY {order} LIMIT ? OFFSET ?"
        )

    def facet_sql(self, facet: Facet, limit: int) -> tuple[str, tuple[Any, ...]]:
        """Counts of one facet over the window."""
        p = self.p
        if facet in (Facet.AVAILABLE_AT, Facet.HELD_BY):
            avail = " AND o.avail = 1" if facet is Facet.AVAILABLE_AT else ""
            sql = (
                # CROSS JOIN keeps the window as the outer loop; left to itself the planner
                # may walk the whole org index to save the GROUP BY sort.
                f"SELECT o.org, count(*) AS n FROM temp.win w "
                f"CROSS JOIN {p}org o ON o.doc = w.rid{avail} "
                "GROUP BY o.org ORDER BY n DESC LIMIT ?"
            )
        else:
            col = _DOC_COLUMN[facet]
            sql = (
                f"SELECT d.{col}, count(*) AS n FROM temp.win w "
                f"CROSS JOIN {p}docs d ON d.rowid = w.rid WHERE d.{col} IS NOT NULL "
                f"GROUP BY d.{col} ORDER BY n DESC, d.{col} LIMIT ?"
            )
        return sql, (limit,)


def plan_search(
    p: str,
    query: Query,
    *,
    match: str | None,
    code: str | None,
    org_id: Callable[[str], int | None],
) -> Plan:
    """SQL pieces for the query; ``match`` is an FTS5 expression, ``code`` an ISBN or call
    number (prefix) found in the index. ``org_id`` maps org codes (None: unknown org)."""
    where: list[str] = []
    params: list[Any] = []
    empty = False
    if match is not None:
        rid = f"{p}fts.rowid"
        from_sql = f"FROM {p}fts"
        where.append(f"{p}fts MATCH ?")
        params.append(match)
    else:
        rid = "d.rowid"
        from_sql = f"FROM {p}docs d"
        if code is not None:
            where.append(f"d.rowid IN (SELECT doc FROM {p}codes WHERE code >= ? AND code < ?)")
            params.extend((code, _next_key(code)))

    needs_docs = False
    for col, value in (("material_type", query.material_type), ("language", query.language)):
        if value is not None:
            where.append(f"d.{col} = ?")
            params.append(value)
            needs_docs = True
    if query.year_from is not None:
        where.append("d.year >= ?")
        params.append(query.year_from)
        needs_docs = True
    if query.year_to is not None:
        where.append("d.year <= ?")
        params.append(query.year_to)
        needs_docs = True
    if query.clc:
        key = clc_key(query.clc)
        where.append("d.clc >= ? AND d.clc < ?")
        params.extend((key, _next_key(key)))
        needs_docs = True
    if query.subject:
        where.append(f"{rid} IN (SELECT doc FROM {p}subj WHERE subject = ?)")
        params.append(subject_key(query.subject))
    for code_value, avail in ((query.available_at, True), (query.held_by, False)):
        if code_value is None:
            continue
        oid = org_id(code_value)
        if oid is None:
            empty = True
            continue
        flag = " AND avail = 1" if avail else ""
        if match is not None:
            where.append(
                f"EXISTS (SELECT 1 FROM {p}org o WHERE o.doc = {rid} AND o.org = ?{flag})"
            )
        else:  # browsing: let the org index drive
            where.append(f"{rid} IN (SELECT doc FROM {p}org WHERE org = ?{flag})")
        params.append(oid)

    if match is not None and needs_docs:
        from_sql += f" JOIN {p}docs d ON d.rowid = {rid}"
    return Plan(
        p=p,
        empty=empty,
        from_sql=from_sql,
        where_sql=" AND ".join(where) or "1",
        params=tuple(params),
        rid=rid,
        match=match,
        filtered=len(where) > (1 if match is not None else 0),
        sort=query.sort,
        limit=query.per_page,
        offset=query.offset,
    )
