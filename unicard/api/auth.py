"""Who is calling: a staff session (cookie for pages, bearer token for API clients) or a
reader session (card number + PIN)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State

from unicard.clock import Clock
from unicard.errors import Unauthenticated
from unicard.readers.permissions import StaffPrincipal
from unicard.readers.staff import principal_for_token, reader_for_token

__all__ = ["READER_COOKIE", "STAFF_COOKIE", "current_reader_id", "current_staff", "token_of"]

STAFF_COOKIE = "unicard_staff"
READER_COOKIE = "unicard_reader"


def token_of(request: Request[Any, Any, Any], cookie: str) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(cookie)


async def current_staff(request: Request[Any, Any, Any], state: State) -> StaffPrincipal:
    token = token_of(request, STAFF_COOKIE)
    if not token:
        raise Unauthenticated("sign in as staff first", code="unauthenticated")
    clock: Clock = state.clock
    return await principal_for_token(token, clock)


async def current_reader_id(request: Request[Any, Any, Any], state: State) -> int:
    token = token_of(request, READER_COOKIE)
    if not token:
        raise Unauthenticated("sign in with your card number and PIN", code="unauthenticated")
    clock: Clock = state.clock
    return await reader_for_token(token, clock)
