"""Booking a room: every refusal code at its boundary, the order of checks, the calendar."""

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unicard.network.calendar import Calendar, parse_closed_days, parse_weekly_hours
from unicard.rooms.booking_rules import (
    BookingCandidate,
    BookingStanding,
    RoomConfig,
    bookable_spans,
    initial_booking_state,
    settle_booking,
    why_cannot_book,
    why_cannot_cancel,
)
from unicard.rooms.checkin import CheckInWindow
from unicard.rooms.intervals import Span
from unicard.rooms.refusals import Refusal, RefusalCode
from unicard.rooms.states import BookingAction, BookingState

WEEKDAY = ["09:00-12:00", "14:00-20:30"]
HOURS = parse_weekly_hours(
    {"mon": WEEKDAY, "tue": WEEKDAY, "wed": WEEKDAY, "thu": WEEKDAY, "fri": WEEKDAY,
     "sat": ["09:00-17:00"]}
)  # fmt: skip
# 2026-06-01 is a Monday; Wednesday 06-03 is a holiday; Sundays are closed.
CALENDAR = Calendar(HOURS, parse_closed_days(["2026-06-03"]))
ROOM = RoomConfig(capacity=20)
# A calligraphy room bookable only 10-12 and 14-18 on weekdays, never on Saturday.
NARROW_ROOM = RoomConfig(
    capacity=12,
    bookable_hours=parse_weekly_hours(
        {d: ["10:00-12:00", "14:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    ),
)
NOW = datetime(2026, 6, 1, 8, 0)


def at(day: int, clock: str, month: int = 6) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime(2026, month, day) + timedelta(hours=hour, minutes=minute)


def ask(day: int, start: str, end: str, *, group: int = 1, staff: bool = False) -> BookingCandidate:
    return BookingCandidate(at(day, start), at(day, end), group_size=group, by_staff=staff)


def code(refusal: Refusal | None) -> RefusalCode | None:
    return None if refusal is None else refusal.code


def book(
    candidate: BookingCandidate,
    *,
    room: RoomConfig = ROOM,
    calendar: Calendar = CALENDAR,
    existing: list[Span] | None = None,
    now: datetime = NOW,
    standing: BookingStanding | None = None,
) -> RefusalCode | None:
    return code(why_cannot_book(room, calendar, candidate, existing or [], now, standing))


def test_a_plain_booking_is_accepted() -> None:
    assert book(ask(2, "09:00", "10:00")) is None


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        (ask(2, "09:00", "09:30"), None),  # exactly the minimum
        (ask(2, "09:00", "09:29"), RefusalCode.TOO_SHORT),
        (ask(2, "14:00", "18:00"), None),  # exactly the maximum
        (ask(2, "14:00", "18:30"), RefusalCode.TOO_LONG),
        (ask(2, "09:15", "10:15"), RefusalCode.NOT_ON_SLOT_GRID),
        (ask(2, "09:30", "10:15"), None),  # only the start must be on the grid
        (BookingCandidate(at(2, "09:00") + timedelta(seconds=1), at(2, "10:00")),
         RefusalCode.NOT_ON_SLOT_GRID),
        (ask(2, "10:00", "09:00"), RefusalCode.TOO_SHORT),  # backwards
    ],
)  # fmt: skip
def test_length_and_grid(candidate: BookingCandidate, expected: RefusalCode | None) -> None:
    assert book(candidate) == expected


def test_too_short_says_the_minimum() -> None:
    refusal = why_cannot_book(ROOM, CALENDAR, ask(2, "09:00", "09:15"), [], NOW)
    assert refusal is not None
    assert refusal.context["min_minutes"] == 30
    assert "30 minutes" in refusal.message


@pytest.mark.parametrize(
    ("group", "expected"), [(1, None), (20, None), (21, RefusalCode.OVER_CAPACITY)]
)
def test_group_must_fit_the_room(group: int, expected: RefusalCode | None) -> None:
    assert book(ask(2, "09:00", "10:00", group=group)) == expected


def test_group_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="group_size"):
        ask(2, "09:00", "10:00", group=0)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(2, "09:00"), None),  # starting right now is fine
        (at(2, "09:00") + timedelta(seconds=1), RefusalCode.IN_THE_PAST),
        (at(2, "09:30"), RefusalCode.IN_THE_PAST),  # already under way
    ],
)
def test_no_booking_in_the_past(now: datetime, expected: RefusalCode | None) -> None:
    assert book(ask(2, "09:00", "10:00"), now=now) == expected


