"""Use cases of rooms and their bookings: rooms CRUD, reader and group bookings, approval,
cancellation, check-in at the door, and the reader's own bookings.

A slot is never booked twice. The rules check the bookings that hold the time; on SQLite the
check and the insert run in one write transaction, whose write lock serialises them across
tasks and processes; on PostgreSQL the exclusion constraint on the booking's time range is the
guard, so two readers racing past the check are refused by the database, and the loser gets
`slot-taken` all the same. SQLite has the same guard as a trigger (see the rooms migrations).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from unicard.audit import Actor
from unicard.clock import Clock
from unicard.db import is_sqlite, read_transaction, write_transaction
from unicard.errors import Conflict, InvalidInput, NotFound, RuleViolation
from unicard.network.calendar import Calendar
from unicard.network.services import load_tree, require_org
from unicard.readers.permissions import Action, StaffPrincipal, ensure_allowed
from unicard.readers.services import _reader_row_by_card
from unicard.rooms.booking_rules import (
    BookingCandidate,
    BookingStanding,
    RoomConfig,
    initial_booking_state,
    why_cannot_book,
    why_cannot_cancel,
)
from unicard.rooms.checkin import why_cannot_check_in
from unicard.rooms.intervals import MINUTES_PER_DAY, Span
from unicard.rooms.refusals import Refusal
from unicard.rooms.sql import fetch, fetchrow, utc
from unicard.rooms.states import (
    SLOT_HOLDING_STATES,
    BookingAction,
    BookingState,
    next_booking_state,
)
from unicard.rooms.support import (
    MAX_SPAN,
    NETWORK_VERSION_SQL,
    SignedIn,
    actor_of_reader,
    actor_of_staff,
    ensure_reader_in_good_standing,
    hot_unit,
    insert_logged,
    json_list,
    local,
    network_tz,
    node_of,
    org_id,
    raise_refusal,
    reader_source,
    record_event,
    room_config,
    signed_in_reader_id,
    translate_db_refusals,
    validate_hours,
)

__all__ = [
    "BookRoom",
    "BookingRecord",
    "NewRoom",
    "RoomContext",
    "RoomRecord",
    "approve_booking",
    "book_room",
    "book_room_for_group",
    "cancel_booking",
    "check_in_booking",
    "check_in_booking_by_card",
    "create_room",
    "get_room",
    "list_rooms",
    "load_room_context",
    "my_bookings",
    "reject_booking",
    "reserve_room",
    "room_bookings",
    "update_room",
]

HOLDING_SQL = "(" + ", ".join(f"'{s.value}'" for s in sorted(SLOT_HOLDING_STATES)) + ")"


@dataclass(frozen=True)
class NewRoom:
    org: str
    name: str
    capacity: int
    description: str = ""
    features: tuple[str, ...] = ()
    bookable_hours: dict[str, list[str]] | None = None
    min_minutes: int = 30
    max_minutes: int = 240
    max_days_ahead: int = 14
    slot_minutes: int = 30
    approval_needed: bool = False
    cancel_deadline_minutes: int = 60
    check_in_opens_minutes: int = 15
    check_in_grace_minutes: int = 15


@dataclass(frozen=True)
class RoomRecord:
    id: int
    org: str
    org_name: str
    name: str
    description: str
    capacity: int
    features: tuple[str, ...]
    bookable_hours: dict[str, list[str]] | None
    min_minutes: int
    max_minutes: int
    max_days_ahead: int
    slot_minutes: int
    approval_needed: bool
    cancel_deadline_minutes: int
    check_in_opens_minutes: int
    check_in_grace_minutes: int
    active: bool
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class BookRoom:
    room_id: int
    starts_at: datetime
    ends_at: datetime
    group_size: int = 1
    purpose: str = ""
    group_name: str = ""


@dataclass(frozen=True)
class BookingRecord:
    id: int
    room_id: int
    room_name: str
    org: str
    starts_at: datetime
    ends_at: datetime
    state: str
    reader_id: int | None
    group_name: str
    group_size: int
    purpose: str
    session_id: int | None
    created_at: datetime
    checked_in_at: datetime | None = None


@dataclass(frozen=True)
class RoomContext:
    """A room as a booking sees it: its rules, its node's calendar and the node's path."""

    id: int
    name: str
    org: str
    path: tuple[str, ...]
    active: bool
    config: RoomConfig
    calendar: Calendar
    reader_row: dict[str, Any] | None = None
    holding: tuple[Span, ...] | None = None


_ROOM_CONFIG_COLUMNS = (
    "r.id, r.org, r.name, r.capacity, r.features, r.bookable_hours, r.min_minutes, "
    "r.max_minutes, r.max_days_ahead, r.slot_minutes, r.approval_needed, "
    "r.cancel_deadline_minutes, r.check_in_opens_minutes, r.check_in_grace_minutes, r.active"
)
# The room row with the network version, so the node's path and calendar come from memory
# (`support.node_of`); with a reader, also that reader's standing; with a window, the bookings
# that hold any of it, as JSON. One row, one statement.
_READER_COLUMNS = (
    ", rd.id AS reader_id, rd.status, rd.expires_on, (SELECT max(s.ends_at) FROM "
    "booking_suspension s WHERE s.reader = rd.id) AS suspended_until"
)
# The bookings holding the window are read with the statement's snapshot. On SQLite the write
# transaction is serialised, so nothing commits between this read and the insert; on
# PostgreSQL a booking committed a moment later is refused by the exclusion constraint
# instead, and reported as slot-taken all the same.
_HOLDING_PG = (
    ", (SELECT json_agg(json_build_array(b.starts_at, b.ends_at)) FROM booking b "
    f"WHERE b.room = r.id AND b.state IN {HOLDING_SQL} AND tstzrange(b.starts_at, b.ends_at, "
    "'[)') && tstzrange(${start}::timestamptz, ${end}::timestamptz, '[)')) AS holding"
)  # the predicate of the exclusion constraint, so its GiST index answers it
_HOLDING_SQLITE = (  # bookings last at most MAX_SPAN: a range on the (room, starts_at) index
    ", (SELECT json_group_array(json_array(b.starts_at, b.ends_at)) FROM booking b "
    f"WHERE b.room = r.id AND b.state IN {HOLDING_SQL} AND b.starts_at < ${{end}} "
    "AND b.ends_at > ${start} AND b.starts_at > ${earliest}) AS holding"
)
_LOCK_ROOM = " FOR NO KEY UPDATE OF r"


@lru_cache(maxsize=32)
def _room_context_sql(reader: str, with_window: bool, lock: bool, sqlite: bool) -> str:
    """$1 the room; `reader` "id" or "token" (`SignedIn`): $2 finds the reader; then the
    window's end and start (and, on SQLite, the earliest start of a booking that can reach
    into it)."""
    n = 3 if reader else 2
    holding = ""
    if with_window:
        template = _HOLDING_SQLITE if sqlite else _HOLDING_PG
        holding = template.format(end=n, start=n + 1, earliest=n + 2)
    columns = f"{_ROOM_CONFIG_COLUMNS}, {NETWORK_VERSION_SQL} AS network_version"
    source, where = "room r", "r.id = $1"
    if reader:
        key: int | SignedIn = SignedIn("") if reader == "token" else 0
        source, where, expiry, _ = reader_source("room r", "r", key)
        columns += _READER_COLUMNS + expiry
    return (f"SELECT {columns}{holding} FROM {source} WHERE {where}"
            f"{_LOCK_ROOM if lock and not sqlite else ''}")


async def load_room_context(room_id: int, *, lock: bool = False,
                            reader: int | SignedIn | None = None,
                            window: tuple[datetime, datetime] | None = None,
                            tz: Any = None, now: datetime | None = None) -> RoomContext:
    """Read inside the caller's transaction; with `lock` the room row is locked on
    PostgreSQL (SQLite's write lock covers it). With `reader` (an id, or a session to check
    as of `now`), `reader_row` carries the reader's standing; with `window`, `holding` has
    the bookings that hold any of that time, in `tz`. One statement; a second only when the
    network changed since the node's path and calendar were last read."""
    sqlite = is_sqlite()
    args: list[Any] = [room_id]
    kind = "" if reader is None else "token" if isinstance(reader, SignedIn) else "id"
    if reader is not None:
        args.append(reader_source("room r", "r", reader)[3])
    if window is not None:
        args += [window[1], window[0]]
        if sqlite:
            args.append(window[0] - MAX_SPAN)
    rows = await fetch(_room_context_sql(kind, window is not None, lock, sqlite), *args)
    first = rows[0] if rows else None
    reader_id = None
    if reader is not None:
        reader_id = signed_in_reader_id(reader, first, now or datetime.now(UTC))
    if first is None or first["id"] is None:
        raise NotFound(f"no room {room_id}", code="room-not-found", room_id=room_id)
    reader_row = {**first, "reader_id": reader_id} if reader_id is not None else None
    holding: tuple[Span, ...] | None = None
    if window is not None:
        raw = first["holding"]
        pairs = json.loads(raw) if isinstance(raw, str) else raw or ()
        holding = tuple(Span(local(utc(a), tz), local(utc(b), tz))  # type: ignore[arg-type]
                        for a, b in pairs)
    path, calendar = await node_of(int(first["org"]), first["network_version"])
    return RoomContext(int(first["id"]), first["name"], path[0], path, bool(first["active"]),
                       room_config(first), calendar, reader_row, holding)


