"""Search documents from catalogue rows: a pure function, so what search shows is decided in
one place and tested without a database.

Availability is live: a copy counts as "on the shelf at B" when its status is available,
it is loanable, and B is where it currently is; `held_by` and `available_at` list each
branch with all its ancestors, so "held anywhere under this county" is a plain filter.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from search_index import Availability, Copies, Document
from unicard.network.topology import OrgTree

__all__ = ["build_availability", "build_document"]


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value) if value else []
    return [str(v) for v in value or []]


def _expand(codes: Iterable[str], tree: OrgTree) -> list[str]:
    expanded: dict[str, None] = {}
    for code in codes:
        if code in tree:
            for node in tree.path(code):
                expanded[node] = None
    return sorted(expanded)


def build_availability(record_id: Any, items: Iterable[Mapping[str, Any]],
                       tree: OrgTree) -> Availability:
    """Where a record's copies are held and on the shelf: the part of its document that
    circulation changes. `items`: its copies with `home_org` and `current_org` as org codes,
    `status`, `not_for_loan`."""
    totals: dict[str, int] = {}
    available: dict[str, int] = {}
    for item in items:
        if item["status"] == "withdrawn":
            continue
        totals[item["home_org"]] = totals.get(item["home_org"], 0) + 1
        if item["status"] == "available" and not item["not_for_loan"]:
            available[item["current_org"]] = available.get(item["current_org"], 0) + 1
    branches = set(totals) | set(available)
    return Availability(
        id=str(record_id),
        held_by=_expand(totals, tree),
        available_at=_expand(available, tree),
        availability={b: Copies(totals.get(b, 0), available.get(b, 0)) for b in sorted(branches)},
    )


def build_document(record: Mapping[str, Any], items: Iterable[Mapping[str, Any]],
                   tree: OrgTree) -> Document:
    """`record`: a bib_record row; `items`: its copies with `home_org` and `current_org`
    as org codes, `status`, `not_for_loan`, `call_number`."""
    items = list(items)
    live = build_availability(record["id"], items, tree)
    call_numbers = dict.fromkeys(item["call_number"] for item in items
                                 if item["status"] != "withdrawn" and item["call_number"])
    notes = " ".join(part for part in (record.get("summary"), record.get("series"),
                                       record.get("responsibility")) if part)
    return Document(
        id=live.id,
        title=record["title"] or "",
        title_pinyin=record.get("title_pinyin") or None,
        authors=_list(record.get("authors")),
        subjects=_list(record.get("subjects")),
        notes=notes,
        publisher=record.get("publisher") or "",
        year=record.get("year"),
        language=record.get("language") or None,
        material_type=record.get("material_type") or None,
        clc=record.get("clc") or None,
        isbns=_list(record.get("isbns")),
        call_numbers=list(call_numbers),
        held_by=live.held_by,
        available_at=live.available_at,
        availability=live.availability,
    )