@pytest.mark.parametrize(
    ("day", "staff", "expected"),
    [
        (15, False, None),  # 14 days after Monday 1 June, any time that day
        (16, False, RefusalCode.TOO_FAR_AHEAD),
        (16, True, None),  # staff book groups further ahead
    ],
)
def test_how_far_ahead(day: int, staff: bool, expected: RefusalCode | None) -> None:
    assert book(ask(day, "19:00", "20:00", staff=staff), now=at(1, "23:59")) == expected


def test_too_far_ahead_names_the_last_day() -> None:
    refusal = why_cannot_book(ROOM, CALENDAR, ask(16, "09:00", "10:00"), [], NOW)
    assert refusal is not None and refusal.context["latest_day"] == "2026-06-15"


@pytest.mark.parametrize(
    ("candidate", "room", "reason"),
    [
        (ask(3, "09:00", "10:00"), ROOM, "holiday"),
        (ask(7, "09:00", "10:00"), ROOM, "closed-weekday"),  # Sunday
        (ask(6, "10:00", "11:00"), NARROW_ROOM, "room-not-bookable"),  # hall open, room not
    ],
)
def test_closed_days(candidate: BookingCandidate, room: RoomConfig, reason: str) -> None:
    refusal = why_cannot_book(room, CALENDAR, candidate, [], NOW)
    assert refusal is not None and refusal.code is RefusalCode.CLOSED_DAY
    assert refusal.context["reason"] == reason


def test_saturday_is_open_for_a_room_without_its_own_hours() -> None:
    assert book(ask(6, "10:00", "11:00")) is None


@pytest.mark.parametrize(
    ("candidate", "room", "expected"),
    [
        (ask(2, "08:30", "09:30"), ROOM, RefusalCode.OUTSIDE_OPENING_HOURS),  # before opening
        (ask(2, "11:30", "12:30"), ROOM, RefusalCode.OUTSIDE_OPENING_HOURS),  # into lunch
        (ask(2, "11:00", "12:00"), ROOM, None),  # up to the break
        (ask(2, "20:00", "20:30"), ROOM, None),  # up to closing
        (ask(2, "20:00", "21:00"), ROOM, RefusalCode.OUTSIDE_OPENING_HOURS),
        (ask(2, "09:00", "10:00"), NARROW_ROOM, RefusalCode.OUTSIDE_OPENING_HOURS),
        (ask(2, "10:00", "11:00"), NARROW_ROOM, None),
        (ask(2, "18:00", "19:00"), NARROW_ROOM, RefusalCode.OUTSIDE_OPENING_HOURS),  # hall open
        (ask(2, "17:00", "18:00"), NARROW_ROOM, None),
        (ask(2, "11:00", "14:30"), NARROW_ROOM, RefusalCode.OUTSIDE_OPENING_HOURS),
    ],
)
def test_opening_hours(
    candidate: BookingCandidate, room: RoomConfig, expected: RefusalCode | None
) -> None:
    assert book(candidate, room=room) == expected


def test_a_booking_cannot_span_two_touching_intervals() -> None:
    split = Calendar(parse_weekly_hours({"tue": ["09:00-12:00", "12:00-17:00"]}))
    assert book(ask(2, "11:00", "12:00"), calendar=split) is None
    assert book(ask(2, "11:30", "12:30"), calendar=split) is RefusalCode.OUTSIDE_OPENING_HOURS


def test_open_all_day_allows_a_booking_until_midnight() -> None:
    always = Calendar(parse_weekly_hours({"tue": ["00:00-24:00"], "wed": ["00:00-24:00"]}))
    assert book(ask(2, "23:00", "23:59"), calendar=always) is None
    until_midnight = BookingCandidate(at(2, "23:00"), at(3, "00:00"))
    assert book(until_midnight, calendar=always) is None
    across = BookingCandidate(at(2, "23:30"), at(3, "00:30"))
    assert book(across, calendar=always) is RefusalCode.OUTSIDE_OPENING_HOURS


def test_outside_hours_lists_the_bookable_periods() -> None:
    refusal = why_cannot_book(NARROW_ROOM, CALENDAR, ask(2, "09:00", "10:00"), [], NOW)
    assert refusal is not None
    assert refusal.context["bookable"] == [
        {"start": "2026-06-02T10:00:00", "end": "2026-06-02T12:00:00"},
        {"start": "2026-06-02T14:00:00", "end": "2026-06-02T18:00:00"},
    ]


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        (ask(2, "10:30", "11:30"), RefusalCode.SLOT_TAKEN),
        (ask(2, "09:00", "12:00"), RefusalCode.SLOT_TAKEN),  # around it
        (ask(2, "09:00", "10:00"), None),  # ends as it starts
        (ask(2, "11:00", "12:00"), None),  # starts as it ends
    ],
)
def test_slot_taken(candidate: BookingCandidate, expected: RefusalCode | None) -> None:
    assert book(candidate, existing=[Span(at(2, "10:00"), at(2, "11:00"))]) == expected


