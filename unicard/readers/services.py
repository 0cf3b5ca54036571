"""Use cases of reader accounts under the one card: register, scan, edit, block, replace card,
sign in with card and PIN."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from piccolo.columns.combination import Where

from unicard.audit import Actor, append_event
from unicard.clock import Clock
from unicard.counters import next_values
from unicard.db import read_transaction, write_transaction
from unicard.errors import Conflict, InvalidInput, NotFound, RuleViolation, Unauthenticated
from unicard.network.services import ensure_category, load_tree, org_id, require_org
from unicard.network.tables import ReaderCategory
from unicard.readers.card_numbers import format_card_number, has_card_shape, is_card_number
from unicard.readers.id_numbers import (
    IdNumberInvalid,
    mask_id_number,
    parse_id_number,
    region_advice,
)
from unicard.readers.permissions import Action, StaffPrincipal, ensure_allowed
from unicard.readers.rules import ReaderStatus, add_months, effective_status, pin_lock
from unicard.readers.secrets import (
    hash_id_number,
    hash_secret,
    hash_token,
    new_token,
    verify_secret,
)
from unicard.readers.tables import Card, Reader, Session
from unicard.settings import Settings

__all__ = [
    "ReaderRecord",
    "Registration",
    "block_reader",
    "find_by_card",
    "register_reader",
    "replace_card",
    "report_card_lost",
    "sign_in_reader",
    "unblock_reader",
    "update_reader",
]

CARD_COUNTER = "card_serial"
_PIN = re.compile(r"^\d{4,8}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,19}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Registration:
    name: str
    id_number: str
    category: str
    home_org: str
    phone: str = ""
    email: str = ""
    pin: str | None = None
    # A pre-printed card handed over at the desk; None allocates the next number.
    card_number: str | None = None


@dataclass(frozen=True)
class ReaderRecord:
    """What staff screens and API responses may show: the ID number only masked."""

    id: int
    card_number: str
    name: str
    id_number_masked: str
    birth_date: date | None
    sex: str
    phone: str
    email: str
    category: str
    home_org: str
    registered_at: datetime
    expires_on: date
    status: str
    block_reason: str
    fines_owed: str
    advice: tuple[str, ...] = ()


def _is_reader(reader_id: int) -> Where:
    # `Reader.id` is the serial key Piccolo adds; readers/tables.py does not declare it
    # (`id: Serial`), so the type checker only knows it as `_meta.primary_key`.
    return Reader._meta.primary_key == reader_id


_READER_COLUMNS = (
    Reader._meta.primary_key, Reader.card_number, Reader.name, Reader.id_number_masked,
    Reader.birth_date, Reader.sex, Reader.phone, Reader.email, Reader.category,
    Reader.registered_at, Reader.expires_on, Reader.status, Reader.block_reason, Reader.fines_owed,
    Reader.home_org.code.as_alias("home_org_code"),
)


def _record(row: dict[str, Any], today: date, advice: tuple[str, ...] = ()) -> ReaderRecord:
    return ReaderRecord(
        id=row["id"], card_number=row["card_number"], name=row["name"],
        id_number_masked=row["id_number_masked"], birth_date=row["birth_date"], sex=row["sex"],
        phone=row["phone"], email=row["email"], category=row["category"],
        home_org=row["home_org_code"], registered_at=row["registered_at"],
        expires_on=row["expires_on"],
        status=effective_status(row["status"], row["expires_on"], today).value,
        block_reason=row["block_reason"], fines_owed=str(row["fines_owed"]), advice=advice,
    )


async def _reader_row(reader_id: int) -> dict[str, Any]:
    row = await Reader.select(*_READER_COLUMNS).where(_is_reader(reader_id)).first()
    if row is None:
        raise NotFound("reader not found", code="reader-not-found")
    return row


def _actor(staff: StaffPrincipal) -> Actor:
    return Actor("staff", staff.staff_id, staff.username)


def _check_contact(phone: str, email: str) -> None:
    if phone and not _PHONE.match(phone):
        raise InvalidInput(f"phone {phone!r} is not a phone number", code="phone-invalid")
    if email and not _EMAIL.match(email):
        raise InvalidInput(f"email {email!r} is not an email address", code="email-invalid")


def _check_pin(pin: str) -> None:
    if not _PIN.match(pin):
        raise InvalidInput("a PIN is 4 to 8 digits", code="pin-invalid")


def check_card_number_format(number: str) -> None:
    """A card number must be in the card space; anything else would confuse the scan box."""
    if not has_card_shape(number):
        raise InvalidInput(
            f"{number!r} is not a card number (12 digits starting with 2); "
            "it could be taken for an item barcode",
            code="card-number-looks-like-item",
            card_number=number,
        )
    if not is_card_number(number):
        raise InvalidInput(f"card number {number} has a wrong check digit",
                           code="card-number-invalid", card_number=number)


async def _allocate_card_number() -> str:
    serial = (await next_values(CARD_COUNTER))[0]
    return format_card_number(serial)


async def _ensure_card_free(number: str) -> None:
    if await Card.exists().where(Card.number == number):
        raise Conflict(f"card number {number} is already issued", code="card-number-taken",
                       card_number=number)


async def register_reader(reg: Registration, staff: StaffPrincipal, settings: Settings,
                          clock: Clock) -> ReaderRecord:
    """Valid everywhere from the moment it is registered; one account per ID number."""
    today = clock.today()
    try:
        parsed = parse_id_number(reg.id_number, today)
    except IdNumberInvalid as exc:
        raise InvalidInput(f"ID number invalid: {exc}", code="id-number-invalid") from None
    if not reg.name.strip():
        raise InvalidInput("name is required", code="name-missing")
    _check_contact(reg.phone, reg.email)
    if reg.pin is not None:
        _check_pin(reg.pin)
    if reg.card_number is not None:
        check_card_number_format(reg.card_number)
    pin_hash = hash_secret(reg.pin) if reg.pin else ""
    id_hash = hash_id_number(settings.secret_key, parsed.number)
    advice = region_advice(parsed.number)
    async with write_transaction():
        tree = await load_tree()
        require_org(tree, reg.home_org, "home_org")
        ensure_allowed(staff, Action.REGISTER_READER, tree.path(reg.home_org))
        await ensure_category(reg.category)
        existing = await Reader.select(Reader.card_number, Reader.home_org.code).where(
            Reader.id_number_hash == id_hash
        ).first()
        if existing is not None:
            raise Conflict(
                f"this ID number is already registered: card {existing['card_number']}",
                code="reader-already-registered",
                card_number=existing["card_number"],
                home_org=existing["home_org.code"],
            )
        if reg.card_number is not None:
            await _ensure_card_free(reg.card_number)
            number = reg.card_number
        else:
            number = await _allocate_card_number()
        validity = await ReaderCategory.select(ReaderCategory.validity_months).where(
            ReaderCategory.code == reg.category
        ).first()
        assert validity is not None  # ensure_category found it
        home_org = await org_id(reg.home_org)
        now = clock.now()
        inserted = await Reader.insert(
            Reader(
                card_number=number, name=reg.name.strip(), id_number_hash=id_hash,
                id_number_masked=mask_id_number(parsed.number), birth_date=parsed.birth_date,
                sex=parsed.sex, phone=reg.phone, email=reg.email, category=reg.category,
                home_org=home_org, registered_at=now,
                expires_on=add_months(today, validity["validity_months"]),
                status=ReaderStatus.ACTIVE.value, pin_hash=pin_hash, updated_at=now,
            )
        )
        reader_id = inserted[0]["id"]
        await Card.insert(Card(number=number, reader=reader_id, state="current", issued_at=now,
                               issued_by_org=home_org))
        await append_event(_actor(staff), "reader.registered", now, org_code=reg.home_org,
                           subject_kind="reader", subject_id=reader_id,
                           data={"card_number": number, "category": reg.category})
        row = await _reader_row(reader_id)
    return _record(row, today, (advice,) if advice else ())


async def _reader_row_by_card(card_number: str) -> dict[str, Any]:
    """Resolve any card number ever issued; a retired one is refused as lost."""
    number = card_number.strip()
    card = await Card.select(Card.reader, Card.state).where(Card.number == number).first()
    if card is None:
        code = "reader-not-found" if has_card_shape(number) else "not-a-card-number"
        raise NotFound(f"no reader with card number {number}", code=code, card_number=number)
    if card["state"] != "current":
        raise RuleViolation(
            f"card {number} was reported lost; ask the reader for their replacement card",
            code="card-lost",
            card_number=number,
        )
    row = await _reader_row(card["reader"])
    if row["status"] == ReaderStatus.CARD_LOST.value:
        raise RuleViolation(f"card {number} was reported lost", code="card-lost",
                            card_number=number)
    return row


async def find_by_card(card_number: str, staff: StaffPrincipal, clock: Clock) -> ReaderRecord:
    """The desk scan: any staff member anywhere may look a reader up (the card is valid
    everywhere); editing is what the scope limits."""
    async with read_transaction():
        row = await _reader_row_by_card(card_number)
        tree = await load_tree()
    ensure_allowed(staff, Action.VIEW_READER, tree.path(staff.scope_org))
    return _record(row, clock.today())


_EDITABLE = frozenset({"name", "phone", "email", "category", "home_org", "expires_on", "pin"})


async def update_reader(card_number: str, changes: dict[str, Any], staff: StaffPrincipal,
                        clock: Clock) -> ReaderRecord:
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise InvalidInput(f"fields {sorted(unknown)} cannot be changed here",
                           code="field-not-editable")
    _check_contact(changes.get("phone", ""), changes.get("email", ""))
    values: dict[str, Any] = {}
    if "name" in changes:
        if not str(changes["name"]).strip():
            raise InvalidInput("name is required", code="name-missing")
        values["name"] = str(changes["name"]).strip()
    for key in ("phone", "email"):
        if key in changes:
            values[key] = changes[key]
    if "pin" in changes:
        _check_pin(changes["pin"])
        values.update(pin_hash=hash_secret(changes["pin"]), pin_failures=0, pin_locked_until=None)
    if "expires_on" in changes:
        try:
            values["expires_on"] = date.fromisoformat(str(changes["expires_on"]))
        except ValueError:
            raise InvalidInput("expires_on must be YYYY-MM-DD", code="date-invalid") from None
    async with write_transaction():
        row = await _reader_row_by_card(card_number)
        tree = await load_tree()
        ensure_allowed(staff, Action.EDIT_READER, tree.path(row["home_org_code"]))
        if "category" in changes:
            await ensure_category(changes["category"])
            values["category"] = changes["category"]
        if "home_org" in changes:
            require_org(tree, changes["home_org"], "home_org")
            ensure_allowed(staff, Action.EDIT_READER, tree.path(changes["home_org"]))
            values["home_org"] = await org_id(changes["home_org"])
        now = clock.now()
        await Reader.update(**values, updated_at=now).where(_is_reader(row["id"]))
        await append_event(_actor(staff), "reader.updated", now, org_code=row["home_org_code"],
                           subject_kind="reader", subject_id=row["id"],
                           data={"fields": sorted(changes)})
        updated = await _reader_row(row["id"])
    return _record(updated, clock.today())


async def _set_status(card_number: str, status: ReaderStatus, reason: str, action: str,
                      staff: StaffPrincipal, clock: Clock) -> ReaderRecord:
    async with write_transaction():
        row = await _reader_row_by_card(card_number)
        tree = await load_tree()
        ensure_allowed(staff, Action.BLOCK_READER, tree.path(row["home_org_code"]))
        now = clock.now()
        await Reader.update({Reader.status: status.value, Reader.block_reason: reason,
                             Reader.updated_at: now}).where(_is_reader(row["id"]))
        await append_event(_actor(staff), action, now, org_code=row["home_org_code"],
                           subject_kind="reader", subject_id=row["id"], data={"reason": reason})
        updated = await _reader_row(row["id"])
    return _record(updated, clock.today())


async def block_reader(card_number: str, reason: str, staff: StaffPrincipal,
                       clock: Clock) -> ReaderRecord:
    if not reason.strip():
        raise InvalidInput("a block needs a reason the next desk can read", code="reason-missing")
    return await _set_status(card_number, ReaderStatus.BLOCKED, reason.strip(), "reader.blocked",
                             staff, clock)


async def unblock_reader(card_number: str, staff: StaffPrincipal, clock: Clock) -> ReaderRecord:
    return await _set_status(card_number, ReaderStatus.ACTIVE, "", "reader.unblocked", staff,
                             clock)


async def report_card_lost(card_number: str, staff: StaffPrincipal,
                           clock: Clock) -> ReaderRecord:
    """From now on the number is refused at every desk until a replacement is issued."""
    async with write_transaction():
        row = await _reader_row_by_card(card_number)
        tree = await load_tree()
        ensure_allowed(staff, Action.REPLACE_CARD, tree.path(staff.scope_org))
        now = clock.now()
        await Card.update({Card.state: "lost", Card.retired_at: now}).where(
            Card.number == row["card_number"]
        )
        await Reader.update({Reader.status: ReaderStatus.CARD_LOST.value,
                             Reader.updated_at: now}).where(_is_reader(row["id"]))
        await append_event(_actor(staff), "card.reported_lost", now, org_code=staff.scope_org,
                           subject_kind="reader", subject_id=row["id"],
                           data={"card_number": row["card_number"]})
        updated = await _reader_row(row["id"])
    return _record(updated, clock.today())


async def replace_card(card_number: str, staff: StaffPrincipal, at_org: str, clock: Clock,
                       new_number: str | None = None) -> ReaderRecord:
    """Any desk may replace a card (the reader walks into the nearest branch); the old number
    stays in the card history and is refused as lost from now on."""
    if new_number is not None:
        check_card_number_format(new_number)
    async with write_transaction():
        number = card_number.strip()
        card = await Card.select(Card.reader, Card.state).where(Card.number == number).first()
        if card is None:
            raise NotFound(f"no reader with card number {number}", code="reader-not-found",
                           card_number=number)
        reader = await Reader.select(Reader.card_number, Reader.status).where(
            _is_reader(card["reader"])
        ).first()
        assert reader is not None  # the card's foreign key
        if reader["card_number"] != number:
            raise Conflict(f"card {number} was already replaced by a newer card",
                           code="card-already-replaced", card_number=number)
        tree = await load_tree()
        require_org(tree, at_org, "at_org")
        ensure_allowed(staff, Action.REPLACE_CARD, tree.path(at_org))
        if new_number is not None:
            await _ensure_card_free(new_number)
        fresh = new_number or await _allocate_card_number()
        now = clock.now()
        at_org_id = await org_id(at_org)
        await Card.update({Card.state: "lost", Card.retired_at: now}).where(Card.number == number)
        await Card.insert(Card(number=fresh, reader=card["reader"], state="current",
                               issued_at=now, issued_by_org=at_org_id))
        status = (ReaderStatus.ACTIVE.value if reader["status"] == ReaderStatus.CARD_LOST.value
                  else reader["status"])
        await Reader.update({Reader.card_number: fresh, Reader.status: status,
                             Reader.updated_at: now}).where(_is_reader(card["reader"]))
        await append_event(_actor(staff), "card.replaced", now, org_code=at_org,
                           subject_kind="reader", subject_id=card["reader"],
                           data={"old": number, "new": fresh})
        row = await _reader_row(card["reader"])
    return _record(row, clock.today())


async def card_history(card_number: str) -> list[dict[str, Any]]:
    async with read_transaction():
        card = await Card.select(Card.reader).where(Card.number == card_number.strip()).first()
        if card is None:
            raise NotFound(f"no reader with card number {card_number}", code="reader-not-found")
        return await Card.select(Card.number, Card.state, Card.issued_at, Card.retired_at).where(
            Card.reader == card["reader"]
        ).order_by(Card.issued_at)


@dataclass(frozen=True)
class ReaderSignIn:
    token: str
    reader_id: int
    card_number: str
    expires_at: datetime


async def sign_in_reader(card_number: str, pin: str, settings: Settings,
                         clock: Clock) -> ReaderSignIn:
    """Card number and PIN; repeated failures lock the card for a while.

    The failure counter must be written even though the sign-in is refused, so the refusal is
    raised after the transaction commits.
    """
    now = clock.now()
    refusal: Exception | None = None
    result: ReaderSignIn | None = None
    async with write_transaction():
        row = await _reader_row_by_card(card_number)
        state = await Reader.select(Reader.pin_hash, Reader.pin_failures,
                                    Reader.pin_locked_until).where(_is_reader(row["id"])).first()
        assert state is not None  # row was read in this transaction
        locked_until = state["pin_locked_until"]
        if locked_until is not None and locked_until > now:
            minutes = max(1, int((locked_until - now).total_seconds() // 60) + 1)
            refusal = Unauthenticated(f"too many wrong PINs; try again in {minutes} minutes",
                                      code="pin-locked", retry_after_minutes=minutes)
        elif not verify_secret(state["pin_hash"], pin):
            failures = state["pin_failures"] + 1
            lock = pin_lock(failures, settings.pin_max_failures, now, settings.pin_lockout_minutes)
            await Reader.update({Reader.pin_failures: 0 if lock else failures,
                                 Reader.pin_locked_until: lock}).where(_is_reader(row["id"]))
            await append_event(Actor("reader", row["id"]), "reader.pin_failed", now,
                               subject_kind="reader", subject_id=row["id"],
                               data={"locked": lock is not None})
            remaining = settings.pin_max_failures - failures
            refusal = (
                Unauthenticated("too many wrong PINs; the card is locked for "
                                f"{settings.pin_lockout_minutes} minutes", code="pin-locked")
                if lock else
                Unauthenticated(f"wrong card number or PIN; {remaining} attempts left",
                                code="pin-wrong", attempts_left=remaining)
            )
        else:
            token = new_token()
            expires = now + timedelta(hours=settings.session_hours)
            await Reader.update({Reader.pin_failures: 0, Reader.pin_locked_until: None}).where(
                _is_reader(row["id"])
            )
            await Session.insert(Session(token_hash=hash_token(token), reader=row["id"],
                                         created_at=now, expires_at=expires))
            result = ReaderSignIn(token, row["id"], row["card_number"], expires)
    if refusal is not None:
        raise refusal
    assert result is not None
    return result


async def reader_by_id(reader_id: int, clock: Clock) -> ReaderRecord:
    async with read_transaction():
        row = await _reader_row(reader_id)
    return _record(row, clock.today())