def _check_room_values(values: dict[str, Any]) -> RoomConfig:
    if "name" in values and not str(values["name"]).strip():
        raise InvalidInput("a room needs a name", code="room-name-missing")
    validate_hours(values.get("bookable_hours"))
    if int(values.get("max_minutes", 0)) > MINUTES_PER_DAY:
        raise InvalidInput("a booking may last at most a day", code="room-config-invalid")
    try:
        return room_config({**values, "features": list(values.get("features", ())),
                            "bookable_hours": values.get("bookable_hours")})
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"room settings invalid: {exc}", code="room-config-invalid") from None


_ROOM_SELECT = (
    "SELECT r.*, o.code AS org_code, o.name_zh AS org_name, o.latitude, o.longitude "
    "FROM room r JOIN org o ON o.id = r.org"
)


def _room_record(row: dict[str, Any]) -> RoomRecord:
    hours = row["bookable_hours"]
    return RoomRecord(
        id=int(row["id"]), org=row["org_code"], org_name=row["org_name"], name=row["name"],
        description=row["description"], capacity=int(row["capacity"]),
        features=tuple(json_list(row["features"])),
        bookable_hours=json.loads(hours) if isinstance(hours, str) else hours,
        min_minutes=int(row["min_minutes"]), max_minutes=int(row["max_minutes"]),
        max_days_ahead=int(row["max_days_ahead"]), slot_minutes=int(row["slot_minutes"]),
        approval_needed=bool(row["approval_needed"]),
        cancel_deadline_minutes=int(row["cancel_deadline_minutes"]),
        check_in_opens_minutes=int(row["check_in_opens_minutes"]),
        check_in_grace_minutes=int(row["check_in_grace_minutes"]), active=bool(row["active"]),
        latitude=row["latitude"], longitude=row["longitude"],
    )


