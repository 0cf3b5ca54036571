"""The protocol every search engine implements, and the factory that picks one from settings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol, runtime_checkable

from search_index.model import Availability, Document, Health, Query, SearchResult

__all__ = ["Progress", "SearchEngine", "open_engine"]

#: Called by :meth:`SearchEngine.reindex` with the number of documents indexed so far.
Progress = Callable[[int], None]


@runtime_checkable
class SearchEngine(Protocol):
    """What the app needs from a search engine. Calls are synchronous (run them off the event
    loop); every method may raise :class:`~search_index.errors.SearchUnavailable`."""

    name: str

    def upsert(self, docs: Iterable[Document]) -> None:
        """Add or replace documents by id, idempotently (the outbox may deliver twice)."""

    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""

    def update_availability(self, updates: Iterable[Availability]) -> list[str]:
        """Replace held_by, available_at and availability of documents already in the index,
        leaving every other field and its analysis untouched; returns the ids the caller must
        upsert whole: those not in the index (nothing is written for them) and, during a
        rebuild, those the index being built does not hold yet.

        Within one call the last update for an id wins; unknown ids come back in the order
        first seen, once each.
        """

    def search(self, query: Query) -> SearchResult: ...

    def get(self, doc_id: str) -> Document | None: ...

    def count(self) -> int: ...

    def reindex(self, docs: Iterable[Document], progress: Progress | None = None) -> int:
        """Rebuild from scratch without downtime: build aside, then swap; returns the count.

        Searches keep answering from the old index until the swap; upserts and deletes made
        during the build reach both, so nothing written meanwhile is lost.
        """

    def clear(self) -> None:
        """Remove every document (tests, ``reindex`` from nothing)."""

    def health(self) -> Health:
        """Never raises: ``ok`` False and a reason when the engine cannot serve."""

    def close(self) -> None: ...


def open_engine(
    *,
    index_path: str | Path | None = None,
    meili_url: str | None = None,
    meili_key: str | None = None,
    meili_index: str = "records",
) -> SearchEngine:
    """Meilisearch when a URL is configured, the embedded SQLite index otherwise."""
    if meili_url:
        from search_index.meili.engine import MeiliEngine

        return MeiliEngine(meili_url, meili_key, index_uid=meili_index)
    if index_path is None:
        raise ValueError("either index_path (embedded engine) or meili_url is required")
    from search_index.embedded.engine import EmbeddedEngine

    return EmbeddedEngine(index_path)
