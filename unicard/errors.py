"""The error tree of the domain: each error has a stable code and the context that explains it.

Nothing here knows about HTTP; `unicard.api.problems` maps the classes to RFC 9457 problem
details (NotFound → 404, Conflict → 409, …). Codes are part of the API contract: never rename.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "RuleViolation",
    "Unauthenticated",
    "Unavailable",
    "UnicardError",
]


class UnicardError(Exception):
    """Base of every error a use case may raise on purpose."""

    code: str = "error"
    title: str = "Request failed"

    def __init__(self, message: str, *, code: str | None = None, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.context = context


class InvalidInput(UnicardError):
    """The request itself is malformed: a bad ID number, an unknown field value."""

    code = "invalid-input"
    title = "Invalid input"


class NotFound(UnicardError):
    code = "not-found"
    title = "Not found"


class Conflict(UnicardError):
    """The request clashes with what exists: a duplicate ID number, a card already in use."""

    code = "conflict"
    title = "Conflict"


class RuleViolation(UnicardError):
    """A library rule refuses the action: card lost, loan limit reached, slot taken."""

    code = "rule-violation"
    title = "Refused by a library rule"


class Unauthenticated(UnicardError):
    code = "unauthenticated"
    title = "Sign-in required"


class Forbidden(UnicardError):
    """Signed in, but the role or the org scope does not allow this action."""

    code = "forbidden"
    title = "Not allowed"


class Unavailable(UnicardError):
    """A dependency (the search engine) is down; the rest of the system keeps working."""

    code = "unavailable"
    title = "Temporarily unavailable"