async def create_room(cmd: NewRoom, staff: StaffPrincipal, clock: Clock) -> RoomRecord:
    values = {f.name: getattr(cmd, f.name) for f in fields(cmd)}
    _check_room_values(values)
    now = clock.now()
    with translate_db_refusals():
        async with write_transaction():
            tree = await load_tree()
            require_org(tree, cmd.org)
            ensure_allowed(staff, Action.MANAGE_ROOMS, tree.path(cmd.org))
            row = await fetchrow(
                "INSERT INTO room (org, name, description, capacity, features, bookable_hours, "
                "min_minutes, max_minutes, max_days_ahead, slot_minutes, approval_needed, "
                "cancel_deadline_minutes, check_in_opens_minutes, check_in_grace_minutes, "
                "active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
                "$10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
                await org_id(cmd.org), cmd.name.strip(), cmd.description, cmd.capacity,
                json.dumps(list(cmd.features), ensure_ascii=False),
                None if cmd.bookable_hours is None else json.dumps(cmd.bookable_hours),
                cmd.min_minutes, cmd.max_minutes, cmd.max_days_ahead, cmd.slot_minutes,
                cmd.approval_needed, cmd.cancel_deadline_minutes, cmd.check_in_opens_minutes,
                cmd.check_in_grace_minutes, True, now, now)
            assert row is not None
            await record_event(actor_of_staff(staff), "room.created", now, org_code=cmd.org,
                               subject_kind="room", subject_id=row["id"],
                               data={"name": cmd.name, "capacity": cmd.capacity})
            return await _get_room(int(row["id"]))


