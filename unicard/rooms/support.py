"""What the rooms use cases share: the network's time zone, refusals raised as domain errors,
actors, calendars of a room's node, reader standing and the rooms policy up the tree."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any, NoReturn

from unicard.audit import Actor
from unicard.clock import NETWORK_TZ, Clock
from unicard.db import current_engine, is_sqlite, single_statements, write_transaction
from unicard.errors import Conflict, InvalidInput, RuleViolation, Unauthenticated, UnicardError
from unicard.network.calendar import (
    Calendar,
    CalendarError,
    WeeklyHours,
    parse_closed_days,
    parse_weekly_hours,
)
from unicard.network.services import NETWORK_VERSION_SQL
from unicard.readers.permissions import StaffPrincipal
from unicard.readers.rules import ReaderStatus, effective_status
from unicard.readers.staff import ensure_session_current
from unicard.rooms.booking_rules import RoomConfig
from unicard.rooms.checkin import CheckInWindow
from unicard.rooms.no_shows import NoShowPolicy
from unicard.rooms.refusals import InvalidTransition, Refusal, RefusalCode
from unicard.rooms.sql import execute, fetch, fetchrow, is_constraint

__all__ = [
    "DEFAULT_DEMAND_THRESHOLD",
    "MAX_SPAN",
    "NETWORK_VERSION_SQL",
    "RoomsPolicyValues",
    "SignedIn",
    "actor_of_reader",
    "actor_of_staff",
    "calendar_from_json",
    "ensure_reader_in_good_standing",
    "forget_nodes",
    "hot_unit",
    "insert_logged",
    "json_list",
    "local",
    "network_tz",
    "node_of",
    "notify",
    "org_id",
    "raise_refusal",
    "reader_source",
    "record_event",
    "resolve_rooms_policy",
    "room_config",
    "rooms_policy_for",
    "signed_in_reader_id",
    "translate_db_refusals",
    "validate_hours",
]

DEFAULT_DEMAND_THRESHOLD = 15
# No booking and no session lasts longer than this; the overlap queries rely on it.
MAX_SPAN = timedelta(days=1)
_CONFLICT_CODES = frozenset(
    {RefusalCode.SLOT_TAKEN, RefusalCode.ALREADY_ENROLLED, RefusalCode.ENROLMENT_OVERLAP}
)


def network_tz(clock: Clock) -> tzinfo:
    """Opening hours are wall-clock times of the network's zone; rules compare in it."""
    return getattr(clock, "tz", None) or NETWORK_TZ


def local(moment: datetime, tz: tzinfo) -> datetime:
    """An aware datetime in the network's zone; a naive one is taken as already local."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


def raise_refusal(refusal: Refusal) -> NoReturn:
    """A rule's refusal as a domain error: clashes with what exists are conflicts, the rest
    are rule violations. Both carry the refusal's stable code and context."""
    error = Conflict if refusal.code in _CONFLICT_CODES else RuleViolation
    raise error(refusal.message, code=refusal.code.value, **dict(refusal.context))


# Database guards by name: PostgreSQL names the constraint or index; SQLite names a trigger
# by its RAISE message, but a unique index only by its columns.
_GUARDS: tuple[tuple[tuple[str, ...], type[UnicardError], str, str], ...] = (
    (("booking_no_overlap",), Conflict, RefusalCode.SLOT_TAKEN.value,
     "The room was booked for that time a moment ago."),
    (("enrolment_no_overlap", "enrolment_one_place", "enrolment.session, enrolment.reader"),
     Conflict, RefusalCode.ENROLMENT_OVERLAP.value, "You already have a class at that time."),
    (("class_session_seats",), Conflict, "capacity-below-enrolled",
     "The session cannot seat fewer people than are enrolled."),
    (("demand_one_open_per_reader", "demand_request.reader, demand_request.group_key"),
     Conflict, "demand-already-asked",
     "You have already asked for this; we will tell you when it is scheduled."),
    (("room_name_per_org", "room.org, room.name"), Conflict, "room-name-taken",
     "A room of that name already exists at this org."),
)


@asynccontextmanager
async def hot_unit() -> AsyncIterator[None]:
    """The unit of work of a reader's booking or enrolment, the two paths that must stay fast.

    SQLite: a write transaction; its write lock (in-process queue, then BEGIN IMMEDIATE across
    processes) serialises the check and the write. PostgreSQL: no transaction block. The use
    case there is one read and one atomic write statement, and the database itself guards the
    write: the exclusion constraints refuse a second holder of a room slot or of a reader's
    time, and the seat is decided by a conditional UPDATE of the session's counters, on the
    latest version of that row under its row lock. BEGIN and COMMIT would only add two round
    trips (a third of a booking's cost) and guard nothing more at READ COMMITTED.
    """
    if is_sqlite():
        async with write_transaction():
            yield
    else:
        async with single_statements():
            yield


