"""The one request/response model both engines speak: documents in, queries in, results out.

Document fields (one bibliographic record, built by the caller from catalogue data):

==============  ==========================  ==================================================
field           type                        meaning
==============  ==========================  ==================================================
id              str                         record id, unique; the key for upsert and delete
title           str                         title proper (+ subtitle), as catalogued
title_pinyin    str | None                  pinyin of the title from MARC, when the record has it
authors         list[str]                   personal and corporate names, display form
subjects        list[str]                   subject headings (主题词); also the ``subject`` filter
notes           str                         summary, contents and other notes, joined
publisher       str                         publisher name
year            int | None                  year of publication
language        str | None                  MARC language code: "chi", "eng", …
material_type   str | None                  "book", "serial", "audio", "video", "ebook", …
clc             str | None                  中图法 class number, e.g. "I247.57"
isbns           list[str]                   ISBN-13 (hyphens allowed); ISBN-10 is accepted too
call_numbers    list[str]                   索书号, e.g. "I247.57/123"
held_by         list[str]                   org codes holding a copy, each with its ancestors
available_at    list[str]                   org codes with a copy on the shelf now, same expansion
availability    dict[str, Copies]           branch code -> copies total/available, for display
==============  ==========================  ==================================================

``held_by``/``available_at`` are expanded by the caller (a copy at branch B of system S in
network N puts B, S and N in the list) so "held by anything under S" is a plain equality filter.

Derived fields, computed by the engines (see :mod:`search_index.fields`): ``decade`` (1990 for
1994), ``clc_top`` (first letter of the CLC class, first two for class T: "I", "TP") and a
title sort key in pinyin order for Chinese titles.

:class:`Availability` carries just ``held_by``, ``available_at`` and ``availability`` of one
document (same meaning as above): a check-out or check-in changes nothing else, so engines
can rewrite those three without analysing the record's text again.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from typing import Any

import msgspec

from search_index.errors import InvalidQuery

__all__ = [
    "MAX_PER_PAGE",
    "MAX_TOTAL_HITS",
    "Availability",
    "Copies",
    "Document",
    "Facet",
    "Health",
    "Hit",
    "Query",
    "SearchResult",
    "Sort",
]

#: Deepest result a query can page to; Meilisearch's ``pagination.maxTotalHits`` is set to this.
MAX_TOTAL_HITS = 10_000
MAX_PER_PAGE = 100


class Copies(msgspec.Struct, frozen=True):
    """Copies of one record at one branch, for the "where is it on the shelf" display."""

    total: int
    available: int


class Document(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One bibliographic record as the search engines see it (fields in the module docstring)."""

    id: str
    title: str
    title_pinyin: str | None = None
    authors: list[str] = msgspec.field(default_factory=list)
    subjects: list[str] = msgspec.field(default_factory=list)
    notes: str = ""
    publisher: str = ""
    year: int | None = None
    language: str | None = None
    material_type: str | None = None
    clc: str | None = None
    isbns: list[str] = msgspec.field(default_factory=list)
    call_numbers: list[str] = msgspec.field(default_factory=list)
    held_by: list[str] = msgspec.field(default_factory=list)
    available_at: list[str] = msgspec.field(default_factory=list)
    availability: dict[str, Copies] = msgspec.field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """Validate plain data (e.g. built by the app or read back from JSON) into a Document."""
        return msgspec.convert(data, cls)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data, all fields present."""
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]


class Availability(msgspec.Struct, frozen=True, kw_only=True):
    """The live availability fields of one document, for an update that leaves the rest as is."""

    id: str
    held_by: list[str] = msgspec.field(default_factory=list)
    available_at: list[str] = msgspec.field(default_factory=list)
    availability: dict[str, Copies] = msgspec.field(default_factory=dict)

    def applied_to(self, doc: Document) -> Document:
        """``doc`` with these three fields instead of its own (engines apply an update to
        the stored record this way)."""
        return msgspec.structs.replace(
            doc,
            held_by=self.held_by,
            available_at=self.available_at,
            availability=self.availability,
        )


class Facet(StrEnum):
    """Facets a query can ask counts for."""

    AVAILABLE_AT = "available_at"  # branch availability: on the shelf now at org X
    HELD_BY = "held_by"
    MATERIAL_TYPE = "material_type"
    LANGUAGE = "language"
    DECADE = "decade"
    CLC_TOP = "clc_top"


class Sort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"  # year descending, undated last
    TITLE = "title"  # pinyin order for Chinese titles, alphabetical for others


@dataclasses.dataclass(frozen=True, kw_only=True)
class Query:
    """A search request. Every filter is optional; all given filters must hold (AND).

    ``clc`` is a class prefix ("I24" finds I247.57); ``subject`` is one exact heading
    (case- and script-insensitive); ``year_from``/``year_to`` are inclusive.
    """

    text: str = ""
    available_at: str | None = None
    held_by: str | None = None
    material_type: str | None = None
    language: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    clc: str | None = None
    subject: str | None = None
    facets: tuple[Facet, ...] = ()
    sort: Sort = Sort.RELEVANCE
    page: int = 1
    per_page: int = 20
    highlight: bool = True
    max_facet_values: int = 100

    def __post_init__(self) -> None:
        # Normalise strings to enums once, here, so engines can trust the types.
        try:
            facets = tuple(dict.fromkeys(Facet(f) for f in self.facets))
        except ValueError as exc:
            raise InvalidQuery("facets", str(exc)) from None
        try:
            sort = Sort(self.sort)
        except ValueError as exc:
            raise InvalidQuery("sort", str(exc)) from None
        object.__setattr__(self, "facets", facets)
        object.__setattr__(self, "sort", sort)
        if self.page < 1:
            raise InvalidQuery("page", "must be 1 or more")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise InvalidQuery("per_page", f"must be between 1 and {MAX_PER_PAGE}")
        if self.page * self.per_page > MAX_TOTAL_HITS:
            raise InvalidQuery("page", f"results beyond the first {MAX_TOTAL_HITS} are not served")
        if self.max_facet_values < 1:
            raise InvalidQuery("max_facet_values", "must be 1 or more")
        if (
            self.year_from is not None
            and self.year_to is not None
            and self.year_from > self.year_to
        ):
            raise InvalidQuery("year_from", "is after year_to")
        if len(self.text) > 500:
            raise InvalidQuery("text", "longer than 500 characters")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclasses.dataclass(frozen=True)
class Hit:
    """One result: the stored document, an engine score (higher is better; None when the
    sort is by a field) and HTML snippets per field with matches wrapped in ``<mark>``."""

    id: str
    score: float | None
    document: Document
    highlights: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class SearchResult:
    """Hits of the requested page, total matches and facet counts (value -> count, by count).

    Over very large match sets an engine may estimate (see its docs); the flags say so:
    ``ranking_is_partial`` means the order is the best among a bounded window of matches.
    """

    hits: list[Hit]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    total_is_estimate: bool = False
    facets_are_estimates: bool = False
    ranking_is_partial: bool = False

    @property
    def pages(self) -> int:
        return -(-min(self.total, MAX_TOTAL_HITS) // self.per_page)


@dataclasses.dataclass(frozen=True)
class Health:
    """What a health check found; ``ok`` False carries the reason in ``detail``."""

    ok: bool
    engine: str
    documents: int | None = None
    detail: str = ""
