"""Use cases of classes: teachers, one-off sessions and weekly series (a session booked into a
room reserves it), enrolment with a waitlist promoted in arrival order, check-in at the door,
the roster, and the reader's own enrolments.

Seats are counted on the session row (`enrolled`, `waiting`, `arrivals`) and change only
under that row's lock: on SQLite the write transaction; on PostgreSQL a new enrolment is one
conditional UPDATE of the counters (the seat decided on the latest row version, arrival
numbered by it), and cancellations and promotions take `FOR NO KEY UPDATE` first. The
database refuses a count above capacity (CHECK / trigger), a second arrival number, and a
reader holding two overlapping places (exclusion constraint / trigger).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from unicard.audit import Actor
from unicard.clock import Clock
from unicard.db import is_sqlite, read_transaction, write_transaction
from unicard.errors import Conflict, InvalidInput, NotFound, RuleViolation
from unicard.network.calendar import Calendar
from unicard.network.services import load_tree, require_org
from unicard.network.tree import NetworkTree
from unicard.readers.permissions import Action, StaffPrincipal, ensure_allowed
from unicard.readers.services import _reader_row_by_card
from unicard.rooms.checkin import CheckInWindow, why_cannot_check_in
from unicard.rooms.enrolment_rules import (
    AgeBand,
    ClassSession,
    EnrollingReader,
    HeldEnrolment,
    decide_seat,
    promote_waitlist,
    why_cannot_enrol,
)
from unicard.rooms.recurrence import SeriesError, WeeklySeries, expand_series
from unicard.rooms.refusals import Refusal, RefusalCode
from unicard.rooms.room_services import (
    RoomContext,
    holding_spans,
    load_room_context,
    reserve_room,
    session_room_config,
)
from unicard.rooms.sql import execute, fetch, fetchrow, utc
from unicard.rooms.states import (
    HOLDING_ENROLMENT_STATES,
    BookingState,
    EnrolmentAction,
    EnrolmentState,
    next_enrolment_state,
)
from unicard.rooms.support import (
    MAX_SPAN,
    SignedIn,
    actor_of_reader,
    actor_of_staff,
    ensure_reader_in_good_standing,
    hot_unit,
    json_list,
    local,
    network_tz,
    notify,
    org_id,
    raise_refusal,
    reader_source,
    record_event,
    signed_in_reader_id,
    translate_db_refusals,
)

__all__ = [
    "EnrolmentRecord",
    "NewSeries",
    "NewSession",
    "NewTeacher",
    "RosterEntry",
    "SeriesRecord",
    "SessionRecord",
    "TeacherRecord",
    "cancel_enrolment",
    "cancel_series",
    "cancel_session",
    "check_in_enrolment_by_card",
    "create_series",
    "create_session",
    "create_teacher",
    "enrol",
    "get_session",
    "list_teachers",
    "my_enrolments",
    "session_roster",
    "update_session",
]

HOLDING_ENROLMENT_SQL = (
    "(" + ", ".join(f"'{s.value}'" for s in sorted(HOLDING_ENROLMENT_STATES)) + ")"
)
SCHEDULED = "scheduled"


# ---------------------------------------------------------------------------------- teachers

@dataclass(frozen=True)
class NewTeacher:
    """A staff member (give `staff_username`) or a registered volunteer with a profile."""

    kind: str  # staff | volunteer
    name: str
    org: str
    staff_username: str | None = None
    phone: str = ""
    profile: str = ""
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class TeacherRecord:
    id: int
    kind: str
    name: str
    org: str
    profile: str
    categories: tuple[str, ...]
    staff_username: str | None
    active: bool


def _teacher_record(row: dict[str, Any]) -> TeacherRecord:
    return TeacherRecord(int(row["id"]), row["kind"], row["name"], row["org_code"],
                         row["profile"], tuple(json_list(row["categories"])),
                         row.get("staff_username"), bool(row["active"]))


_TEACHER_SELECT = (
    "SELECT t.*, o.code AS org_code, s.username AS staff_username FROM teacher t "
    "JOIN org o ON o.id = t.org LEFT JOIN staff s ON s.id = t.staff"
)


async def create_teacher(cmd: NewTeacher, staff: StaffPrincipal, clock: Clock) -> TeacherRecord:
    if cmd.kind not in ("staff", "volunteer"):
        raise InvalidInput("a teacher is a staff member or a volunteer",
                           code="teacher-kind-invalid")
    if not cmd.name.strip():
        raise InvalidInput("a teacher needs a name", code="teacher-name-missing")
    if cmd.kind == "staff" and not cmd.staff_username:
        raise InvalidInput("a staff teacher names the staff account", code="teacher-staff-missing")
    if cmd.kind == "volunteer" and not cmd.profile.strip():
        raise InvalidInput("a volunteer teacher is registered with a profile",
                           code="teacher-profile-missing")
    now = clock.now()
    async with write_transaction():
        tree = await load_tree()
        require_org(tree, cmd.org)
        ensure_allowed(staff, Action.MANAGE_ROOMS, tree.path(cmd.org))
        staff_id = None
        if cmd.staff_username:
            found = await fetchrow("SELECT id FROM staff WHERE username = $1", cmd.staff_username)
            if found is None:
                raise NotFound(f"no staff account {cmd.staff_username}", code="staff-not-found")
            staff_id = int(found["id"])
            if await fetchrow("SELECT id FROM teacher WHERE staff = $1", staff_id):
                raise Conflict("this staff member is already registered as a teacher",
                               code="teacher-exists")
        row = await fetchrow(
            "INSERT INTO teacher (kind, staff, name, phone, profile, categories, org, active, "
            "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            cmd.kind, staff_id, cmd.name.strip(), cmd.phone, cmd.profile,
            json.dumps([c.strip().casefold() for c in cmd.categories], ensure_ascii=False),
            await org_id(cmd.org), True, now)
        assert row is not None
        await record_event(actor_of_staff(staff), "teacher.created", now, org_code=cmd.org,
                           subject_kind="teacher", subject_id=row["id"],
                           data={"kind": cmd.kind, "name": cmd.name})
        created = await fetchrow(f"{_TEACHER_SELECT} WHERE t.id = $1", row["id"])
    assert created is not None
    return _teacher_record(created)


async def list_teachers(org: str | None = None, category: str | None = None) -> list[TeacherRecord]:
    rows = await fetch(f"{_TEACHER_SELECT} WHERE t.active = $1 ORDER BY t.name", True)
    teachers = [_teacher_record(row) for row in rows]
    if org is not None:
        tree = await load_tree()
        teachers = [t for t in teachers if t.org in tree and tree.is_within(t.org, org)]
    if category is not None:
        wanted = category.strip().casefold()
        teachers = [t for t in teachers if wanted in t.categories]
    return teachers


# ---------------------------------------------------------------------------------- sessions

@dataclass(frozen=True)
class NewSession:
    """A one-off class session. With a room, the org is the room's and the room is booked."""

    title: str
    category: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    org: str | None = None
    room_id: int | None = None
    teacher_id: int | None = None
    level: str = ""
    description: str = ""
    # Default: enrolment opens now and closes when the session starts.
    enrol_opens: datetime | None = None
    enrol_closes: datetime | None = None
    min_age: int | None = None
    max_age: int | None = None
    categories: tuple[str, ...] | None = None
    check_in_opens_minutes: int = 30
    check_in_grace_minutes: int = 15


