"""Which search engine this deployment uses, from the settings, opened lazily: a missing or
broken index must not stop the server from starting (circulation works without search)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from search_index import (
    Availability,
    Document,
    Health,
    Query,
    SearchEngine,
    SearchResult,
    SearchUnavailable,
    open_engine,
)
from unicard.settings import Settings

__all__ = ["LazySearchEngine", "open_search_engine"]


class LazySearchEngine:
    """Opens the configured engine on first use, and again after it was unavailable."""

    name = "lazy"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._engine: SearchEngine | None = None
        self._lock = threading.Lock()

    def _open(self) -> SearchEngine:
        with self._lock:
            if self._engine is None:
                settings = self._settings
                if settings.search_url:
                    self._engine = open_engine(meili_url=settings.search_url,
                                               meili_key=settings.search_key or None)
                else:
                    settings.data_dir.mkdir(parents=True, exist_ok=True)
                    self._engine = open_engine(index_path=settings.search_index_path)
            return self._engine

    def _call(self, method: str, *args: Any) -> Any:
        return getattr(self._open(), method)(*args)

    def upsert(self, docs: Iterable[Document]) -> None:
        self._call("upsert", docs)

    def update_availability(self, updates: Iterable[Availability]) -> list[str]:
        return self._call("update_availability", updates)  # type: ignore[no-any-return]

    def delete(self, ids: Iterable[str]) -> None:
        self._call("delete", ids)

    def search(self, query: Query) -> SearchResult:
        return self._call("search", query)  # type: ignore[no-any-return]

    def get(self, doc_id: str) -> Document | None:
        return self._call("get", doc_id)  # type: ignore[no-any-return]

    def count(self) -> int:
        return self._call("count")  # type: ignore[no-any-return]

    def reindex(self, docs: Iterable[Document], progress: Any = None) -> int:
        return self._call("reindex", docs, progress)  # type: ignore[no-any-return]

    def clear(self) -> None:
        self._call("clear")

    def health(self) -> Health:
        try:
            return self._open().health()
        except SearchUnavailable as exc:
            return Health(ok=False, engine="search", detail=exc.reason)

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None


def open_search_engine(settings: Settings) -> LazySearchEngine:
    """Meilisearch when UNICARD_SEARCH_URL is set, else the embedded index in the data dir."""
    return LazySearchEngine(settings)
