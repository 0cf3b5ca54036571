"""Half-open time ranges [start, end): overlap, conflicts, and the free gaps between bookings.

Half-open means a booking ending at 10:00 and one starting at 10:00 do not overlap, so
back-to-back bookings are allowed. All datetimes compared together must be of one kind
(all naive local wall-clock time of the org, or all aware).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Protocol, TypeVar

__all__ = [
    "MINUTES_PER_DAY",
    "Span",
    "Timed",
    "clock_minutes",
    "conflicts",
    "day_start",
    "overlaps",
    "subtract",
]

MINUTES_PER_DAY = 24 * 60


class Timed(Protocol):
    """Anything with a half-open time range: a Span, a booking row, a session row."""

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...


@dataclass(frozen=True, order=True)
class Span:
    """A non-empty half-open range [start, end)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"a span must end after it starts: {self.start} .. {self.end}")

    @classmethod
    def of(cls, start: datetime, minutes: int) -> Span:
        return cls(start, start + timedelta(minutes=minutes))

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60

    def contains(self, other: Timed) -> bool:
        return self.start <= other.start and other.end <= self.end


def overlaps(a: Timed, b: Timed) -> bool:
    """Two half-open ranges overlap when each starts before the other ends."""
    return a.start < b.end and b.start < a.end


T = TypeVar("T", bound=Timed)


def conflicts(candidate: Timed, existing: Iterable[T]) -> list[T]:
    """The existing ranges that overlap the candidate, earliest first."""
    return sorted((e for e in existing if overlaps(candidate, e)), key=lambda e: (e.start, e.end))


def subtract(window: Span, busy: Iterable[Timed]) -> list[Span]:
    """The parts of `window` not covered by any busy range, in order."""
    free: list[Span] = []
    cursor = window.start
    for b in sorted((b for b in busy if overlaps(window, b)), key=lambda b: b.start):
        if b.start > cursor:
            free.append(Span(cursor, b.start))
        cursor = max(cursor, b.end)
    if cursor < window.end:
        free.append(Span(cursor, window.end))
    return free


def clock_minutes(t: time) -> int:
    """Minutes after midnight; `time.max` stands for 24:00, as in the network calendar."""
    return MINUTES_PER_DAY if t == time.max else t.hour * 60 + t.minute


def day_start(day: date, tz: tzinfo | None = None) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)