@dataclass(frozen=True)
class NewSeries:
    """A weekly class: `weekdays` 0 (Monday) .. 6; `count` sessions or `until` a day."""

    title: str
    category: str
    weekdays: tuple[int, ...]
    start_time: time
    duration_minutes: int
    first_day: date
    capacity: int
    count: int | None = None
    until: date | None = None
    org: str | None = None
    room_id: int | None = None
    teacher_id: int | None = None
    level: str = ""
    description: str = ""
    # Each session's enrolment opens this many days before it (None: at once); closes at start.
    enrol_opens_days_before: int | None = None
    min_age: int | None = None
    max_age: int | None = None
    categories: tuple[str, ...] | None = None
    # Make up sessions that fall on closed days by extending the series.
    keep_count: bool = False


@dataclass(frozen=True)
class SessionRecord:
    id: int
    series_id: int | None
    title: str
    category: str
    level: str
    description: str
    teacher_id: int | None
    teacher_name: str | None
    org: str
    org_name: str
    room_id: int | None
    room_name: str | None
    starts_at: datetime
    ends_at: datetime
    capacity: int
    enrolled: int
    waiting: int
    enrol_opens: datetime
    enrol_closes: datetime
    early_opens: datetime | None
    min_age: int | None
    max_age: int | None
    categories: tuple[str, ...] | None
    state: str
    latitude: float | None = None
    longitude: float | None = None
    distance_km: float | None = None
    # Derived, but a field so that the API shows it with the rest of the record.
    seats_left: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "seats_left", max(0, self.capacity - self.enrolled))

    @property
    def start(self) -> datetime:  # SessionLike, for the "what's on" filters
        return self.starts_at


@dataclass(frozen=True)
class SeriesRecord:
    id: int
    sessions: tuple[SessionRecord, ...]
    skipped: tuple[tuple[date, str], ...]


SESSION_SELECT = (
    "SELECT s.*, o.code AS org_code, o.name_zh AS org_name, o.latitude, o.longitude, "
    "r.name AS room_name, t.name AS teacher_name FROM class_session s "
    "JOIN org o ON o.id = s.org LEFT JOIN room r ON r.id = s.room "
    "LEFT JOIN teacher t ON t.id = s.teacher"
)


def session_record(row: dict[str, Any], tz: Any, distance_km: float | None = None
                   ) -> SessionRecord:
    categories = row["categories"]
    early = utc(row["early_opens"])
    return SessionRecord(
        id=int(row["id"]), series_id=row["series"], title=row["title"],
        category=row["category"], level=row["level"], description=row["description"],
        teacher_id=row["teacher"], teacher_name=row["teacher_name"], org=row["org_code"],
        org_name=row["org_name"], room_id=row["room"], room_name=row["room_name"],
        starts_at=_local(row["starts_at"], tz), ends_at=_local(row["ends_at"], tz),
        capacity=int(row["capacity"]), enrolled=int(row["enrolled"]),
        waiting=int(row["waiting"]), enrol_opens=_local(row["enrol_opens"], tz),
        enrol_closes=_local(row["enrol_closes"], tz),
        early_opens=None if early is None else local(early, tz),
        min_age=row["min_age"], max_age=row["max_age"],
        categories=None if categories is None else tuple(json_list(categories)),
        state=row["state"], latitude=row["latitude"], longitude=row["longitude"],
        distance_km=distance_km,
    )


def _local(value: Any, tz: Any) -> datetime:
    moment = utc(value)
    assert moment is not None
    return local(moment, tz)


async def _session_record(session_id: int, tz: Any) -> SessionRecord:
    row = await fetchrow(f"{SESSION_SELECT} WHERE s.id = $1", session_id)
    if row is None:
        raise NotFound(f"no class session {session_id}", code="session-not-found",
                       session_id=session_id)
    return session_record(row, tz)


async def get_session(session_id: int, clock: Clock) -> SessionRecord:
    async with read_transaction():
        return await _session_record(session_id, network_tz(clock))


@dataclass(frozen=True)
class _Plan:
    """What is common to every session inserted for one request (one-off or series)."""

    title: str
    category: str
    level: str
    description: str
    capacity: int
    org: str
    room: RoomContext | None
    teacher_id: int | None
    min_age: int | None
    max_age: int | None
    categories: tuple[str, ...] | None
    check_in: CheckInWindow = field(default_factory=lambda: CheckInWindow(30, 15))
    series_id: int | None = None
    demand_group: str = ""
    early_opens: datetime | None = None


def _check_plan_values(title: str, category: str, capacity: int, min_age: int | None,
                       max_age: int | None) -> None:
    if not title.strip():
        raise InvalidInput("a class needs a title", code="title-missing")
    if not category.strip():
        raise InvalidInput("a class needs a category", code="category-missing")
    if capacity < 1:
        raise InvalidInput("capacity must be at least 1", code="capacity-invalid")
    try:
        AgeBand(min_age, max_age)
    except ValueError as exc:
        raise InvalidInput(str(exc), code="age-band-invalid") from None


async def _resolve_place(tree: NetworkTree, org: str | None, room_id: int | None,
                         staff: StaffPrincipal) -> tuple[str, RoomContext | None]:
    room = None
    if room_id is not None:
        room = await load_room_context(room_id, lock=True)
        if not room.active:
            raise RuleViolation(f"room {room.name} is not in use", code="room-inactive")
        if org is not None and org != room.org:
            raise InvalidInput(f"room {room.name} belongs to {room.org}, not {org}",
                               code="room-not-at-org")
        org = room.org
    if org is None:
        raise InvalidInput("give the org or the room of the class", code="org-missing")
    require_org(tree, org)
    ensure_allowed(staff, Action.MANAGE_ROOMS, tree.path(org))
    return org, room


