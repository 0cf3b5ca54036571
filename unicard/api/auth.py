"""Who is calling: a staff session (cookie for pages, bearer token for API clients) or a
reader session (card number + PIN)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from litestar import Request
from litestar.datastructures import State

from unicard.clock import Clock
from unicard.errors import Unauthenticated
from unicard.readers.permissions import StaffPrincipal
from unicard.readers.staff import principal_for_token, reader_for_token

__all__ = [
    "READER_COOKIE",
    "READER_SESSIONS",
    "STAFF_COOKIE",
    "STAFF_SESSIONS",
    "SessionCache",
    "current_reader_id",
    "current_staff",
    "token_of",
]

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


T = TypeVar("T")


class SessionCache(Generic[T]):
    """Sessions looked up in the last `seconds`, for endpoints hit once per scan (the desk).
    Signing out in this process forgets the token at once; another server process may still
    honour it until its entry runs out."""

    def __init__(self, seconds: float, size: int = 10_000) -> None:
        self.seconds = seconds
        self.size = size
        self._entries: dict[str, tuple[float, T]] = {}

    async def get(self, token: str, load: Callable[[], Awaitable[T]]) -> T:
        now = time.monotonic()
        hit = self._entries.get(token)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = await load()
        if len(self._entries) >= self.size:
            self._entries.clear()
        self._entries[token] = (now + self.seconds, value)
        return value

    def forget(self, token: str) -> None:
        self._entries.pop(token, None)


STAFF_SESSIONS: SessionCache[StaffPrincipal] = SessionCache(seconds=15.0)
READER_SESSIONS: SessionCache[int] = SessionCache(seconds=15.0)
