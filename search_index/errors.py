"""Exceptions raised by search engines, drawn in one place so the app maps them once."""

from __future__ import annotations

__all__ = ["InvalidQuery", "SearchError", "SearchUnavailable"]


class SearchError(Exception):
    """Base of every error this package raises on purpose."""

    code = "search-error"


class SearchUnavailable(SearchError):
    """The engine cannot answer now (server down, index file missing or locked).

    The app answers 503 and keeps everything else running; the outbox catches up later.
    """

    code = "search-unavailable"

    def __init__(self, engine: str, reason: str) -> None:
        super().__init__(f"{engine} search engine unavailable: {reason}")
        self.engine = engine
        self.reason = reason


class InvalidQuery(SearchError, ValueError):
    """The query asks for something the model does not allow (page 0, unknown facet…)."""

    code = "invalid-search-query"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
