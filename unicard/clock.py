"""Time is injected: services take a Clock, tests pass a FixedClock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

__all__ = ["Clock", "FixedClock", "SystemClock"]

NETWORK_TZ = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...

    def today(self) -> date: ...


@dataclass
class SystemClock:
    tz: ZoneInfo = NETWORK_TZ

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return datetime.now(self.tz).date()


@dataclass
class FixedClock:
    """A clock that only moves when a test says so."""

    current: datetime = field(default_factory=lambda: datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    tz: ZoneInfo = NETWORK_TZ

    def now(self) -> datetime:
        return self.current

    def today(self) -> date:
        return self.current.astimezone(self.tz).date()

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)
