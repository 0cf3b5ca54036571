"""Slow, obviously-correct reference answers to check hold targeting against."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import cache

from unicard.circulation.rules import (
    HoldView,
    ItemView,
    can_serve,
    is_candidate,
    is_hold_active,
)


def eligible(hold: HoldView, copy: ItemView, today: date) -> bool:
    return is_hold_active(hold, today) and is_candidate(copy) and can_serve(hold, copy)


def max_matching(holds: Sequence[HoldView], copies: Sequence[ItemView], today: date) -> int:
    """Kuhn's augmenting paths: the size of a maximum matching."""
    owner: dict[int, int] = {}  # copy index -> hold index

    def augment(h: int, seen: set[int]) -> bool:
        for c, copy in enumerate(copies):
            if c in seen or not eligible(holds[h], copy, today):
                continue
            seen.add(c)
            if c not in owner or augment(owner[c], seen):
                owner[c] = h
                return True
        return False

    return sum(augment(h, set()) for h in range(len(holds)))


def lexicographic_served(
    holds: Sequence[HoldView], copies: Sequence[ItemView], today: date
) -> set[int]:
    """Matroid greedy in queue order: add a hold whenever the set stays servable."""
    chosen: list[HoldView] = []
    for hold in sorted(holds, key=lambda h: h.queue_key):
        trial = [*chosen, hold]
        if max_matching(trial, copies, today) == len(trial):
            chosen = trial
    return {h.id for h in chosen}


def min_total_cost(
    holds: Sequence[HoldView],
    copies: Sequence[ItemView],
    cost: Callable[[str, str], int],
    today: date,
) -> int | None:
    """Cheapest assignment of *all* `holds` to distinct eligible copies (None if impossible),
    `cost(copy branch, pickup branch)` per pair."""
    holds = list(holds)

    @cache
    def best(i: int, used: int) -> float:
        if i == len(holds):
            return 0
        options = [
            cost(copy.branch, holds[i].pickup_branch) + best(i + 1, used | 1 << c)
            for c, copy in enumerate(copies)
            if not used & 1 << c and eligible(holds[i], copy, today)
        ]
        return min(options, default=float("inf"))

    answer = best(0, 0)
    return None if answer == float("inf") else int(answer)
