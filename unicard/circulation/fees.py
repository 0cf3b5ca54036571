"""Money and copies that do not come back in order: pay and waive fees; declare a copy lost,
claimed returned, damaged or missing (with their fees, `circulation.fines`), repair it.

Fees are rows of `fee` with a running `balance`; the reader's `fines_owed` is the sum of open
balances and changes in the same transaction as the fee. Outstanding fines at or above the
policy's `block_fine_threshold` refuse borrowing, renewing and holds (`guards.fines_block`).
A lost fee is two rows, the replacement charge and the processing fee, so that a copy found
later cancels (or refunds) exactly the replacement charge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from unicard.audit import Actor
from unicard.circulation.common import (
    Changes,
    Desk,
    as_utc,
    for_update,
    local,
    money,
    raise_transition,
)
from unicard.circulation.fines import FeeSchedule, replacement_charge
from unicard.circulation.network_cache import VERSION_SQL, snapshot
from unicard.circulation.queue import ITEM_COLUMNS, load_queue, retarget
from unicard.circulation.services import (
    _ensure_desk,
    _item_not_found,
    _Translate,
    charge_fee,
    close_loan,
)
from unicard.circulation.sql import execute, fetch
from unicard.circulation.states import (
    HoldAction,
    HoldState,
    InvalidTransition,
    ItemAction,
    ItemStatus,
    LoanAction,
    LoanState,
    advance,
)
from unicard.clock import Clock
from unicard.db import read_transaction, write_transaction
from unicard.errors import InvalidInput, NotFound, RuleViolation
from unicard.readers.permissions import Action, StaffPrincipal, ensure_allowed

__all__ = [
    "DEFAULT_FEES",
    "FeeLine",
    "ItemStatusChange",
    "PaymentReceipt",
    "claim_returned",
    "declare_lost",
    "declare_missing",
    "found_credit",
    "list_fees",
    "mark_damaged",
    "pay_fines",
    "repair",
    "resolve_claim",
    "waive_fee",
]

# Network-wide charges for copies that do not come back in order.
DEFAULT_FEES = FeeSchedule(processing_fee=Decimal("5.00"), default_price=Decimal("30.00"))


@dataclass(frozen=True)
class FeeLine:
    id: int
    kind: str
    amount: Decimal
    balance: Decimal
    state: str
    created_at: datetime
    org: str
    loan_id: int | None
    item_id: int | None
    barcode: str | None
    title: str | None
    note: str


@dataclass(frozen=True)
class PaymentReceipt:
    reader_id: int
    paid: Decimal
    fines_owed: Decimal
    fees: tuple[int, ...]


@dataclass(frozen=True)
class ItemStatusChange:
    barcode: str
    item_status: str
    loan_id: int | None = None
    loan_state: str | None = None
    fine: Decimal = Decimal("0.00")
    fees: Decimal = Decimal("0.00")
    released_hold: int | None = None


def _amount(value: Any, what: str = "amount") -> Decimal:
    try:
        amount = money(value)
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{what} {value!r} is not an amount of money",
                           code="amount-invalid") from None
    if amount <= 0:
        raise InvalidInput(f"{what} must be more than 0", code="amount-invalid")
    return amount


async def _reader_id_by_card(card_number: str, lock: bool) -> int:
    rows = await fetch("SELECT r.id FROM card c JOIN reader r ON r.id = c.reader "
                       "WHERE c.number = ?" + (for_update("r") if lock else ""),
                       [card_number.strip()])
    if not rows:
        raise NotFound(f"no reader with card number {card_number}", code="reader-not-found",
                       card_number=card_number)
    return int(rows[0]["id"])


async def list_fees(*, reader_id: int | None = None, card_number: str | None = None,
                    include_settled: bool = False) -> list[FeeLine]:
    async with read_transaction():
        if reader_id is None:
            assert card_number is not None
            reader_id = await _reader_id_by_card(card_number, lock=False)
        net = await snapshot()
        rows = await fetch(
            "SELECT f.id, f.kind, f.amount, f.balance, f.state, f.created_at, f.org, f.loan, "
            "f.item, f.note, i.barcode, b.title FROM fee f "
            "LEFT JOIN item i ON i.id = f.item LEFT JOIN bib_record b ON b.id = i.record "
            "WHERE f.reader = ?" + ("" if include_settled else " AND f.state = 'open'")
            + " ORDER BY f.created_at, f.id", [reader_id])
    return [FeeLine(int(r["id"]), r["kind"], money(r["amount"]), money(r["balance"]), r["state"],
                    as_utc(r["created_at"]), net.code(r["org"]), r["loan"], r["item"],  # type: ignore[arg-type]
                    r["barcode"], r["title"], r["note"]) for r in rows]


async def _apply_to_fee(fee: dict[str, Any], amount: Decimal, kind: str, actor: Actor,
                        org_id: int, now: datetime, changes: Changes, note: str = "") -> None:
    """Move `amount` off a fee's balance (payment, waiver or found credit) and off the
    reader's total; a lost loan whose charges are all settled closes (the copy stays lost)."""
    balance = money(fee["balance"]) - amount
    await execute("UPDATE fee SET balance = ?, state = ? WHERE id = ?",
                  [balance, "open" if balance > 0 else "settled", fee["id"]])
    await execute("INSERT INTO fee_payment (fee, reader, kind, amount, staff, org, at, note) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  [fee["id"], fee["reader"], kind, amount,
                   actor.id if actor.kind == "staff" else None, org_id, now, note])
    await execute("UPDATE reader SET fines_owed = ROUND(fines_owed - ?, 2) WHERE id = ?",
                  [amount, fee["reader"]])
    changes.event(f"fee.{kind}", "fee", fee["id"], {"amount": str(amount),
                                                    "balance": str(balance), "note": note})
    if balance <= 0 and fee["loan"] is not None and fee["kind"] in ("lost", "processing"):
        loans = await fetch("SELECT l.state FROM loan l WHERE l.id = ? AND l.state = 'lost' "
                            "AND NOT EXISTS (SELECT 1 FROM fee f WHERE f.loan = l.id "
                            "AND f.state = 'open' AND f.kind IN ('lost', 'processing'))",
                            [fee["loan"]])
        if loans:
            advance(LoanState.LOST, LoanAction.SETTLE)
            await execute("UPDATE loan SET state = 'closed', closed_at = ? WHERE id = ?",
                          [now, fee["loan"]])
            changes.event("loan.settled", "loan", fee["loan"], {})


