"""Document ↔ Meilisearch document: the stored record plus the fields search needs.

Searchable text is sent folded to simplified characters (Meilisearch does not map 紅 to 红),
the original record rides along unsearched in ``record`` for display. Pinyin and the single
Chinese characters (for 1–2 character queries) are sent as extra searchable fields, as the
embedded engine indexes them.

An availability update sends only the fields a check-out changes (:func:`availability_update`):
the org filters and the whole ``record`` (Meilisearch's partial update replaces an object
field whole, it does not merge into it).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from search_index.fields import clc_key, clc_prefixes, clc_top, decade, subject_key
from search_index.model import Document
from search_index.text import (
    analyse_field,
    call_number_key,
    han_chars,
    isbn13,
    marc_pinyin_tokens,
    normalize,
    title_sort_key,
    to_simplified,
)

__all__ = ["PRIMARY_KEY", "availability_update", "from_meili", "primary_key", "to_meili"]

PRIMARY_KEY = "pk"
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,480}$")


def primary_key(doc_id: str) -> str:
    """Meilisearch ids allow only ``[A-Za-z0-9_-]``: other ids are hashed (stable)."""
    if _SAFE_ID.match(doc_id):
        return doc_id
    return "h_" + hashlib.sha1(doc_id.encode()).hexdigest()


def _pinyin(text: str, marc: str | None = None) -> str:
    _, _, py = analyse_field(normalize(text), pinyin=True)
    if marc:
        py = " ".join([py, *marc_pinyin_tokens(marc)])
    return py


def _class_part(call_number: str) -> str:
    return call_number_key(call_number).split("/", 1)[0]


def to_meili(doc: Document) -> dict[str, Any]:
    chars = " ".join(
        han_chars(normalize(" ".join([doc.title, *doc.authors, *doc.subjects])))
    )
    codes = [isbn13(i) or call_number_key(i) for i in doc.isbns]
    return {
        PRIMARY_KEY: primary_key(doc.id),
        "id": doc.id,
        "title": to_simplified(doc.title),
        "title_py": _pinyin(doc.title, doc.title_pinyin),
        "authors": [to_simplified(a) for a in doc.authors],
        "authors_py": _pinyin("  ".join(doc.authors)),
        "subjects": [to_simplified(s) for s in doc.subjects],
        "chars": chars,
        "notes": to_simplified(doc.notes),
        "publisher": to_simplified(doc.publisher),
        "isbns": codes,
        "call_numbers": doc.call_numbers,
        "code_keys": sorted(
            {*codes, *(call_number_key(c) for c in doc.call_numbers),
             *(_class_part(c) for c in doc.call_numbers)}
        ),
        "year": doc.year,
        "decade": decade(doc.year),
        "language": doc.language,
        "material_type": doc.material_type,
        "clc": clc_key(doc.clc) if doc.clc else None,
        "clc_top": clc_top(doc.clc),
        "clc_prefixes": clc_prefixes(doc.clc),
        "subject_keys": [subject_key(s) for s in doc.subjects],
        "title_sort": title_sort_key(doc.title),
        **_availability_fields(doc),
    }


def _availability_fields(doc: Document) -> dict[str, Any]:
    """The fields that change with availability: org filters and the stored record."""
    return {
        "held_by": list(dict.fromkeys([*doc.held_by, *doc.available_at])),
        "available_at": doc.available_at,
        "record": doc.to_dict(),
    }


def availability_update(doc: Document) -> dict[str, Any]:
    """A partial document ("add or update") carrying a record's new availability; ``doc`` is
    the stored record with the new held_by, available_at and availability."""
    return {PRIMARY_KEY: primary_key(doc.id), **_availability_fields(doc)}


def from_meili(hit: dict[str, Any]) -> Document:
    return Document.from_dict(hit["record"])
