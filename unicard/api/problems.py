"""Domain errors and framework errors → RFC 9457 problem details, in one place."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException

from search_index import InvalidQuery, SearchUnavailable
from unicard.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleViolation,
    Unauthenticated,
    Unavailable,
    UnicardError,
)

__all__ = ["PROBLEM_TYPE_BASE", "exception_handlers", "problem_response"]

PROBLEM_TYPE_BASE = "https://unicard.example/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

_STATUS: dict[type[UnicardError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    RuleViolation: 409,
    Unauthenticated: 401,
    Forbidden: 403,
    Unavailable: 503,
}


def _status_for(exc: UnicardError) -> int:
    for cls in type(exc).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 400


def problem_response(status: int, code: str, title: str, detail: str,
                     instance: str, extra: dict[str, Any] | None = None) -> Response[Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
    }
    if extra:
        body.update({k: v for k, v in extra.items() if k not in body})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _domain(request: Request[Any, Any, Any], exc: UnicardError) -> Response[Any]:
    return problem_response(_status_for(exc), exc.code, exc.title, exc.message,
                            request.url.path, exc.context)


def _validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    return problem_response(400, "invalid-request", "Malformed request", str(exc.detail),
                            request.url.path, {"errors": exc.extra or []})


def _not_found(request: Request[Any, Any, Any], exc: NotFoundException) -> Response[Any]:
    return problem_response(404, "no-such-endpoint", "Not found", str(exc.detail),
                            request.url.path)


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    code = {405: "method-not-allowed", 401: "unauthenticated", 403: "forbidden",
            429: "too-many-requests"}.get(exc.status_code, "http-error")
    return problem_response(exc.status_code, code, str(exc.detail), str(exc.detail),
                            request.url.path)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    request.logger.exception("unhandled error on %s", request.url.path)
    return problem_response(500, "internal-error", "Internal error",
                            "the server failed; nothing was saved", request.url.path)


def _search_unavailable(request: Request[Any, Any, Any],
                        exc: SearchUnavailable) -> Response[Any]:
    return problem_response(503, "search-unavailable", "Search is temporarily unavailable",
                            "search is temporarily unavailable; borrowing and returning work "
                            "as usual", request.url.path, {"engine": exc.engine})


def _invalid_query(request: Request[Any, Any, Any], exc: InvalidQuery) -> Response[Any]:
    return problem_response(400, "invalid-search-query", "Invalid search", str(exc),
                            request.url.path, {"field": exc.field})


exception_handlers: dict[Any, Any] = {
    UnicardError: _domain,
    SearchUnavailable: _search_unavailable,
    InvalidQuery: _invalid_query,
    ValidationException: _validation,
    NotFoundException: _not_found,
    HTTPException: _http,
    Exception: _unexpected,
}

