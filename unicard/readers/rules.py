"""Pure rules about reader accounts: effective status, expiry, PIN lock-out."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from enum import StrEnum

__all__ = ["ReaderStatus", "add_months", "effective_status", "pin_lock"]


class ReaderStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    BLOCKED = "blocked"
    CARD_LOST = "card_lost"


def effective_status(stored: str, expires_on: date, today: date) -> ReaderStatus:
    """Expiry is computed, not stored: an active account past its date reads as expired."""
    status = ReaderStatus(stored)
    if status is ReaderStatus.ACTIVE and expires_on < today:
        return ReaderStatus.EXPIRED
    return status


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def pin_lock(failures_after: int, max_failures: int, now: datetime,
             lockout_minutes: int) -> datetime | None:
    """The n-th wrong PIN in a row locks the card for a while; the counter resets on success."""
    if failures_after >= max_failures:
        return now + timedelta(minutes=lockout_minutes)
    return None