async def _check_teacher(teacher_id: int | None) -> None:
    if teacher_id is None:
        return
    row = await fetchrow("SELECT active FROM teacher WHERE id = $1", teacher_id)
    if row is None or not row["active"]:
        raise NotFound(f"no teacher {teacher_id}", code="teacher-not-found")


def _calendar_refusal(calendar: Calendar, start: datetime, end: datetime) -> Refusal | None:
    """A session without a room must still lie inside its node's opening hours."""
    day = start.date()
    if not calendar.is_open_on(day):
        return Refusal(RefusalCode.CLOSED_DAY, f"The org is closed on {day.isoformat()}.",
                       {"day": day.isoformat()})
    if not calendar.covers(start, end):
        return Refusal(RefusalCode.OUTSIDE_OPENING_HOURS,
                       "The session must lie inside the org's opening hours that day.",
                       {"start": start.isoformat(), "end": end.isoformat()})
    return None


async def _insert_session(plan: _Plan, start: datetime, end: datetime, enrol_opens: datetime,
                          enrol_closes: datetime, staff: StaffPrincipal, now: datetime,
                          tz: Any) -> int:
    row = await fetchrow(
        "INSERT INTO class_session (series, title, category, level, description, teacher, org, "
        "room, starts_at, ends_at, capacity, enrolled, waiting, arrivals, enrol_opens, "
        "enrol_closes, early_opens, min_age, max_age, categories, check_in_opens_minutes, "
        "check_in_grace_minutes, state, demand_group, created_at, updated_at) VALUES ($1, $2, "
        "$3, $4, $5, $6, $7, $8, $9, $10, $11, 0, 0, 0, $12, $13, $14, $15, $16, $17, $18, $19, "
        "$20, $21, $22, $23) RETURNING id",
        plan.series_id, plan.title, plan.category, plan.level, plan.description,
        plan.teacher_id, await org_id(plan.org), None if plan.room is None else plan.room.id,
        start, end, plan.capacity, enrol_opens, enrol_closes, plan.early_opens, plan.min_age,
        plan.max_age,
        None if plan.categories is None else json.dumps(list(plan.categories)),
        plan.check_in.opens_before_minutes, plan.check_in.grace_minutes, SCHEDULED,
        plan.demand_group, now, now)
    assert row is not None
    session_id = int(row["id"])
    if plan.room is not None:
        await reserve_room(plan.room, start, end, plan.capacity, session_id, staff, now, tz)
    await record_event(actor_of_staff(staff), "session.created", now, org_code=plan.org,
                       subject_kind="session", subject_id=session_id,
                       data={"title": plan.title, "category": plan.category, "start": start,
                             "capacity": plan.capacity, "series": plan.series_id,
                             "demand_group": plan.demand_group})
    return session_id


def _check_span(start: datetime, end: datetime, now: datetime) -> None:
    if end <= start:
        raise InvalidInput("a session must end after it starts", code="too-short")
    if end - start > MAX_SPAN:
        raise InvalidInput("a session may last at most a day", code="too-long")
    if start < now:
        raise RuleViolation("the session would start in the past", code="in-the-past")


async def create_session_in_transaction(cmd: NewSession, staff: StaffPrincipal, now: datetime,
                                        tz: Any, *, demand_group: str = "",
                                        early_opens: datetime | None = None) -> int:
    """Schedule one session inside the caller's write transaction; returns its id."""
    _check_plan_values(cmd.title, cmd.category, cmd.capacity, cmd.min_age, cmd.max_age)
    start, end = local(cmd.starts_at, tz), local(cmd.ends_at, tz)
    _check_span(start, end, now)
    opens = local(cmd.enrol_opens, tz) if cmd.enrol_opens else now.astimezone(tz)
    closes = local(cmd.enrol_closes, tz) if cmd.enrol_closes else start
    if not opens < closes <= end:
        raise InvalidInput("enrolment must open before it closes, and close by the end",
                           code="enrolment-window-invalid")
    if early_opens is not None:
        early_opens = min(early_opens, opens)
    try:
        CheckInWindow(cmd.check_in_opens_minutes, cmd.check_in_grace_minutes)
    except ValueError as exc:
        raise InvalidInput(str(exc), code="check-in-window-invalid") from None
    tree = await load_tree()
    org, room = await _resolve_place(tree, cmd.org, cmd.room_id, staff)
    await _check_teacher(cmd.teacher_id)
    if room is None:
        refusal = _calendar_refusal(tree.calendar(org), start, end)
        if refusal is not None:
            raise_refusal(refusal)
    plan = _Plan(cmd.title.strip(), cmd.category.strip().casefold(), cmd.level, cmd.description,
                 cmd.capacity, org, room, cmd.teacher_id, cmd.min_age, cmd.max_age,
                 cmd.categories, CheckInWindow(cmd.check_in_opens_minutes,
                                               cmd.check_in_grace_minutes),
                 demand_group=demand_group, early_opens=early_opens)
    return await _insert_session(plan, start, end, opens, closes, staff, now, tz)


async def create_session(cmd: NewSession, staff: StaffPrincipal, clock: Clock) -> SessionRecord:
    tz = network_tz(clock)
    with translate_db_refusals():
        async with write_transaction():
            session_id = await create_session_in_transaction(cmd, staff, clock.now(), tz)
            return await _session_record(session_id, tz)


