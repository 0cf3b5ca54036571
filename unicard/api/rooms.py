"""Rooms and classes over HTTP: browsing (public), readers' bookings, enrolments, requests and
notifications (reader session), and staff management (rooms, sessions, series, group bookings,
check-in at the door, rosters, demand tasks, settlement).

Times in requests are ISO 8601 strings; without an offset they are network (wall-clock) time.
Responses carry times with the network's offset. Every refusal is a problem detail with the
rule's stable code. Enrolling in a full session is not a refusal: the answer is 201 with
`state: "waitlisted"`, the `waitlist_position`, and `notice.code: "session-full"`.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, time
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, patch, post, put
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter
from msgspec import UNSET, UnsetType

from unicard.api.auth import READER_COOKIE, current_reader_id, current_staff, token_of
from unicard.api.schemas import set_fields
from unicard.errors import InvalidInput, Unauthenticated
from unicard.readers.permissions import StaffPrincipal
from unicard.readers.secrets import hash_token
from unicard.rooms import services
from unicard.rooms.demand import TimePreference
from unicard.rooms.filters import PartOfDay
from unicard.rooms.geo import GeoPoint

__all__ = ["ROOM_CONTROLLERS"]



def reader_session(request: Request[Any, Any, Any]) -> services.SignedIn:
    """The reader's session token, to be checked by the use case in its own first read
    (booking and enrolment: one round trip to the database less per request)."""
    token = token_of(request, READER_COOKIE)
    if not token:
        raise Unauthenticated("sign in with your card number and PIN", code="unauthenticated")
    return services.SignedIn(hash_token(token))


STAFF = {"staff": Provide(current_staff)}
READER = {"reader_id": Provide(current_reader_id)}
READER_SESSION = {"reader": Provide(reader_session, sync_to_thread=False)}


class _In(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


def _when(text: str, name: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be an ISO 8601 date and time, e.g. 2026-11-03T10:00",
                           code="datetime-invalid", field=name) from None


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name} must be YYYY-MM-DD", code="date-invalid", field=name) from None


def _clock_time(text: str, name: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name} must be HH:MM", code="time-invalid", field=name) from None


def _point(lat: float | None, lon: float | None) -> GeoPoint | None:
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        raise InvalidInput("give both lat and lon", code="point-invalid")
    try:
        return GeoPoint(lat, lon)
    except ValueError as exc:
        raise InvalidInput(str(exc), code="point-invalid") from None


# ------------------------------------------------------------------------------------- rooms

class RoomIn(_In):
    org: str
    name: str
    capacity: int
    description: str = ""
    features: list[str] = []
    bookable_hours: dict[str, list[str]] | None = None
    min_minutes: int = 30
    max_minutes: int = 240
    max_days_ahead: int = 14
    slot_minutes: int = 30
    approval_needed: bool = False
    cancel_deadline_minutes: int = 60
    check_in_opens_minutes: int = 15
    check_in_grace_minutes: int = 15


class RoomPatch(_In):
    name: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    capacity: int | UnsetType = UNSET
    features: list[str] | UnsetType = UNSET
    bookable_hours: dict[str, list[str]] | UnsetType | None = UNSET
    min_minutes: int | UnsetType = UNSET
    max_minutes: int | UnsetType = UNSET
    max_days_ahead: int | UnsetType = UNSET
    slot_minutes: int | UnsetType = UNSET
    approval_needed: bool | UnsetType = UNSET
    cancel_deadline_minutes: int | UnsetType = UNSET
    check_in_opens_minutes: int | UnsetType = UNSET
    check_in_grace_minutes: int | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class SpanOut(msgspec.Struct):
    starts_at: datetime
    ends_at: datetime


class FreeDayOut(msgspec.Struct):
    day: date
    windows: list[SpanOut]


class FreeRoomOut(msgspec.Struct):
    room: services.RoomRecord
    distance_km: float | None
    days: list[FreeDayOut]


class BookingIn(_In):
    starts_at: str
    ends_at: str
    group_size: int = 1
    purpose: str = ""


class GroupBookingIn(_In):
    starts_at: str
    ends_at: str
    group_name: str
    group_size: int = 1
    purpose: str = ""
    card_number: str | None = None


class CardIn(_In):
    card_number: str


class SettleOut(msgspec.Struct):
    bookings_rejected: int
    bookings_no_show: int
    bookings_completed: int
    sessions_settled: int
    enrolments_no_show: int
    suspensions: int
    more: bool


def _book(room_id: int, data: BookingIn | GroupBookingIn, group_name: str = "") -> \
        services.BookRoom:
    return services.BookRoom(room_id, _when(data.starts_at, "starts_at"),
                             _when(data.ends_at, "ends_at"), data.group_size, data.purpose,
                             group_name)


class RoomController(Controller):
    path = "/api/rooms"
    tags = ["rooms"]

    @get("/", summary="Rooms of the network or of one node's subtree (no sign-in needed)")
    async def rooms(self, org: str | None = None, include_inactive: bool = False
                    ) -> list[services.RoomRecord]:
        return await services.list_rooms(org, include_inactive)

    @get("/free", summary="Free rooms and their free windows per day; near me with lat/lon")
    async def free(
        self, state: State, day: str | None = None, days: int = 1, org: str | None = None,
        min_capacity: int = 1, feature: list[str] | None = None, lat: float | None = None,
        lon: float | None = None, within_km: float | None = None, minutes: int | None = None,
        limit: int = 100,
    ) -> list[FreeRoomOut]:
        query = services.RoomQuery(day=_day(day, "day"), days=days, org=org,
                                   min_capacity=min_capacity,
                                   features=frozenset(feature or ()), near=_point(lat, lon),
                                   within_km=within_km, minutes=minutes, limit=limit)
        found = await services.free_rooms(query, state.clock)
        return [FreeRoomOut(f.room, f.distance_km,
                            [FreeDayOut(d, [SpanOut(w.start, w.end) for w in windows])
                             for d, windows in f.free]) for f in found]

    @get("/{room_id:int}", summary="One room and its booking rules")
    async def room(self, room_id: int) -> services.RoomRecord:
        return (await services.get_room(room_id))

    @post("/", dependencies=STAFF, summary="Add a room at a node in your scope")
    async def create(self, data: RoomIn, staff: StaffPrincipal,
                     state: State) -> services.RoomRecord:
        values = msgspec.structs.asdict(data)
        values["features"] = tuple(data.features)
        return (await services.create_room(services.NewRoom(**values), staff,
                                                   state.clock))

    @patch("/{room_id:int}", dependencies=STAFF, summary="Change a room's settings")
    async def update(self, room_id: int, data: RoomPatch, staff: StaffPrincipal,
                     state: State) -> services.RoomRecord:
        return (await services.update_room(room_id, set_fields(data), staff,
                                                   state.clock))

    @get("/{room_id:int}/bookings", dependencies=STAFF,
         summary="The room's schedule: every booking from `day` for `days` days")
    async def schedule(self, room_id: int, staff: StaffPrincipal, state: State,
                       day: str | None = None, days: int = 7) -> list[services.BookingRecord]:
        first = _day(day, "day") or state.clock.today()
        return await services.room_bookings(room_id, first, days, state.clock, staff)

    @post("/{room_id:int}/bookings", dependencies=READER_SESSION,
          summary="Book the room under your card (slot-taken, outside-opening-hours, …)")
    async def book(self, room_id: int, data: BookingIn, reader: services.SignedIn,
                   state: State) -> services.BookingRecord:
        return await services.book_room(reader, _book(room_id, data), state.clock)

    @post("/{room_id:int}/group-bookings", dependencies=STAFF,
          summary="Book the room for a group (staff); optionally under the contact's card")
    async def book_group(self, room_id: int, data: GroupBookingIn, staff: StaffPrincipal,
                         state: State) -> services.BookingRecord:
        return (await services.book_room_for_group(
            staff, _book(room_id, data, data.group_name), state.clock, data.card_number))

    @post("/{room_id:int}/check-in", dependencies=STAFF, status_code=200,
          summary="Card scanned at the room's door: check in the booking due now")
    async def check_in(self, room_id: int, data: CardIn, staff: StaffPrincipal,
                       state: State) -> services.BookingRecord:
        return (await services.check_in_booking_by_card(data.card_number, room_id,
                                                                   staff, state.clock))

    @post("/settle", dependencies=STAFF, status_code=200,
          summary="Settle due bookings and sessions: lapses, no-shows, suspensions")
    async def settle(self, staff: StaffPrincipal, state: State) -> SettleOut:
        result = await services.settle_due(state.clock, staff)
        return SettleOut(**asdict(result))


class BookingController(Controller):
    path = "/api/bookings"
    tags = ["rooms"]
    dependencies = STAFF

    @post("/{booking_id:int}/approve", status_code=200, summary="Approve a pending booking")
    async def approve(self, booking_id: int, staff: StaffPrincipal,
                      state: State) -> services.BookingRecord:
        return (await services.approve_booking(booking_id, staff, state.clock))

    @post("/{booking_id:int}/reject", status_code=200, summary="Reject a pending booking")
    async def reject(self, booking_id: int, staff: StaffPrincipal,
                     state: State) -> services.BookingRecord:
        return (await services.reject_booking(booking_id, staff, state.clock))

    @post("/{booking_id:int}/cancel", status_code=200, summary="Cancel any booking in scope")
    async def cancel(self, booking_id: int, staff: StaffPrincipal,
                     state: State) -> services.BookingRecord:
        return (await services.cancel_booking(booking_id, state.clock, staff=staff))

    @post("/{booking_id:int}/check-in", status_code=200,
          summary="Check a booking in by its number (e.g. a group without a card)")
    async def check_in(self, booking_id: int, staff: StaffPrincipal,
                       state: State) -> services.BookingRecord:
        return (await services.check_in_booking(booking_id, staff, state.clock))


# ----------------------------------------------------------------------------------- classes

class SessionIn(_In):
    title: str
    category: str
    starts_at: str
    ends_at: str
    capacity: int
    org: str | None = None
    room_id: int | None = None
    teacher_id: int | None = None
    level: str = ""
    description: str = ""
    enrol_opens: str | None = None
    enrol_closes: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    categories: list[str] | None = None
    check_in_opens_minutes: int = 30
    check_in_grace_minutes: int = 15


def _new_session(data: SessionIn) -> services.NewSession:
    return services.NewSession(
        title=data.title, category=data.category, starts_at=_when(data.starts_at, "starts_at"),
        ends_at=_when(data.ends_at, "ends_at"), capacity=data.capacity, org=data.org,
        room_id=data.room_id, teacher_id=data.teacher_id, level=data.level,
        description=data.description,
        enrol_opens=None if data.enrol_opens is None else _when(data.enrol_opens, "enrol_opens"),
        enrol_closes=None if data.enrol_closes is None
        else _when(data.enrol_closes, "enrol_closes"),
        min_age=data.min_age, max_age=data.max_age,
        categories=None if data.categories is None else tuple(data.categories),
        check_in_opens_minutes=data.check_in_opens_minutes,
        check_in_grace_minutes=data.check_in_grace_minutes)


class SessionPatch(_In):
    title: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    level: str | UnsetType = UNSET
    teacher_id: int | UnsetType | None = UNSET
    capacity: int | UnsetType = UNSET
    enrol_opens: str | UnsetType = UNSET
    enrol_closes: str | UnsetType = UNSET
    min_age: int | UnsetType | None = UNSET
    max_age: int | UnsetType | None = UNSET
    categories: list[str] | UnsetType | None = UNSET


class SeriesIn(_In):
    title: str
    category: str
    weekdays: list[int]
    start_time: str
    duration_minutes: int
    first_day: str
    capacity: int
    count: int | None = None
    until: str | None = None
    org: str | None = None
    room_id: int | None = None
    teacher_id: int | None = None
    level: str = ""
    description: str = ""
    enrol_opens_days_before: int | None = None
    min_age: int | None = None
    max_age: int | None = None
    categories: list[str] | None = None
    keep_count: bool = False


def _new_series(data: SeriesIn) -> services.NewSeries:
    first = _day(data.first_day, "first_day")
    assert first is not None
    return services.NewSeries(
        title=data.title, category=data.category, weekdays=tuple(data.weekdays),
        start_time=_clock_time(data.start_time, "start_time"),
        duration_minutes=data.duration_minutes, first_day=first, capacity=data.capacity,
        count=data.count, until=_day(data.until, "until"), org=data.org, room_id=data.room_id,
        teacher_id=data.teacher_id, level=data.level, description=data.description,
        enrol_opens_days_before=data.enrol_opens_days_before, min_age=data.min_age,
        max_age=data.max_age,
        categories=None if data.categories is None else tuple(data.categories),
        keep_count=data.keep_count)


class SkippedOut(msgspec.Struct):
    day: date
    reason: str


class SeriesOut(msgspec.Struct):
    id: int
    sessions: list[services.SessionRecord]
    skipped: list[SkippedOut]


class NoticeOut(msgspec.Struct):
    code: str
    message: str


class EnrolmentOut(msgspec.Struct, kw_only=True):
    id: int
    session_id: int
    state: str
    arrival: int
    waitlist_position: int | None = None
    notice: NoticeOut | None = None
    session: services.SessionRecord | None = None
    promoted: list[int] = []


def enrolment_out(record: services.EnrolmentRecord) -> EnrolmentOut:
    notice = (None if record.notice_code is None
              else NoticeOut(record.notice_code, record.notice or ""))
    return EnrolmentOut(id=record.id, session_id=record.session_id, state=record.state,
                        arrival=record.arrival, waitlist_position=record.waitlist_position,
                        notice=notice,
                        session=record.session,
                        promoted=list(record.promoted))


class RosterEntryOut(msgspec.Struct):
    enrolment_id: int
    reader_id: int
    card_number: str
    name: str
    state: str
    arrival: int
    waitlist_position: int | None
    checked_in_at: datetime | None


class RosterOut(msgspec.Struct):
    session: services.SessionRecord
    enrolled: int
    attended: int
    no_show: int
    waitlisted: int
    entries: list[RosterEntryOut]


class CancelIn(_In):
    reason: str = ""


_PARTS = {p.value: p for p in PartOfDay}


class ClassController(Controller):
    path = "/api/classes"
    tags = ["classes"]

    @get("/", summary="What's on: this week's sessions (or `days` from `from`), filtered; "
                      "near me with lat/lon")
    async def whats_on(
        self, state: State,
        starts_from: Annotated[str | None, Parameter(query="from")] = None, days: int = 7,
        category: list[str] | None = None, level: list[str] | None = None,
        weekday: list[int] | None = None, part: list[str] | None = None,
        org: str | None = None, lat: float | None = None, lon: float | None = None,
        within_km: float | None = None, with_seats: bool = False, limit: int = 200,
    ) -> list[services.SessionRecord]:
        unknown = set(part or ()) - set(_PARTS)
        if unknown:
            raise InvalidInput(f"part must be one of {sorted(_PARTS)}", code="part-invalid")
        query = services.SessionQuery(
            starts_from=None if starts_from is None else _when(starts_from, "from"), days=days,
            categories=None if not category else frozenset(category),
            levels=None if not level else frozenset(level),
            weekdays=None if not weekday else frozenset(weekday),
            parts_of_day=None if not part else frozenset(_PARTS[p] for p in part),
            org=org, near=_point(lat, lon), within_km=within_km, with_seats=with_seats,
            limit=limit)
        return list(await services.whats_on(query, state.clock))

    @get("/{session_id:int}", summary="One class session with its seats and waitlist")
    async def session(self, session_id: int, state: State) -> services.SessionRecord:
        return (await services.get_session(session_id, state.clock))

    @post("/", dependencies=STAFF, summary="Schedule a one-off session (books its room)")
    async def create(self, data: SessionIn, staff: StaffPrincipal,
                     state: State) -> services.SessionRecord:
        return (await services.create_session(_new_session(data), staff,
                                                         state.clock))

    @patch("/{session_id:int}", dependencies=STAFF,
           summary="Change title, teacher, capacity (more seats promote the waitlist), window")
    async def update(self, session_id: int, data: SessionPatch, staff: StaffPrincipal,
                     state: State) -> services.SessionRecord:
        changes = set_fields(data)
        for name in ("enrol_opens", "enrol_closes"):
            if name in changes:
                changes[name] = _when(changes[name], name)
        if changes.get("categories") is not None:
            changes["categories"] = tuple(changes["categories"])
        return (await services.update_session(session_id, changes, staff,
                                                         state.clock))

    @post("/{session_id:int}/cancel", dependencies=STAFF, status_code=200,
          summary="Cancel a session: frees its room, tells every enrolled reader")
    async def cancel(self, session_id: int, data: CancelIn, staff: StaffPrincipal,
                     state: State) -> services.SessionRecord:
        return (await services.cancel_session(session_id, staff, state.clock,
                                                         data.reason))

    @post("/{session_id:int}/enrolments", dependencies=READER_SESSION,
          summary="Enrol under your card; a full session puts you on the waitlist "
                  "(201, state waitlisted, notice session-full)")
    async def enrol(self, session_id: int, reader: services.SignedIn, state: State) -> EnrolmentOut:
        return enrolment_out(await services.enrol(reader, session_id, state.clock))

    @get("/{session_id:int}/roster", dependencies=STAFF,
         summary="Attendance: seats, waitlist in order, check-ins and no-shows")
    async def roster(self, session_id: int, staff: StaffPrincipal, state: State) -> RosterOut:
        session, entries = await services.session_roster(session_id, staff, state.clock)
        count = {s: sum(1 for e in entries if e.state == s)
                 for s in ("enrolled", "attended", "no_show", "waitlisted")}
        return RosterOut(session, count["enrolled"], count["attended"],
                         count["no_show"], count["waitlisted"],
                         [RosterEntryOut(**asdict(e)) for e in entries])

    @post("/{session_id:int}/check-in", dependencies=STAFF, status_code=200,
          summary="Card scanned at the classroom door: mark the reader attended")
    async def check_in(self, session_id: int, data: CardIn, staff: StaffPrincipal,
                       state: State) -> EnrolmentOut:
        return enrolment_out(await services.check_in_enrolment_by_card(
            data.card_number, session_id, staff, state.clock))


class SeriesController(Controller):
    path = "/api/class-series"
    tags = ["classes"]
    dependencies = STAFF

    @post("/", summary="Schedule a weekly series; closed days are skipped and reported")
    async def create(self, data: SeriesIn, staff: StaffPrincipal, state: State) -> SeriesOut:
        record = await services.create_series(_new_series(data), staff, state.clock)
        return SeriesOut(record.id, list(record.sessions),
                         [SkippedOut(d, r) for d, r in record.skipped])

    @post("/{series_id:int}/cancel", status_code=200,
          summary="Cancel every session of the series that has not started")
    async def cancel(self, series_id: int, data: CancelIn, staff: StaffPrincipal,
                     state: State) -> dict[str, int]:
        count = await services.cancel_series(series_id, staff, state.clock, data.reason)
        return {"cancelled": count}


class TeacherIn(_In):
    kind: str
    name: str
    org: str
    staff_username: str | None = None
    phone: str = ""
    profile: str = ""
    categories: list[str] = []


class TeacherOut(msgspec.Struct):
    id: int
    kind: str
    name: str
    org: str
    profile: str
    categories: list[str]
    staff_username: str | None
    active: bool


def teacher_out(record: services.TeacherRecord) -> TeacherOut:
    values = asdict(record)
    values["categories"] = list(record.categories)
    return TeacherOut(**values)


class TeacherController(Controller):
    path = "/api/teachers"
    tags = ["classes"]

    @get("/", summary="Teachers (for 点将: ask for a class by a named teacher)")
    async def teachers(self, org: str | None = None,
                       category: str | None = None) -> list[TeacherOut]:
        return [teacher_out(t) for t in await services.list_teachers(org, category)]

    @post("/", dependencies=STAFF, summary="Register a teacher: staff or a volunteer")
    async def create(self, data: TeacherIn, staff: StaffPrincipal, state: State) -> TeacherOut:
        cmd = services.NewTeacher(data.kind, data.name, data.org, data.staff_username,
                                  data.phone, data.profile, tuple(data.categories))
        return teacher_out(await services.create_teacher(cmd, staff, state.clock))


# ------------------------------------------------------------------------------------ demand

class TimePrefIn(_In):
    weekday: int | None = None
    part_of_day: str | None = None


class AskIn(_In):
    org: str
    category: str | None = None
    teacher_id: int | None = None
    text: str = ""
    preferred_times: list[TimePrefIn] = []


class TimePrefOut(msgspec.Struct):
    weekday: int | None
    part_of_day: str | None


def _pref_out(pref: TimePreference) -> TimePrefOut:
    return TimePrefOut(pref.weekday, None if pref.part_of_day is None else pref.part_of_day.value)


class DemandOut(msgspec.Struct, kw_only=True):
    id: int
    org: str
    kind: str
    category: str
    teacher_id: int | None
    text: str
    preferred_times: list[TimePrefOut]
    state: str
    session_id: int | None
    created_at: datetime
    group_key: str
    group_size: int | None = None
    threshold: int | None = None
    task_raised: bool | None = None


def demand_out(record: services.DemandRecord, with_group: bool = False) -> DemandOut:
    return DemandOut(id=record.id, org=record.org, kind=record.kind, category=record.category,
                     teacher_id=record.teacher_id, text=record.text,
                     preferred_times=[_pref_out(p) for p in record.preferred_times],
                     state=record.state, session_id=record.session_id,
                     created_at=record.created_at, group_key=record.group_key,
                     group_size=record.group_size if with_group else None,
                     threshold=record.threshold if with_group else None,
                     task_raised=record.task_raised if with_group else None)


class DemandGroupOut(msgspec.Struct):
    group_key: str
    kind: str
    subject: str
    org: str
    readers: int
    threshold: int
    preferred_times: list[dict[str, Any]]
    task_id: int | None


class ScheduleIn(_In):
    session: SessionIn | None = None
    series: SeriesIn | None = None
    early_days: int = 2


class ScheduleOut(msgspec.Struct):
    task: services.TaskRecord
    session_ids: list[int]
    readers_told: int
    skipped: list[SkippedOut]


class DemandController(Controller):
    path = "/api/demand"
    tags = ["demand"]
    dependencies = STAFF

    @get("/tasks", summary="Tasks in your scope (open by default; state=all for every task)")
    async def tasks(self, staff: StaffPrincipal, state: State,
                    task_state: Annotated[str, Parameter(query="state")] = "open"
                    ) -> list[services.TaskRecord]:
        which = None if task_state == "all" else task_state
        return list(await services.list_tasks(staff, state.clock, which))

    @get("/groups", summary="What readers ask for: open requests by subject and org")
    async def groups(self, staff: StaffPrincipal, state: State) -> list[DemandGroupOut]:
        return [DemandGroupOut(g.group_key, g.kind, g.subject, g.org, g.readers, g.threshold,
                               [{"weekday": p.weekday,
                                 "part_of_day": None if p.part_of_day is None
                                 else p.part_of_day.value, "readers": n}
                                for p, n in g.preferred_times], g.task_id)
                for g in await services.demand_groups(staff, state.clock)]

    @post("/tasks/{task_id:int}/schedule", status_code=200,
          summary="Schedule a session or series for the group: everyone who asked is told "
                  "and may enrol first")
    async def schedule(self, task_id: int, data: ScheduleIn, staff: StaffPrincipal,
                       state: State) -> ScheduleOut:
        result = await services.schedule_from_task(
            task_id, staff, state.clock,
            session=None if data.session is None else _new_session(data.session),
            series=None if data.series is None else _new_series(data.series),
            early_days=data.early_days)
        return ScheduleOut(result.task, list(result.session_ids),
                           result.readers_told,
                           [SkippedOut(date.fromisoformat(d), r) for d, r in result.skipped])

    @post("/tasks/{task_id:int}/dismiss", status_code=200, summary="Close without scheduling")
    async def dismiss(self, task_id: int, data: CancelIn, staff: StaffPrincipal,
                      state: State) -> services.TaskRecord:
        return (await services.dismiss_task(task_id, staff, state.clock, data.reason))


class RoomsPolicyIn(_In):
    demand_threshold: int | UnsetType | None = UNSET
    no_show_max: int | UnsetType | None = UNSET
    no_show_window_days: int | UnsetType | None = UNSET
    suspension_days: int | UnsetType | None = UNSET


class RoomsPolicyController(Controller):
    path = "/api/rooms-policy"
    tags = ["rooms"]
    dependencies = STAFF

    @put("/{org:str}", summary="Demand threshold and no-show rule of a node; null inherits")
    async def set_policy(self, org: str, data: RoomsPolicyIn, staff: StaffPrincipal,
                         state: State) -> dict[str, int | None]:
        return await services.set_rooms_policy(org, set_fields(data), staff, state.clock)


# ------------------------------------------------------------------------ the reader's own

class NotificationOut(msgspec.Struct):
    id: int
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class ReadIn(_In):
    ids: list[int] | None = None


class ReaderRoomsController(Controller):
    """The signed-in reader's bookings, enrolments, requests (点单) and notifications."""

    path = "/api/reader"
    tags = ["reader account"]
    dependencies = READER

    @get("/bookings", summary="My room bookings (upcoming unless include_past)")
    async def bookings(self, reader_id: int, state: State,
                       include_past: bool = False) -> list[services.BookingRecord]:
        return await services.my_bookings(reader_id, state.clock, include_past)

    @post("/bookings/{booking_id:int}/cancel", status_code=200,
          summary="Cancel my booking (until the room's deadline)")
    async def cancel_booking(self, booking_id: int, reader_id: int,
                             state: State) -> services.BookingRecord:
        return (await services.cancel_booking(booking_id, state.clock,
                                                         reader_id=reader_id))

    @get("/enrolments", summary="My class places and waitlist positions")
    async def enrolments(self, reader_id: int, state: State,
                         include_past: bool = False) -> list[EnrolmentOut]:
        return [enrolment_out(e) for e in await services.my_enrolments(reader_id, state.clock,
                                                                       include_past)]

    @post("/enrolments/{enrolment_id:int}/cancel", status_code=200,
          summary="Give up my place (the first on the waitlist gets it) or leave the waitlist")
    async def cancel_enrolment(self, enrolment_id: int, reader_id: int,
                               state: State) -> EnrolmentOut:
        return enrolment_out(await services.cancel_enrolment(enrolment_id, state.clock,
                                                             reader_id=reader_id))

    @get("/requests", summary="My requests for classes (点单/点将)")
    async def requests(self, reader_id: int, state: State) -> list[DemandOut]:
        return [demand_out(r) for r in await services.my_requests(reader_id, state.clock)]

    @post("/requests", summary="Ask for a class in a category, or by a named teacher")
    async def ask(self, data: AskIn, reader_id: int, state: State) -> DemandOut:
        try:
            prefs = tuple(TimePreference(p.weekday, None if p.part_of_day is None
                                         else PartOfDay(p.part_of_day))
                          for p in data.preferred_times)
        except ValueError:
            raise InvalidInput(f"part_of_day must be one of {sorted(_PARTS)}",
                               code="part-invalid") from None
        record = await services.ask_for_class(reader_id, services.AskForClass(
            data.org, data.category, data.teacher_id, data.text, prefs), state.clock)
        return demand_out(record, with_group=True)

    @post("/requests/{request_id:int}/withdraw", status_code=200, summary="Withdraw a request")
    async def withdraw(self, request_id: int, reader_id: int, state: State) -> DemandOut:
        return demand_out(await services.withdraw_request(reader_id, request_id, state.clock))

    @get("/notifications", summary="Messages to me: scheduled requests, seats, cancellations")
    async def notifications(self, reader_id: int, state: State,
                            unread_only: bool = False) -> list[NotificationOut]:
        return [NotificationOut(**asdict(n))
                for n in await services.my_notifications(reader_id, state.clock, unread_only)]

    @post("/notifications/read", status_code=200, summary="Mark messages read (all if no ids)")
    async def read(self, data: ReadIn, reader_id: int, state: State) -> dict[str, int]:
        return {"marked": await services.mark_notifications_read(reader_id, state.clock,
                                                                 data.ids)}


ROOM_CONTROLLERS = [RoomController, BookingController, ClassController, SeriesController,
                    TeacherController, DemandController, RoomsPolicyController,
                    ReaderRoomsController]