async def pay_fines(card_number: str, amount: Any, desk: Desk, clock: Clock,
                    fee_ids: list[int] | None = None) -> PaymentReceipt:
    """A payment at any desk, applied to the chosen fees or else the oldest first."""
    paid = _amount(amount)
    now = clock.now()
    async with write_transaction():
        net = await snapshot()
        _ensure_desk(net, desk)
        reader_id = await _reader_id_by_card(card_number, lock=True)
        fees = await fetch("SELECT id, reader, kind, loan, balance FROM fee "
                           "WHERE reader = ? AND state = 'open' ORDER BY created_at, id",
                           [reader_id])
        if fee_ids:
            wanted = set(fee_ids)
            fees = [f for f in fees if f["id"] in wanted]
            if len(fees) != len(wanted):
                raise NotFound("some of these fees are not open fees of this reader",
                               code="fee-not-found", fee_ids=sorted(wanted))
        owed = sum((money(f["balance"]) for f in fees), Decimal("0.00"))
        if paid > owed:
            raise RuleViolation(f"the payment {paid} is more than the {owed} owed",
                                code="payment-exceeds-balance", owed=str(owed))
        changes = Changes(desk.actor, now, desk.at_org)
        remaining, touched = paid, []
        for fee in fees:
            if remaining <= 0:
                break
            part = min(remaining, money(fee["balance"]))
            await _apply_to_fee(fee, part, "payment", desk.actor, net.ids[desk.at_org], now,
                                changes)
            remaining -= part
            touched.append(int(fee["id"]))
        total = await fetch("SELECT fines_owed FROM reader WHERE id = ?", [reader_id])
        await changes.flush()
    return PaymentReceipt(reader_id, paid, money(total[0]["fines_owed"]), tuple(touched))