_EDITABLE_ROOM_FIELDS = frozenset(f.name for f in fields(NewRoom)) - {"org"} | {"active"}


async def update_room(room_id: int, changes: dict[str, Any], staff: StaffPrincipal,
                      clock: Clock) -> RoomRecord:
    """Change a room's settings; existing bookings stay (staff cancel them if need be)."""
    unknown = set(changes) - _EDITABLE_ROOM_FIELDS
    if unknown:
        raise InvalidInput(f"fields {sorted(unknown)} cannot be changed",
                           code="field-not-editable")
    now = clock.now()
    with translate_db_refusals():
        async with write_transaction():
            current = await _get_room(room_id)
            ensure_allowed(staff, Action.MANAGE_ROOMS, (await load_tree()).path(current.org))
            merged = {f.name: getattr(current, f.name) for f in fields(current)} | changes
            _check_room_values(merged)
            values: dict[str, Any] = dict(changes)
            if "features" in values:
                values["features"] = json.dumps(list(values["features"]), ensure_ascii=False)
            if "bookable_hours" in values and values["bookable_hours"] is not None:
                values["bookable_hours"] = json.dumps(values["bookable_hours"])
            if "name" in values:
                values["name"] = str(values["name"]).strip()
            values["updated_at"] = now
            names = list(values)
            assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(names, start=1))
            await fetch(f"UPDATE room SET {assignments} WHERE id = ${len(names) + 1}",
                        *[values[n] for n in names], room_id)
            await record_event(actor_of_staff(staff), "room.updated", now, org_code=current.org,
                               subject_kind="room", subject_id=room_id,
                               data={k: v for k, v in changes.items()})
            return await _get_room(room_id)


async def _get_room(room_id: int) -> RoomRecord:
    row = await fetchrow(f"{_ROOM_SELECT} WHERE r.id = $1", room_id)
    if row is None:
        raise NotFound(f"no room {room_id}", code="room-not-found", room_id=room_id)
    return _room_record(row)


async def get_room(room_id: int) -> RoomRecord:
    async with read_transaction():
        return await _get_room(room_id)


async def list_rooms(org: str | None = None, include_inactive: bool = False) -> list[RoomRecord]:
    """Rooms of the network, or of one node's subtree; active ones unless asked."""
    async with read_transaction():
        clauses: list[str] = []
        args: list[Any] = []
        if org is not None:
            tree = await load_tree()
            require_org(tree, org)
            args.append(tree.materialised_path(org))
            clauses.append(f"substr(o.path, 1, length(${len(args)})) = ${len(args)}")
        if not include_inactive:
            args.append(True)
            clauses.append(f"r.active = ${len(args)}")
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = await fetch(f"{_ROOM_SELECT}{where} ORDER BY o.code, r.name", *args)
    return [_room_record(row) for row in rows]


