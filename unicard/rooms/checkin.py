"""Checking in at the door: a window around the start time; missing it makes a no-show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from unicard.rooms.refusals import Refusal, RefusalCode

__all__ = ["CheckInWindow", "check_in_missed", "why_cannot_check_in"]


@dataclass(frozen=True)
class CheckInWindow:
    """Check-in is open from `opens_before` minutes before the start until `grace` minutes after."""

    opens_before_minutes: int = 30
    grace_minutes: int = 15

    def __post_init__(self) -> None:
        if self.opens_before_minutes < 0 or self.grace_minutes < 0:
            raise ValueError("check-in window minutes must not be negative")

    def opens(self, start: datetime) -> datetime:
        return start - timedelta(minutes=self.opens_before_minutes)

    def closes(self, start: datetime) -> datetime:
        return start + timedelta(minutes=self.grace_minutes)


def why_cannot_check_in(start: datetime, window: CheckInWindow, now: datetime) -> Refusal | None:
    """Check-in is allowed in [start - opens_before, start + grace)."""
    opens, closes = window.opens(start), window.closes(start)
    if now < opens:
        return Refusal(
            RefusalCode.CHECK_IN_NOT_OPEN,
            f"Check-in opens at {opens:%Y-%m-%d %H:%M}.",
            {"opens_at": opens.isoformat(), "start": start.isoformat()},
        )
    if now >= closes:
        return Refusal(
            RefusalCode.CHECK_IN_CLOSED,
            f"Check-in closed at {closes:%Y-%m-%d %H:%M}.",
            {"closed_at": closes.isoformat(), "start": start.isoformat()},
        )
    return None


def check_in_missed(start: datetime, window: CheckInWindow, now: datetime) -> bool:
    """Whether someone not yet checked in is now a no-show: the window has closed."""
    return now >= window.closes(start)