async def create_series_in_transaction(cmd: NewSeries, staff: StaffPrincipal, now: datetime,
                                       tz: Any, *, demand_group: str = "",
                                       early_opens: datetime | None = None
                                       ) -> tuple[int, list[int], list[tuple[date, str]]]:
    """Expand the series over the node's calendar (closed days skipped and reported), check
    the room for every date first (all or nothing), then insert the series and its sessions."""
    _check_plan_values(cmd.title, cmd.category, cmd.capacity, cmd.min_age, cmd.max_age)
    try:
        series = WeeklySeries(frozenset(cmd.weekdays), cmd.start_time, cmd.duration_minutes,
                              cmd.first_day, count=cmd.count, until=cmd.until)
    except SeriesError as exc:
        raise InvalidInput(str(exc), code="series-invalid") from None
    if cmd.enrol_opens_days_before is not None and cmd.enrol_opens_days_before < 0:
        raise InvalidInput("enrol_opens_days_before must not be negative",
                           code="enrolment-window-invalid")
    tree = await load_tree()
    org, room = await _resolve_place(tree, cmd.org, cmd.room_id, staff)
    await _check_teacher(cmd.teacher_id)
    calendar = room.calendar if room is not None else tree.calendar(org)
    try:
        plan = expand_series(series, calendar, keep_count=cmd.keep_count, tz=tz)
    except SeriesError as exc:
        raise InvalidInput(str(exc), code="series-invalid") from None
    if not plan.sessions:
        raise RuleViolation("no date of the series falls on an open day",
                            code=RefusalCode.CLOSED_DAY.value)
    if plan.sessions[0].start < now:
        raise RuleViolation("the series would start in the past", code="in-the-past")
    if room is not None:
        await _check_room_for_series(room, [(s.start, s.end) for s in plan.sessions],
                                     cmd.capacity, now, tz)
    row = await fetchrow(
        "INSERT INTO class_series (title, category, level, description, teacher, org, room, "
        "weekdays, start_time, duration_minutes, first_day, occurrences, until, capacity, state, "
        "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
        "$16) RETURNING id",
        cmd.title.strip(), cmd.category.strip().casefold(), cmd.level, cmd.description,
        cmd.teacher_id, await org_id(org), None if room is None else room.id,
        json.dumps(sorted(cmd.weekdays)), cmd.start_time, cmd.duration_minutes, cmd.first_day,
        cmd.count, cmd.until, cmd.capacity, "active", now)
    assert row is not None
    series_id = int(row["id"])
    base = _Plan(cmd.title.strip(), cmd.category.strip().casefold(), cmd.level, cmd.description,
                 cmd.capacity, org, room, cmd.teacher_id, cmd.min_age, cmd.max_age,
                 cmd.categories, series_id=series_id, demand_group=demand_group,
                 early_opens=early_opens)
    ids = []
    for span in plan.sessions:
        opens = now.astimezone(tz)
        if cmd.enrol_opens_days_before is not None:
            opens = max(opens, span.start - timedelta(days=cmd.enrol_opens_days_before))
        early = None if early_opens is None else min(early_opens, opens)
        ids.append(await _insert_session(
            _with_early(base, early), span.start, span.end, opens, span.start, staff, now, tz))
    await record_event(actor_of_staff(staff), "series.created", now, org_code=org,
                       subject_kind="series", subject_id=series_id,
                       data={"sessions": len(ids),
                             "skipped": [s.day.isoformat() for s in plan.skipped]})
    return series_id, ids, [(s.day, s.reason.value) for s in plan.skipped]


def _with_early(plan: _Plan, early: datetime | None) -> _Plan:
    from dataclasses import replace

    return replace(plan, early_opens=early)


async def _check_room_for_series(room: RoomContext, spans: Sequence[tuple[datetime, datetime]],
                                 seats: int, now: datetime, tz: Any) -> None:
    from unicard.rooms.booking_rules import BookingCandidate, why_cannot_book

    config = session_room_config(room.config)
    clashes: list[dict[str, str]] = []
    for start, end in spans:
        existing = await holding_spans(room.id, start, end, tz)
        refusal = why_cannot_book(config, room.calendar,
                                  BookingCandidate(start, end, seats, by_staff=True),
                                  existing, now.astimezone(tz))
        if refusal is None:
            continue
        if refusal.code is not RefusalCode.SLOT_TAKEN:
            raise_refusal(refusal)
        clashes.append({"start": start.isoformat(), "end": end.isoformat()})
    if clashes:
        raise Conflict(f"room {room.name} is already booked on {len(clashes)} of the dates",
                       code=RefusalCode.SLOT_TAKEN.value, conflicts=clashes)


async def create_series(cmd: NewSeries, staff: StaffPrincipal, clock: Clock) -> SeriesRecord:
    tz = network_tz(clock)
    with translate_db_refusals():
        async with write_transaction():
            series_id, _, skipped = await create_series_in_transaction(cmd, staff, clock.now(),
                                                                       tz)
            rows = await fetch(f"{SESSION_SELECT} WHERE s.series = $1 ORDER BY s.starts_at",
                               series_id)
    return SeriesRecord(series_id, tuple(session_record(r, tz) for r in rows), tuple(skipped))


# ------------------------------------------------------------------------- seats and waitlist

_LOCK_SESSION = (
    "SELECT id, org, state, starts_at, ends_at, capacity, enrolled, waiting, enrol_opens, "
    "enrol_closes, early_opens, min_age, max_age, categories, demand_group, title, "
    "check_in_opens_minutes, check_in_grace_minutes FROM class_session WHERE id = $1"
)
_SESSION_AND_READER_COLUMNS = (
    "s.id, s.org, s.state, s.starts_at, s.ends_at, s.capacity, s.enrolled, s.waiting, "
    "s.enrol_opens, s.enrol_closes, s.early_opens, s.min_age, s.max_age, s.categories, "
    "s.demand_group, rd.id AS reader_id, rd.status, rd.expires_on, rd.category, rd.birth_date, "
    "c.min_age AS category_min_age, c.max_age AS category_max_age"
)
# The reader's places that overlap the session, as JSON. Read with the statement's snapshot:
# on SQLite the write transaction is serialised; on PostgreSQL a place taken a moment later by
# the same reader is refused by the exclusion constraint instead, as enrolment-overlap.
_HELD_PG = (
    ", (SELECT json_agg(json_build_array(e.session, e.starts_at, e.ends_at, e.state)) "
    f"FROM enrolment e WHERE e.reader = rd.id AND e.state IN {HOLDING_ENROLMENT_SQL} "
    "AND tstzrange(e.starts_at, e.ends_at, '[)') && tstzrange(s.starts_at, s.ends_at, '[)')) "
    "AS held"
)
_HELD_SQLITE = (  # places last at most MAX_SPAN: a range on the (reader, starts_at) index
    ", (SELECT json_group_array(json_array(e.session, e.starts_at, e.ends_at, e.state)) "
    f"FROM enrolment e WHERE e.reader = rd.id AND e.state IN {HOLDING_ENROLMENT_SQL} "
    "AND e.starts_at < s.ends_at AND e.ends_at > s.starts_at "
    "AND e.starts_at > datetime(s.starts_at, '-1 day')) AS held"
)