_HOLDING = (
    "SELECT id, starts_at, ends_at FROM booking WHERE room = $1 AND state IN "
    f"{HOLDING_SQL} AND starts_at < $2 AND ends_at > $3 AND starts_at > $4"
)
_BOOKING_COLUMNS = ("INSERT INTO booking (room, reader, staff, session, group_name, group_size, "
                    "purpose, starts_at, ends_at, state, created_at, updated_at) ")
_INSERT_BOOKING_SQLITE = (  # its writers take turns already (the write lock)
    f"{_BOOKING_COLUMNS}VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id")
# PostgreSQL: two inserts for one room at the same moment can deadlock in the exclusion
# constraint (each has put its row in the index and waits for the other's transaction; one
# fails after `deadlock_timeout`, a second). A hundred readers racing for one slot chained
# such deadlocks for over a minute. An advisory lock per room, taken before the row is
# formed and held to the statement's commit, makes them take turns: the second then sees the
# first booking committed and is refused at once.
_ROOM_LOCK_SPACE = 0x726F6F6D  # "room": the first key of the two-key advisory locks
_INSERT_BOOKING_POSTGRES = (
    f"{_BOOKING_COLUMNS}SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 "
    f"FROM (SELECT pg_advisory_xact_lock({_ROOM_LOCK_SPACE}, $1::integer)) AS room_turn "
    "RETURNING id")


def _insert_booking() -> str:
    return _INSERT_BOOKING_SQLITE if is_sqlite() else _INSERT_BOOKING_POSTGRES


async def holding_spans(room_id: int, start: datetime, end: datetime,
                        tz: Any) -> list[Span]:
    """The room's slot-holding bookings that overlap [start, end), in local time."""
    rows = await fetch(_HOLDING, room_id, end, start, start - MAX_SPAN)
    return [Span(local(utc(r["starts_at"]), tz), local(utc(r["ends_at"]), tz))  # type: ignore[arg-type]
            for r in rows]


def _check_times(start: datetime, end: datetime) -> None:
    if end <= start:
        raise InvalidInput("a booking must end after it starts", code="too-short")
    if end - start > MAX_SPAN:
        raise InvalidInput("a booking may last at most a day", code="too-long")
    if start.second or start.microsecond or end.second or end.microsecond:
        raise InvalidInput("bookings start and end on whole minutes", code="not-on-slot-grid")


async def book_room(reader: int | SignedIn, cmd: BookRoom, clock: Clock) -> BookingRecord:
    """A reader (by id, or by a session still to check) books a room under their card: the
    rules (standing, horizon, length, grid, capacity, hours, other bookings) decide, then the
    booking waits for approval or holds."""
    tz = network_tz(clock)
    start, end = local(cmd.starts_at, tz), local(cmd.ends_at, tz)
    _check_times(start, end)
    now = clock.now()
    with translate_db_refusals():
        async with hot_unit():
            room = await load_room_context(cmd.room_id, reader=reader, window=(start, end),
                                           tz=tz, now=now)
            standing_row = room.reader_row
            if standing_row is None:
                raise NotFound("reader not found", code="reader-not-found")
            reader_id = int(standing_row["reader_id"])
            ensure_reader_in_good_standing(standing_row, clock.today())
            standing = BookingStanding(utc(standing_row["suspended_until"]))
            if not room.active:
                raise RuleViolation(f"room {room.name} is not open for booking",
                                    code="room-inactive", room_id=room.id)
            assert room.holding is not None
            candidate = BookingCandidate(start, end, group_size=cmd.group_size)
            refusal = why_cannot_book(room.config, room.calendar, candidate, room.holding,
                                      now.astimezone(tz), standing)
            if refusal is not None:
                raise_refusal(refusal)
            state = initial_booking_state(room.config)
            row = await insert_logged(
                _insert_booking(), (room.id, reader_id, None, None, "", cmd.group_size,
                                  cmd.purpose, start, end, state.value, now, now),
                actor_of_reader(reader_id), "booking.created", now, org_code=room.org,
                subject_kind="booking",
                data={"room": room.id, "start": start, "end": end, "state": state.value})
    return BookingRecord(int(row["id"]), room.id, room.name, room.org, start, end, state.value,
                         reader_id, "", cmd.group_size, cmd.purpose, None, now)