@contextmanager
def translate_db_refusals() -> Iterator[None]:
    """The database guards fire only when two writers raced past the service's own check
    (on PostgreSQL, or a second process on one SQLite file); say what the check would have."""
    try:
        yield
    except UnicardError:
        raise
    except InvalidTransition as exc:
        raise Conflict(str(exc), code="invalid-transition", state=str(exc.state),
                       action=str(exc.action)) from None
    except Exception as exc:
        for names, error, code, message in _GUARDS:
            if any(is_constraint(exc, name) for name in names):
                raise error(message, code=code) from None
        raise


@dataclass(frozen=True)
class SignedIn:
    """A reader known by a session token (its digest) that nobody has checked yet: the use
    case checks it in its own first read, which saves a round trip to the database per
    booking or enrolment. The checks and refusals are `current_reader_id`'s."""

    token_hash: str


def reader_source(main: str, alias: str, reader: int | SignedIn) -> tuple[str, str, str, Any]:
    """The parts of a reader's use-case read that find the reader `rd` next to the use case's
    own row (`main`, e.g. "room r", found by id `$1`): the FROM clause, the WHERE clause, the
    session's expiry column and the argument for `$2`. With a session token the read drives
    from the session, so a missing room still returns the reader's row and a missing session
    returns no row; with a reader id, from the use case's row."""
    if isinstance(reader, SignedIn):
        return (f"auth_session a JOIN reader rd ON rd.id = a.reader LEFT JOIN {main} "
                f"ON {alias}.id = $1", "a.token_hash = $2", ", a.expires_at AS session_expires",
                reader.token_hash)
    return (f"{main} LEFT JOIN reader rd ON rd.id = $2", f"{alias}.id = $1",
            ", NULL AS session_expires", reader)


def signed_in_reader_id(reader: int | SignedIn, row: dict[str, Any] | None,
                        now: datetime) -> int | None:
    """The reader's id from a read built with `reader_source`, None when the reader id given
    is not a reader's; a session that does not exist, is not a reader's or has expired is
    refused as `current_reader_id` refuses it."""
    if not isinstance(reader, SignedIn):
        return reader if row is not None and row["reader_id"] is not None else None
    if row is None or row["reader_id"] is None:
        raise Unauthenticated("sign in with your card number and PIN", code="unauthenticated")
    ensure_session_current(row["session_expires"], now)
    return int(row["reader_id"])


def actor_of_staff(staff: StaffPrincipal) -> Actor:
    return Actor("staff", staff.staff_id, staff.username)


def actor_of_reader(reader_id: int) -> Actor:
    return Actor("reader", reader_id)


def json_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return list(json.loads(value)) if value else []
    return list(value)