@lru_cache(maxsize=8)
def _enrol_read_sql(by_session_token: bool, sqlite: bool) -> str:
    """The session, the enrolling reader (by id, or by a session token to check) with their
    category, and their overlapping places, in one statement. No row lock: outside a
    transaction block it would end with the statement yet cost a WAL record and a flush; the
    seat is decided on the locked row by `_TAKE_PLACE_PG` (SQLite: the write lock)."""
    source, where, expiry, _ = reader_source(
        "class_session s", "s", SignedIn("") if by_session_token else 0)
    return (f"SELECT {_SESSION_AND_READER_COLUMNS}{expiry}{_HELD_SQLITE if sqlite else _HELD_PG} "
            f"FROM {source} LEFT JOIN reader_category c ON c.code = rd.category WHERE {where}")


async def _lock_session(session_id: int) -> dict[str, Any]:
    sql = _LOCK_SESSION if is_sqlite() else _LOCK_SESSION + " FOR NO KEY UPDATE"
    row = await fetchrow(sql, session_id)
    if row is None:
        raise NotFound(f"no class session {session_id}", code="session-not-found",
                       session_id=session_id)
    return row


@dataclass(frozen=True)
class EnrolmentRecord:
    id: int
    session_id: int
    reader_id: int
    state: str
    arrival: int
    waitlist_position: int | None
    # When waitlisted: the `session-full` notice (code and message) to show the reader.
    notice_code: str | None = None
    notice: str | None = None
    session: SessionRecord | None = None
    promoted: tuple[int, ...] = ()


def _band(min_age: Any, max_age: Any) -> AgeBand | None:
    if min_age is None and max_age is None:
        return None
    return AgeBand(min_age, max_age)


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


async def enrol(reader: int | SignedIn, session_id: int, clock: Clock) -> EnrolmentRecord:
    """Enrol under the reader's card (the reader by id, or by a session still to check): a
    seat while seats are free and nobody waits, else the end of the waitlist (state
    `waitlisted`, notice `session-full`). Refused when the window is closed, the reader is not
    eligible, or already holds a place at an overlapping time."""
    tz = network_tz(clock)
    now = clock.now()
    with translate_db_refusals():
        async with hot_unit():
            sqlite = is_sqlite()
            row = await fetchrow(_enrol_read_sql(isinstance(reader, SignedIn), sqlite),
                                 session_id, reader_source("", "", reader)[3])
            reader_id = signed_in_reader_id(reader, row, now)
            if row is None or row["id"] is None:
                raise NotFound(f"no class session {session_id}", code="session-not-found",
                               session_id=session_id)
            if row["state"] != SCHEDULED:
                raise RuleViolation("this session has been cancelled",
                                    code=RefusalCode.ENROLMENT_CLOSED.value, state=row["state"])
            if reader_id is None:
                raise NotFound("reader not found", code="reader-not-found")
            ensure_reader_in_good_standing(row, clock.today())
            start, end = _local(row["starts_at"], tz), _local(row["ends_at"], tz)
            held = [{"session": h[0], "starts_at": h[1], "ends_at": h[2], "state": h[3]}
                    for h in json.loads(row["held"] or "[]")]
            opens = _local(row["enrol_opens"], tz)
            early_opens = utc(row["early_opens"])
            early_readers: frozenset[Any] = frozenset()
            if early_opens is not None and now < opens and row["demand_group"]:
                asked = await fetchrow(
                    "SELECT id FROM demand_request WHERE reader = $1 AND group_key = $2 "
                    "AND session IS NOT NULL LIMIT 1", reader_id, row["demand_group"])
                if asked is not None:
                    early_readers = frozenset({reader_id})
            categories = row["categories"]
            session = ClassSession(
                session_id=session_id, start=start, end=end, capacity=int(row["capacity"]),
                enrol_opens=opens, enrol_closes=_local(row["enrol_closes"], tz),
                age_band=_band(row["min_age"], row["max_age"]),
                categories=None if categories is None else frozenset(json_list(categories)),
                early_opens=None if early_opens is None else local(early_opens, tz),
                early_readers=early_readers,
            )
            who = EnrollingReader(reader_id, row["category"], _as_date(row["birth_date"]),
                                  _band(row["category_min_age"], row["category_max_age"]))
            existing = [HeldEnrolment(h["session"], _local(h["starts_at"], tz),
                                      _local(h["ends_at"], tz), EnrolmentState(h["state"]))
                        for h in held]
            refusal = why_cannot_enrol(session, who, existing, now.astimezone(tz))
            if refusal is not None:
                raise_refusal(refusal)
            early = bool(early_readers) and now < opens
            inserted: dict[str, Any] | None
            if sqlite:
                decision = decide_seat(int(row["enrolled"]), int(row["capacity"]),
                                       int(row["waiting"]))
                inserted = await _take_place(session_id, reader_id, decision.state, start, end,
                                             early, now, decision.waitlist_position)
            else:
                inserted = await fetchrow(_TAKE_PLACE_PG, session_id, reader_id, start, end,
                                          early, now)
                if inserted is None:  # cancelled since it was read
                    raise RuleViolation("this session has been cancelled",
                                        code=RefusalCode.ENROLMENT_CLOSED.value)
                # What decide_seat said on the locked row: rebuilt from the counts after it.
                waiting = int(inserted["waiting"])
                decision = decide_seat(int(inserted["enrolled"]) - (waiting == 0),
                                       int(inserted["capacity"]), max(0, waiting - 1))
            arrival = int(inserted["arrival"])
    notice = decision.refusal
    return EnrolmentRecord(int(inserted["id"]), session_id, reader_id, decision.state.value,
                           arrival, decision.waitlist_position,
                           None if notice is None else notice.code.value,
                           None if notice is None else notice.message)


