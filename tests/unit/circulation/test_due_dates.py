"""Due dates over closed days and holidays, renewals, hold shelf expiry."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unicard.circulation.rules import (
    due_date,
    hold_shelf_expired,
    hold_shelf_expires_on,
    renewal_due_date,
)
from unicard.network.calendar import NeverOpen

from .factories import ALWAYS_OPEN, calendar, policy

SHANGHAI = ZoneInfo("Asia/Shanghai")
GOLDEN_WEEK = ("2026-10-01..2026-10-07",)
SPRING_FESTIVAL = ("2026-02-16..2026-02-22",)


@pytest.mark.parametrize(
    ("checked_out_at", "loan_days", "closed", "expected"),
    [
        # 2026-03-01 is a Sunday; 30 days later is Tuesday 31 March, an open weekday.
        (datetime(2026, 3, 1, 10, 0), 30, (), datetime(2026, 3, 31, 17, 0)),
        # Lands on Monday 30 March (closed every Monday): due Tuesday.
        (datetime(2026, 3, 1, 10, 0), 29, (), datetime(2026, 3, 31, 17, 0)),
        # Lands on a Saturday: long weekend hours, due at 20:30.
        (datetime(2026, 3, 1, 10, 0), 27, (), datetime(2026, 3, 28, 20, 30)),
        # Lands on Thursday: split hours, due at the last closing time.
        (datetime(2026, 3, 1, 10, 0), 4, (), datetime(2026, 3, 5, 17, 0)),
        # National Day golden week: 1 October lands in 1–7 October, Thursday 8th is open.
        (datetime(2026, 9, 1, 16, 59), 30, GOLDEN_WEEK, datetime(2026, 10, 8, 17, 0)),
        # Spring Festival closure then Monday 23 Feb: due Tuesday 24 Feb.
        (datetime(2026, 1, 17, 9, 0), 30, SPRING_FESTIVAL, datetime(2026, 2, 24, 17, 0)),
        # A same-day loan (reading room) is due at today's closing time …
        (datetime(2026, 3, 3, 9, 30), 0, (), datetime(2026, 3, 3, 17, 0)),
        # … or the next open day's, when checked out on a closed day (a kiosk on Monday).
        (datetime(2026, 3, 2, 9, 30), 0, (), datetime(2026, 3, 3, 17, 0)),
    ],
)
def test_due_date_moves_to_the_next_open_day_at_closing_time(
    checked_out_at: datetime, loan_days: int, closed: tuple[str, ...], expected: datetime
) -> None:
    result = due_date(policy(loan_days=loan_days), calendar(closed), checked_out_at)
    assert result == expected


def test_due_date_keeps_the_time_zone_of_the_checkout() -> None:
    at = datetime(2026, 3, 1, 23, 30, tzinfo=SHANGHAI)
    result = due_date(policy(loan_days=30), calendar(), at)
    assert result == datetime(2026, 3, 31, 17, 0, tzinfo=SHANGHAI)
    assert result.tzinfo is SHANGHAI


def test_open_all_day_means_due_at_the_end_of_the_day() -> None:
    result = due_date(policy(loan_days=1), ALWAYS_OPEN, datetime(2026, 3, 2, 12, 0))
    assert result.date() == date(2026, 3, 3)
    assert result.time() == time.max


def test_a_negative_loan_period_is_an_error() -> None:
    with pytest.raises(ValueError, match="loan_days"):
        due_date(policy(loan_days=-1), calendar(), datetime(2026, 3, 1))


def test_a_branch_that_never_opens_cannot_lend() -> None:
    with pytest.raises(NeverOpen):
        due_date(policy(), calendar(hours={}), datetime(2026, 3, 1))


@given(
    at=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)),
    loan_days=st.integers(0, 120),
    closed_days=st.sets(st.integers(0, 200), max_size=30),
)
def test_due_date_is_the_first_open_day_on_or_after_the_loan_period(
    at: datetime, loan_days: int, closed_days: set[int]
) -> None:
    start = at.date() + timedelta(days=loan_days)
    closed = tuple((start + timedelta(days=d - 20)).isoformat() for d in closed_days)
    cal = calendar(closed)
    due = due_date(policy(loan_days=loan_days), cal, at)
    assert due.date() >= start
    assert cal.is_open_on(due.date())
    assert due.time() == cal.closing_time(due.date())
    day = start
    while day < due.date():
        assert not cal.is_open_on(day)
        day += timedelta(days=1)


def test_renewal_counts_from_the_renewal_date() -> None:
    current_due = datetime(2026, 3, 31, 17, 0)
    renewed = renewal_due_date(policy(), calendar(), datetime(2026, 3, 20, 11, 0), current_due)
    assert renewed == datetime(2026, 4, 19, 20, 30)  # Sunday 19 April


def test_renewal_never_shortens_a_loan() -> None:
    current_due = datetime(2026, 3, 31, 17, 0)
    # A shorter loan period at the renewing desk would give 25 March.
    renewed = renewal_due_date(
        policy(loan_days=7), calendar(), datetime(2026, 3, 18, 11, 0), current_due
    )
    assert renewed == current_due


@pytest.mark.parametrize(
    ("shelved_on", "days", "closed", "expected"),
    [
        # Saturday 7 March + 3 open days: Sun 8, (Mon 9 closed), Tue 10, Wed 11.
        (date(2026, 3, 7), 3, (), date(2026, 3, 11)),
        # Shelved on a Sunday with 1 day: Monday is closed, so the last day is Tuesday.
        (date(2026, 3, 8), 1, (), date(2026, 3, 10)),
        # 0 days: pick it up the same day.
        (date(2026, 3, 8), 0, (), date(2026, 3, 8)),
        # Shelved the day before the golden week: 2 open days are 8 and 9 October.
        (date(2026, 9, 30), 2, GOLDEN_WEEK, date(2026, 10, 9)),
    ],
)
def test_hold_shelf_expiry_counts_open_days_of_the_pickup_branch(
    shelved_on: date, days: int, closed: tuple[str, ...], expected: date
) -> None:
    result = hold_shelf_expires_on(policy(hold_shelf_days=days), calendar(closed), shelved_on)
    assert result == expected


def test_hold_shelf_expiry_rejects_negative_days() -> None:
    with pytest.raises(ValueError, match="hold_shelf_days"):
        hold_shelf_expires_on(policy(hold_shelf_days=-1), calendar(), date(2026, 3, 8))


def test_a_hold_expires_the_day_after_its_last_pickup_day() -> None:
    last = date(2026, 3, 11)
    assert not hold_shelf_expired(last, date(2026, 3, 10))
    assert not hold_shelf_expired(last, last)
    assert hold_shelf_expired(last, date(2026, 3, 12))
