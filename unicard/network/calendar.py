"""Opening hours and closed days of a service point, and the date arithmetic built on them.

Pure: no clock reads, no I/O. Due dates, fines, hold-shelf expiry and room bookings all ask
the same questions ("is the branch open that day?", "next open day?"), so they live here once.

Stored shape (JSON in the org table, validated by `parse_weekly_hours` / `parse_closed_days`):
    hours:  {"mon": ["09:00-17:00"], "tue": ["09:00-12:00", "14:00-20:30"], ..., "sun": []}
            a missing day means closed; "00:00-24:00" means open all day.
    closed: ["2026-10-01..2026-10-07", "2026-01-01"]  single days or inclusive ranges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

__all__ = [
    "DAY_KEYS",
    "Calendar",
    "CalendarError",
    "NeverOpen",
    "WeeklyHours",
    "parse_closed_days",
    "parse_weekly_hours",
]

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Searching further than this for an open day means the calendar is misconfigured.
_SEARCH_LIMIT_DAYS = 400


class CalendarError(ValueError):
    """Hours or closed days that cannot be understood; `where` names the offending entry."""

    def __init__(self, message: str, where: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where


class NeverOpen(CalendarError):
    """No open day within a year: due dates and expiries cannot be computed."""


Interval = tuple[time, time]


@dataclass(frozen=True)
class WeeklyHours:
    """Opening intervals per weekday, Monday first; an empty tuple is a closed day."""

    days: tuple[tuple[Interval, ...], ...]

    def intervals(self, weekday: int) -> tuple[Interval, ...]:
        return self.days[weekday]

    def to_json(self) -> dict[str, list[str]]:
        return {
            key: [f"{_fmt(a)}-{_fmt(b)}" for a, b in self.days[i]]
            for i, key in enumerate(DAY_KEYS)
        }

    def weekly_minutes(self) -> int:
        return sum(_minutes(b) - _minutes(a) for day in self.days for a, b in day)


# time cannot hold 24:00, so "open until midnight" is stored as time.max.
_END_OF_DAY = time.max


def _fmt(t: time) -> str:
    return "24:00" if t == _END_OF_DAY else t.strftime("%H:%M")


def _minutes(t: time) -> int:
    return 24 * 60 if t == _END_OF_DAY else t.hour * 60 + t.minute


def _parse_clock(text: str, where: str) -> time:
    if text == "24:00":
        return _END_OF_DAY
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise CalendarError(f"'{text}' is not a clock time HH:MM", where) from None


def parse_weekly_hours(raw: Mapping[str, Iterable[str]]) -> WeeklyHours:
    """Validate the stored JSON form; intervals must be ordered and must not overlap."""
    unknown = set(raw) - set(DAY_KEYS)
    if unknown:
        raise CalendarError(f"unknown day keys {sorted(unknown)}; use {DAY_KEYS}", "hours")
    days: list[tuple[Interval, ...]] = []
    for key in DAY_KEYS:
        parsed: list[Interval] = []
        for span in raw.get(key, []):
            where = f"hours.{key} '{span}'"
            if span.count("-") != 1:
                raise CalendarError("expected 'HH:MM-HH:MM'", where)
            start_text, end_text = span.split("-")
            start, end = _parse_clock(start_text, where), _parse_clock(end_text, where)
            if _minutes(end) <= _minutes(start):
                raise CalendarError("closing time must be after opening time", where)
            if parsed and _minutes(start) < _minutes(parsed[-1][1]):
                raise CalendarError("intervals must be in order and must not overlap", where)
            parsed.append((start, end))
        days.append(tuple(parsed))
    return WeeklyHours(tuple(days))


def parse_closed_days(raw: Iterable[str]) -> frozenset[date]:
    """Expand single dates and inclusive 'A..B' ranges into a set of dates."""
    closed: set[date] = set()
    for entry in raw:
        where = f"closed '{entry}'"
        try:
            if ".." in entry:
                first_text, last_text = entry.split("..")
                first, last = date.fromisoformat(first_text), date.fromisoformat(last_text)
            else:
                first = last = date.fromisoformat(entry)
        except ValueError:
            raise CalendarError("expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD", where) from None
        if last < first:
            raise CalendarError("range ends before it starts", where)
        if (last - first).days > 366:
            raise CalendarError("a closed range may span at most a year", where)
        day = first
        while day <= last:
            closed.add(day)
            day += timedelta(days=1)
    return frozenset(closed)


@dataclass(frozen=True)
class Calendar:
    """When one service point is open: weekly hours minus closed days."""

    hours: WeeklyHours
    closed: frozenset[date] = field(default_factory=frozenset)

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        if day in self.closed:
            return ()
        return self.hours.intervals(day.weekday())

    def is_open_on(self, day: date) -> bool:
        return bool(self.intervals_on(day))

    def is_open_at(self, moment: datetime) -> bool:
        clock = moment.time()
        return any(a <= clock < b for a, b in self.intervals_on(moment.date()))

    def closing_time(self, day: date) -> time | None:
        intervals = self.intervals_on(day)
        return intervals[-1][1] if intervals else None

    def next_open_day(self, day: date) -> date:
        """`day` itself if open, else the first open day after it (due dates move forward)."""
        for offset in range(_SEARCH_LIMIT_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_open_on(candidate):
                return candidate
        raise NeverOpen(f"no open day within {_SEARCH_LIMIT_DAYS} days of {day}", "hours")

    def add_open_days(self, day: date, count: int) -> date:
        """The date `count` open days after `day` (hold shelf expiry counts open days only)."""
        current, remaining = day, count
        for _ in range(count * 7 + _SEARCH_LIMIT_DAYS):
            if remaining <= 0:
                return current
            current += timedelta(days=1)
            if self.is_open_on(current):
                remaining -= 1
        if remaining <= 0:
            return current
        raise NeverOpen(f"fewer than {count} open days after {day}", "hours")

    def open_days_between(self, start: date, end: date) -> int:
        """Open days in the half-open span (start, end]: the days an overdue fine may count."""
        count, day = 0, start + timedelta(days=1)
        while day <= end:
            if self.is_open_on(day):
                count += 1
            day += timedelta(days=1)
        return count

    def covers(self, start: datetime, end: datetime) -> bool:
        """Whether [start, end) lies inside one opening interval of a single day."""
        day = start.date()
        ends_at_midnight = end.date() == day + timedelta(days=1) and end.time() == time(0)
        if end <= start or (end.date() != day and not ends_at_midnight):
            return False
        end_clock = _END_OF_DAY if ends_at_midnight else end.time()
        return any(
            a <= start.time() and _minutes(end_clock) <= _minutes(b)
            for a, b in self.intervals_on(day)
        )
