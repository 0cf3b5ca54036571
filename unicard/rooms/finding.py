"""Finding things: this week's class sessions across the network and free rooms, filtered by
category, level, day and time, and "near me" by distance from a point to the org nodes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from unicard.clock import Clock
from unicard.db import read_transaction
from unicard.errors import InvalidInput
from unicard.network.services import load_tree, require_org
from unicard.network.tree import NetworkTree
from unicard.rooms.class_services import SESSION_SELECT, SessionRecord, session_record
from unicard.rooms.filters import PartOfDay, RoomFilter, SessionFilter, filter_sessions
from unicard.rooms.free_slots import free_windows
from unicard.rooms.geo import GeoPoint, by_distance
from unicard.rooms.intervals import Span
from unicard.rooms.room_services import _ROOM_SELECT, HOLDING_SQL, RoomRecord, _room_record
from unicard.rooms.sql import fetch, utc
from unicard.rooms.support import local, network_tz, room_config

__all__ = ["FreeRoom", "RoomQuery", "SessionQuery", "free_rooms", "whats_on"]

MAX_DAYS = 31
_ROW_LIMIT = 5000


@dataclass(frozen=True)
class SessionQuery:
    """Sessions starting in [starts_from, starts_from + days); by default from now, a week."""

    starts_from: datetime | None = None
    days: int = 7
    categories: frozenset[str] | None = None
    levels: frozenset[str] | None = None
    weekdays: frozenset[int] | None = None
    parts_of_day: frozenset[PartOfDay] | None = None
    org: str | None = None
    near: GeoPoint | None = None
    within_km: float | None = None
    with_seats: bool = False
    limit: int = 200


def _subtree_clause(tree: NetworkTree, org: str | None, args: list[Any], alias: str) -> str:
    if org is None:
        return ""
    require_org(tree, org)
    args.append(tree.materialised_path(org))
    n = len(args)
    return f" AND substr({alias}.path, 1, length(${n})) = ${n}"


T = TypeVar("T")


def _near(items: list[T], query_near: GeoPoint | None, within_km: float | None,
          where: Callable[[T], GeoPoint | None]) -> list[tuple[T, float | None]]:
    if query_near is None:
        return [(item, None) for item in items]
    return [(n.item, n.km) for n in by_distance(query_near, items, where, within_km=within_km)]


def _point(lat: float | None, lon: float | None) -> GeoPoint | None:
    return None if lat is None or lon is None else GeoPoint(lat, lon)


async def whats_on(query: SessionQuery, clock: Clock) -> list[SessionRecord]:
    """Scheduled sessions in the window, soonest first, or nearest first with `near`."""
    if not 1 <= query.days <= MAX_DAYS:
        raise InvalidInput(f"days must be 1..{MAX_DAYS}", code="days-invalid")
    tz = network_tz(clock)
    start = local(query.starts_from, tz) if query.starts_from else clock.now().astimezone(tz)
    end = start + timedelta(days=query.days)
    async with read_transaction():
        tree = await load_tree()
        args: list[Any] = ["scheduled", start, end]
        subtree = _subtree_clause(tree, query.org, args, "o")
        rows = await fetch(f"{SESSION_SELECT} WHERE s.state = $1 AND s.starts_at >= $2 AND "
                           f"s.starts_at < $3{subtree} ORDER BY s.starts_at LIMIT {_ROW_LIMIT}",
                           *args)
    sessions = [session_record(row, tz) for row in rows]
    categories = (None if query.categories is None
                  else frozenset(c.strip().casefold() for c in query.categories))
    flt = SessionFilter(categories=categories, levels=query.levels, weekdays=query.weekdays,
                        parts_of_day=query.parts_of_day)
    sessions = filter_sessions(sessions, flt)
    if query.with_seats:
        sessions = [s for s in sessions if s.seats_left > 0]
    nearby = _near(sessions, query.near, query.within_km,
                   lambda s: _point(s.latitude, s.longitude))
    return [replace(s, distance_km=None if km is None else round(km, 2))
            for s, km in nearby[: max(1, min(query.limit, 1000))]]


@dataclass(frozen=True)
class RoomQuery:
    """Free rooms on `days` days from `day` (default today)."""

    day: date | None = None
    days: int = 1
    org: str | None = None
    min_capacity: int = 1
    features: frozenset[str] = frozenset()
    near: GeoPoint | None = None
    within_km: float | None = None
    # Only windows long enough for a booking of this many minutes.
    minutes: int | None = None
    limit: int = 100


@dataclass(frozen=True)
class FreeRoom:
    room: RoomRecord
    distance_km: float | None
    free: tuple[tuple[date, tuple[Span, ...]], ...]


async def free_rooms(query: RoomQuery, clock: Clock) -> list[FreeRoom]:
    """Rooms with free time on the days asked, each with its free windows per day (on the
    room's grid, inside its bookable hours, for readers: within the booking horizon)."""
    if not 1 <= query.days <= 14:
        raise InvalidInput("days must be 1..14", code="days-invalid")
    tz = network_tz(clock)
    now = clock.now().astimezone(tz)
    first = query.day or now.date()
    window_start = datetime(first.year, first.month, first.day, tzinfo=tz)
    window_end = window_start + timedelta(days=query.days)
    async with read_transaction():
        tree = await load_tree()
        args: list[Any] = [True]
        subtree = _subtree_clause(tree, query.org, args, "o")
        rooms = await fetch(f"{_ROOM_SELECT} WHERE r.active = $1{subtree} ORDER BY o.code, "
                            f"r.name LIMIT {_ROW_LIMIT}", *args)
        busy_rows = await fetch(f"SELECT room, starts_at, ends_at FROM booking WHERE state IN "
                                f"{HOLDING_SQL} AND starts_at < $1 AND ends_at > $2",
                                window_end, window_start)
    busy: dict[int, list[Span]] = {}
    for row in busy_rows:
        busy.setdefault(int(row["room"]), []).append(
            Span(local(utc(row["starts_at"]), tz), local(utc(row["ends_at"]), tz)))  # type: ignore[arg-type]
    wanted = RoomFilter(query.min_capacity, frozenset(query.features))
    found: list[FreeRoom] = []
    for row in rooms:
        config = room_config(row)
        if not wanted.matches(config):
            continue
        if query.minutes is not None and not (
                config.min_minutes <= query.minutes <= config.max_minutes):
            continue
        calendar = tree.calendar(row["org_code"])
        shortest = timedelta(minutes=query.minutes or config.min_minutes)
        days = []
        for offset in range(query.days):
            day = first + timedelta(days=offset)
            windows = tuple(w for w in free_windows(config, calendar, day,
                                                    busy.get(int(row["id"]), []), now=now, tz=tz)
                            if w.end - w.start >= shortest)
            if windows:
                days.append((day, windows))
        if days:
            found.append(FreeRoom(_room_record(row), None, tuple(days)))
    nearby = _near(found, query.near, query.within_km,
                   lambda f: _point(f.room.latitude, f.room.longitude))
    return [replace(f, distance_km=None if km is None else round(km, 2))
            for f, km in nearby[: max(1, min(query.limit, 500))]]
