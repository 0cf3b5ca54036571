"""Overdue fines per day, capped, optionally skipping closed days; fees for lost and damaged."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unicard.circulation.rules import (
    FeeSchedule,
    ItemStatus,
    overdue_days,
    overdue_fine,
    refund_when_found,
    replacement_charge,
    status_fee,
)

from .factories import calendar, policy

DUE = datetime(2026, 3, 31, 17, 0)  # a Tuesday
GOLDEN_WEEK = ("2026-10-01..2026-10-07",)


@pytest.mark.parametrize(
    ("returned_at", "days", "fine"),
    [
        (datetime(2026, 3, 20, 10, 0), 0, "0.00"),  # early
        (datetime(2026, 3, 31, 16, 0), 0, "0.00"),  # on the day
        (datetime(2026, 3, 31, 22, 0), 0, "0.00"),  # after closing, book drop: still on time
        (datetime(2026, 4, 1, 0, 1), 1, "0.10"),
        (datetime(2026, 4, 10, 9, 0), 10, "1.00"),
        (datetime(2026, 7, 9, 9, 0), 100, "10.00"),
        (datetime(2027, 3, 31, 9, 0), 365, "10.00"),  # capped
    ],
)
def test_fine_per_day_capped(returned_at: datetime, days: int, fine: str) -> None:
    p = policy()
    assert overdue_days(p, calendar(), DUE, returned_at) == days
    assert overdue_fine(p, calendar(), DUE, returned_at) == Decimal(fine)


def test_closed_days_are_not_charged_when_the_policy_says_so() -> None:
    due = datetime(2026, 3, 28, 20, 30)  # Saturday
    returned = datetime(2026, 4, 1, 10, 0)  # Wednesday; Monday 30 March is closed
    charging = policy(fines_skip_closed_days=False)
    skipping = policy(fines_skip_closed_days=True)
    assert overdue_days(charging, calendar(), due, returned) == 4
    assert overdue_days(skipping, calendar(), due, returned) == 3
    assert overdue_fine(skipping, calendar(), due, returned) == Decimal("0.30")


def test_a_holiday_closure_is_not_charged() -> None:
    due = datetime(2026, 9, 30, 17, 0)
    returned = datetime(2026, 10, 8, 10, 0)
    skipping = policy(fines_skip_closed_days=True)
    assert overdue_days(skipping, calendar(GOLDEN_WEEK), due, returned) == 1
    assert overdue_days(policy(), calendar(GOLDEN_WEEK), due, returned) == 8


def test_a_cap_of_zero_means_no_fines_and_amounts_round_to_the_fen() -> None:
    late = datetime(2026, 4, 3, 10, 0)
    assert overdue_fine(policy(max_fine=Decimal("0")), calendar(), DUE, late) == Decimal("0.00")
    odd = policy(fine_per_day=Decimal("0.333"), max_fine=Decimal("100"))
    assert overdue_fine(odd, calendar(), DUE, late) == Decimal("1.00")  # 0.999
    assert overdue_fine(odd, calendar(), DUE, late).as_tuple().exponent == -2


@given(
    late_by=st.integers(-5, 400),
    extra=st.integers(0, 30),
    per_day=st.decimals(min_value=0, max_value=5, places=2),
    cap=st.decimals(min_value=0, max_value=200, places=2),
)
def test_fines_grow_with_time_and_never_pass_the_cap(
    late_by: int, extra: int, per_day: Decimal, cap: Decimal
) -> None:
    cal = calendar(GOLDEN_WEEK)
    first = DUE + timedelta(days=late_by)
    later = first + timedelta(days=extra)
    for skip in (False, True):
        p = policy(fine_per_day=per_day, max_fine=cap, fines_skip_closed_days=skip)
        fine, later_fine = overdue_fine(p, cal, DUE, first), overdue_fine(p, cal, DUE, later)
        assert Decimal(0) <= fine <= later_fine <= cap
    assert overdue_days(policy(fines_skip_closed_days=True), cal, DUE, first) <= overdue_days(
        policy(), cal, DUE, first
    )


FEES = FeeSchedule(processing_fee=Decimal("5.00"), default_price=Decimal("40.00"))


def test_a_lost_copy_costs_its_price_plus_the_processing_fee() -> None:
    assert status_fee(ItemStatus.LOST, Decimal("68.00"), FEES) == Decimal("73.00")
    assert status_fee(ItemStatus.LOST, None, FEES) == Decimal("45.00")  # no price on record
    double = FeeSchedule(Decimal("5"), Decimal("40"), price_multiplier=Decimal("2"))
    assert status_fee(ItemStatus.LOST, Decimal("25.50"), double) == Decimal("56.00")


def test_a_damaged_copy_costs_the_repair_or_a_replacement() -> None:
    assert status_fee(ItemStatus.DAMAGED, Decimal("68"), FEES, repair_cost=Decimal("8")) == Decimal(
        "8.00"
    )
    assert status_fee(ItemStatus.DAMAGED, Decimal("68"), FEES) == Decimal("73.00")


@pytest.mark.parametrize(
    "status",
    [
        ItemStatus.MISSING,
        ItemStatus.CLAIMS_RETURNED,
        ItemStatus.AVAILABLE,
        ItemStatus.ON_LOAN,
        ItemStatus.WITHDRAWN,
    ],
)
def test_other_statuses_carry_no_fee(status: ItemStatus) -> None:
    assert status_fee(status, Decimal("68"), FEES) == Decimal("0.00")


def test_a_found_copy_refunds_the_replacement_but_keeps_the_processing_fee() -> None:
    paid = status_fee(ItemStatus.LOST, Decimal("68.00"), FEES)
    refund = refund_when_found(Decimal("68.00"), FEES)
    assert refund == replacement_charge(Decimal("68.00"), FEES) == Decimal("68.00")
    assert paid - refund == FEES.processing_fee
