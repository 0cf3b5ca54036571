"""Guards that say why not: each returns the first `Refusal` that applies, or None.

The service raises from the refusal, so each code and message is written once, here. Checks
run in a fixed order, reader before item, so the desk hears about the card before the book.
Codes are stable API (they become RFC 9457 problem types); messages are English defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from unicard.circulation.states import UNAVAILABLE_STATUSES, ItemStatus, LoanState
from unicard.circulation.views import HoldPlacement, ItemView, LoanView, ReaderView
from unicard.network.policy import Policy

__all__ = [
    "Refusal",
    "RefusalCode",
    "fines_block",
    "reader_expired",
    "why_cannot_borrow",
    "why_cannot_hold",
    "why_cannot_renew",
]


class RefusalCode(StrEnum):
    CARD_LOST = "card-lost"
    READER_EXPIRED = "reader-expired"
    READER_BLOCKED = "reader-blocked"
    FINES_OVER_LIMIT = "fines-over-limit"
    LOAN_LIMIT_REACHED = "loan-limit-reached"
    ITEM_NOT_FOR_LOAN = "item-not-for-loan"
    ITEM_ON_LOAN = "item-on-loan"
    ITEM_IN_TRANSIT = "item-in-transit"
    ITEM_ON_HOLD_FOR_ANOTHER = "item-on-hold-for-another"
    ITEM_NOT_AVAILABLE = "item-not-available"
    LOAN_NOT_OPEN = "loan-not-open"
    RENEWAL_LIMIT = "renewal-limit"
    LOAN_OVERDUE = "loan-overdue"
    HOLD_WAITING = "hold-waiting"
    HOLDS_NOT_ALLOWED = "holds-not-allowed"
    HOLD_LIMIT_REACHED = "hold-limit-reached"
    PICKUP_NOT_ACCEPTING_HOLDS = "pickup-not-accepting-holds"
    NO_HOLDABLE_COPY = "no-holdable-copy"
    ALREADY_ON_LOAN_TO_YOU = "already-on-loan-to-you"
    ALREADY_ON_HOLD = "already-on-hold"


@dataclass(frozen=True)
class Refusal:
    """Why an action is refused: a stable code, an English message, JSON-ready context."""

    code: RefusalCode
    message: str
    context: Mapping[str, Any] = field(default_factory=dict)


def reader_expired(reader: ReaderView, today: date) -> bool:
    """A card is valid through its expiry day."""
    return reader.expires_on is not None and today > reader.expires_on


def fines_block(reader: ReaderView, policy: Policy) -> bool:
    """Unpaid fines at or above `block_fine_threshold` block; owing nothing never blocks (so a
    threshold of 0 means any unpaid amount blocks).
    """
    return reader.fines_owed > 0 and reader.fines_owed >= policy.block_fine_threshold


def _reader_refusal(reader: ReaderView, policy: Policy, today: date) -> Refusal | None:
    ctx: dict[str, Any] = {"reader_id": reader.id}
    if reader.card_lost:
        return Refusal(RefusalCode.CARD_LOST, "This card has been reported lost.", ctx)
    if reader_expired(reader, today):
        assert reader.expires_on is not None
        return Refusal(
            RefusalCode.READER_EXPIRED,
            f"The reader's card expired on {reader.expires_on.isoformat()}.",
            {**ctx, "expired_on": reader.expires_on.isoformat()},
        )
    if reader.blocked:
        return Refusal(RefusalCode.READER_BLOCKED, "The reader is blocked by staff.", ctx)
    if fines_block(reader, policy):
        return Refusal(
            RefusalCode.FINES_OVER_LIMIT,
            f"Unpaid fines of {reader.fines_owed} yuan reach the limit of "
            f"{policy.block_fine_threshold} yuan.",
            {
                **ctx,
                "fines_owed": str(reader.fines_owed),
                "limit": str(policy.block_fine_threshold),
            },
        )
    return None


def why_cannot_borrow(
    reader: ReaderView, item: ItemView, policy: Policy, *, today: date
) -> Refusal | None:
    """Check-out guard. `reader.open_loans` counts loans across the whole network against the
    policy's `max_loans`. A copy on the hold shelf may go only to the reader it waits for.
    A copy on a pull list (targeted but not captured) may still be lent; targeting re-runs.
    """
    refusal = _reader_refusal(reader, policy, today)
    if refusal is not None:
        return refusal
    if reader.open_loans >= policy.max_loans:
        return Refusal(
            RefusalCode.LOAN_LIMIT_REACHED,
            f"The reader already has {reader.open_loans} loans; the limit is {policy.max_loans}.",
            {"reader_id": reader.id, "open_loans": reader.open_loans, "limit": policy.max_loans},
        )
    ctx: dict[str, Any] = {"item_id": item.id, "status": item.status.value}
    if item.not_for_loan:
        return Refusal(RefusalCode.ITEM_NOT_FOR_LOAN, "This item is for use in the library.", ctx)
    if item.status is ItemStatus.ON_LOAN:
        return Refusal(RefusalCode.ITEM_ON_LOAN, "This item is already on loan.", ctx)
    if item.status is ItemStatus.IN_TRANSIT:
        return Refusal(
            RefusalCode.ITEM_IN_TRANSIT,
            "This item is in transit; receive it at this branch first.",
            ctx,
        )
    if item.status is ItemStatus.ON_HOLD_SHELF and item.hold_reader_id != reader.id:
        return Refusal(
            RefusalCode.ITEM_ON_HOLD_FOR_ANOTHER,
            "This item is waiting on the hold shelf for another reader.",
            {**ctx, "hold_reader_id": item.hold_reader_id},
        )
    if item.status in UNAVAILABLE_STATUSES:
        return Refusal(
            RefusalCode.ITEM_NOT_AVAILABLE,
            f"This item is recorded as {item.status.value.replace('_', ' ')}.",
            ctx,
        )
    return None


def why_cannot_renew(
    reader: ReaderView,
    loan: LoanView,
    policy: Policy,
    *,
    today: date,
    hold_waiting: bool,
    renew_overdue: bool = False,
) -> Refusal | None:
    """Renewal guard (desk, online, kiosk): the loan must be open; the reader must be in good
    standing as for borrowing; at most `policy.renewals` renewals; an overdue loan (due day
    passed) renews only when `renew_overdue`; refused when `hold_waiting`, i.e. another
    reader's hold would take this copy if it came back now (see `copy_needed_for_holds`).
    """
    ctx: dict[str, Any] = {"loan_id": loan.id, "item_id": loan.item_id}
    if loan.state is not LoanState.OPEN:
        return Refusal(
            RefusalCode.LOAN_NOT_OPEN,
            f"This loan cannot be renewed: it is {loan.state.value.replace('_', ' ')}.",
            {**ctx, "state": loan.state.value},
        )
    refusal = _reader_refusal(reader, policy, today)
    if refusal is not None:
        return refusal
    if loan.renewals >= policy.renewals:
        return Refusal(
            RefusalCode.RENEWAL_LIMIT,
            f"This loan has been renewed {loan.renewals} times; the limit is {policy.renewals}.",
            {**ctx, "renewals": loan.renewals, "limit": policy.renewals},
        )
    if not renew_overdue and today > loan.due_at.date():
        return Refusal(
            RefusalCode.LOAN_OVERDUE,
            "Overdue loans cannot be renewed; please return the item.",
            {**ctx, "due_at": loan.due_at.isoformat()},
        )
    if hold_waiting:
        return Refusal(RefusalCode.HOLD_WAITING, "Another reader is waiting for this item.", ctx)
    return None


def why_cannot_hold(
    reader: ReaderView, policy: Policy, placement: HoldPlacement, *, today: date
) -> Refusal | None:
    """Hold placement guard: reader in good standing, holds allowed by policy and under
    `max_holds` (counted across the network), a pickup branch that accepts holds, at least one
    copy that could ever serve it, and no copy of it already on loan to or held for the reader.
    """
    refusal = _reader_refusal(reader, policy, today)
    if refusal is not None:
        return refusal
    ctx: dict[str, Any] = {"record_id": placement.record_id}
    if placement.item_id is not None:
        ctx["item_id"] = placement.item_id
    if not policy.holds_allowed:
        return Refusal(RefusalCode.HOLDS_NOT_ALLOWED, "Holds are not allowed for this item.", ctx)
    if reader.open_holds >= policy.max_holds:
        return Refusal(
            RefusalCode.HOLD_LIMIT_REACHED,
            f"The reader already has {reader.open_holds} holds; the limit is {policy.max_holds}.",
            {**ctx, "open_holds": reader.open_holds, "limit": policy.max_holds},
        )
    if not placement.pickup_accepts_holds:
        return Refusal(
            RefusalCode.PICKUP_NOT_ACCEPTING_HOLDS,
            f"Branch {placement.pickup_branch} does not accept holds for pickup.",
            {**ctx, "pickup_branch": placement.pickup_branch},
        )
    if placement.holdable_copies <= 0:
        return Refusal(
            RefusalCode.NO_HOLDABLE_COPY, "No copy of this title can be placed on hold.", ctx
        )
    if placement.reader_has_copy_on_loan:
        return Refusal(
            RefusalCode.ALREADY_ON_LOAN_TO_YOU, "The reader already has this on loan.", ctx
        )
    if placement.reader_has_hold:
        return Refusal(
            RefusalCode.ALREADY_ON_HOLD, "The reader already has a hold on this title.", ctx
        )
    return None
