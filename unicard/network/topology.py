"""The org tree as plain data: ancestry, distance and "same library system" for routing and holds.

Built from {code: parent_code} with exactly one root (the network, parent None). Level 1, the
children of the root, are the library systems (总馆 and its 总分馆 network); everything below
belongs to the system it descends from.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["CROSS_SYSTEM_COST", "OrgTree", "OrgTreeError", "UnknownOrg"]

# Transit cost of one hop between a library system and the network root. Large enough that
# any route inside one system is cheaper than any route between systems, so minimising total
# transit cost first minimises the number of transits between systems, then the hops.
CROSS_SYSTEM_COST = 1_000_000


class OrgTreeError(ValueError):
    """The parent map is not a single rooted tree; `code` names the offending node."""

    def __init__(self, message: str, code: str | None) -> None:
        super().__init__(message if code is None else f"{code}: {message}")
        self.code = code


class UnknownOrg(KeyError):
    """An org code that is not in the tree."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def __str__(self) -> str:
        return f"unknown org code {self.code!r}"


class OrgTree:
    """Immutable org tree; every path is computed once at construction."""

    __slots__ = ("_cost_to_root", "_depth", "_parent", "_paths", "root")

    def __init__(self, parents: Mapping[str, str | None]) -> None:
        roots = [code for code, parent in parents.items() if parent is None]
        if len(roots) != 1 and parents:  # an empty tree is a network not yet created
            raise OrgTreeError(f"expected exactly one root, found {sorted(roots)}", None)
        for code, parent in parents.items():
            if parent is not None and parent not in parents:
                raise OrgTreeError(f"parent {parent!r} is not in the tree", code)
        self.root: str = roots[0] if roots else ""
        self._parent: dict[str, str | None] = dict(parents)
        self._paths: dict[str, tuple[str, ...]] = {}
        for code in parents:
            self._paths[code] = self._walk(code)
        self._depth = {code: len(path) - 1 for code, path in self._paths.items()}
        self._cost_to_root = {
            code: len(path) - 1 + (CROSS_SYSTEM_COST - 1 if len(path) > 1 else 0)
            for code, path in self._paths.items()
        }

    def _walk(self, code: str) -> tuple[str, ...]:
        path: list[str] = []
        seen: set[str] = set()
        current: str | None = code
        while current is not None:
            if current in seen:
                raise OrgTreeError("the parent chain loops", code)
            known = self._paths.get(current)
            if known is not None:
                return (*path, *known)
            seen.add(current)
            path.append(current)
            current = self._parent[current]
        return tuple(path)

    def __repr__(self) -> str:
        return f"OrgTree({self._parent!r})"

    def __contains__(self, code: object) -> bool:
        return code in self._parent

    def __len__(self) -> int:
        return len(self._parent)

    def codes(self) -> tuple[str, ...]:
        return tuple(self._parent)

    def parent(self, code: str) -> str | None:
        try:
            return self._parent[code]
        except KeyError:
            raise UnknownOrg(code) from None

    def path(self, code: str) -> tuple[str, ...]:
        """`code` first, the network root last (the order policy lookup walks)."""
        try:
            return self._paths[code]
        except KeyError:
            raise UnknownOrg(code) from None

    def depth(self, code: str) -> int:
        """0 for the root, 1 for a library system, 2 for its branches, …"""
        return len(self.path(code)) - 1

    def is_within(self, code: str, ancestor: str) -> bool:
        """Whether `code` is `ancestor` or lies below it."""
        if ancestor not in self._parent:
            raise UnknownOrg(ancestor)
        return ancestor in self.path(code)

    def common_ancestor(self, a: str, b: str) -> str:
        """The lowest node that both `a` and `b` are within."""
        path_a, path_b = self.path(a), self.path(b)
        # Paths end at the same root: walk both from the root end while they agree.
        lowest = self.root
        for x, y in zip(reversed(path_a), reversed(path_b), strict=False):
            if x != y:
                break
            lowest = x
        return lowest

    def distance(self, a: str, b: str) -> int:
        """Hops from `a` to `b` through their lowest common ancestor."""
        top = self._depth[self.common_ancestor(a, b)]
        return self._depth[a] + self._depth[b] - 2 * top

    def system_of(self, code: str) -> str | None:
        """The library system (level-1 node) `code` belongs to; None for the network root."""
        path = self.path(code)
        return path[-2] if len(path) >= 2 else None

    def same_system(self, a: str, b: str) -> bool:
        system = self.system_of(a)
        return system is not None and system == self.system_of(b)

    def transit_cost(self, a: str, b: str) -> int:
        """`distance` with hops through the network root weighted `CROSS_SYSTEM_COST`."""
        top = self.common_ancestor(a, b)
        return self._cost_to_root[a] + self._cost_to_root[b] - 2 * self._cost_to_root[top]

    def edge_cost(self, code: str) -> int:
        """Transit cost of the hop from `code` up to its parent (0 at the root)."""
        parent = self.parent(code)
        return 0 if parent is None else self._cost_to_root[code] - self._cost_to_root[parent]
