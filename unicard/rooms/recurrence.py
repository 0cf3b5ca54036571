"""Weekly class series expanded into sessions, skipping the days the node is closed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from unicard.network.calendar import Calendar
from unicard.rooms.intervals import MINUTES_PER_DAY, Span, clock_minutes

__all__ = [
    "SeriesError",
    "SeriesPlan",
    "SkipReason",
    "SkippedDate",
    "WeeklySeries",
    "expand_series",
]

# A series that schedules nothing for this long has a calendar that never lets it run.
_MAX_IDLE_DAYS = 400
MAX_SESSIONS = 520


class SeriesError(ValueError):
    """A series that cannot be expanded (bad definition, or the node is never open for it)."""


@dataclass(frozen=True)
class WeeklySeries:
    """Sessions on the given weekdays (0 = Monday) at one time of day, from `first_day`,
    for `count` sessions or until `until` (inclusive) — exactly one of the two."""

    weekdays: frozenset[int]
    start_time: time
    duration_minutes: int
    first_day: date
    count: int | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= frozenset(range(7)):
            raise SeriesError("weekdays must be a non-empty set of 0 (Monday) .. 6 (Sunday)")
        if self.duration_minutes < 1:
            raise SeriesError("duration_minutes must be positive")
        if clock_minutes(self.start_time) + self.duration_minutes > MINUTES_PER_DAY:
            raise SeriesError("a session must end by midnight of the day it starts")
        if (self.count is None) == (self.until is None):
            raise SeriesError("give exactly one of count and until")
        if self.count is not None and not 1 <= self.count <= MAX_SESSIONS:
            raise SeriesError(f"count must be between 1 and {MAX_SESSIONS}")
        if self.until is not None:
            if self.until < self.first_day:
                raise SeriesError("until is before first_day")
            if _in_range(self) > MAX_SESSIONS:
                raise SeriesError(f"a series may have at most {MAX_SESSIONS} sessions")


class SkipReason(StrEnum):
    CLOSED_DAY = "closed-day"
    OUTSIDE_OPENING_HOURS = "outside-opening-hours"


@dataclass(frozen=True)
class SkippedDate:
    day: date
    reason: SkipReason


@dataclass(frozen=True)
class SeriesPlan:
    sessions: tuple[Span, ...]
    skipped: tuple[SkippedDate, ...]


def expand_series(
    series: WeeklySeries,
    calendar: Calendar,
    *,
    keep_count: bool = False,
    tz: tzinfo | None = None,
) -> SeriesPlan:
    """Dates of the series in order; a date on which the node is closed, or whose opening hours
    do not cover the session, is skipped and reported. With `keep_count`, each skipped session
    is made up by extending the series past its end (past `until`, or past the count-th date),
    so the series keeps its number of sessions; make-up dates may be skipped in turn."""
    length = timedelta(minutes=series.duration_minutes)
    occurrences = series.count if series.count is not None else _in_range(series)
    sessions: list[Span] = []
    skipped: list[SkippedDate] = []
    day, idle = series.first_day, 0
    while len(sessions) + (0 if keep_count else len(skipped)) < occurrences:
        if day.weekday() in series.weekdays:
            start = datetime.combine(day, series.start_time, tzinfo=tz)
            if not calendar.is_open_on(day):
                skipped.append(SkippedDate(day, SkipReason.CLOSED_DAY))
            elif not calendar.covers(start, start + length):
                skipped.append(SkippedDate(day, SkipReason.OUTSIDE_OPENING_HOURS))
            else:
                sessions.append(Span(start, start + length))
                idle = -1
        idle += 1
        if idle > _MAX_IDLE_DAYS:
            raise SeriesError(
                f"no session could be scheduled in the {_MAX_IDLE_DAYS} days to {day}"
            )
        day += timedelta(days=1)
    return SeriesPlan(tuple(sessions), tuple(skipped))


def _in_range(series: WeeklySeries) -> int:
    """How many series weekdays fall between first_day and until, inclusive."""
    assert series.until is not None
    days = (series.until - series.first_day).days + 1
    weeks, rest = divmod(days, 7)
    first = series.first_day.weekday()
    tail = sum(1 for i in range(rest) if (first + i) % 7 in series.weekdays)
    return weeks * len(series.weekdays) + tail
