"""The staff view: why a hold is not filled yet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from unicard.circulation.rules import (
    HoldState,
    HoldView,
    HoldWait,
    ItemStatus,
    ItemView,
    why_hold_not_filled,
)

from .factories import TODAY, TREE, hold, item

ME = hold(5, placed=10, pickup="A1")


def _why(
    me: HoldView = ME, holds: Sequence[HoldView] = (), copies: Sequence[ItemView] = ()
) -> HoldWait:
    return why_hold_not_filled(me, holds, copies, TREE, today=TODAY)


@pytest.mark.parametrize(
    ("state", "code"),
    [
        (HoldState.READY, "ready-for-pickup"),
        (HoldState.IN_TRANSIT, "copy-in-transit"),
        (HoldState.FULFILLED, "closed"),
        (HoldState.CANCELLED, "closed"),
        (HoldState.EXPIRED, "closed"),
        (HoldState.SUSPENDED, "suspended"),
    ],
)
def test_the_hold_state_answers_first(state: HoldState, code: str) -> None:
    me = hold(5, state=state)
    assert _why(me, copies=[item(1)]) == code


def test_suspended_until_a_later_date() -> None:
    me = hold(5, suspended_until=TODAY + timedelta(days=1))
    assert _why(me, copies=[item(1)]) is HoldWait.SUSPENDED


@pytest.mark.parametrize(
    "copies",
    [
        [],
        [item(1, holdable=False)],
        [item(1, not_for_loan=True)],
        [item(1, status=ItemStatus.LOST), item(2, status=ItemStatus.WITHDRAWN)],
        [item(1, status=ItemStatus.MISSING), item(2, status=ItemStatus.DAMAGED)],
        [item(1, status=ItemStatus.CLAIMS_RETURNED)],
        [item(1, record_id=999)],
    ],
)
def test_no_holdable_copy(copies: list[ItemView]) -> None:
    assert _why(copies=copies) is HoldWait.NO_HOLDABLE_COPY


def test_an_item_level_hold_looks_only_at_its_copy() -> None:
    me = hold(5, item_id=2)
    copies = [item(1), item(2, status=ItemStatus.LOST)]
    assert _why(me, copies=copies) is HoldWait.NO_HOLDABLE_COPY
    copies = [item(1), item(2, status=ItemStatus.ON_LOAN)]
    assert _why(me, copies=copies) is HoldWait.ALL_ON_LOAN


def test_a_copy_on_the_shelf_is_assigned_to_it() -> None:
    assert _why(copies=[item(1, branch="B2")]) is HoldWait.COPY_ASSIGNED


def test_earlier_holds_take_the_shelf_copies() -> None:
    earlier = hold(1, placed=0, pickup="B1")
    assert _why(holds=[earlier, ME], copies=[item(1)]) is HoldWait.EARLIER_HOLDS_FIRST


def test_earlier_holds_waiting_on_the_hold_shelf() -> None:
    copies = [item(1, status=ItemStatus.ON_HOLD_SHELF), item(2, status=ItemStatus.ON_LOAN)]
    assert _why(copies=copies) is HoldWait.EARLIER_HOLDS_FIRST


def test_a_copy_in_transit() -> None:
    copies = [item(1, status=ItemStatus.IN_TRANSIT), item(2, status=ItemStatus.ON_LOAN)]
    assert _why(copies=copies) is HoldWait.COPY_IN_TRANSIT


def test_all_on_loan() -> None:
    copies = [item(1, status=ItemStatus.ON_LOAN), item(2, status=ItemStatus.LOST)]
    assert _why(copies=copies) is HoldWait.ALL_ON_LOAN


def test_codes_are_stable_strings() -> None:
    assert {code.value for code in HoldWait} == {
        "ready-for-pickup",
        "closed",
        "suspended",
        "no-holdable-copy",
        "copy-assigned",
        "earlier-holds-first",
        "copy-in-transit",
        "all-on-loan",
    }
