"""Plain read-only views the rules take as input: the service builds them from rows.

Ids are the database's integer keys; org codes are strings. Nothing here is persisted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from unicard.circulation.states import HoldState, ItemStatus, LoanState

__all__ = ["HoldPlacement", "HoldView", "ItemView", "LoanView", "ReaderView", "is_hold_active"]


@dataclass(frozen=True)
class ReaderView:
    """A reader as circulation sees them; counts are across the whole network (一卡通)."""

    id: int
    expires_on: date | None = None  # the card is valid through this day; None = no expiry
    card_lost: bool = False
    blocked: bool = False  # a staff block (fines are judged separately, by policy)
    fines_owed: Decimal = Decimal("0")
    open_loans: int = 0
    open_holds: int = 0


@dataclass(frozen=True)
class ItemView:
    """One copy: where it is, where it belongs, and what it may do."""

    id: int
    record_id: int
    status: ItemStatus
    branch: str  # where the copy is now (the branch whose shelf or desk has it)
    home_branch: str
    holdable: bool = True
    not_for_loan: bool = False
    hold_reader_id: int | None = None  # whose hold it waits for, when on the hold shelf


@dataclass(frozen=True)
class LoanView:
    id: int
    item_id: int
    reader_id: int
    due_at: datetime
    renewals: int = 0  # renewals already used
    state: LoanState = LoanState.OPEN


@dataclass(frozen=True)
class HoldView:
    """A hold in the queue of one record; item-level when `item_id` is set.

    Queue order is (placed_at, id): first come, first served.
    """

    id: int
    reader_id: int
    record_id: int
    pickup_branch: str
    placed_at: datetime
    item_id: int | None = None
    state: HoldState = HoldState.WAITING
    suspended_until: date | None = None  # competes again from this day on

    @property
    def queue_key(self) -> tuple[datetime, int]:
        return (self.placed_at, self.id)


def is_hold_active(hold: HoldView, today: date) -> bool:
    """A hold competes for copies when it is waiting (or suspended) and `suspended_until`,
    if set, has come. A suspension without an end date lasts until the reader resumes it.
    """
    if hold.state is HoldState.WAITING:
        return hold.suspended_until is None or hold.suspended_until <= today
    if hold.state is HoldState.SUSPENDED:
        return hold.suspended_until is not None and hold.suspended_until <= today
    return False


@dataclass(frozen=True)
class HoldPlacement:
    """What a reader asks for when placing a hold, with the facts the service looked up."""

    record_id: int
    pickup_branch: str
    pickup_accepts_holds: bool
    item_id: int | None = None
    # Copies that could ever serve the hold: holdable and not missing/lost/withdrawn/damaged.
    holdable_copies: int = 1
    reader_has_copy_on_loan: bool = False  # of this record (or this item, item-level)
    reader_has_hold: bool = False  # an open hold on the same record already
