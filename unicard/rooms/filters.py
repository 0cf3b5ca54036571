"""Filters for "what's on": category, level, day of week, part of day, date range, room needs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from typing import Protocol, TypeVar

from unicard.rooms.booking_rules import RoomConfig

__all__ = [
    "PartOfDay",
    "RoomFilter",
    "SessionFilter",
    "SessionLike",
    "filter_sessions",
    "part_of_day",
]


class PartOfDay(StrEnum):
    """上午 before 12:00, 下午 12:00-18:00, 晚上 from 18:00."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


_NOON, _SIX_PM = time(12), time(18)


def part_of_day(t: time) -> PartOfDay:
    if t < _NOON:
        return PartOfDay.MORNING
    if t < _SIX_PM:
        return PartOfDay.AFTERNOON
    return PartOfDay.EVENING


class SessionLike(Protocol):
    @property
    def category(self) -> str: ...

    @property
    def level(self) -> str: ...

    @property
    def start(self) -> datetime: ...


@dataclass(frozen=True)
class SessionFilter:
    """Each field narrows the list; None leaves it open. Weekdays are 0 (Monday) .. 6.
    The part of day is judged by the start time; the range is [starts_from, starts_before)."""

    categories: frozenset[str] | None = None
    levels: frozenset[str] | None = None
    weekdays: frozenset[int] | None = None
    parts_of_day: frozenset[PartOfDay] | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None

    def matches(self, session: SessionLike) -> bool:
        start = session.start
        return (
            (self.categories is None or session.category in self.categories)
            and (self.levels is None or session.level in self.levels)
            and (self.weekdays is None or start.weekday() in self.weekdays)
            and (self.parts_of_day is None or part_of_day(start.time()) in self.parts_of_day)
            and (self.starts_from is None or start >= self.starts_from)
            and (self.starts_before is None or start < self.starts_before)
        )


S = TypeVar("S", bound=SessionLike)


def filter_sessions(sessions: Iterable[S], flt: SessionFilter) -> list[S]:
    return [s for s in sessions if flt.matches(s)]


@dataclass(frozen=True)
class RoomFilter:
    """A room fits when it seats the group and has every feature asked for."""

    min_capacity: int = 1
    features: frozenset[str] = frozenset()

    def matches(self, room: RoomConfig) -> bool:
        return room.capacity >= self.min_capacity and self.features <= room.features
