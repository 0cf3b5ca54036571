"""Index settings for Meilisearch, applied idempotently (only what differs is sent)."""

from __future__ import annotations

from typing import Any

from search_index.meili.documents import PRIMARY_KEY
from search_index.model import MAX_TOTAL_HITS
from search_index.typo import ONE_TYPO_FROM, TWO_TYPOS_FROM

__all__ = ["index_settings"]

#: Rank order matters: Meilisearch's ``attribute`` rule prefers matches in earlier fields —
#: title above author above subject above notes, as the embedded engine's BM25 weights.
SEARCHABLE = [
    "title",
    "title_py",
    "authors",
    "authors_py",
    "subjects",
    "chars",
    "notes",
    "publisher",
    "isbns",
    "call_numbers",
]
FILTERABLE = [
    "available_at",
    "held_by",
    "material_type",
    "language",
    "year",
    "decade",
    "clc_prefixes",
    "clc_top",
    "subject_keys",
    "code_keys",
    PRIMARY_KEY,  # which of a batch of ids exist, in one request (update_availability)
]
SORTABLE = ["year", "title_sort"]
# "sort" first: when a sort is asked for it decides the order outright (as in the embedded
# engine); without one it is a no-op and relevance rules apply.
RANKING = ["sort", "words", "typo", "proximity", "attribute", "exactness"]


def index_settings(synonyms: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {
        "searchableAttributes": SEARCHABLE,
        "filterableAttributes": FILTERABLE,
        "sortableAttributes": SORTABLE,
        "displayedAttributes": ["*"],
        "rankingRules": RANKING,
        "localizedAttributes": [
            {
                "attributePatterns": ["title", "authors", "subjects", "notes", "publisher"],
                "locales": ["cmn", "eng"],
            },
            {"attributePatterns": ["title_py", "authors_py"], "locales": ["eng"]},
        ],
        "synonyms": synonyms or {},
        "typoTolerance": {
            "enabled": True,
            "minWordSizeForTypos": {"oneTypo": ONE_TYPO_FROM, "twoTypos": TWO_TYPOS_FROM},
            "disableOnAttributes": ["isbns", "call_numbers", "chars"],
        },
        "faceting": {"maxValuesPerFacet": 500, "sortFacetValuesBy": {"*": "count"}},
        "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
    }