async def book_room_for_group(staff: StaffPrincipal, cmd: BookRoom, clock: Clock,
                              card_number: str | None = None) -> BookingRecord:
    """Staff book a room for a group (a school class, a society), optionally under the card
    of the group's contact. Staff bookings skip the reader-only limits and need no approval."""
    if not cmd.group_name.strip():
        raise InvalidInput("a group booking needs the group's name", code="group-name-missing")
    tz = network_tz(clock)
    start, end = local(cmd.starts_at, tz), local(cmd.ends_at, tz)
    _check_times(start, end)
    now = clock.now()
    with translate_db_refusals():
        async with write_transaction():
            room = await load_room_context(cmd.room_id, lock=True, window=(start, end), tz=tz)
            ensure_allowed(staff, Action.MANAGE_ROOMS, room.path)
            reader_id = None
            if card_number:
                reader_id = int((await _reader_row_by_card(card_number))["id"])
            assert room.holding is not None
            candidate = BookingCandidate(start, end, group_size=cmd.group_size, by_staff=True)
            refusal = why_cannot_book(room.config, room.calendar, candidate, room.holding,
                                      now.astimezone(tz))
            if refusal is not None:
                raise_refusal(refusal)
            state = initial_booking_state(room.config, by_staff=True)
            row = await insert_logged(
                _insert_booking(), (room.id, reader_id, staff.staff_id, None,
                                  cmd.group_name.strip(), cmd.group_size, cmd.purpose, start,
                                  end, state.value, now, now),
                actor_of_staff(staff), "booking.created", now, org_code=room.org,
                subject_kind="booking",
                data={"room": room.id, "start": start, "end": end, "group": cmd.group_name,
                      "group_size": cmd.group_size})
    return BookingRecord(int(row["id"]), room.id, room.name, room.org, start, end, state.value,
                         reader_id, cmd.group_name.strip(), cmd.group_size, cmd.purpose, None,
                         now)


def session_room_config(config: RoomConfig) -> RoomConfig:
    """A class booked into a room may last as long as the class: the room's length limits
    are for readers' bookings."""
    return replace(config, min_minutes=1, max_minutes=MINUTES_PER_DAY)


async def reserve_room(room: RoomContext, start: datetime, end: datetime, seats: int,
                       session_id: int, staff: StaffPrincipal, now: datetime,
                       tz: Any) -> int:
    """Book `room` for a class session inside the caller's transaction (room row locked)."""
    existing = await holding_spans(room.id, start, end, tz)
    candidate = BookingCandidate(start, end, group_size=seats, by_staff=True)
    refusal = why_cannot_book(session_room_config(room.config), room.calendar, candidate,
                              existing, now.astimezone(tz))
    if refusal is not None:
        raise_refusal(refusal)
    row = await fetchrow(_insert_booking(), room.id, None, staff.staff_id, session_id, "", seats,
                         "class session", start, end, BookingState.CONFIRMED.value, now, now)
    assert row is not None
    return int(row["id"])


_BOOKING_SELECT = (
    "SELECT b.id, b.room, b.reader, b.staff, b.session, b.group_name, b.group_size, b.purpose, "
    "b.starts_at, b.ends_at, b.state, b.created_at, b.checked_in_at, r.name AS room_name, "
    "o.code AS org_code FROM booking b JOIN room r ON r.id = b.room JOIN org o ON o.id = r.org"
)