_COUNT_ARRIVAL = (
    "UPDATE class_session SET enrolled = enrolled + $1, waiting = waiting + $2, "
    "arrivals = arrivals + 1 WHERE id = $3 RETURNING arrivals"
)
_INSERT_PLACE = (
    "INSERT INTO enrolment (session, reader, state, arrival, starts_at, ends_at, early, "
    "created_at, updated_at, seated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) "
    "RETURNING id, arrival"
)
# PostgreSQL: the seat, the place and its event in one statement. The UPDATE takes the
# session row's lock and evaluates its CASE on the latest version of the row, so concurrent
# enrolments are decided one after another: this is `decide_seat` (a seat while one is free
# and nobody waits), and the CHECK on the counters backs it. The new entry seated exactly
# when `waiting` is 0 afterwards; otherwise `waiting` is its waitlist position.
_TAKE_PLACE_PG = (
    "WITH counted AS (UPDATE class_session SET "
    "enrolled = enrolled + CASE WHEN enrolled < capacity AND waiting = 0 THEN 1 ELSE 0 END, "
    "waiting = waiting + CASE WHEN enrolled < capacity AND waiting = 0 THEN 0 ELSE 1 END, "
    "arrivals = arrivals + 1 WHERE id = $1 AND state = 'scheduled' "
    "RETURNING arrivals, enrolled, waiting, capacity), "
    "placed AS (INSERT INTO enrolment (session, reader, state, arrival, starts_at, ends_at, "
    "early, created_at, updated_at, seated_at) SELECT $1, $2, CASE WHEN counted.waiting = 0 "
    "THEN 'enrolled' ELSE 'waitlisted' END, counted.arrivals, $3::timestamptz, "
    "$4::timestamptz, $5::boolean, $6::timestamptz, $6::timestamptz, "
    "CASE WHEN counted.waiting = 0 THEN $6::timestamptz END FROM counted "
    "RETURNING id, arrival, state), "
    "logged AS (INSERT INTO event (at, actor_kind, actor_id, org_code, action, subject_kind, "
    "subject_id, data) SELECT $6::timestamptz, 'reader', $2::bigint, '', "
    "'enrolment.' || placed.state, "
    "'enrolment', CAST(placed.id AS VARCHAR), CAST(json_build_object('session', $1::int, "
    "'arrival', placed.arrival, 'position', CASE WHEN counted.waiting > 0 THEN "
    "counted.waiting END) AS json) FROM placed, counted) "
    "SELECT placed.id, placed.arrival, counted.enrolled, counted.waiting, counted.capacity "
    "FROM placed, counted"
)


async def _take_place(session_id: int, reader_id: int, state: EnrolmentState, start: datetime,
                      end: datetime, early: bool, now: datetime,
                      position: int | None) -> dict[str, Any]:
    """SQLite: count the arrival on the session row, insert the place, log the event (the
    write transaction holds the database's write lock throughout)."""
    seated = state is EnrolmentState.ENROLLED
    action = f"enrolment.{state.value}"
    counted = await fetchrow(_COUNT_ARRIVAL, int(seated), int(not seated), session_id)
    assert counted is not None
    row = await fetchrow(_INSERT_PLACE, session_id, reader_id, state.value,
                         int(counted["arrivals"]), start, end, early, now,
                         now if seated else None)
    assert row is not None
    await record_event(actor_of_reader(reader_id), action, now, subject_kind="enrolment",
                       subject_id=row["id"], data={"session": session_id,
                                                   "arrival": row["arrival"],
                                                   "position": position})
    return row


async def _promote(session: dict[str, Any], enrolled: int, now: datetime, actor: Actor,
                   tz: Any) -> list[int]:
    """Give free seats to the waitlist in arrival order (session row locked by the caller)."""
    capacity = int(session["capacity"])
    if enrolled >= capacity or not int(session["waiting"]):
        return []
    waiting = await fetch(
        "SELECT id, reader FROM enrolment WHERE session = $1 AND state = $2 "
        f"ORDER BY arrival LIMIT {capacity - enrolled}",
        session["id"], EnrolmentState.WAITLISTED.value)
    chosen = promote_waitlist(enrolled, capacity, waiting)
    start = _local(session["starts_at"], tz)
    for entry in chosen:
        state = next_enrolment_state(EnrolmentState.WAITLISTED, EnrolmentAction.PROMOTE)
        await execute("UPDATE enrolment SET state = $1, updated_at = $2, seated_at = $2 "
                      "WHERE id = $3", state.value, now, entry["id"])
        await notify(int(entry["reader"]), "enrolment-promoted",
                     f"你有座位了 / You have a seat: {session['title']}",
                     f"{session['title']} {start:%Y-%m-%d %H:%M}: a seat became free and is "
                     "now yours. Cancel if you can no longer come.", now,
                     {"session": session["id"], "enrolment": entry["id"]})
        await record_event(actor, "enrolment.promoted", now, subject_kind="session",
                           subject_id=session["id"], data={"enrolment": entry["id"],
                                                           "reader": entry["reader"]})
    if chosen:
        await execute("UPDATE class_session SET enrolled = enrolled + $1, "
                      "waiting = waiting - $1, updated_at = $2 WHERE id = $3",
                      len(chosen), now, session["id"])
    return [int(e["id"]) for e in chosen]


async def cancel_enrolment(enrolment_id: int, clock: Clock, *, reader_id: int | None = None,
                           staff: StaffPrincipal | None = None) -> EnrolmentRecord:
    """Give up a place or leave the waitlist; a freed seat goes to the first on the waitlist
    at once. Readers may cancel until the session starts."""
    if (reader_id is None) == (staff is None):
        raise ValueError("give exactly one of reader_id and staff")
    tz = network_tz(clock)
    now = clock.now()
    with translate_db_refusals():
        async with write_transaction():
            found = await fetchrow("SELECT session FROM enrolment WHERE id = $1", enrolment_id)
            if found is None:
                raise NotFound(f"no enrolment {enrolment_id}", code="enrolment-not-found")
            session = await _lock_session(int(found["session"]))  # session first, then places
            row = await fetchrow("SELECT id, reader, state, arrival FROM enrolment WHERE id = $1",
                                 enrolment_id)
            assert row is not None
            if staff is not None:
                tree = await load_tree()
                org = await fetchrow("SELECT code FROM org WHERE id = $1", session["org"])
                ensure_allowed(staff, Action.MANAGE_ROOMS, tree.path(org["code"]))  # type: ignore[index]
                actor = actor_of_staff(staff)
            else:
                if row["reader"] != reader_id:
                    raise NotFound(f"no enrolment {enrolment_id}", code="enrolment-not-found")
                actor = actor_of_reader(reader_id)  # type: ignore[arg-type]
                if now >= utc(session["starts_at"]):  # type: ignore[operator]
                    raise RuleViolation("the session has started; ask the staff at the door",
                                        code=RefusalCode.CANCEL_DEADLINE_PASSED.value)
            was = EnrolmentState(row["state"])
            state = next_enrolment_state(was, EnrolmentAction.CANCEL)
            await execute("UPDATE enrolment SET state = $1, updated_at = $2 WHERE id = $3",
                          state.value, now, enrolment_id)
            seated = was is EnrolmentState.ENROLLED
            await execute("UPDATE class_session SET enrolled = enrolled - $1, "
                          "waiting = waiting - $2, updated_at = $3 WHERE id = $4",
                          int(seated), int(not seated), now, session["id"])
            await record_event(actor, "enrolment.cancelled", now, subject_kind="session",
                               subject_id=session["id"],
                               data={"enrolment": enrolment_id, "was": was.value})
            promoted: list[int] = []
            if seated:
                enrolled = int(session["enrolled"]) - 1
                promoted = await _promote({**session, "waiting": int(session["waiting"])},
                                          enrolled, now, actor, tz)
    return EnrolmentRecord(enrolment_id, int(session["id"]), int(row["reader"]), state.value,
                           int(row["arrival"]), None, promoted=tuple(promoted))


