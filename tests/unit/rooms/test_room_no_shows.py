"""No-shows: the check-in window at the door, and suspension after repeated no-shows."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unicard.rooms.checkin import CheckInWindow, check_in_missed, why_cannot_check_in
from unicard.rooms.no_shows import NoShowPolicy, booking_suspended_until
from unicard.rooms.refusals import RefusalCode

START = datetime(2026, 6, 2, 10, 0)
WINDOW = CheckInWindow(opens_before_minutes=30, grace_minutes=15)
POLICY = NoShowPolicy(max_no_shows=3, window_days=30, suspension_days=14)
JUNE = datetime(2026, 6, 1, 10, 0)


def day(n: int) -> datetime:
    """Ten o'clock on day n counted from 1 June (day 0)."""
    return JUNE + timedelta(days=n)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (START - timedelta(minutes=31), RefusalCode.CHECK_IN_NOT_OPEN),
        (START - timedelta(minutes=30), None),
        (START, None),
        (START + timedelta(minutes=14, seconds=59), None),
        (START + timedelta(minutes=15), RefusalCode.CHECK_IN_CLOSED),
    ],
)
def test_check_in_window(now: datetime, expected: RefusalCode | None) -> None:
    refusal = why_cannot_check_in(START, WINDOW, now)
    assert (None if refusal is None else refusal.code) == expected
    assert check_in_missed(START, WINDOW, now) == (expected is RefusalCode.CHECK_IN_CLOSED)


def test_check_in_window_rejects_negative_minutes() -> None:
    with pytest.raises(ValueError):
        CheckInWindow(-1, 15)


def test_fewer_no_shows_than_the_limit_do_nothing() -> None:
    assert booking_suspended_until([day(0), day(1)], POLICY, day(2)) is None


def test_the_limit_within_the_window_suspends_from_the_last_no_show() -> None:
    assert booking_suspended_until([day(0), day(10), day(20)], POLICY, day(21)) == day(34)


def test_no_shows_further_apart_than_the_window_do_not_add_up() -> None:
    # day 0 and day 30 are exactly a window apart: day 0 has dropped out by day 30.
    assert booking_suspended_until([day(0), day(15), day(30)], POLICY, day(31)) is None
    almost = day(30) - timedelta(seconds=1)
    assert booking_suspended_until([day(0), day(15), almost], POLICY, day(31)) == almost + (
        timedelta(days=14)
    )


def test_the_suspension_ends() -> None:
    no_shows = [day(0), day(1), day(2)]
    assert booking_suspended_until(no_shows, POLICY, day(16) - timedelta(seconds=1)) == day(16)
    assert booking_suspended_until(no_shows, POLICY, day(16)) is None


def test_no_shows_that_caused_a_suspension_do_not_count_again() -> None:
    # Suspended on day 2 until day 16; one more no-show on day 20 is one, not four.
    assert booking_suspended_until([day(0), day(1), day(2), day(20)], POLICY, day(21)) is None
    # Three fresh ones suspend again.
    again = [day(0), day(1), day(2), day(20), day(21), day(22)]
    assert booking_suspended_until(again, POLICY, day(23)) == day(36)


def test_order_of_input_does_not_matter_and_the_future_is_ignored() -> None:
    assert booking_suspended_until([day(20), day(0), day(10)], POLICY, day(21)) == day(34)
    # a "no-show" after now cannot have happened yet
    assert booking_suspended_until([day(0), day(1), day(5)], POLICY, day(3)) is None


def test_a_strict_policy_suspends_on_the_first_no_show() -> None:
    strict = NoShowPolicy(max_no_shows=1, window_days=1, suspension_days=7)
    assert booking_suspended_until([day(0)], strict, day(1)) == day(7)


@pytest.mark.parametrize(
    "kwargs", [{"max_no_shows": 0}, {"window_days": 0}, {"suspension_days": -1}]
)
def test_nonsense_policies_are_rejected(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        NoShowPolicy(**kwargs)


@given(
    st.lists(st.integers(0, 200), max_size=12),
    st.integers(1, 4),
    st.integers(1, 40),
    st.integers(0, 20),
    st.integers(0, 240),
)
def test_a_suspension_always_has_a_cause(
    offsets: list[int], limit: int, window: int, suspension: int, now_day: int
) -> None:
    policy = NoShowPolicy(limit, window, suspension)
    no_shows = [day(o) for o in offsets]
    now = day(now_day) + timedelta(hours=1)
    until = booking_suspended_until(no_shows, policy, now)
    past = sorted(m for m in no_shows if m <= now)
    if len(past) < limit:
        assert until is None
    if len(past) == limit and past[-1] - past[0] < timedelta(days=window):
        end = past[-1] + timedelta(days=suspension)
        assert until == (end if now < end else None)
    if until is None:
        return
    assert until > now
    trigger = until - timedelta(days=suspension)
    assert trigger in past
    in_window = [m for m in past if timedelta(0) <= trigger - m < timedelta(days=window)]
    assert len(in_window) >= limit