def _booking_record(row: dict[str, Any], tz: Any) -> BookingRecord:
    checked = utc(row["checked_in_at"])
    return BookingRecord(
        id=int(row["id"]), room_id=int(row["room"]), room_name=row["room_name"],
        org=row["org_code"], starts_at=local(utc(row["starts_at"]), tz),  # type: ignore[arg-type]
        ends_at=local(utc(row["ends_at"]), tz), state=row["state"],  # type: ignore[arg-type]
        reader_id=row["reader"], group_name=row["group_name"], group_size=int(row["group_size"]),
        purpose=row["purpose"], session_id=row["session"],
        created_at=local(utc(row["created_at"]), tz),  # type: ignore[arg-type]
        checked_in_at=None if checked is None else local(checked, tz),
    )


async def my_bookings(reader_id: int, clock: Clock, include_past: bool = False,
                      limit: int = 200) -> list[BookingRecord]:
    tz = network_tz(clock)
    args: list[Any] = [reader_id]
    where = "b.reader = $1"
    if not include_past:
        args.append(clock.now())
        where += " AND b.ends_at > $2"
    rows = await fetch(f"{_BOOKING_SELECT} WHERE {where} ORDER BY b.starts_at LIMIT {int(limit)}",
                       *args)
    return [_booking_record(row, tz) for row in rows]


async def room_bookings(room_id: int, day_from: date, days: int, clock: Clock,
                        staff: StaffPrincipal) -> list[BookingRecord]:
    """The room's schedule (every booking, whoever holds it) for staff."""
    tz = network_tz(clock)
    days = max(1, min(days, 62))
    start = datetime(day_from.year, day_from.month, day_from.day, tzinfo=tz)
    async with read_transaction():
        room = await load_room_context(room_id)
        ensure_allowed(staff, Action.MANAGE_ROOMS, room.path)
        rows = await fetch(f"{_BOOKING_SELECT} WHERE b.room = $1 AND b.starts_at >= $2 "
                           "AND b.starts_at < $3 ORDER BY b.starts_at", room_id, start,
                           start + timedelta(days=days))
    return [_booking_record(row, tz) for row in rows]


async def _locked_booking(booking_id: int) -> dict[str, Any]:
    lock = "" if is_sqlite() else " FOR NO KEY UPDATE OF b"
    row = await fetchrow(f"{_BOOKING_SELECT} WHERE b.id = $1{lock}", booking_id)
    if row is None:
        raise NotFound(f"no booking {booking_id}", code="booking-not-found",
                       booking_id=booking_id)
    return row


async def _set_booking_state(row: dict[str, Any], action: BookingAction, actor: Actor,
                             now: datetime, tz: Any, org: str,
                             extra: dict[str, Any] | None = None) -> BookingRecord:
    state = next_booking_state(BookingState(row["state"]), action)
    checked_in = now if action is BookingAction.CHECK_IN else utc(row["checked_in_at"])
    await fetch("UPDATE booking SET state = $1, updated_at = $2, checked_in_at = $3 "
                "WHERE id = $4", state.value, now, checked_in, row["id"])
    await record_event(actor, f"booking.{action.value}", now, org_code=org,
                       subject_kind="booking", subject_id=row["id"],
                       data={"from": row["state"], "to": state.value, **(extra or {})})
    return _booking_record({**row, "state": state.value, "checked_in_at": checked_in}, tz)