_MY_ENROLMENTS = (
    "SELECT e.id AS enrolment_id, e.reader AS enrolment_reader, e.state AS enrolment_state, "
    "e.arrival, (SELECT count(*) FROM enrolment w WHERE w.session = e.session AND "
    "w.state = 'waitlisted' AND w.arrival <= e.arrival) AS position, "
    f"{SESSION_SELECT.removeprefix('SELECT ')} "
    "JOIN enrolment e ON e.session = s.id"
)


async def my_enrolments(reader_id: int, clock: Clock, include_past: bool = False,
                        limit: int = 200) -> list[EnrolmentRecord]:
    """The reader's places and waitlist positions, soonest first."""
    tz = network_tz(clock)
    args: list[Any] = [reader_id]
    where = "e.reader = $1"
    if not include_past:
        args.append(clock.now())
        where += f" AND s.ends_at > $2 AND e.state IN {HOLDING_ENROLMENT_SQL}"
    rows = await fetch(f"{_MY_ENROLMENTS} WHERE {where} ORDER BY s.starts_at LIMIT {int(limit)}",
                       *args)
    return [_enrolment_record(row, tz) for row in rows]


def _enrolment_record(row: dict[str, Any], tz: Any) -> EnrolmentRecord:
    waitlisted = row["enrolment_state"] == EnrolmentState.WAITLISTED.value
    return EnrolmentRecord(int(row["enrolment_id"]), int(row["id"]),
                           int(row["enrolment_reader"]), row["enrolment_state"],
                           int(row["arrival"]), int(row["position"]) if waitlisted else None,
                           session=session_record(row, tz))


# --------------------------------------------------------------------- at the door, roster

async def check_in_enrolment_by_card(card_number: str, session_id: int, staff: StaffPrincipal,
                                     clock: Clock) -> EnrolmentRecord:
    """The card scanned at the classroom door marks the reader attended, inside the check-in
    window; a waitlisted reader has no seat to check in to."""
    now = clock.now()
    with translate_db_refusals():
        async with write_transaction():
            reader = await _reader_row_by_card(card_number)
            session = await _lock_session(session_id)
            tree = await load_tree()
            org = await fetchrow("SELECT code FROM org WHERE id = $1", session["org"])
            assert org is not None
            ensure_allowed(staff, Action.MANAGE_ROOMS, tree.path(org["code"]))
            row = await fetchrow(
                "SELECT id, state, arrival FROM enrolment WHERE session = $1 AND reader = $2 "
                "ORDER BY arrival DESC LIMIT 1", session_id, reader["id"])
            if row is None or row["state"] == EnrolmentState.CANCELLED.value:
                raise NotFound(f"{reader['name']} is not enrolled in this session",
                               code="not-enrolled", card_number=card_number)
            if row["state"] == EnrolmentState.WAITLISTED.value:
                raise RuleViolation(f"{reader['name']} is on the waitlist, without a seat",
                                    code="not-enrolled", state=row["state"])
            if row["state"] == EnrolmentState.ATTENDED.value:
                raise Conflict(f"{reader['name']} is already checked in",
                               code="already-checked-in")
            window = CheckInWindow(int(session["check_in_opens_minutes"]),
                                   int(session["check_in_grace_minutes"]))
            start = utc(session["starts_at"])
            assert start is not None
            refusal = why_cannot_check_in(start, window, now)
            if refusal is not None:
                raise_refusal(refusal)
            state = next_enrolment_state(EnrolmentState(row["state"]), EnrolmentAction.CHECK_IN)
            await execute("UPDATE enrolment SET state = $1, checked_in_at = $2, updated_at = $2 "
                          "WHERE id = $3", state.value, now, row["id"])
            await record_event(actor_of_staff(staff), "enrolment.checked_in", now,
                               org_code=org["code"], subject_kind="session",
                               subject_id=session_id,
                               data={"enrolment": row["id"], "card_number": card_number})
    return EnrolmentRecord(int(row["id"]), session_id, int(reader["id"]), state.value,
                           int(row["arrival"]), None)


@dataclass(frozen=True)
class RosterEntry:
    enrolment_id: int
    reader_id: int
    card_number: str
    name: str
    state: str
    arrival: int
    waitlist_position: int | None
    checked_in_at: datetime | None


async def session_roster(session_id: int, staff: StaffPrincipal,
                         clock: Clock) -> tuple[SessionRecord, list[RosterEntry]]:
    """Who holds a seat, who waits (in order), who came: the attendance list for staff."""
    tz = network_tz(clock)
    async with read_transaction():
        session = await _session_record(session_id, tz)
        tree = await load_tree()
        ensure_allowed(staff, Action.MANAGE_ROOMS, tree.path(session.org))
        rows = await fetch(
            "SELECT e.id, e.reader, e.state, e.arrival, e.checked_in_at, r.card_number, r.name "
            "FROM enrolment e JOIN reader r ON r.id = e.reader WHERE e.session = $1 "
            "ORDER BY e.arrival", session_id)
    entries, position = [], 0
    for row in rows:
        waitlisted = row["state"] == EnrolmentState.WAITLISTED.value
        position += int(waitlisted)
        checked = utc(row["checked_in_at"])
        entries.append(RosterEntry(int(row["id"]), int(row["reader"]), row["card_number"],
                                   row["name"], row["state"], int(row["arrival"]),
                                   position if waitlisted else None,
                                   None if checked is None else local(checked, tz)))
    return session, entries


# ------------------------------------------------------------------- changes, cancellation

_EDITABLE_SESSION_FIELDS = frozenset({"title", "description", "level", "teacher_id", "capacity",
                                      "enrol_opens", "enrol_closes", "min_age", "max_age",
                                      "categories"})