async def waive_fee(fee_id: int, staff: StaffPrincipal, reason: str, clock: Clock,
                    amount: Any = None) -> FeeLine:
    """Staff waive all or part of a fee charged within their scope, with a reason."""
    if not reason.strip():
        raise InvalidInput("a waiver needs a reason", code="reason-missing")
    now = clock.now()
    async with write_transaction():
        net = await snapshot()
        rows = await fetch("SELECT f.id, f.reader, f.kind, f.loan, f.balance, f.org, f.state "
                           "FROM fee f WHERE f.id = ?" + for_update("f"), [fee_id])
        if not rows:
            raise NotFound(f"no fee {fee_id}", code="fee-not-found", fee_id=fee_id)
        fee = rows[0]
        org = net.code(fee["org"])
        ensure_allowed(staff, Action.CIRCULATE, net.tree.path(org))
        if fee["state"] != "open":
            raise RuleViolation("this fee is already settled", code="fee-settled",
                                fee_id=fee_id)
        balance = money(fee["balance"])
        part = balance if amount is None else _amount(amount)
        if part > balance:
            raise RuleViolation(f"cannot waive {part}: only {balance} is owed",
                                code="waiver-exceeds-balance", balance=str(balance))
        actor = Actor("staff", staff.staff_id, staff.username)
        changes = Changes(actor, now, org)
        await _apply_to_fee(fee, part, "waiver", actor, fee["org"], now, changes,
                            reason.strip())
        await changes.flush()
    return next(f for f in await list_fees(reader_id=int(fee["reader"]), include_settled=True)
                if f.id == fee_id)


async def found_credit(loan_id: int, reader_id: int, now: datetime, at_id: int,
                       changes: Changes) -> Decimal:
    """A copy charged as lost is found: the unpaid replacement charge is cancelled; what was
    already paid of it is returned as the refund due (`fines.refund_when_found`)."""
    fees = await fetch("SELECT id, reader, kind, loan, amount, balance FROM fee "
                       "WHERE loan = ? AND kind = 'lost'", [loan_id])
    refund = Decimal("0.00")
    for fee in fees:
        balance = money(fee["balance"])
        if balance > 0:
            await _apply_to_fee(fee, balance, "found", changes.actor, at_id, now, changes,
                                "copy found")
        refund += money(fee["amount"]) - balance
    if refund > 0:
        changes.event("fee.refund_due", "reader", reader_id,
                      {"loan_id": loan_id, "amount": str(refund)})
    return refund


# ------------------------------------------------------------------------ item statuses

_ITEM_WITH_LOAN = (
    f"SELECT {ITEM_COLUMNS}, "
    "l.id AS loan_id, l.reader AS loan_reader, l.checkout_org, l.due_at, l.state AS loan_state, "
    "r.category AS reader_category, "
    "t.id AS transit_id, h.id AS hold_id, h.state AS hold_state, "
    f"{VERSION_SQL} AS network_version "
    "FROM item i "
    "LEFT JOIN loan l ON l.item = i.id AND l.state <> 'closed' "
    "LEFT JOIN reader r ON r.id = l.reader "
    "LEFT JOIN transit t ON t.item = i.id AND t.state = 'open' "
    "LEFT JOIN hold h ON h.assigned_item = i.id AND h.state IN ('in_transit', 'ready') "
    "WHERE i.barcode = ?"
)


async def _load_item(barcode: str, desk: Desk) -> tuple[dict[str, Any], Any]:
    rows = await fetch(_ITEM_WITH_LOAN + for_update("i"), [barcode])
    if not rows:
        raise _item_not_found(barcode)
    net = await snapshot(rows[0]["network_version"])
    _ensure_desk(net, desk)
    return rows[0], net


def _next_status(status: str, action: ItemAction, barcode: str) -> ItemStatus:
    try:
        return advance(ItemStatus(status), action)
    except InvalidTransition as exc:
        raise_transition(exc, barcode=barcode)


async def _set_item_status(row: dict[str, Any], status: ItemStatus, now: datetime,
                           changes: Changes) -> None:
    await execute("UPDATE item SET status = ?, updated_at = ? WHERE id = ?",
                  [status.value, now, row["id"]])
    changes.event("item.status", "item", row["id"],
                  {"from": row["status"], "to": status.value, "barcode": row["barcode"]})
    changes.availability(int(row["record"]))