def test_slot_taken_names_the_conflicts() -> None:
    existing = [Span(at(2, "10:30"), at(2, "11:00")), Span(at(2, "09:00"), at(2, "09:30"))]
    refusal = why_cannot_book(ROOM, CALENDAR, ask(2, "09:00", "11:00"), existing, NOW)
    assert refusal is not None and refusal.code is RefusalCode.SLOT_TAKEN
    assert refusal.context["conflicts"] == [
        {"start": "2026-06-02T09:00:00", "end": "2026-06-02T09:30:00"},
        {"start": "2026-06-02T10:30:00", "end": "2026-06-02T11:00:00"},
    ]


@pytest.mark.parametrize(
    ("standing", "staff", "expected"),
    [
        (None, False, None),
        (BookingStanding(), False, None),
        (BookingStanding(suspended_until=at(10, "00:00")), False, RefusalCode.BOOKING_SUSPENDED),
        (BookingStanding(suspended_until=NOW), False, None),  # ends as we speak
        (BookingStanding(suspended_until=at(10, "00:00")), True, None),  # staff booking
    ],
)
def test_suspended_readers_cannot_book(
    standing: BookingStanding | None, staff: bool, expected: RefusalCode | None
) -> None:
    assert book(ask(2, "09:00", "10:00", staff=staff), standing=standing) == expected


def test_staff_bookings_still_obey_the_room() -> None:
    assert book(ask(2, "09:00", "09:15", staff=True)) is RefusalCode.TOO_SHORT
    assert book(ask(2, "11:30", "12:30", staff=True)) is RefusalCode.OUTSIDE_OPENING_HOURS
    assert book(ask(2, "09:00", "10:00", group=30, staff=True)) is RefusalCode.OVER_CAPACITY
    taken = [Span(at(2, "09:00"), at(2, "10:00"))]
    assert book(ask(2, "09:00", "10:00", staff=True), existing=taken) is RefusalCode.SLOT_TAKEN


def test_suspension_is_checked_first() -> None:
    standing = BookingStanding(suspended_until=at(30, "00:00"))
    everything_wrong = BookingCandidate(at(1, "07:15"), at(1, "07:20"), group_size=99)
    assert book(everything_wrong, standing=standing) is RefusalCode.BOOKING_SUSPENDED


def test_checks_run_in_a_fixed_order() -> None:
    taken = [Span(at(3, "00:00"), at(3, "23:59"))]
    # A candidate that breaks every rule; fixing one at a time reveals the next.
    steps = [
        (BookingCandidate(at(1, "07:15"), at(1, "07:20"), group_size=99), RefusalCode.IN_THE_PAST),
        (BookingCandidate(at(30, "07:15"), at(30, "07:20"), group_size=99),
         RefusalCode.TOO_FAR_AHEAD),
        (BookingCandidate(at(3, "07:15"), at(3, "07:20"), group_size=99), RefusalCode.TOO_SHORT),
        (BookingCandidate(at(3, "07:15"), at(3, "08:15"), group_size=99),
         RefusalCode.NOT_ON_SLOT_GRID),
        (BookingCandidate(at(3, "07:00"), at(3, "08:00"), group_size=99),
         RefusalCode.OVER_CAPACITY),
        (BookingCandidate(at(3, "07:00"), at(3, "08:00")), RefusalCode.CLOSED_DAY),
    ]  # fmt: skip
    for candidate, expected in steps:
        assert book(candidate, existing=taken) == expected
    thursday = [Span(at(4, "00:00"), at(4, "23:59"))]
    assert book(ask(4, "07:00", "08:00"), existing=thursday) is RefusalCode.OUTSIDE_OPENING_HOURS
    assert book(ask(4, "09:00", "10:00"), existing=thursday) is RefusalCode.SLOT_TAKEN


def test_aware_datetimes_work_too() -> None:
    beijing = timezone(timedelta(hours=8))
    start = datetime(2026, 6, 2, 9, 0, tzinfo=beijing)
    candidate = BookingCandidate(start, start + timedelta(hours=1))
    now = NOW.replace(tzinfo=beijing)
    assert why_cannot_book(ROOM, CALENDAR, candidate, [], now) is None
    taken = [Span(start, start + timedelta(minutes=30))]
    refusal = why_cannot_book(ROOM, CALENDAR, candidate, taken, now)
    assert code(refusal) is RefusalCode.SLOT_TAKEN


