"""Near me: great-circle distance from a point to org nodes, and lists sorted by it."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["EARTH_RADIUS_KM", "GeoPoint", "Nearby", "by_distance", "distance_km"]

# Mean Earth radius (IUGG); haversine on a sphere is within 0.5 % of the ellipsoid.
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class GeoPoint:
    """WGS-84 degrees. (Chinese map APIs return GCJ-02; convert before storing, or accept
    an offset of a few hundred metres, which does not change a "near me" ordering much.)"""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise ValueError(f"not a coordinate: {self.lat}, {self.lon}")


def distance_km(a: GeoPoint, b: GeoPoint) -> float:
    """Haversine great-circle distance."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = lat2 - lat1, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


T = TypeVar("T")


@dataclass(frozen=True)
class Nearby(Generic[T]):
    item: T
    km: float | None


def by_distance(
    origin: GeoPoint,
    items: Iterable[T],
    where: Callable[[T], GeoPoint | None],
    *,
    within_km: float | None = None,
) -> list[Nearby[T]]:
    """Nearest first; ties keep input order. Items without coordinates come last, or are left
    out when `within_km` is given."""
    located: list[Nearby[T]] = []
    unlocated: list[Nearby[T]] = []
    for item in items:
        point = where(item)
        if point is None:
            unlocated.append(Nearby(item, None))
            continue
        km = distance_km(origin, point)
        if within_km is None or km <= within_km:
            located.append(Nearby(item, km))
    located.sort(key=lambda n: n.km if n.km is not None else math.inf)
    return located if within_km is not None else located + unlocated