async def _release(row: dict[str, Any], now: datetime, changes: Changes) -> int | None:
    """The copy can no longer travel or wait for its hold: the hold goes back to the queue,
    the transit is cancelled."""
    if row["transit_id"] is not None:
        await execute("UPDATE transit SET state = 'cancelled', received_at = ? WHERE id = ?",
                      [now, row["transit_id"]])
        changes.event("transit.cancelled", "item", row["id"], {"transit_id": row["transit_id"]})
    if row["hold_id"] is None:
        return None
    try:
        advance(HoldState(row["hold_state"]), HoldAction.RELEASE)
    except InvalidTransition as exc:
        raise_transition(exc, hold_id=row["hold_id"])
    await execute("UPDATE hold SET state = 'waiting', assigned_item = NULL, shelved_at = NULL, "
                  "expires_on = NULL WHERE id = ?", [row["hold_id"]])
    changes.event("hold.released", "hold", row["hold_id"], {"item_id": row["id"]})
    return int(row["hold_id"])


async def _lost_fees(row: dict[str, Any], net: Any, fees: FeeSchedule, kind: str,
                     now: datetime, changes: Changes, repair_cost: Decimal | None = None
                     ) -> Decimal:
    price = money(row["price"]) if row["price"] is not None else None
    org_id = int(row["home_org"])
    reader_id, loan_id = int(row["loan_reader"]), int(row["loan_id"])
    if repair_cost is not None:
        await charge_fee(reader_id, kind, repair_cost, org_id, now, changes, loan_id=loan_id,
                         item_id=int(row["id"]), note="repair")
        return repair_cost
    replacement = replacement_charge(price, fees)
    await charge_fee(reader_id, kind, replacement, org_id, now, changes, loan_id=loan_id,
                     item_id=int(row["id"]), note="replacement")
    await charge_fee(reader_id, "processing", fees.processing_fee, org_id, now, changes,
                     loan_id=loan_id, item_id=int(row["id"]), note="processing")
    return replacement + fees.processing_fee


def _require_loan(row: dict[str, Any], barcode: str) -> None:
    if row["loan_id"] is None:
        raise NotFound(f"item {barcode} is not on loan", code="loan-not-found", barcode=barcode)


async def declare_lost(barcode: str, desk: Desk, clock: Clock,
                       fees: FeeSchedule = DEFAULT_FEES) -> ItemStatusChange:
    """The borrower lost the copy: the overdue fine stops today, the replacement charge and
    the processing fee are charged, the copy is recorded lost."""
    barcode = barcode.strip()
    now = clock.now()
    async with _Translate(), write_transaction():
        row, net = await _load_item(barcode, desk)
        _require_loan(row, barcode)
        status = _next_status(row["status"], ItemAction.DECLARE_LOST, barcode)
        changes = Changes(desk.actor, now, desk.at_org)
        fine = await close_loan(row, LoanAction.DECLARE_LOST, net, desk.at_org, now, changes,
                                clock)
        charged = await _lost_fees(row, net, fees, "lost", now, changes)
        await _set_item_status(row, status, now, changes)
        await changes.flush()
    return ItemStatusChange(barcode, status.value, int(row["loan_id"]), "lost", fine, charged)


async def claim_returned(barcode: str, desk: Desk, clock: Clock) -> ItemStatusChange:
    """The reader says the copy was returned: fines stop (charged up to today), nothing else
    is charged while staff look for it."""
    barcode = barcode.strip()
    now = clock.now()
    async with _Translate(), write_transaction():
        row, net = await _load_item(barcode, desk)
        _require_loan(row, barcode)
        status = _next_status(row["status"], ItemAction.CLAIM_RETURNED, barcode)
        changes = Changes(desk.actor, now, desk.at_org)
        fine = await close_loan(row, LoanAction.CLAIM_RETURNED, net, desk.at_org, now, changes,
                                clock)
        await _set_item_status(row, status, now, changes)
        await changes.flush()
    return ItemStatusChange(barcode, status.value, int(row["loan_id"]), "claims_returned", fine)


async def resolve_claim(barcode: str, accept: bool, desk: Desk, clock: Clock,
                        fees: FeeSchedule = DEFAULT_FEES) -> ItemStatusChange:
    """Accepted: the loan closes and the library records the copy missing. Rejected: the
    copy is declared lost on the reader's account."""
    if not accept:
        return await declare_lost(barcode, desk, clock, fees)
    barcode = barcode.strip()
    now = clock.now()
    async with _Translate(), write_transaction():
        row, net = await _load_item(barcode, desk)
        _require_loan(row, barcode)
        if row["loan_state"] != LoanState.CLAIMS_RETURNED.value:
            raise RuleViolation("this loan has no open claim", code="no-claim",
                                barcode=barcode)
        status = _next_status(row["status"], ItemAction.DECLARE_MISSING, barcode)
        changes = Changes(desk.actor, now, desk.at_org)
        await close_loan(row, LoanAction.ACCEPT_CLAIM, net, desk.at_org, now, changes, clock)
        await _set_item_status(row, status, now, changes)
        await changes.flush()
    return ItemStatusChange(barcode, status.value, int(row["loan_id"]), "closed")


