"""Repeated no-shows suspend a reader's right to book rooms for a while."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["NoShowPolicy", "booking_suspended_until"]


@dataclass(frozen=True)
class NoShowPolicy:
    """`max_no_shows` no-shows within `window_days` suspend booking for `suspension_days`."""

    max_no_shows: int = 3
    window_days: int = 30
    suspension_days: int = 14

    def __post_init__(self) -> None:
        if self.max_no_shows < 1 or self.window_days < 1 or self.suspension_days < 0:
            raise ValueError("need max_no_shows >= 1, window_days >= 1, suspension_days >= 0")


def booking_suspended_until(
    no_shows: Iterable[datetime], policy: NoShowPolicy, now: datetime
) -> datetime | None:
    """The end of the suspension in force at `now`, or None.

    No-shows are taken in time order; when one brings the count inside the window (the
    `window_days` ending at it, excluding its start) to `max_no_shows`, a suspension runs from
    that no-show for `suspension_days`, and the no-shows counted for it are used up: they never
    count towards a second suspension. No-shows after `now` are ignored.
    """
    window = timedelta(days=policy.window_days)
    period = timedelta(days=policy.suspension_days)
    counted: list[datetime] = []
    until: datetime | None = None
    for moment in sorted(m for m in no_shows if m <= now):
        counted = [m for m in counted if moment - m < window]
        counted.append(moment)
        if len(counted) >= policy.max_no_shows:
            ends = moment + period
            until = ends if until is None else max(until, ends)
            counted = []
    return until if until is not None and now < until else None
