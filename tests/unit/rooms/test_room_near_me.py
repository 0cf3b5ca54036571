"""Near me: haversine distance, sorting by it, and the what's-on filters."""

import math
from dataclasses import dataclass
from datetime import datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unicard.rooms.booking_rules import RoomConfig
from unicard.rooms.filters import (
    PartOfDay,
    RoomFilter,
    SessionFilter,
    filter_sessions,
    part_of_day,
)
from unicard.rooms.geo import EARTH_RADIUS_KM, GeoPoint, by_distance, distance_km

TIANANMEN = GeoPoint(39.9042, 116.4074)
PEOPLES_SQUARE = GeoPoint(31.2304, 121.4737)  # Shanghai


def test_known_distances() -> None:
    assert distance_km(GeoPoint(0, 0), GeoPoint(0, 1)) == pytest.approx(
        2 * math.pi * EARTH_RADIUS_KM / 360
    )
    assert distance_km(TIANANMEN, PEOPLES_SQUARE) == pytest.approx(1067, abs=3)
    assert distance_km(TIANANMEN, TIANANMEN) == 0
    # antipodes: half the circumference, no domain error from rounding
    assert distance_km(GeoPoint(0, 0), GeoPoint(0, 180)) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    # across the date line it is the short way round
    assert distance_km(GeoPoint(0, 179.5), GeoPoint(0, -179.5)) == pytest.approx(111.195, abs=0.01)


@pytest.mark.parametrize(("lat", "lon"), [(91, 0), (-91, 0), (0, 181), (0, -180.5)])
def test_coordinates_are_checked(lat: float, lon: float) -> None:
    with pytest.raises(ValueError):
        GeoPoint(lat, lon)


points = st.builds(GeoPoint, st.floats(-90, 90), st.floats(-180, 180))


@given(points, points, points)
def test_distance_is_a_metric(a: GeoPoint, b: GeoPoint, c: GeoPoint) -> None:
    assert distance_km(a, b) == pytest.approx(distance_km(b, a), abs=1e-6)
    assert 0 <= distance_km(a, b) <= math.pi * EARTH_RADIUS_KM + 1e-6
    assert distance_km(a, c) <= distance_km(a, b) + distance_km(b, c) + 1e-6


@dataclass(frozen=True)
class Hall:
    code: str
    where: GeoPoint | None


HALLS = [
    Hall("far", GeoPoint(39.99, 116.30)),
    Hall("unknown", None),
    Hall("near", GeoPoint(39.905, 116.408)),
    Hall("middle", GeoPoint(39.93, 116.44)),
]


def test_nearest_first_and_unlocated_last() -> None:
    ranked = by_distance(TIANANMEN, HALLS, lambda h: h.where)
    assert [n.item.code for n in ranked] == ["near", "middle", "far", "unknown"]
    assert ranked[0].km is not None and ranked[0].km < 0.2
    assert ranked[-1].km is None


def test_within_a_radius() -> None:
    ranked = by_distance(TIANANMEN, HALLS, lambda h: h.where, within_km=5)
    assert [n.item.code for n in ranked] == ["near", "middle"]


def test_ties_keep_their_order() -> None:
    twins = [Hall("a", GeoPoint(40, 116)), Hall("b", GeoPoint(40, 116))]
    assert [n.item.code for n in by_distance(TIANANMEN, twins, lambda h: h.where)] == ["a", "b"]


@pytest.mark.parametrize(
    ("clock", "part"),
    [
        (time(0, 0), PartOfDay.MORNING),
        (time(11, 59), PartOfDay.MORNING),
        (time(12, 0), PartOfDay.AFTERNOON),
        (time(17, 59), PartOfDay.AFTERNOON),
        (time(18, 0), PartOfDay.EVENING),
        (time(23, 59), PartOfDay.EVENING),
    ],
)
def test_part_of_day(clock: time, part: PartOfDay) -> None:
    assert part_of_day(clock) is part


@dataclass(frozen=True)
class Listing:
    title: str
    category: str
    level: str
    start: datetime


LISTINGS = [
    Listing("calligraphy beginners", "calligraphy", "beginner", datetime(2026, 6, 2, 9, 30)),
    Listing("calligraphy advanced", "calligraphy", "advanced", datetime(2026, 6, 4, 19, 0)),
    Listing("opera", "opera", "beginner", datetime(2026, 6, 6, 14, 0)),  # Saturday
    Listing("dance", "dance", "intermediate", datetime(2026, 6, 9, 18, 30)),  # next week
]


def titles(flt: SessionFilter) -> list[str]:
    return [s.title for s in filter_sessions(LISTINGS, flt)]


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (SessionFilter(), [s.title for s in LISTINGS]),
        (SessionFilter(categories=frozenset({"calligraphy"})),
         ["calligraphy beginners", "calligraphy advanced"]),
        (SessionFilter(levels=frozenset({"beginner"})), ["calligraphy beginners", "opera"]),
        (SessionFilter(weekdays=frozenset({5, 6})), ["opera"]),
        (SessionFilter(parts_of_day=frozenset({PartOfDay.EVENING})),
         ["calligraphy advanced", "dance"]),
        # this week: Monday 1 June up to (not including) Monday 8 June
        (SessionFilter(starts_from=datetime(2026, 6, 1), starts_before=datetime(2026, 6, 8)),
         ["calligraphy beginners", "calligraphy advanced", "opera"]),
        (SessionFilter(categories=frozenset({"calligraphy"}), levels=frozenset({"beginner"}),
                       parts_of_day=frozenset({PartOfDay.EVENING})), []),
    ],
)  # fmt: skip
def test_session_filters(flt: SessionFilter, expected: list[str]) -> None:
    assert titles(flt) == expected


def test_room_filter() -> None:
    studio = RoomConfig(capacity=30, features=frozenset({"mirrors", "piano"}))
    assert RoomFilter().matches(studio)
    assert RoomFilter(min_capacity=30, features=frozenset({"piano"})).matches(studio)
    assert not RoomFilter(min_capacity=31).matches(studio)
    assert not RoomFilter(features=frozenset({"projector"})).matches(studio)
