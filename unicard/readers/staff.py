"""Use cases of staff accounts and of resolving a session token to whoever holds it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from unicard.audit import SYSTEM, Actor, append_event
from unicard.bulk import as_utc, fetch_once
from unicard.clock import Clock
from unicard.db import write_transaction
from unicard.errors import Conflict, InvalidInput, Unauthenticated
from unicard.network.services import load_tree, org_id, require_org
from unicard.readers.permissions import Action, Role, StaffPrincipal, ensure_allowed
from unicard.readers.secrets import hash_secret, hash_token, new_token, verify_secret
from unicard.readers.tables import Session, Staff
from unicard.settings import Settings

__all__ = [
    "NewStaff",
    "StaffSignIn",
    "create_staff",
    "ensure_session_current",
    "principal_for_token",
    "reader_for_token",
    "sign_in_staff",
    "sign_out",
]

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
_MIN_PASSWORD = 10


@dataclass(frozen=True)
class NewStaff:
    username: str
    display_name: str
    password: str
    role: str
    scope_org: str


@dataclass(frozen=True)
class StaffSignIn:
    token: str
    principal: StaffPrincipal
    expires_at: datetime


async def create_staff(cmd: NewStaff, by: StaffPrincipal | None, clock: Clock) -> StaffPrincipal:
    if not _USERNAME.match(cmd.username):
        raise InvalidInput("username: 3–64 lower-case letters, digits, '.', '_' or '-'",
                           code="username-invalid")
    if len(cmd.password) < _MIN_PASSWORD:
        raise InvalidInput(f"password must have at least {_MIN_PASSWORD} characters",
                           code="password-too-short")
    try:
        role = Role(cmd.role)
    except ValueError:
        raise InvalidInput(f"role {cmd.role!r} is not one of {[r.value for r in Role]}",
                           code="role-invalid") from None
    password_hash = hash_secret(cmd.password)
    async with write_transaction():
        tree = await load_tree()
        require_org(tree, cmd.scope_org, "scope_org")
        if by is not None:
            ensure_allowed(by, Action.MANAGE_STAFF, tree.path(cmd.scope_org))
        if await Staff.exists().where(Staff.username == cmd.username):
            raise Conflict(f"username {cmd.username} is taken", code="username-taken")
        scope_org_id = await org_id(cmd.scope_org)
        inserted = await Staff.insert(Staff(username=cmd.username, display_name=cmd.display_name,
                                            password_hash=password_hash, role=role.value,
                                            scope_org=scope_org_id, created_at=clock.now()))
        staff_id = inserted[0]["id"]
        actor = SYSTEM if by is None else Actor("staff", by.staff_id, by.username)
        await append_event(actor, "staff.created", clock.now(), org_code=cmd.scope_org,
                           subject_kind="staff", subject_id=staff_id,
                           data={"role": role.value})
    return StaffPrincipal(staff_id, cmd.username, role, cmd.scope_org)


async def sign_in_staff(username: str, password: str, settings: Settings,
                        clock: Clock) -> StaffSignIn:
    async with write_transaction():
        # `Staff.id` is Piccolo's implicit serial key, which readers/tables.py does not declare.
        row = await Staff.select(
            Staff._meta.primary_key, Staff.username, Staff.password_hash, Staff.role,
            Staff.active, Staff.scope_org.code.as_alias("scope"),
        ).where(Staff.username == username).first()
        if row is None or not row["active"] or not verify_secret(row["password_hash"], password):
            raise Unauthenticated("wrong username or password", code="login-failed")
        token, now = new_token(), clock.now()
        expires = now + timedelta(hours=settings.session_hours)
        await Session.insert(Session(token_hash=hash_token(token), staff=row["id"],
                                     created_at=now, expires_at=expires))
        await append_event(Actor("staff", row["id"], username), "staff.signed_in", now,
                           org_code=row["scope"], subject_kind="staff", subject_id=row["id"])
    principal = StaffPrincipal(row["id"], row["username"], Role(row["role"]), row["scope"])
    return StaffSignIn(token, principal, expires)


_STAFF_FOR_TOKEN = (
    "SELECT s.expires_at, st.id AS staff_id, st.username, st.role, st.active, o.code AS scope "
    "FROM auth_session s JOIN staff st ON st.id = s.staff JOIN org o ON o.id = st.scope_org "
    "WHERE s.token_hash = ?"
)
_READER_FOR_TOKEN = "SELECT expires_at, reader FROM auth_session WHERE token_hash = ?"


def ensure_session_current(expires_at: Any, now: datetime) -> None:
    """Refuse a session past its expiry (as read by plain SQL). The column is NOT NULL; a
    session without an expiry would be a damaged row: refused too."""
    at = as_utc(expires_at)
    if at is None or at <= now:
        raise Unauthenticated("your session has expired; sign in again", code="session-expired")


async def principal_for_token(token: str, clock: Clock) -> StaffPrincipal:
    """Asked on every staff request: one statement, no transaction around it."""
    rows = await fetch_once(_STAFF_FOR_TOKEN, [hash_token(token)])
    row = rows[0] if rows else None
    if row is None or not row["active"]:
        raise Unauthenticated("sign in as staff first", code="unauthenticated")
    ensure_session_current(row["expires_at"], clock.now())
    return StaffPrincipal(row["staff_id"], row["username"], Role(row["role"]), row["scope"])


async def reader_for_token(token: str, clock: Clock) -> int:
    """Asked on every reader request: one statement, no transaction around it."""
    rows = await fetch_once(_READER_FOR_TOKEN, [hash_token(token)])
    row = rows[0] if rows else None
    if row is None or row["reader"] is None:
        raise Unauthenticated("sign in with your card number and PIN", code="unauthenticated")
    ensure_session_current(row["expires_at"], clock.now())
    return int(row["reader"])


async def sign_out(token: str) -> None:
    async with write_transaction():
        await Session.delete().where(Session.token_hash == hash_token(token))