def _json_value(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


@lru_cache(maxsize=256)
def _calendar(hours: str | None, closed: str | None) -> Calendar:
    return Calendar(parse_weekly_hours(json.loads(hours) if hours else {}),
                    parse_closed_days(json.loads(closed) if closed else ()))


def calendar_from_json(ancestors: Sequence[dict[str, Any]]) -> Calendar:
    """The calendar of a node from its ancestors' rows (any order, each with depth, hours and
    closed_days as stored): hours and closed days each from the nearest node that sets them,
    as `NetworkTree.calendar` does. Parsed calendars are memoised by their stored text."""
    hours: str | None = None
    closed: str | None = None
    hours_found = closed_found = False
    for row in sorted(ancestors, key=lambda r: -int(r["depth"])):
        raw_hours, raw_closed = row["hours"], row["closed_days"]
        if not hours_found and raw_hours is not None and _sets_hours(_as_text(raw_hours)):
            hours, hours_found = _as_text(raw_hours), True
        if not closed_found and raw_closed is not None:
            closed, closed_found = _as_text(raw_closed), True
    return _calendar(hours, closed)


# A node and its ancestors up to the root (parent links, index lookups).
_ANCESTRY = (
    "WITH RECURSIVE up(code, depth, hours, closed_days, parent) AS ("
    "SELECT o.code, o.depth, o.hours, o.closed_days, o.parent FROM org o WHERE o.id = $1 "
    "UNION ALL SELECT o.code, o.depth, o.hours, o.closed_days, o.parent FROM org o "
    "JOIN up ON o.id = up.parent) SELECT code, depth, hours, closed_days FROM up"
)


@dataclass
class _Nodes:
    """Paths and calendars of org nodes as of one network version of one database."""

    engine: Any = None
    version: Any = None
    nodes: dict[int, tuple[tuple[str, ...], Calendar]] = field(default_factory=dict)


_nodes = _Nodes()


def forget_nodes() -> None:
    """Forget the remembered nodes (tests that empty and reseed one PostgreSQL database,
    where the network version starts over)."""
    _nodes.engine, _nodes.version, _nodes.nodes = None, None, {}


async def node_of(org: int, version: Any) -> tuple[tuple[str, ...], Calendar]:
    """The path (node first, root last) and the calendar of the org node with id `org`, as of
    the network `version` the caller read in its own first statement: from memory while the
    version holds, else read inside the caller's transaction. Org nodes change rarely; every
    booking needs its room's node."""
    engine = current_engine()
    if _nodes.engine is not engine or _nodes.version != version:
        _nodes.engine, _nodes.version, _nodes.nodes = engine, version, {}
    found = _nodes.nodes.get(org)
    if found is None:
        rows = sorted(await fetch(_ANCESTRY, org), key=lambda r: -int(r["depth"]))
        if not rows:
            raise LookupError(f"no org with id {org}")
        found = _nodes.nodes[org] = (tuple(row["code"] for row in rows),
                                     calendar_from_json(rows))
    return found


@lru_cache(maxsize=256)
def _sets_hours(text: str) -> bool:
    """Whether stored hours say anything ({} or null inherit from the parent)."""
    return bool(json.loads(text))


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@lru_cache(maxsize=256)
def _weekly(raw: str) -> WeeklyHours:
    return parse_weekly_hours(json.loads(raw))


_CONFIG_COLUMNS = ("capacity", "features", "bookable_hours", "min_minutes", "max_minutes",
                   "max_days_ahead", "slot_minutes", "approval_needed", "cancel_deadline_minutes",
                   "check_in_opens_minutes", "check_in_grace_minutes")


def room_config(row: dict[str, Any]) -> RoomConfig:
    """A room row (any dict with the room table's columns) as the rules see it; memoised by
    the stored values, which change rarely."""
    values = tuple(row[name] if not isinstance(row[name], (list, dict)) else
                   json.dumps(row[name], sort_keys=True) for name in _CONFIG_COLUMNS)
    return _room_config(values)


@lru_cache(maxsize=1024)
def _room_config(values: tuple[Any, ...]) -> RoomConfig:
    row = dict(zip(_CONFIG_COLUMNS, values, strict=True))
    hours = row["bookable_hours"]
    bookable = None
    if hours is not None and _json_value(hours):
        bookable = _weekly(_as_text(hours))
    return RoomConfig(
        capacity=int(row["capacity"]),
        features=frozenset(json_list(row["features"])),
        bookable_hours=bookable,
        min_minutes=int(row["min_minutes"]),
        max_minutes=int(row["max_minutes"]),
        max_days_ahead=int(row["max_days_ahead"]),
        slot_minutes=int(row["slot_minutes"]),
        approval_needed=bool(row["approval_needed"]),
        cancel_deadline_minutes=int(row["cancel_deadline_minutes"]),
        check_in=CheckInWindow(int(row["check_in_opens_minutes"]),
                               int(row["check_in_grace_minutes"])),
    )


def validate_hours(hours: Any, where: str = "bookable_hours") -> None:
    if hours is None:
        return
    try:
        if not isinstance(hours, dict):
            raise CalendarError("expected an object of weekday → intervals", where)
        parse_weekly_hours(hours)
    except CalendarError as exc:
        raise InvalidInput(str(exc), code="calendar-invalid", where=exc.where) from None


_STATUS_CODES = {
    ReaderStatus.BLOCKED: "reader-blocked",
    ReaderStatus.EXPIRED: "reader-expired",
    ReaderStatus.CARD_LOST: "card-lost",
}


def ensure_reader_in_good_standing(row: dict[str, Any], today: date) -> None:
    """Blocked, expired or lost-card accounts may not book or enrol (the row has status and
    expires_on)."""
    status = effective_status(row["status"], _as_date(row["expires_on"]), today)
    if status is not ReaderStatus.ACTIVE:
        raise RuleViolation(f"the reader account is {status.value.replace('_', ' ')}",
                            code=_STATUS_CODES[status], status=status.value)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass(frozen=True)
class RoomsPolicyValues:
    demand_threshold: int
    no_show: NoShowPolicy


_POLICY_FIELDS = ("demand_threshold", "no_show_max", "no_show_window_days", "suspension_days")


def resolve_rooms_policy(path: Sequence[str], rows: dict[str, dict[str, Any]]) -> RoomsPolicyValues:
    """Each field from the nearest node on `path` (node first, root last) that sets it,
    else the defaults (threshold 15; 3 no-shows in 30 days suspend for 14)."""
    found: dict[str, int] = {}
    for code in path:
        row = rows.get(code)
        if row is None:
            continue
        for name in _POLICY_FIELDS:
            if name not in found and row.get(name) is not None:
                found[name] = int(row[name])
    defaults = NoShowPolicy()
    return RoomsPolicyValues(
        demand_threshold=found.get("demand_threshold", DEFAULT_DEMAND_THRESHOLD),
        no_show=NoShowPolicy(
            max_no_shows=found.get("no_show_max", defaults.max_no_shows),
            window_days=found.get("no_show_window_days", defaults.window_days),
            suspension_days=found.get("suspension_days", defaults.suspension_days),
        ),
    )


async def rooms_policy_for(path: Sequence[str]) -> RoomsPolicyValues:
    """The rooms policy in force at the first node of `path`, read inside the caller's
    transaction."""
    if not path:
        return resolve_rooms_policy((), {})
    marks = ", ".join(f"${i}" for i in range(1, len(path) + 1))
    rows = await fetch(
        "SELECT o.code, p.demand_threshold, p.no_show_max, p.no_show_window_days, "
        "p.suspension_days FROM rooms_policy p JOIN org o ON o.id = p.org "
        f"WHERE o.code IN ({marks})", *path)
    return resolve_rooms_policy(path, {row["code"]: row for row in rows})


async def org_id(code: str) -> int:
    row = await fetchrow("SELECT id FROM org WHERE code = $1", code)
    assert row is not None, code
    return int(row["id"])


async def notify(reader_id: int, kind: str, title: str, body: str, now: datetime,
                 data: dict[str, Any] | None = None) -> None:
    """Leave a message in the reader's account, inside the caller's transaction."""
    await execute(
        "INSERT INTO notification (reader, kind, title, body, data, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        reader_id, kind, title, body, json.dumps(data or {}, ensure_ascii=False, default=str),
        now)


_INSERT_EVENT = (
    "INSERT INTO event (at, actor_kind, actor_id, org_code, action, subject_kind, subject_id, "
    "data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
)


async def record_event(actor: Actor, action: str, at: datetime, *, org_code: str = "",
                       subject_kind: str = "", subject_id: str | int = "",
                       data: dict[str, Any] | None = None) -> None:
    """`unicard.audit.append_event` as one plain statement: the same row, without the ORM's
    cost on the booking and enrolment paths."""
    await execute(_INSERT_EVENT, at, actor.kind, actor.id, org_code, action, subject_kind,
                  str(subject_id), json.dumps(data or {}, ensure_ascii=False, default=str))


_EVENT_FROM_INSERTED = (
    "INSERT INTO event (at, actor_kind, actor_id, org_code, action, subject_kind, subject_id, "
    "data) SELECT ${0}::timestamptz, ${1}::varchar, ${2}::bigint, ${3}::varchar, "
    "${4}::varchar, ${5}::varchar, CAST(inserted.id AS VARCHAR), ${6}::json FROM inserted"
)


async def insert_logged(insert_sql: str, args: Sequence[Any], actor: Actor, action: str,
                        at: datetime, *, org_code: str = "", subject_kind: str = "",
                        data: dict[str, Any] | None = None) -> dict[str, Any]:
    """Insert one row (`insert_sql` ends in RETURNING id, …) and its event, whose subject is
    the new row. On PostgreSQL both go in one statement (a data-modifying CTE): a round trip
    less on the booking and enrolment paths; SQLite runs the two inline."""
    payload = json.dumps(data or {}, ensure_ascii=False, default=str)
    if is_sqlite():
        row = await fetchrow(insert_sql, *args)
        assert row is not None
        await execute(_INSERT_EVENT, at, actor.kind, actor.id, org_code, action, subject_kind,
                      str(row["id"]), payload)
        return row
    n = len(args)
    event = _EVENT_FROM_INSERTED.format(*range(n + 1, n + 8))
    sql = f"WITH inserted AS ({insert_sql}), logged AS ({event}) SELECT * FROM inserted"
    row = await fetchrow(sql, *args, at, actor.kind, actor.id, org_code, action, subject_kind,
                         payload)
    assert row is not None
    return row
