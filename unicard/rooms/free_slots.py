"""Free time in a room on a day: for "free rooms this week" and for picking a start time.

Consistent with `why_cannot_book` by construction (same bookable spans, grid and limits): every
start time listed here is accepted there, and every accepted start is listed (group size aside).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo

from unicard.network.calendar import Calendar
from unicard.rooms.booking_rules import RoomConfig, bookable_spans
from unicard.rooms.intervals import Span, Timed, subtract

__all__ = ["free_windows", "start_times"]


def _ceil_to_grid(moment: datetime, slot_minutes: int) -> datetime:
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    step = timedelta(minutes=slot_minutes)
    remainder = (moment - midnight) % step
    return moment + (step - remainder) if remainder else moment


def free_windows(
    room: RoomConfig,
    calendar: Calendar,
    day: date,
    existing: Iterable[Timed],
    *,
    now: datetime | None = None,
    by_staff: bool = False,
    tz: tzinfo | None = None,
) -> list[Span]:
    """Maximal free periods of the day, each starting on the slot grid and long enough for the
    shortest booking. With `now`, periods start no earlier than now, and (for readers) days
    beyond the booking horizon have none."""
    horizon = None if now is None or by_staff else now.date() + timedelta(days=room.max_days_ahead)
    if horizon is not None and day > horizon:
        return []
    busy = list(existing)
    shortest = timedelta(minutes=room.min_minutes)
    windows: list[Span] = []
    for span in bookable_spans(room, calendar, day, tz):
        for gap in subtract(span, busy):
            earliest = gap.start if now is None else max(gap.start, now)
            start = _ceil_to_grid(earliest, room.slot_minutes)
            if gap.end - start >= shortest:
                windows.append(Span(start, gap.end))
    return windows


def start_times(
    room: RoomConfig,
    calendar: Calendar,
    day: date,
    existing: Iterable[Timed],
    minutes: int,
    *,
    now: datetime | None = None,
    by_staff: bool = False,
    tz: tzinfo | None = None,
) -> list[datetime]:
    """Every grid start at which a booking of `minutes` would be accepted on `day`."""
    if not room.min_minutes <= minutes <= room.max_minutes:
        return []
    length, step = timedelta(minutes=minutes), timedelta(minutes=room.slot_minutes)
    starts: list[datetime] = []
    for window in free_windows(room, calendar, day, existing, now=now, by_staff=by_staff, tz=tz):
        start = window.start
        while start + length <= window.end:
            starts.append(start)
            start += step
    return starts
