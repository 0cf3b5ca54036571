"""Guards that say why: borrowing, renewing, placing a hold."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from unicard.circulation.rules import (
    HoldPlacement,
    ItemStatus,
    ItemView,
    LoanState,
    LoanView,
    ReaderView,
    Refusal,
    RefusalCode,
    why_cannot_borrow,
    why_cannot_hold,
    why_cannot_renew,
)
from unicard.network.policy import Policy

from .factories import item, policy

TODAY = date(2026, 3, 10)
READER = ReaderView(id=7, expires_on=date(2027, 1, 1), open_loans=3, open_holds=1)
ITEM = item(1)
LOAN = LoanView(id=50, item_id=1, reader_id=7, due_at=datetime(2026, 3, 31, 17, 0), renewals=0)
PLACEMENT = HoldPlacement(record_id=100, pickup_branch="A1", pickup_accepts_holds=True)


def _code(refusal: Refusal | None) -> str | None:
    return None if refusal is None else refusal.code.value


# --- borrowing ---------------------------------------------------------------------------


def test_a_reader_in_good_standing_borrows_an_available_item() -> None:
    assert why_cannot_borrow(READER, ITEM, policy(), today=TODAY) is None


@pytest.mark.parametrize(
    ("reader", "code"),
    [
        (replace(READER, card_lost=True), "card-lost"),
        (replace(READER, expires_on=date(2026, 3, 9)), "reader-expired"),
        (replace(READER, blocked=True), "reader-blocked"),
        (replace(READER, fines_owed=Decimal("10.00")), "fines-over-limit"),
        (replace(READER, open_loans=10), "loan-limit-reached"),
    ],
)
def test_reader_refusals(reader: ReaderView, code: str) -> None:
    assert _code(why_cannot_borrow(reader, ITEM, policy(), today=TODAY)) == code


def test_the_card_is_valid_through_its_expiry_day() -> None:
    reader = replace(READER, expires_on=TODAY)
    assert why_cannot_borrow(reader, ITEM, policy(), today=TODAY) is None
    assert why_cannot_borrow(replace(READER, expires_on=None), ITEM, policy(), today=TODAY) is None


def test_fines_just_under_the_limit_do_not_block_and_a_zero_limit_blocks_any_debt() -> None:
    under = replace(READER, fines_owed=Decimal("9.99"))
    assert why_cannot_borrow(under, ITEM, policy(), today=TODAY) is None
    strict = policy(block_fine_threshold=Decimal("0"))
    assert why_cannot_borrow(READER, ITEM, strict, today=TODAY) is None  # owes nothing
    owing = replace(READER, fines_owed=Decimal("0.10"))
    refusal = why_cannot_borrow(owing, ITEM, strict, today=TODAY)
    assert refusal is not None and refusal.code is RefusalCode.FINES_OVER_LIMIT
    assert refusal.context == {"reader_id": 7, "fines_owed": "0.10", "limit": "0"}


def test_the_loan_limit_counts_network_wide_loans() -> None:
    refusal = why_cannot_borrow(replace(READER, open_loans=12), ITEM, policy(), today=TODAY)
    assert refusal is not None
    assert refusal.code is RefusalCode.LOAN_LIMIT_REACHED
    assert refusal.context == {"reader_id": 7, "open_loans": 12, "limit": 10}
    assert "12" in refusal.message and "10" in refusal.message
    assert why_cannot_borrow(replace(READER, open_loans=9), ITEM, policy(), today=TODAY) is None


@pytest.mark.parametrize(
    ("the_item", "code"),
    [
        (item(1, not_for_loan=True), "item-not-for-loan"),
        (item(1, status=ItemStatus.ON_LOAN), "item-on-loan"),
        (item(1, status=ItemStatus.IN_TRANSIT), "item-in-transit"),
        (item(1, status=ItemStatus.ON_HOLD_SHELF, hold_reader_id=8), "item-on-hold-for-another"),
        (item(1, status=ItemStatus.MISSING), "item-not-available"),
        (item(1, status=ItemStatus.LOST), "item-not-available"),
        (item(1, status=ItemStatus.WITHDRAWN), "item-not-available"),
        (item(1, status=ItemStatus.DAMAGED), "item-not-available"),
        (item(1, status=ItemStatus.CLAIMS_RETURNED), "item-not-available"),
    ],
)
def test_item_refusals(the_item: ItemView, code: str) -> None:
    refusal = why_cannot_borrow(READER, the_item, policy(), today=TODAY)
    assert _code(refusal) == code
    assert refusal is not None and refusal.context["item_id"] == 1


def test_the_reader_the_hold_shelf_copy_waits_for_may_take_it() -> None:
    waiting = item(1, status=ItemStatus.ON_HOLD_SHELF, hold_reader_id=READER.id)
    assert why_cannot_borrow(READER, waiting, policy(), today=TODAY) is None


def test_reader_refusals_come_before_item_refusals() -> None:
    reader = replace(READER, card_lost=True, blocked=True, open_loans=99)
    lost = item(1, status=ItemStatus.LOST, not_for_loan=True)
    assert _code(why_cannot_borrow(reader, lost, policy(), today=TODAY)) == "card-lost"
    reader = replace(reader, card_lost=False)
    assert _code(why_cannot_borrow(reader, lost, policy(), today=TODAY)) == "reader-blocked"
    assert _code(why_cannot_borrow(READER, lost, policy(), today=TODAY)) == "item-not-for-loan"


# --- renewing ------------------------------------------------------------------------------


def test_an_open_loan_renews() -> None:
    assert why_cannot_renew(READER, LOAN, policy(), today=TODAY, hold_waiting=False) is None


@pytest.mark.parametrize(
    ("loan", "reader", "kwargs", "code"),
    [
        (replace(LOAN, state=LoanState.LOST), READER, {}, "loan-not-open"),
        (replace(LOAN, state=LoanState.CLAIMS_RETURNED), READER, {}, "loan-not-open"),
        (replace(LOAN, state=LoanState.CLOSED), READER, {}, "loan-not-open"),
        (LOAN, replace(READER, blocked=True), {}, "reader-blocked"),
        (LOAN, replace(READER, fines_owed=Decimal("50")), {}, "fines-over-limit"),
        (LOAN, replace(READER, expires_on=date(2026, 1, 1)), {}, "reader-expired"),
        (replace(LOAN, renewals=2), READER, {}, "renewal-limit"),
        (replace(LOAN, due_at=datetime(2026, 3, 9, 17, 0)), READER, {}, "loan-overdue"),
        (LOAN, READER, {"hold_waiting": True}, "hold-waiting"),
    ],
)
def test_renewal_refusals(
    loan: LoanView, reader: ReaderView, kwargs: dict[str, bool], code: str
) -> None:
    args = {"hold_waiting": False} | kwargs
    assert _code(why_cannot_renew(reader, loan, policy(), today=TODAY, **args)) == code


def test_renewing_on_the_due_day_is_not_overdue_and_overdue_renewal_is_a_choice() -> None:
    due_today = replace(LOAN, due_at=datetime(2026, 3, 10, 17, 0))
    assert why_cannot_renew(READER, due_today, policy(), today=TODAY, hold_waiting=False) is None
    overdue = replace(LOAN, due_at=datetime(2026, 3, 1, 17, 0))
    allowed = why_cannot_renew(
        READER, overdue, policy(), today=TODAY, hold_waiting=False, renew_overdue=True
    )
    assert allowed is None


def test_renewal_limit_comes_from_the_policy() -> None:
    loan = replace(LOAN, renewals=2)
    assert (
        why_cannot_renew(READER, loan, policy(renewals=3), today=TODAY, hold_waiting=False) is None
    )
    refusal = why_cannot_renew(READER, loan, policy(renewals=0), today=TODAY, hold_waiting=False)
    assert refusal is not None and refusal.context["limit"] == 0


# --- placing holds ---------------------------------------------------------------------------


def test_a_hold_can_be_placed() -> None:
    assert why_cannot_hold(READER, policy(), PLACEMENT, today=TODAY) is None


@pytest.mark.parametrize(
    ("reader", "the_policy", "placement", "code"),
    [
        (replace(READER, card_lost=True), policy(), PLACEMENT, "card-lost"),
        (replace(READER, expires_on=date(2026, 1, 1)), policy(), PLACEMENT, "reader-expired"),
        (replace(READER, blocked=True), policy(), PLACEMENT, "reader-blocked"),
        (READER, policy(holds_allowed=False), PLACEMENT, "holds-not-allowed"),
        (replace(READER, open_holds=5), policy(), PLACEMENT, "hold-limit-reached"),
        (
            READER,
            policy(),
            replace(PLACEMENT, pickup_accepts_holds=False),
            "pickup-not-accepting-holds",
        ),
        (READER, policy(), replace(PLACEMENT, holdable_copies=0), "no-holdable-copy"),
        (
            READER,
            policy(),
            replace(PLACEMENT, reader_has_copy_on_loan=True),
            "already-on-loan-to-you",
        ),
        (READER, policy(), replace(PLACEMENT, reader_has_hold=True), "already-on-hold"),
    ],
)
def test_hold_refusals(
    reader: ReaderView, the_policy: Policy, placement: HoldPlacement, code: str
) -> None:
    assert _code(why_cannot_hold(reader, the_policy, placement, today=TODAY)) == code


def test_hold_refusal_context_names_the_pickup_and_item() -> None:
    placement = replace(PLACEMENT, item_id=9, pickup_accepts_holds=False)
    refusal = why_cannot_hold(READER, policy(), placement, today=TODAY)
    assert refusal is not None
    assert refusal.context == {"record_id": 100, "item_id": 9, "pickup_branch": "A1"}


def test_every_refusal_code_is_reachable_and_has_a_message() -> None:
    """Each code is produced somewhere above; this guards against dead codes in the enum."""
    produced = {
        "card-lost",
        "reader-expired",
        "reader-blocked",
        "fines-over-limit",
        "loan-limit-reached",
        "item-not-for-loan",
        "item-on-loan",
        "item-in-transit",
        "item-on-hold-for-another",
        "item-not-available",
        "loan-not-open",
        "renewal-limit",
        "loan-overdue",
        "hold-waiting",
        "holds-not-allowed",
        "hold-limit-reached",
        "pickup-not-accepting-holds",
        "no-holdable-copy",
        "already-on-loan-to-you",
        "already-on-hold",
    }
    assert {code.value for code in RefusalCode} == produced