async def update_session(session_id: int, changes: dict[str, Any], staff: StaffPrincipal,
                         clock: Clock) -> SessionRecord:
    """Change what a session offers; more seats go to the waitlist at once, fewer seats than
    are taken are refused. Time and room do not move: cancel and schedule anew."""
    unknown = set(changes) - _EDITABLE_SESSION_FIELDS
    if unknown:
        raise InvalidInput(f"fields {sorted(unknown)} cannot be changed; cancel the session "
                           "and schedule a new one", code="field-not-editable")
    tz = network_tz(clock)
    now = clock.now()
    with translate_db_refusals():
        async with write_transaction():
            session = await _lock_session(session_id)
            current = await _session_record(session_id, tz)
            tree = await load_tree()
            ensure_allowed(staff, Action.MANAGE_ROOMS, tree.path(current.org))
            if current.state != SCHEDULED:
                raise Conflict("the session is no longer scheduled", code="session-not-scheduled")
            values: dict[str, Any] = {}
            for name in ("title", "description", "level", "min_age", "max_age"):
                if name in changes:
                    values[name] = changes[name]
            if "teacher_id" in changes:
                await _check_teacher(changes["teacher_id"])
                values["teacher"] = changes["teacher_id"]
            if "categories" in changes:
                values["categories"] = (None if changes["categories"] is None
                                        else json.dumps(list(changes["categories"])))
            for name in ("enrol_opens", "enrol_closes"):
                if name in changes:
                    values[name] = local(changes[name], tz)
            _check_plan_values(values.get("title", current.title), current.category,
                               int(changes.get("capacity", current.capacity)),
                               values.get("min_age", current.min_age),
                               values.get("max_age", current.max_age))
            opens = values.get("enrol_opens", current.enrol_opens)
            closes = values.get("enrol_closes", current.enrol_closes)
            if not opens < closes <= current.ends_at:
                raise InvalidInput("enrolment must open before it closes, and close by the end",
                                   code="enrolment-window-invalid")
            if "capacity" in changes:
                capacity = int(changes["capacity"])
                if capacity < current.enrolled:
                    raise Conflict(f"{current.enrolled} seats are taken; cancel enrolments "
                                   "before reducing the capacity",
                                   code="capacity-below-enrolled", enrolled=current.enrolled)
                if current.room_id is not None:
                    room = await load_room_context(current.room_id)
                    if capacity > room.config.capacity:
                        raise RuleViolation(f"room {room.name} holds {room.config.capacity}",
                                            code=RefusalCode.OVER_CAPACITY.value,
                                            capacity=room.config.capacity)
                values["capacity"] = capacity
            values["updated_at"] = now
            names = list(values)
            assignments = ", ".join(f"{n} = ${i}" for i, n in enumerate(names, start=1))
            await execute(f"UPDATE class_session SET {assignments} WHERE id = ${len(names) + 1}",
                          *[values[n] for n in names], session_id)
            actor = actor_of_staff(staff)
            await record_event(actor, "session.updated", now, org_code=current.org,
                               subject_kind="session", subject_id=session_id,
                               data={"fields": sorted(changes)})
            if "capacity" in values:
                await _promote({**session, "capacity": values["capacity"]},
                               int(session["enrolled"]), now, actor, tz)
            return await _session_record(session_id, tz)


async def _cancel_locked_session(session: dict[str, Any], org: str, reason: str,
                                 actor: Actor, now: datetime, tz: Any) -> int:
    """Cancel a locked session: its room booking, every place and waitlist entry, and tell
    each reader. Returns how many readers were told."""
    await execute("UPDATE class_session SET state = $1, enrolled = 0, waiting = 0, "
                  "updated_at = $2 WHERE id = $3", "cancelled", now, session["id"])
    await execute("UPDATE booking SET state = $1, updated_at = $2 WHERE session = $3 "
                  "AND state IN ('pending_approval', 'confirmed', 'checked_in')",
                  BookingState.CANCELLED.value, now, session["id"])
    places = await fetch(f"SELECT id, reader FROM enrolment WHERE session = $1 AND state IN "
                         f"{HOLDING_ENROLMENT_SQL}", session["id"])
    await execute(f"UPDATE enrolment SET state = $1, updated_at = $2 WHERE session = $3 AND "
                  f"state IN {HOLDING_ENROLMENT_SQL}", EnrolmentState.CANCELLED.value, now,
                  session["id"])
    start = _local(session["starts_at"], tz)
    for place in places:
        await notify(int(place["reader"]), "session-cancelled",
                     f"课程取消 / Class cancelled: {session['title']}",
                     f"{session['title']} on {start:%Y-%m-%d %H:%M} is cancelled. {reason}"
                     .strip(), now, {"session": session["id"]})
    await record_event(actor, "session.cancelled", now, org_code=org, subject_kind="session",
                       subject_id=session["id"],
                       data={"reason": reason, "readers_told": len(places)})
    return len(places)


async def cancel_session(session_id: int, staff: StaffPrincipal, clock: Clock,
                         reason: str = "") -> SessionRecord:
    tz = network_tz(clock)
    now = clock.now()
    with translate_db_refusals():
        async with write_transaction():
            session = await _lock_session(session_id)
            current = await _session_record(session_id, tz)
            tree = await load_tree()
            ensure_allowed(staff, Action.MANAGE_ROOMS, tree.path(current.org))
            if current.state != SCHEDULED:
                raise Conflict("the session is no longer scheduled", code="session-not-scheduled")
            await _cancel_locked_session(session, current.org, reason, actor_of_staff(staff),
                                         now, tz)
            return await _session_record(session_id, tz)


async def cancel_series(series_id: int, staff: StaffPrincipal, clock: Clock,
                        reason: str = "") -> int:
    """Cancel every session of the series that has not started; returns how many."""
    tz = network_tz(clock)
    now = clock.now()
    with translate_db_refusals():
        async with write_transaction():
            series = await fetchrow("SELECT s.id, o.code FROM class_series s JOIN org o "
                                    "ON o.id = s.org WHERE s.id = $1", series_id)
            if series is None:
                raise NotFound(f"no series {series_id}", code="series-not-found")
            tree = await load_tree()
            ensure_allowed(staff, Action.MANAGE_ROOMS, tree.path(series["code"]))
            ids = await fetch("SELECT id FROM class_session WHERE series = $1 AND state = $2 "
                              "AND starts_at > $3 ORDER BY id", series_id, SCHEDULED, now)
            actor = actor_of_staff(staff)
            for row in ids:
                session = await _lock_session(int(row["id"]))
                await _cancel_locked_session(session, series["code"], reason, actor, now, tz)
            await execute("UPDATE class_series SET state = $1 WHERE id = $2", "cancelled",
                          series_id)
            await record_event(actor, "series.cancelled", now, org_code=series["code"],
                               subject_kind="series", subject_id=series_id,
                               data={"sessions": len(ids)})
    return len(ids)