async def mark_damaged(barcode: str, desk: Desk, clock: Clock, *,
                       repair_cost: Any = None,
                       fees: FeeSchedule = DEFAULT_FEES) -> ItemStatusChange:
    """A damaged copy leaves circulation. Returned damaged from a loan: the loan closes (with
    its overdue fine) and the reader is charged the repair cost staff enter, or, beyond
    repair, the replacement charge and the processing fee."""
    barcode = barcode.strip()
    cost = _amount(repair_cost, "repair_cost") if repair_cost is not None else None
    now = clock.now()
    today = local(now, clock).date()
    async with _Translate(), write_transaction():
        row, net = await _load_item(barcode, desk)
        status = _next_status(row["status"], ItemAction.MARK_DAMAGED, barcode)
        changes = Changes(desk.actor, now, desk.at_org)
        fine, charged, released = Decimal("0.00"), Decimal("0.00"), None
        if row["loan_id"] is not None:
            fine = await close_loan(row, LoanAction.CHECK_IN, net, desk.at_org, now, changes,
                                    clock)
            charged = await _lost_fees(row, net, fees, "damaged", now, changes, cost)
        else:
            released = await _release(row, now, changes)
        await execute("UPDATE item SET current_org = ? WHERE id = ?",
                      [net.ids[desk.at_org], row["id"]])
        await _set_item_status(row, status, now, changes)
        if released is not None:
            queue = await load_queue(int(row["record"]), net)
            await retarget(queue, net, today, now, changes)
        await changes.flush()
    return ItemStatusChange(barcode, status.value, row["loan_id"],
                            "closed" if row["loan_id"] else None, fine, charged, released)


async def declare_missing(barcode: str, desk: Desk, clock: Clock) -> ItemStatusChange:
    """Not found on the shelf, the hold shelf or in transit: no reader is charged; a hold it
    was captured for goes back to the queue and is targeted again."""
    barcode = barcode.strip()
    now = clock.now()
    today = local(now, clock).date()
    async with _Translate(), write_transaction():
        row, net = await _load_item(barcode, desk)
        if row["loan_id"] is not None and row["loan_state"] != LoanState.CLAIMS_RETURNED.value:
            raise RuleViolation("this copy is on loan: declare it lost or claimed returned",
                                code="item-on-loan", barcode=barcode)
        status = _next_status(row["status"], ItemAction.DECLARE_MISSING, barcode)
        changes = Changes(desk.actor, now, desk.at_org)
        if row["loan_id"] is not None:
            await close_loan(row, LoanAction.ACCEPT_CLAIM, net, desk.at_org, now, changes,
                             clock)
        released = await _release(row, now, changes)
        await _set_item_status(row, status, now, changes)
        queue = await load_queue(int(row["record"]), net)
        await retarget(queue, net, today, now, changes)
        await changes.flush()
    return ItemStatusChange(barcode, status.value, row["loan_id"], None,
                            released_hold=released)


async def repair(barcode: str, desk: Desk, clock: Clock) -> ItemStatusChange:
    """A repaired copy is back on the shelf where it is; holds are targeted again."""
    barcode = barcode.strip()
    now = clock.now()
    today = local(now, clock).date()
    async with _Translate(), write_transaction():
        row, net = await _load_item(barcode, desk)
        status = _next_status(row["status"], ItemAction.REPAIR, barcode)
        changes = Changes(desk.actor, now, desk.at_org)
        await execute("UPDATE item SET current_org = ? WHERE id = ?",
                      [net.ids[desk.at_org], row["id"]])
        await _set_item_status(row, status, now, changes)
        queue = await load_queue(int(row["record"]), net)
        await retarget(queue, net, today, now, changes)
        await changes.flush()
    return ItemStatusChange(barcode, status.value)

