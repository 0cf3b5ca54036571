"""The network as loaded from the org table: structure plus names, calendars, coordinates.

Loaded once per use case from the org table (a few hundred rows) and queried in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from unicard.network.calendar import Calendar, parse_closed_days, parse_weekly_hours
from unicard.network.topology import OrgTree

__all__ = ["NetworkTree", "OrgKind", "OrgNode"]


class OrgKind(StrEnum):
    NETWORK = "network"
    SYSTEM = "system"  # 总馆: a city or county library system
    BRANCH = "branch"  # 分馆
    SERVICE_POINT = "service_point"  # township station, village book room
    KIOSK = "kiosk"
    HALL = "hall"  # 文化馆


@dataclass(frozen=True)
class OrgNode:
    code: str
    parent_code: str | None
    kind: OrgKind
    name_zh: str
    name_en: str
    hours: Mapping[str, Any] | None
    closed_days: tuple[str, ...] | None
    accepts_holds: bool = True
    latitude: float | None = None
    longitude: float | None = None


class NetworkTree(OrgTree):
    """The whole network: the tree's structure (paths, distance, systems) plus each node's
    names, kind, calendar and coordinates."""

    def __init__(self, nodes: Iterable[OrgNode]) -> None:
        self._nodes = {node.code: node for node in nodes}
        super().__init__({code: node.parent_code for code, node in self._nodes.items()})
        self._children: dict[str | None, list[str]] = {}
        for node in self._nodes.values():
            self._children.setdefault(node.parent_code, []).append(node.code)

    def __iter__(self) -> Iterator[OrgNode]:
        return iter(self._nodes.values())

    def node(self, code: str) -> OrgNode:
        return self._nodes[code]

    def children(self, code: str | None) -> list[str]:
        return list(self._children.get(code, []))

    def subtree(self, code: str) -> list[str]:
        found, stack = [], [code]
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(self._children.get(current, []))
        return found

    def materialised_path(self, code: str) -> str:
        return "/" + "/".join(reversed(self.path(code))) + "/"

    def calendar(self, code: str) -> Calendar:
        """Hours and closed days each come from the nearest node that sets them."""
        hours_from, closed_from = self.calendar_source(code)
        hours = self._nodes[hours_from].hours if hours_from else None
        closed = self._nodes[closed_from].closed_days if closed_from else None
        return Calendar(parse_weekly_hours(hours or {}), parse_closed_days(closed or ()))

    def calendar_source(self, code: str) -> tuple[str | None, str | None]:
        """Which nodes supplied the hours and the closed days (for explain screens)."""
        hours_from = next((c for c in self.path(code) if self._nodes[c].hours), None)
        closed_from = next(
            (c for c in self.path(code) if self._nodes[c].closed_days is not None), None
        )
        return hours_from, closed_from
