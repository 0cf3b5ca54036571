"""Whether a room can be booked, cancelled or settled: pure guards over a room's configuration.

A booking must lie inside one opening interval of the node's calendar and, where the room has
its own bookable hours, inside one of those too; the two are intersected, never merged, so a
booking cannot straddle a lunch break even when intervals touch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from unicard.network.calendar import Calendar, WeeklyHours
from unicard.rooms.checkin import CheckInWindow, check_in_missed
from unicard.rooms.intervals import (
    MINUTES_PER_DAY,
    Span,
    Timed,
    clock_minutes,
    conflicts,
    day_start,
)
from unicard.rooms.refusals import Refusal, RefusalCode
from unicard.rooms.states import BookingAction, BookingState

__all__ = [
    "BookingCandidate",
    "BookingStanding",
    "RoomConfig",
    "bookable_spans",
    "initial_booking_state",
    "settle_booking",
    "why_cannot_book",
    "why_cannot_cancel",
]


@dataclass(frozen=True)
class RoomConfig:
    """How one room may be booked. Times are minutes; `slot_minutes` must divide a day."""

    capacity: int
    features: frozenset[str] = frozenset()
    # The room's own bookable hours, inside (intersected with) the node's opening hours.
    bookable_hours: WeeklyHours | None = None
    min_minutes: int = 30
    max_minutes: int = 240
    # Readers may book a start date up to this many calendar days after today.
    max_days_ahead: int = 14
    # Bookings start on this grid, counted from midnight.
    slot_minutes: int = 30
    approval_needed: bool = False
    # Readers may cancel until this long before the start.
    cancel_deadline_minutes: int = 60
    check_in: CheckInWindow = field(default_factory=lambda: CheckInWindow(15, 15))

    def __post_init__(self) -> None:
        if self.capacity < 1:
            raise ValueError("room capacity must be at least 1")
        if self.slot_minutes < 1 or MINUTES_PER_DAY % self.slot_minutes:
            raise ValueError("slot_minutes must divide a day (e.g. 15, 30, 60)")
        if not 0 < self.min_minutes <= self.max_minutes:
            raise ValueError("need 0 < min_minutes <= max_minutes")
        if self.max_days_ahead < 0 or self.cancel_deadline_minutes < 0:
            raise ValueError("max_days_ahead and cancel_deadline_minutes must not be negative")


@dataclass(frozen=True)
class BookingCandidate:
    """A booking someone asks for. Staff bookings (for groups) skip the reader-only limits."""

    start: datetime
    end: datetime
    group_size: int = 1
    by_staff: bool = False

    def __post_init__(self) -> None:
        if self.group_size < 1:
            raise ValueError("group_size must be at least 1")


@dataclass(frozen=True)
class BookingStanding:
    """What the rules need to know about the reader who books."""

    suspended_until: datetime | None = None


def bookable_spans(
    room: RoomConfig, calendar: Calendar, day: date, tz: tzinfo | None = None
) -> list[Span]:
    """The day's bookable intervals: node opening intervals intersected with the room's hours."""
    node = [(clock_minutes(a), clock_minutes(b)) for a, b in calendar.intervals_on(day)]
    if room.bookable_hours is None:
        pieces = node
    else:
        own = [
            (clock_minutes(a), clock_minutes(b))
            for a, b in room.bookable_hours.intervals(day.weekday())
        ]
        pieces = [
            (max(a1, a2), min(b1, b2))
            for a1, b1 in node
            for a2, b2 in own
            if max(a1, a2) < min(b1, b2)
        ]
    midnight = day_start(day, tz)
    return sorted(
        Span(midnight + timedelta(minutes=a), midnight + timedelta(minutes=b)) for a, b in pieces
    )


def _iso_span(t: Timed) -> dict[str, object]:
    return {"start": t.start.isoformat(), "end": t.end.isoformat()}


def _closed_reason(room: RoomConfig, calendar: Calendar, day: date) -> str | None:
    if day in calendar.closed:
        return "holiday"
    if not calendar.hours.intervals(day.weekday()):
        return "closed-weekday"
    if room.bookable_hours is not None and not room.bookable_hours.intervals(day.weekday()):
        return "room-not-bookable"
    return None


def why_cannot_book(
    room: RoomConfig,
    calendar: Calendar,
    candidate: BookingCandidate,
    existing: Iterable[Timed],
    now: datetime,
    reader_state: BookingStanding | None = None,
) -> Refusal | None:
    """The first rule the candidate breaks, or None.

    `existing` are the room's bookings that hold their slot (states in SLOT_HOLDING_STATES),
    without the booking being re-checked. Checks run in a fixed order: the reader's standing,
    time (past, too far ahead), length, grid, capacity, calendar, and last other bookings.
    """
    start, end = candidate.start, candidate.end
    when: dict[str, object] = {"start": start.isoformat(), "end": end.isoformat()}
    if end <= start:
        return Refusal(RefusalCode.TOO_SHORT, "A booking must end after it starts.", when)

    if not candidate.by_staff and reader_state is not None:
        until = reader_state.suspended_until
        if until is not None and now < until:
            return Refusal(
                RefusalCode.BOOKING_SUSPENDED,
                f"Booking rights are suspended until {until:%Y-%m-%d %H:%M} after repeated "
                "no-shows.",
                {"suspended_until": until.isoformat()},
            )

    if start < now:
        return Refusal(RefusalCode.IN_THE_PAST, "The booking would start in the past.", when)

    if not candidate.by_staff:
        latest = now.date() + timedelta(days=room.max_days_ahead)
        if start.date() > latest:
            return Refusal(
                RefusalCode.TOO_FAR_AHEAD,
                f"Rooms can be booked at most {room.max_days_ahead} days ahead "
                f"(up to {latest.isoformat()}).",
                {**when, "max_days_ahead": room.max_days_ahead, "latest_day": latest.isoformat()},
            )

    minutes = (end - start).total_seconds() / 60
    if minutes < room.min_minutes:
        return Refusal(
            RefusalCode.TOO_SHORT,
            f"A booking must last at least {room.min_minutes} minutes.",
            {**when, "min_minutes": room.min_minutes},
        )
    if minutes > room.max_minutes:
        return Refusal(
            RefusalCode.TOO_LONG,
            f"A booking may last at most {room.max_minutes} minutes.",
            {**when, "max_minutes": room.max_minutes},
        )

    since_midnight = start - start.replace(hour=0, minute=0, second=0, microsecond=0)
    if since_midnight % timedelta(minutes=room.slot_minutes):
        return Refusal(
            RefusalCode.NOT_ON_SLOT_GRID,
            f"Bookings start on the {room.slot_minutes}-minute grid (e.g. :00, :30).",
            {**when, "slot_minutes": room.slot_minutes},
        )

    if candidate.group_size > room.capacity:
        return Refusal(
            RefusalCode.OVER_CAPACITY,
            f"The room holds {room.capacity} people; the group has {candidate.group_size}.",
            {"capacity": room.capacity, "group_size": candidate.group_size},
        )

    day = start.date()
    reason = _closed_reason(room, calendar, day)
    if reason is not None:
        return Refusal(
            RefusalCode.CLOSED_DAY,
            f"The room cannot be booked on {day.isoformat()} ({reason.replace('-', ' ')}).",
            {"day": day.isoformat(), "reason": reason},
        )

    spans = bookable_spans(room, calendar, day, start.tzinfo)
    if not any(s.contains(candidate) for s in spans):
        return Refusal(
            RefusalCode.OUTSIDE_OPENING_HOURS,
            "The booking must lie inside one of the room's bookable periods that day.",
            {**when, "bookable": [_iso_span(s) for s in spans]},
        )

    taken = conflicts(candidate, existing)
    if taken:
        return Refusal(
            RefusalCode.SLOT_TAKEN,
            "The room is already booked for part of that time.",
            {**when, "conflicts": [_iso_span(t) for t in taken]},
        )
    return None


def initial_booking_state(room: RoomConfig, by_staff: bool = False) -> BookingState:
    """Reader bookings of rooms that need approval wait for staff; everything else is confirmed."""
    if room.approval_needed and not by_staff:
        return BookingState.PENDING_APPROVAL
    return BookingState.CONFIRMED


def why_cannot_cancel(
    room: RoomConfig, start: datetime, now: datetime, *, by_staff: bool = False
) -> Refusal | None:
    """Readers may cancel until `cancel_deadline_minutes` before the start; staff at any time."""
    if by_staff:
        return None
    deadline = start - timedelta(minutes=room.cancel_deadline_minutes)
    if now > deadline:
        return Refusal(
            RefusalCode.CANCEL_DEADLINE_PASSED,
            f"Bookings can be cancelled until {deadline:%Y-%m-%d %H:%M}.",
            {"deadline": deadline.isoformat(), "start": start.isoformat()},
        )
    return None


def settle_booking(
    state: BookingState, start: datetime, end: datetime, room: RoomConfig, now: datetime
) -> BookingAction | None:
    """What the clock does to a booking: unapproved at the start → reject; not checked in by
    start + grace → no-show; checked in and over → complete. None when nothing is due."""
    if state is BookingState.PENDING_APPROVAL and now >= start:
        return BookingAction.REJECT
    if state is BookingState.CONFIRMED and check_in_missed(start, room.check_in, now):
        return BookingAction.MARK_NO_SHOW
    if state is BookingState.CHECKED_IN and now >= end:
        return BookingAction.COMPLETE
    return None