async def cancel_booking(booking_id: int, clock: Clock, *, reader_id: int | None = None,
                         staff: StaffPrincipal | None = None) -> BookingRecord:
    """Readers cancel their own bookings until the room's deadline; staff any booking in their
    scope at any time. A class session's booking goes with the session, not on its own."""
    if (reader_id is None) == (staff is None):
        raise ValueError("give exactly one of reader_id and staff")
    tz = network_tz(clock)
    now = clock.now()
    with translate_db_refusals():
        async with write_transaction():
            row = await _locked_booking(booking_id)
            room = await load_room_context(int(row["room"]))
            if row["session"] is not None:
                raise Conflict("this booking holds the room for a class session; cancel the "
                               "session instead", code="booking-belongs-to-session",
                               session_id=row["session"])
            if staff is not None:
                ensure_allowed(staff, Action.MANAGE_ROOMS, room.path)
                actor = actor_of_staff(staff)
            else:
                if row["reader"] != reader_id:
                    raise NotFound(f"no booking {booking_id}", code="booking-not-found",
                                   booking_id=booking_id)
                actor = actor_of_reader(reader_id)  # type: ignore[arg-type]
            next_booking_state(BookingState(row["state"]), BookingAction.CANCEL)
            refusal = why_cannot_cancel(room.config, utc(row["starts_at"]),  # type: ignore[arg-type]
                                        now, by_staff=staff is not None)
            if refusal is not None:
                raise_refusal(refusal)
            return await _set_booking_state(row, BookingAction.CANCEL, actor, now, tz, room.org)


async def _staff_move(booking_id: int, action: BookingAction, staff: StaffPrincipal,
                      clock: Clock) -> BookingRecord:
    tz = network_tz(clock)
    now = clock.now()
    with translate_db_refusals():
        async with write_transaction():
            row = await _locked_booking(booking_id)
            room = await load_room_context(int(row["room"]))
            ensure_allowed(staff, Action.MANAGE_ROOMS, room.path)
            if action is BookingAction.CHECK_IN:
                refusal = why_cannot_check_in(utc(row["starts_at"]),  # type: ignore[arg-type]
                                              room.config.check_in, now)
                if refusal is not None:
                    raise_refusal(refusal)
            return await _set_booking_state(row, action, actor_of_staff(staff), now, tz,
                                            room.org)


async def approve_booking(booking_id: int, staff: StaffPrincipal, clock: Clock) -> BookingRecord:
    return await _staff_move(booking_id, BookingAction.APPROVE, staff, clock)


async def reject_booking(booking_id: int, staff: StaffPrincipal, clock: Clock) -> BookingRecord:
    return await _staff_move(booking_id, BookingAction.REJECT, staff, clock)


async def check_in_booking(booking_id: int, staff: StaffPrincipal,
                           clock: Clock) -> BookingRecord:
    """Check a (group) booking in by its number, inside the room's check-in window."""
    return await _staff_move(booking_id, BookingAction.CHECK_IN, staff, clock)


async def check_in_booking_by_card(card_number: str, room_id: int, staff: StaffPrincipal,
                                   clock: Clock) -> BookingRecord:
    """The card scanned at the room's door checks in the reader's booking whose check-in
    window is open now; outside any window the nearest booking says why not."""
    tz = network_tz(clock)
    now = clock.now()
    with translate_db_refusals():
        async with write_transaction():
            reader = await _reader_row_by_card(card_number)
            room = await load_room_context(room_id)
            ensure_allowed(staff, Action.MANAGE_ROOMS, room.path)
            rows = await fetch(
                f"{_BOOKING_SELECT} WHERE b.room = $1 AND b.reader = $2 AND b.state = $3 "
                "AND b.starts_at > $4 AND b.starts_at < $5 ORDER BY b.starts_at",
                room_id, reader["id"], BookingState.CONFIRMED.value, now - MAX_SPAN,
                now + MAX_SPAN)
            refusals: list[tuple[float, Refusal]] = []
            for row in rows:
                start = utc(row["starts_at"])
                assert start is not None
                refusal = why_cannot_check_in(start, room.config.check_in, now)
                if refusal is None:
                    locked = await _locked_booking(int(row["id"]))
                    return await _set_booking_state(locked, BookingAction.CHECK_IN,
                                                    actor_of_staff(staff), now, tz, room.org,
                                                    {"card_number": card_number})
                refusals.append((abs((start - now).total_seconds()), refusal))
            if refusals:
                raise_refusal(min(refusals, key=lambda pair: pair[0])[1])
            raise NotFound(f"no booking of this reader in room {room.name} today",
                           code="no-booking-to-check-in", room_id=room_id)
