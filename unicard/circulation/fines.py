"""Overdue fines and the fees for lost, damaged, missing and claims-returned copies.

Money is `Decimal` in yuan, rounded half-up to the fen (0.01).

Fee rules for copies that do not come back in order:
- lost: the replacement charge (item price, or the schedule's default price when the record has
  none, times `price_multiplier`) plus the processing fee. The overdue fine stops at the day
  the loan is declared lost (pass that day as `returned_at` to `overdue_fine`).
- damaged: staff choose. A repairable copy costs the repair charge they enter, no processing
  fee; a copy beyond repair costs the same as a lost one.
- claims returned: nothing while the claim is open, and the fine stops at the claim day. If
  the claim is rejected the loan is declared lost (lost fee); if accepted, nothing.
- missing: a library-side status (not found on the shelf or in transit); no reader is charged.
- found after the lost fee was paid: the replacement charge is refunded, the processing fee
  is kept (`refund_when_found`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from unicard.circulation.states import ItemStatus
from unicard.network.calendar import Calendar
from unicard.network.policy import Policy

__all__ = [
    "FeeSchedule",
    "overdue_days",
    "overdue_fine",
    "refund_when_found",
    "replacement_charge",
    "status_fee",
]

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def overdue_days(
    policy: Policy, calendar: Calendar, due_at: datetime, returned_at: datetime
) -> int:
    """Days charged: the dates after the due date up to and including the return date.

    Returning on the due date, at any hour, is on time. With `fines_skip_closed_days`, days the
    checkout branch (`calendar`) is closed are not counted.
    """
    due_day, returned_day = due_at.date(), returned_at.date()
    if returned_day <= due_day:
        return 0
    if policy.fines_skip_closed_days:
        return calendar.open_days_between(due_day, returned_day)
    return (returned_day - due_day).days


def overdue_fine(
    policy: Policy, calendar: Calendar, due_at: datetime, returned_at: datetime
) -> Decimal:
    """`fine_per_day` for each day in `overdue_days`, capped at `max_fine` (a cap of 0 means
    no fines). No grace period. `returned_at` is the check-in moment, or the day the loan was
    declared lost or claimed returned, when the fine stops.
    """
    days = overdue_days(policy, calendar, due_at, returned_at)
    if days == 0:
        return ZERO
    return _money(min(policy.fine_per_day * days, policy.max_fine))


@dataclass(frozen=True)
class FeeSchedule:
    """Network-wide charges for copies that do not come back in order."""

    processing_fee: Decimal
    default_price: Decimal  # when the item record carries no price
    price_multiplier: Decimal = Decimal("1")  # e.g. 2 for "twice the list price"


def replacement_charge(price: Decimal | None, fees: FeeSchedule) -> Decimal:
    """What the copy costs to replace: its price (or the default) times the multiplier."""
    base = fees.default_price if price is None else price
    return _money(base * fees.price_multiplier)


def status_fee(
    status: ItemStatus,
    price: Decimal | None,
    fees: FeeSchedule,
    repair_cost: Decimal | None = None,
) -> Decimal:
    """The fee charged to the reader whose loan ends with the copy in `status` (module rules).

    For `DAMAGED`, pass `repair_cost` when the copy can be repaired; None means beyond repair.
    Statuses that carry no fee (available, missing, claims returned, …) give 0.
    """
    if status is ItemStatus.LOST:
        return _money(replacement_charge(price, fees) + fees.processing_fee)
    if status is ItemStatus.DAMAGED:
        if repair_cost is not None:
            return _money(repair_cost)
        return _money(replacement_charge(price, fees) + fees.processing_fee)
    return ZERO


def refund_when_found(price: Decimal | None, fees: FeeSchedule) -> Decimal:
    """Refund due when a copy paid for as lost turns up: the replacement charge only."""
    return replacement_charge(price, fees)