def test_bookable_spans_intersect_node_and_room_hours() -> None:
    assert bookable_spans(ROOM, CALENDAR, at(2, "00:00").date()) == [
        Span(at(2, "09:00"), at(2, "12:00")),
        Span(at(2, "14:00"), at(2, "20:30")),
    ]
    assert bookable_spans(NARROW_ROOM, CALENDAR, at(2, "00:00").date()) == [
        Span(at(2, "10:00"), at(2, "12:00")),
        Span(at(2, "14:00"), at(2, "18:00")),
    ]
    assert bookable_spans(ROOM, CALENDAR, at(3, "00:00").date()) == []  # holiday
    assert bookable_spans(NARROW_ROOM, CALENDAR, at(6, "00:00").date()) == []


@given(st.integers(0, 47), st.integers(1, 30), st.sampled_from([ROOM, NARROW_ROOM]))
def test_hours_check_agrees_with_both_calendars(slot: int, slots: int, room: RoomConfig) -> None:
    start = at(2, "00:00") + timedelta(minutes=30 * slot)
    end = start + timedelta(minutes=30 * slots)
    inside = any(s.contains(Span(start, end)) for s in bookable_spans(room, CALENDAR, start.date()))
    expected = CALENDAR.covers(start, end)
    if room.bookable_hours is not None:
        expected = expected and Calendar(room.bookable_hours).covers(start, end)
    assert inside == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        {"capacity": 0},
        {"capacity": 5, "slot_minutes": 7},  # does not divide a day
        {"capacity": 5, "slot_minutes": 0},
        {"capacity": 5, "min_minutes": 60, "max_minutes": 30},
        {"capacity": 5, "min_minutes": 0},
        {"capacity": 5, "max_days_ahead": -1},
        {"capacity": 5, "cancel_deadline_minutes": -1},
    ],
)
def test_nonsense_room_configurations_are_rejected(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        RoomConfig(**kwargs)  # type: ignore[arg-type]


def test_approval_rooms_start_pending_for_readers_only() -> None:
    approved = RoomConfig(capacity=100, approval_needed=True)
    assert initial_booking_state(approved) is BookingState.PENDING_APPROVAL
    assert initial_booking_state(approved, by_staff=True) is BookingState.CONFIRMED
    assert initial_booking_state(ROOM) is BookingState.CONFIRMED


@pytest.mark.parametrize(
    ("now", "staff", "expected"),
    [
        (at(2, "08:59"), False, None),
        (at(2, "09:00"), False, None),  # exactly at the deadline
        (at(2, "09:00") + timedelta(seconds=1), False, RefusalCode.CANCEL_DEADLINE_PASSED),
        (at(2, "10:30"), False, RefusalCode.CANCEL_DEADLINE_PASSED),
        (at(2, "09:30"), True, None),  # staff may always cancel
    ],
)
def test_cancel_deadline(now: datetime, staff: bool, expected: RefusalCode | None) -> None:
    refusal = why_cannot_cancel(ROOM, at(2, "10:00"), now, by_staff=staff)
    assert code(refusal) == expected
    if refusal is not None:
        assert refusal.context["deadline"] == "2026-06-02T09:00:00"


START, END = at(2, "10:00"), at(2, "11:00")


@pytest.mark.parametrize(
    ("state", "now", "expected"),
    [
        (BookingState.PENDING_APPROVAL, at(2, "09:59"), None),
        (BookingState.PENDING_APPROVAL, START, BookingAction.REJECT),  # never approved
        (BookingState.CONFIRMED, at(2, "10:14"), None),  # still in the grace period
        (BookingState.CONFIRMED, at(2, "10:15"), BookingAction.MARK_NO_SHOW),
        (BookingState.CHECKED_IN, at(2, "10:59"), None),
        (BookingState.CHECKED_IN, END, BookingAction.COMPLETE),
        (BookingState.CANCELLED, at(3, "00:00"), None),
        (BookingState.NO_SHOW, at(3, "00:00"), None),
    ],
)
def test_settle_booking(state: BookingState, now: datetime, expected: BookingAction | None) -> None:
    assert settle_booking(state, START, END, ROOM, now) == expected


def test_grace_comes_from_the_room() -> None:
    lenient = RoomConfig(capacity=5, check_in=CheckInWindow(0, 30))
    assert settle_booking(BookingState.CONFIRMED, START, END, lenient, at(2, "10:15")) is None
