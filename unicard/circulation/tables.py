"""Piccolo tables of circulation: loans, holds (with their hold-shelf entries), transits, fees.

The copy's own status, current branch and home live in the catalogue's `item` row (the search
document reads them from there); everything else about circulating it lives here. Constraints
the ORM cannot declare back the locks taken by the services (raw migration of this app):

- `loan_one_open_per_item`: at most one loan per item that is not closed;
- `hold_one_assignment_per_copy`: a copy is captured for at most one hold in transit or on
  the hold shelf;
- `hold_one_open_per_reader_record`: one open hold per reader and record;
- `transit_one_open_per_item`: a copy travels on at most one transit at a time.
"""

from __future__ import annotations

from decimal import Decimal

from piccolo.columns import (
    BigInt,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from unicard.catalogue.tables import BibRecord, Item
from unicard.network.tables import Org
from unicard.readers.tables import Reader

__all__ = ["Fee", "FeePayment", "Hold", "Loan", "Transit"]


class Loan(Table, tablename="loan"):
    """One copy lent to one reader at one desk; closed at check-in (or when settled)."""

    # Open loans are found by `loan_one_open_per_item` (raw migration); a full index on item
    # would be one more B-tree written by every check-out and check-in.
    item = ForeignKey(Item)
    record = BigInt()  # the item's record when lent: "already on loan to you" per title
    reader = ForeignKey(Reader, index=True)
    # On PostgreSQL the two branch keys are not constraints: `org` refuses to lose a branch
    # that has loans instead (migration circulation_2026_11_22t22_00_00).
    checkout_org = ForeignKey(Org)
    checked_out_at = Timestamptz()
    due_at = Timestamptz()
    renewals = Integer(default=0)
    last_renewed_at = Timestamptz(null=True, default=None)
    state = Varchar(length=16, default="open")  # circulation.states.LoanState
    # When the overdue fine stopped: the day the loan was declared lost or claimed returned.
    fine_stopped_at = Timestamptz(null=True, default=None)
    checkin_org = ForeignKey(Org, null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    # The policy's loan limit when lent; checked again under the reader's lock on PostgreSQL
    # (migration 2026-11-22T18:20).
    loan_limit = Integer(null=True, default=None)


class Hold(Table, tablename="hold"):
    """A reader's request for a title (any copy) or one item, for pickup at a branch.

    Queue order per record is (placed_at, id). `target_item` is the latest targeting result
    (the pull list: a copy on a shelf that should be fetched); `assigned_item` is the copy
    captured for it once in transit or on the hold shelf. A hold on the shelf is also the
    hold-shelf entry: `shelved_at`, `expires_on` (last pickup day); after it expires or is
    cancelled the copy stays physically on the shelf until staff clear it (`shelf_cleared_at`),
    following `clear_instruction`.
    """

    reader = ForeignKey(Reader, index=True)
    record = ForeignKey(BibRecord, index=True)
    item = ForeignKey(Item, null=True, default=None)  # item-level hold: this copy only
    pickup_org = ForeignKey(Org, index=True)
    placed_at = Timestamptz()
    placed_by = Varchar(length=16, default="reader")  # reader | staff
    state = Varchar(length=16, default="waiting")  # circulation.states.HoldState
    suspended_until = Date(null=True, default=None)
    target_item = BigInt(null=True, default=None, index=True)
    targeted_at = Timestamptz(null=True, default=None)
    assigned_item = BigInt(null=True, default=None, index=True)
    shelved_at = Timestamptz(null=True, default=None)
    expires_on = Date(null=True, default=None)
    shelf_cleared_at = Timestamptz(null=True, default=None)
    clear_instruction = Varchar(length=200, default="")
    closed_at = Timestamptz(null=True, default=None)
    closed_by = Varchar(length=16, default="")  # reader | staff | system


class Transit(Table, tablename="transit"):
    """A copy travelling between branches: to its pickup branch for a hold, or home.

    Created at check-in (the desk puts it in the outgoing bin), optionally dispatched (the van
    took it), received where it is scanned next.
    """

    item = ForeignKey(Item, index=True)
    from_org = ForeignKey(Org, index=True)
    to_org = ForeignKey(Org, index=True)
    hold = ForeignKey(Hold, null=True, default=None)
    reason = Varchar(length=16)  # hold | home
    state = Varchar(length=16, default="open")  # open | received | cancelled
    created_at = Timestamptz()
    dispatched_at = Timestamptz(null=True, default=None)
    received_at = Timestamptz(null=True, default=None)
    received_org = ForeignKey(Org, null=True, default=None)


class Fee(Table, tablename="fee"):
    """Money a reader owes: an overdue fine or a lost / damaged / processing fee.

    `balance` is what is still owed; the reader's `fines_owed` is the sum of open balances,
    kept in step in the same transaction. `org` is where it was charged (waivers are scoped
    to it).
    """

    reader = ForeignKey(Reader, index=True)
    kind = Varchar(length=16)  # overdue | lost | damaged
    loan = ForeignKey(Loan, null=True, default=None, index=True)
    item = BigInt(null=True, default=None)
    org = ForeignKey(Org)
    amount = Numeric(digits=(10, 2), default=Decimal("0"))
    balance = Numeric(digits=(10, 2), default=Decimal("0"))
    state = Varchar(length=16, default="open")  # open | settled
    created_at = Timestamptz()
    note = Varchar(length=400, default="")


class FeePayment(Table, tablename="fee_payment"):
    """One movement on a fee: a payment, a waiver by staff, or a credit when a lost copy is
    found."""

    fee = ForeignKey(Fee, index=True)
    reader = ForeignKey(Reader, index=True)
    kind = Varchar(length=16)  # payment | waiver | found
    amount = Numeric(digits=(10, 2), default=Decimal("0"))
    staff = BigInt(null=True, default=None)
    org = ForeignKey(Org)
    at = Timestamptz()
    note = Varchar(length=400, default="")
