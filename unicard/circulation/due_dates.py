"""Due dates and hold shelf expiry, from policy and a branch calendar.

Datetimes are taken in the branch's local time (aware or naive): the local date decides the
day, and results keep the tzinfo of the input.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from unicard.network.calendar import Calendar
from unicard.network.policy import Policy

__all__ = [
    "due_date",
    "hold_shelf_expired",
    "hold_shelf_expires_on",
    "renewal_due_date",
]


def due_date(policy: Policy, calendar: Calendar, checked_out_at: datetime) -> datetime:
    """`loan_days` calendar days after check-out, moved forward to the next day the checkout
    branch is open (closed weekdays, holidays), due at that day's **closing time**.

    A loan of 0 days is due at closing time the same day (or the next open day). Fines count
    whole days after the due date, so returning late on the due day itself costs nothing.
    `calendar` is the checkout branch's; raises `NeverOpen` if it has no open day within a year.
    """
    if policy.loan_days < 0:
        raise ValueError(f"loan_days must not be negative, got {policy.loan_days}")
    day = calendar.next_open_day(checked_out_at.date() + timedelta(days=policy.loan_days))
    closing = calendar.closing_time(day)
    assert closing is not None  # next_open_day returned an open day
    return datetime.combine(day, closing, tzinfo=checked_out_at.tzinfo)


def renewal_due_date(
    policy: Policy, calendar: Calendar, renewed_at: datetime, current_due: datetime
) -> datetime:
    """The due date counted afresh from the renewal moment, as for a check-out; a renewal never
    shortens a loan, so an earlier result keeps `current_due`.
    """
    return max(due_date(policy, calendar, renewed_at), current_due)


def hold_shelf_expires_on(policy: Policy, pickup_calendar: Calendar, shelved_on: date) -> date:
    """The last day a reader can pick up a hold: `hold_shelf_days` open days of the pickup
    branch after the day it was put on the hold shelf (that day itself does not count; with
    0 days it is the shelving day). The hold expires once that day is over.
    """
    if policy.hold_shelf_days < 0:
        raise ValueError(f"hold_shelf_days must not be negative, got {policy.hold_shelf_days}")
    return pickup_calendar.add_open_days(shelved_on, policy.hold_shelf_days)


def hold_shelf_expired(expires_on: date, today: date) -> bool:
    """A hold on the shelf expires the day after its last pickup day."""
    return today > expires_on
