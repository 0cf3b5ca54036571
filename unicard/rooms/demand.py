"""Demand (点单/点将): readers ask for a class or a teacher; enough askers raise a task once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from unicard.rooms.filters import PartOfDay

__all__ = [
    "DemandGroup",
    "DemandRequest",
    "GroupKey",
    "Subject",
    "TimePreference",
    "group_key",
    "group_requests",
    "groups_reaching_threshold",
]


class Subject(StrEnum):
    CATEGORY = "category"  # 点单: a class in a category
    TEACHER = "teacher"  # 点将: a named teacher


@dataclass(frozen=True)
class TimePreference:
    """A preferred weekday (0 = Monday) and/or part of day; None means any."""

    weekday: int | None = None
    part_of_day: PartOfDay | None = None


@dataclass(frozen=True)
class DemandRequest:
    """One reader's request, at an org (the branch or hall they want it at)."""

    request_id: Hashable
    reader_id: Hashable
    org_code: str
    created_at: datetime
    category: str | None = None
    teacher_id: Hashable | None = None
    text: str = ""
    preferred_times: tuple[TimePreference, ...] = ()

    def __post_init__(self) -> None:
        if self.teacher_id is None and not (self.category and self.category.strip()):
            raise ValueError("a request names a category or a teacher")


@dataclass(frozen=True, order=True)
class GroupKey:
    kind: Subject
    subject: str
    org_code: str


def group_key(request: DemandRequest, hall_for: Callable[[str], str] | None = None) -> GroupKey:
    """A named teacher groups by teacher, otherwise by category (case and spaces ignored);
    and by org, rolled up by `hall_for` (e.g. a village room to its nearest cultural hall)."""
    org = hall_for(request.org_code) if hall_for is not None else request.org_code
    if request.teacher_id is not None:
        return GroupKey(Subject.TEACHER, str(request.teacher_id), org)
    assert request.category is not None
    return GroupKey(Subject.CATEGORY, request.category.strip().casefold(), org)


@dataclass(frozen=True)
class DemandGroup:
    key: GroupKey
    requests: tuple[DemandRequest, ...]  # oldest first
    readers: tuple[Hashable, ...]  # distinct, in order of their first request

    @property
    def reader_count(self) -> int:
        return len(self.readers)

    def preferred_times(self) -> list[tuple[TimePreference, int]]:
        """Preferences by how many readers named them, most first; a reader counts once each."""
        seen: set[tuple[Hashable, TimePreference]] = set()
        counts: Counter[TimePreference] = Counter()
        for r in self.requests:
            for p in r.preferred_times:
                if (r.reader_id, p) not in seen:
                    seen.add((r.reader_id, p))
                    counts[p] += 1
        return counts.most_common()


def group_requests(
    requests: Iterable[DemandRequest], hall_for: Callable[[str], str] | None = None
) -> dict[GroupKey, DemandGroup]:
    buckets: dict[GroupKey, list[DemandRequest]] = {}
    for r in sorted(requests, key=lambda r: r.created_at):
        buckets.setdefault(group_key(r, hall_for), []).append(r)
    return {
        key: DemandGroup(key, tuple(rs), tuple(dict.fromkeys(r.reader_id for r in rs)))
        for key, rs in buckets.items()
    }


def groups_reaching_threshold(
    requests: Iterable[DemandRequest],
    threshold: int,
    *,
    tasked: Collection[GroupKey] = frozenset(),
    hall_for: Callable[[str], str] | None = None,
) -> list[DemandGroup]:
    """Groups whose distinct readers reach `threshold` and that have no open task yet.

    `requests` are the open ones (not yet served by a scheduled session); `tasked` are the keys
    that already raised a task, so a group raises one task, not one per later request.
    Largest groups first, then the longest waiting.
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    ready = [
        g
        for key, g in group_requests(requests, hall_for).items()
        if key not in tasked and g.reader_count >= threshold
    ]
    return sorted(ready, key=lambda g: (-g.reader_count, g.requests[0].created_at, g.key))
