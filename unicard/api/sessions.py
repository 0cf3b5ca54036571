"""Sign-in for staff (cookie + bearer token) and for readers (card number + PIN)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie, State
from litestar.di import Provide

from unicard.api.auth import (
    READER_COOKIE,
    STAFF_COOKIE,
    STAFF_SESSIONS,
    current_reader_id,
    current_staff,
    token_of,
)
from unicard.api.schemas import (
    ReaderSignInIn,
    SessionOut,
    StaffIn,
    StaffLoginIn,
    StaffOut,
)
from unicard.readers import services as readers
from unicard.readers import staff as staff_services
from unicard.readers.permissions import StaffPrincipal
from unicard.readers.services import ReaderRecord

__all__ = ["ReaderSessionController", "StaffController"]


def _staff_out(principal: StaffPrincipal) -> StaffOut:
    return StaffOut(principal.staff_id, principal.username, principal.role.value,
                    principal.scope_org)


def _cookie(name: str, token: str, max_age: int) -> Cookie:
    return Cookie(key=name, value=token, httponly=True, samesite="lax", max_age=max_age,
                  path="/")


class StaffController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/login", summary="Staff sign-in: a session cookie for pages, a bearer token for APIs",
          status_code=200)
    async def login(self, data: StaffLoginIn, state: State) -> Response[SessionOut]:
        result = await staff_services.sign_in_staff(data.username, data.password,
                                                    state.settings, state.clock)
        body = SessionOut(result.token, result.expires_at, staff=_staff_out(result.principal))
        return Response(body, cookies=[_cookie(STAFF_COOKIE, result.token,
                                               state.settings.session_hours * 3600)])

    @post("/logout", status_code=204)
    async def logout(self, request: Request[Any, Any, Any]) -> Response[None]:
        token = token_of(request, STAFF_COOKIE)
        if token:
            await staff_services.sign_out(token)
            STAFF_SESSIONS.forget(token)
        return Response(None, status_code=204, cookies=[_cookie(STAFF_COOKIE, "", 0)])

    @get("/me", dependencies={"staff": Provide(current_staff)})
    async def me(self, staff: StaffPrincipal) -> StaffOut:
        return _staff_out(staff)

    @post("/staff", dependencies={"staff": Provide(current_staff)},
          summary="Create a staff account within your scope")
    async def create_staff(self, data: StaffIn, staff: StaffPrincipal, state: State) -> StaffOut:
        cmd = staff_services.NewStaff(data.username, data.display_name, data.password,
                                      data.role, data.scope_org)
        return _staff_out(await staff_services.create_staff(cmd, staff, state.clock))


class ReaderSessionController(Controller):
    path = "/api/reader"
    tags = ["reader account"]

    @post("/login", summary="Reader sign-in with card number and PIN", status_code=200)
    async def login(self, data: ReaderSignInIn, state: State) -> Response[SessionOut]:
        result = await readers.sign_in_reader(data.card_number, data.pin, state.settings,
                                              state.clock)
        body = SessionOut(result.token, result.expires_at, reader_id=result.reader_id,
                          card_number=result.card_number)
        return Response(body, cookies=[_cookie(READER_COOKIE, result.token,
                                               state.settings.session_hours * 3600)])

    @get("/me", dependencies={"reader_id": Provide(current_reader_id)},
         summary="The signed-in reader's own account")
    async def me(self, reader_id: int, state: State) -> ReaderRecord:
        return await readers.reader_by_id(reader_id, state.clock)
