"""Desk use cases of circulation: check out, check in (and receive a transit), renew.

One transaction per use case (`write_transaction`). Lock order everywhere: the item row first
(PostgreSQL `FOR UPDATE`; SQLite's writers are queued), then the reader row (when its fines
change), then the record's hold queue (`queue.lock_record`). Unique partial indexes back the
locks (see `tables`). A check-out or a check-in is one read that brings everything the rules
need, then one `sql.WriteBatch` (a single statement on PostgreSQL, inline statements on
SQLite). The network (tree, policies, calendars) comes from `network_cache`, checked against
its version in that first read.

On PostgreSQL the common check-out and check-in (no hold, transit or lost copy involved) are
first tried in two round trips instead of four (`db.single_statements`): the read takes no
lock, and the one write statement is guarded by the versions of the rows it updates
(`WriteBatch.guard`). Anything else (a case that needs more than one write, a row that
changed, any refusal) is decided again the locking way, so refusals and races are judged
exactly as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from unicard.circulation.common import (
    Changes,
    Desk,
    as_bool,
    as_utc,
    for_update,
    item_view,
    local,
    raise_refusal,
    raise_transition,
    reader_view,
)
from unicard.circulation.due_dates import due_date, renewal_due_date
from unicard.circulation.fines import overdue_fine
from unicard.circulation.guards import why_cannot_borrow, why_cannot_renew
from unicard.circulation.network_cache import VERSION_SQL, NetworkSnapshot, snapshot
from unicard.circulation.queue import (
    ITEM_COLUMNS,
    QueuedHold,
    RoutingOutcome,
    apply_routing,
    check_captured,
    copy_view,
    load_queue,
    retarget,
)
from unicard.circulation.routing import DeskAction
from unicard.circulation.sql import LockNeeded, Ref, WriteBatch, execute, fetch
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
from unicard.circulation.targeting import copy_needed_for_holds
from unicard.circulation.views import HoldView, LoanView
from unicard.clock import Clock
from unicard.db import is_sqlite, single_statements, write_transaction
from unicard.errors import Conflict, Forbidden, NotFound, RuleViolation, UnicardError
from unicard.readers.card_numbers import has_card_shape
from unicard.readers.permissions import Action, ensure_allowed

__all__ = [
    "CheckinReceipt",
    "LoanReceipt",
    "charge_fee",
    "check_in",
    "check_out",
    "close_loan",
    "is_integrity_error",
    "loan_fine",
    "receive_transit",
    "renew",
    "renew_online",
]


@dataclass(frozen=True)
class LoanReceipt:
    loan_id: int
    barcode: str
    title: str
    reader_id: int
    card_number: str
    reader_name: str
    checkout_org: str
    checked_out_at: datetime
    due_at: datetime  # local time of the network
    renewals: int
    hold_fulfilled: int | None = None


@dataclass(frozen=True)
class CheckinReceipt:
    """One clear instruction for the desk, and what the check-in did."""

    barcode: str
    title: str
    action: str  # shelve | hold_shelf | send_to
    destination: str
    instruction: str
    item_status: str
    loan_id: int | None = None
    reader_id: int | None = None  # whose loan was closed
    fine: Decimal = Decimal("0.00")
    hold_id: int | None = None
    hold_reader_id: int | None = None
    hold_card_number: str | None = None
    hold_reader_name: str | None = None
    hold_expires_on: date | None = None
    transit_id: int | None = None
    transit_received: int | None = None
    new_home: str | None = None
    refund_due: Decimal = Decimal("0.00")


def _ensure_desk(net: NetworkSnapshot, desk: Desk) -> None:
    net.require_service_point(desk.at_org)
    ensure_allowed(desk.staff, Action.CIRCULATE, net.tree.path(desk.at_org))


def _item_not_found(barcode: str) -> NotFound:
    if has_card_shape(barcode):
        return NotFound(f"{barcode} is a reader card number, not an item barcode",
                        code="not-an-item-barcode", barcode=barcode)
    return NotFound(f"no item with barcode {barcode}", code="item-not-found", barcode=barcode)


def _translate_integrity(exc: Exception) -> Exception | None:
    """Constraint violations that mean a concurrent request won: name them for the desk."""
    text = str(exc)
    if "loan_one_open_per_item" in text or "loan.item" in text:
        return Conflict("this item is already on loan", code="item-on-loan")
    if "hold_one_assignment_per_copy" in text or "hold.assigned_item" in text:
        return Conflict("this copy was just captured for another hold; scan it again",
                        code="hold-changed")
    if "transit_one_open_per_item" in text or "transit.item" in text:
        return Conflict("this copy is already in transit", code="item-in-transit")
    if "hold_one_open_per_reader_record" in text or "hold.reader, hold.record" in text:
        return Conflict("the reader already has a hold on this title", code="already-on-hold")
    if "loan-limit-reached" in text:  # the loan_limit trigger: another desk lent first
        return RuleViolation("the reader reached the loan limit at another desk just now",
                             code="loan-limit-reached")
    return None


def is_integrity_error(exc: BaseException) -> bool:
    name = type(exc).__name__
    return (name in ("IntegrityError", "UniqueViolationError", "CheckViolationError")
            or "UNIQUE constraint" in str(exc))


class _Translate:
    """`async with _Translate():` turns constraint violations into domain conflicts."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is not None and is_integrity_error(exc):
            translated = _translate_integrity(exc)  # type: ignore[arg-type]
            if translated is not None:
                raise translated from exc


# ---------------------------------------------------------------------------- check out

# One read for the whole check-out: the copy (locked), its hold-shelf hold, whether a hold
# targets it, the reader behind the card with their open loans and own waiting hold on this
# title, and the network version.
_CHECKOUT = (
    f"SELECT {ITEM_COLUMNS}, b.title, h.id AS hold_id, h.reader AS hold_reader, "
    "EXISTS (SELECT 1 FROM hold t WHERE t.target_item = i.id "
    "AND t.state IN ('waiting', 'suspended')) AS targeted, "
    "r.id AS reader_id, r.name AS reader_name, r.card_number, r.category, "
    "r.status AS reader_status, r.expires_on, r.fines_owed, c.state AS card_state, "
    "(SELECT count(*) FROM loan l WHERE l.reader = r.id AND l.state = 'open') AS open_loans, "
    "(SELECT min(q.id) FROM hold q WHERE q.reader = r.id AND q.record = i.record "
    "AND q.state IN ('waiting', 'suspended') AND (q.item IS NULL OR q.item = i.id)) "
    "AS own_hold, "
    f"{VERSION_SQL} AS network_version "
    "FROM item i JOIN bib_record b ON b.id = i.record "
    "LEFT JOIN hold h ON h.assigned_item = i.id AND h.state = 'ready' "
    "LEFT JOIN card c ON c.number = ? LEFT JOIN reader r ON r.id = c.reader "
    "WHERE i.barcode = ?"
)


_R = TypeVar("_R")


def _reader_not_found(card_number: str) -> NotFound:
    code = "reader-not-found" if has_card_shape(card_number) else "not-a-card-number"
    return NotFound(f"no reader with card number {card_number}", code=code,
                    card_number=card_number)


async def _unlocked_first(use_case: Callable[[bool], Awaitable[_R]], *,
                          try_unlocked: bool = True) -> _R:
    """Run `use_case(locked)`: on PostgreSQL first without locks in two round trips
    (`single_statements`), then, if that needs the lock or refuses, again in a locking
    transaction, which decides every refusal and race; SQLite only the locking way."""
    if try_unlocked and not is_sqlite():
        try:
            async with single_statements():
                return await use_case(False)
        except (LockNeeded, UnicardError):
            pass  # decided again under the lock
    async with write_transaction():
        return await use_case(True)


def _versioned(sql: str, *aliases: str) -> str:
    """The read of an unlocked try: the row versions (`xmin`) its guarded write will check."""
    versions = "".join(f"{a}.xmin::text AS {a}_version, " for a in aliases)
    return sql.replace("SELECT ", f"SELECT {versions}", 1)


_CHECKOUT_VERSIONED = _versioned(_CHECKOUT, "i")


async def check_out(card_number: str, barcode: str, desk: Desk, clock: Clock) -> LoanReceipt:
    """Lend the item to the reader at the desk. Refusals (guards) come reader first, then
    item. The due date follows the effective policy at the desk and the desk's calendar;
    loan limits count the reader's open loans across the whole network; on PostgreSQL the
    `loan_limit` trigger counts again under the reader's row lock, so two desks lending to one
    reader at the same instant cannot pass the limit together."""
    card_number, barcode = card_number.strip(), barcode.strip()
    return await _unlocked_first(
        lambda locked: _check_out(card_number, barcode, desk, clock, locked=locked))


async def _check_out(card_number: str, barcode: str, desk: Desk, clock: Clock, *,
                     locked: bool) -> LoanReceipt:
    now = clock.now()
    today = local(now, clock).date()
    async with _Translate():
        if locked:
            rows = await fetch(_CHECKOUT + for_update("i"), [card_number, barcode])
        else:
            rows = await fetch(_CHECKOUT_VERSIONED, [card_number, barcode])
        if not rows:
            raise _item_not_found(barcode)
        row = rows[0]
        if not locked and (row["hold_id"] or row["own_hold"] is not None
                           or as_bool(row["targeted"])):
            raise LockNeeded("holds are involved")
        net = await snapshot(row["network_version"])
        _ensure_desk(net, desk)
        if row["reader_id"] is None:
            raise _reader_not_found(card_number)
        reader = reader_view({"id": row["reader_id"], "status": row["reader_status"],
                              "expires_on": row["expires_on"], "fines_owed": row["fines_owed"],
                              "card_state": row["card_state"]},
                             open_loans=int(row["open_loans"]))
        view = item_view(row, net.codes,
                         hold_reader_id=row["hold_reader"] if row["hold_id"] else None)
        policy = net.policy(desk.at_org, row["category"], row["item_type"])
        refusal = why_cannot_borrow(reader, view, policy, today=today)
        if refusal is not None:
            raise_refusal(refusal)
        try:
            new_status = advance(view.status, ItemAction.CHECK_OUT)
        except InvalidTransition as exc:
            raise_transition(exc, barcode=barcode)
        due = due_date(policy, net.calendar(desk.at_org), local(now, clock))
        at_id = net.ids[desk.at_org]
        changes = Changes(desk.actor, now, desk.at_org)
        batch = changes.batch()
        batch.add("INSERT INTO loan (item, record, reader, checkout_org, checked_out_at, due_at, "
                  "renewals, state, loan_limit) VALUES (?, ?, ?, ?, ?, ?, 0, 'open', ?)",
                  [row["id"], row["record"], reader.id, at_id, now, due, policy.max_loans],
                  returning="loan")
        batch.add("UPDATE item SET status = ?, current_org = ?, updated_at = ? WHERE id = ?",
                  [new_status.value, at_id, now, row["id"]])
        if not locked:
            batch.guard("item", row["id"], row["i_version"])
        fulfilled = None
        if row["hold_id"] and row["hold_reader"] == reader.id:
            fulfilled = int(row["hold_id"])
        elif row["own_hold"] is not None:
            fulfilled = int(row["own_hold"])
        if fulfilled is not None:
            advance(HoldState.READY if fulfilled == row["hold_id"] else HoldState.WAITING,
                    HoldAction.FULFIL)
            batch.add("UPDATE hold SET state = 'fulfilled', closed_at = ?, closed_by = 'staff', "
                      "target_item = NULL WHERE id = ?", [now, fulfilled])
            changes.event("hold.fulfilled", "hold", fulfilled, {"item_id": row["id"]})
        changes.event("loan.checked_out", "loan", Ref("loan", as_text=True), {
            "item_id": row["id"], "barcode": barcode, "reader_id": reader.id,
            "due_at": due.isoformat(), "record_id": row["record"]})
        changes.availability(row["record"])
        if as_bool(row["targeted"]):
            await batch.run()
            queue = await load_queue(int(row["record"]), net)
            await retarget(queue, net, today, now, changes)
        await changes.flush(batch)
        loan_id = int(batch.ids["loan"] or 0)
    return LoanReceipt(loan_id, barcode, row["title"], reader.id, row["card_number"],
                       row["reader_name"], desk.at_org, now, due, 0, fulfilled)


# ---------------------------------------------------------------------------- check in

_CHECKIN_ITEM = (
    f"SELECT {ITEM_COLUMNS}, b.title, "
    "l.id AS loan_id, l.reader AS loan_reader, l.checkout_org, l.due_at, l.state AS loan_state, "
    "r.category AS reader_category, "
    "t.id AS transit_id, t.to_org AS transit_to, t.hold AS transit_hold, "
    "h.id AS hold_id, h.state AS hold_state, h.reader AS hold_reader, h.record AS hold_record, "
    "h.item AS hold_item, h.pickup_org AS hold_pickup, h.placed_at AS hold_placed_at, "
    "h.suspended_until AS hold_suspended_until, hr.category AS hold_category, "
    "EXISTS (SELECT 1 FROM hold q WHERE q.record = i.record "
    "AND q.state IN ('waiting', 'suspended')) AS has_queue, "
    "EXISTS (SELECT 1 FROM hold s WHERE s.assigned_item = i.id AND s.shelf_cleared_at IS NULL "
    "AND s.shelved_at IS NOT NULL AND s.state IN ('expired', 'cancelled')) AS uncleared, "
    f"{VERSION_SQL} AS network_version "
    "FROM item i JOIN bib_record b ON b.id = i.record "
    "LEFT JOIN loan l ON l.item = i.id AND l.state <> 'closed' "
    "LEFT JOIN reader r ON r.id = l.reader "
    "LEFT JOIN transit t ON t.item = i.id AND t.state = 'open' "
    "LEFT JOIN hold h ON h.assigned_item = i.id AND h.state IN ('in_transit', 'ready') "
    "LEFT JOIN reader hr ON hr.id = h.reader "
    "WHERE i.barcode = ?"
)


async def charge_fee(reader_id: int, kind: str, amount: Decimal, org_id: int, now: datetime,
                     changes: Changes, *, loan_id: int | None = None,
                     item_id: int | None = None, note: str = "",
                     batch: WriteBatch | None = None) -> None:
    """Add a fee and keep the reader's `fines_owed` in step, in the caller's transaction
    (into `batch` when given, else at once)."""
    if amount <= 0:
        return
    own = batch is None
    batch = changes.batch() if batch is None else batch
    name = f"fee_{len(changes.events)}"
    batch.add("INSERT INTO fee (reader, kind, loan, item, org, amount, balance, state, "
              "created_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)",
              [reader_id, kind, loan_id, item_id, org_id, amount, amount, now, note],
              returning=name)
    batch.add("UPDATE reader SET fines_owed = ROUND(fines_owed + ?, 2) WHERE id = ?",
              [amount, reader_id])
    if own:
        await batch.run()
    changes.event("fee.charged", "fee", batch.ids[name] if own else Ref(name, as_text=True),
                  {"reader_id": reader_id, "kind": kind, "amount": str(amount),
                   "loan_id": loan_id, "item_id": item_id})


def loan_fine(net: NetworkSnapshot, row: dict[str, Any], until: datetime,
              clock: Clock) -> Decimal:
    """The overdue fine of an open loan if it ended at `until` (checkout branch's policy and
    calendar, for the borrower's category and the item's type)."""
    checkout = net.code(row["checkout_org"])
    policy = net.policy(checkout, row["reader_category"], row["item_type"])
    due = as_utc(row["due_at"])
    assert due is not None
    return overdue_fine(policy, net.calendar(checkout), local(due, clock), local(until, clock))


async def close_loan(row: dict[str, Any], action: LoanAction, net: NetworkSnapshot,
                     at_org: str | None, now: datetime, changes: Changes,
                     clock: Clock, batch: WriteBatch | None = None) -> Decimal:
    """Close (or otherwise move) the loan in `row` (`loan_id`, `loan_state`, `due_at`, …);
    an open loan that ends now is charged its overdue fine. Returns the fine."""
    state = LoanState(row["loan_state"])
    try:
        new_state = advance(state, action)
    except InvalidTransition as exc:
        raise_transition(exc, loan_id=row["loan_id"])
    own = batch is None
    batch = changes.batch() if batch is None else batch
    fine = Decimal("0.00")
    if state is LoanState.OPEN:
        fine = loan_fine(net, row, now, clock)
    values: list[Any] = [new_state.value]
    sets = "state = ?"
    if new_state is LoanState.CLOSED:
        sets += ", closed_at = ?, checkin_org = ?"
        values += [now, net.ids[at_org] if at_org else None]
    else:
        sets += ", fine_stopped_at = ?"
        values += [now]
    batch.add(f"UPDATE loan SET {sets} WHERE id = ?", [*values, row["loan_id"]])
    if fine > 0:
        await charge_fee(int(row["loan_reader"]), "overdue", fine, int(row["checkout_org"]),
                         now, changes, loan_id=int(row["loan_id"]), item_id=int(row["id"]),
                         batch=batch)
    if own:
        await batch.run()
    return fine


async def _credit_found(row: dict[str, Any], now: datetime, at_id: int,
                        changes: Changes) -> Decimal:
    """A copy paid for (or charged) as lost turns up: the replacement charge is cancelled
    as far as it is unpaid; what was already paid of it is due back to the reader."""
    from unicard.circulation.fees import found_credit

    return await found_credit(int(row["loan_id"]), int(row["loan_reader"]), now, at_id, changes)


_CHECKIN_VERSIONED = _versioned(_CHECKIN_ITEM, "i", "l")


async def check_in(barcode: str, desk: Desk, clock: Clock, *,
                   require_transit: bool = False) -> CheckinReceipt:
    """Take a copy in hand at the desk: close its loan (with any overdue fine), receive its
    transit, then route it (`route_return`): hold shelf here, send to a branch, or shelve.
    Works for every status a copy can come back in (found lost / missing / claimed returned
    copies close their loan too)."""
    barcode = barcode.strip()
    return await _unlocked_first(
        lambda locked: _check_in(barcode, desk, clock, locked=locked,
                                 require_transit=require_transit),
        try_unlocked=not require_transit)


def _needs_lock_to_check_in(row: dict[str, Any]) -> bool:
    """Cases with more than one write (a transit to receive, a hold to serve or release, a
    lost copy's charge to credit, a hold shelf to clear): only under the item's lock."""
    return (row["transit_id"] is not None or row["hold_state"] is not None
            or as_bool(row["has_queue"]) or as_bool(row["uncleared"])
            or row["loan_state"] not in (None, LoanState.OPEN.value))


async def _check_in(barcode: str, desk: Desk, clock: Clock, *, locked: bool,
                    require_transit: bool = False) -> CheckinReceipt:
    now = clock.now()
    today = local(now, clock).date()
    async with _Translate():
        if locked:
            rows = await fetch(_CHECKIN_ITEM + for_update("i"), [barcode])
        else:
            rows = await fetch(_CHECKIN_VERSIONED, [barcode])
        if not rows:
            raise _item_not_found(barcode)
        row = rows[0]
        if not locked and _needs_lock_to_check_in(row):
            raise LockNeeded("more than one write")
        net = await snapshot(row["network_version"])
        _ensure_desk(net, desk)
        if require_transit and row["transit_id"] is None:
            raise NotFound(f"item {barcode} is not in transit", code="not-in-transit",
                           barcode=barcode)
        at_id = net.ids[desk.at_org]
        changes = Changes(desk.actor, now, desk.at_org)
        batch = changes.batch()
        if not locked:
            batch.guard("item", row["id"], row["i_version"])
            if row["loan_id"] is not None:
                batch.guard("loan", row["loan_id"], row["l_version"])
        item = copy_view(row, net)
        fine, refund = Decimal("0.00"), Decimal("0.00")
        if item.status in (ItemStatus.DAMAGED, ItemStatus.WITHDRAWN):
            raise_transition(InvalidTransition(item.status, ItemAction.SHELVE), barcode=barcode)
        if row["loan_id"] is not None:
            was_lost = row["loan_state"] == LoanState.LOST.value
            fine = await close_loan(row, LoanAction.CHECK_IN, net, desk.at_org, now, changes,
                                    clock, batch)
            if was_lost:
                await batch.run()
                refund = await _credit_found(row, now, at_id, changes)
            changes.event("loan.checked_in", "loan", row["loan_id"], {
                "item_id": item.id, "barcode": barcode, "reader_id": row["loan_reader"],
                "fine": str(fine), "was": row["loan_state"]})
        elif item.status in (ItemStatus.LOST, ItemStatus.MISSING, ItemStatus.CLAIMS_RETURNED):
            changes.event("item.found", "item", item.id, {"was": item.status.value})
        received = None
        if row["transit_id"] is not None:
            received = int(row["transit_id"])
            batch.add("UPDATE transit SET state = 'received', received_at = ?, received_org = ? "
                      "WHERE id = ?", [now, at_id, received])
            changes.event("transit.received", "item", item.id,
                          {"transit_id": received, "expected_at": net.code(row["transit_to"])})
            # Closed before a new transit may open (one open transit per copy): PostgreSQL
            # would run both parts of one batch in no set order.
            await batch.run()
        if as_bool(row["uncleared"]):
            batch.add("UPDATE hold SET shelf_cleared_at = ? WHERE assigned_item = ? "
                      "AND shelf_cleared_at IS NULL AND shelved_at IS NOT NULL "
                      "AND state IN ('expired', 'cancelled')", [now, item.id])
        travelling: QueuedHold | None = None
        hold_state = row["hold_state"]
        if hold_state == HoldState.READY.value and net.code(row["hold_pickup"]) == desk.at_org:
            outcome = RoutingOutcome(DeskAction.HOLD_SHELF, desk.at_org, item.status,
                                     int(row["hold_id"]), int(row["hold_reader"]))
            batch.add("UPDATE item SET current_org = ?, updated_at = ? WHERE id = ?",
                      [at_id, now, item.id])
        else:
            has_queue = as_bool(row["has_queue"])
            if hold_state == HoldState.READY.value:
                # On the hold shelf of another branch: it goes back into the queue and is
                # captured again (normally for the same reader, in transit to the pickup).
                batch.add("UPDATE hold SET state = 'waiting', assigned_item = NULL, "
                          "shelved_at = NULL, expires_on = NULL WHERE id = ?", [row["hold_id"]])
                changes.event("hold.released", "hold", row["hold_id"], {"item_id": item.id})
                has_queue = True
            elif hold_state == HoldState.IN_TRANSIT.value:
                travelling = QueuedHold(
                    HoldView(int(row["hold_id"]), int(row["hold_reader"]),
                             int(row["hold_record"]), net.code(row["hold_pickup"]),
                             as_utc(row["hold_placed_at"]), row["hold_item"],  # type: ignore[arg-type]
                             HoldState.IN_TRANSIT),
                    row["hold_category"], None)
            queue = None
            if has_queue:
                await batch.run()  # the queue must see a hold released just now
                queue = await load_queue(item.record_id, net)
            outcome = await apply_routing(item, row["item_type"], item.record_id, desk.at_org,
                                          net, changes, now=now, today=today, queue=queue,
                                          in_transit_for=travelling, batch=batch)
            if queue is not None:
                await retarget(queue, net, today, now, changes)
        changes.event("item.routed", "item", item.id, {
            "barcode": barcode, "action": outcome.action.value,
            "destination": outcome.destination, "hold_id": outcome.hold_id})
        hold_reader = None
        if outcome.hold_reader_id is not None:
            found = await fetch("SELECT card_number, name FROM reader WHERE id = ?",
                                [outcome.hold_reader_id])
            hold_reader = found[0] if found else None
        await changes.flush(batch)
        check_captured(batch, outcome)
    return CheckinReceipt(
        barcode=barcode, title=row["title"], action=outcome.action.value,
        destination=outcome.destination,
        instruction=_instruction(outcome, hold_reader, net),
        item_status=outcome.item_status.value,
        loan_id=row["loan_id"], reader_id=row["loan_reader"], fine=fine,
        hold_id=outcome.hold_id, hold_reader_id=outcome.hold_reader_id,
        hold_card_number=hold_reader["card_number"] if hold_reader else None,
        hold_reader_name=hold_reader["name"] if hold_reader else None,
        hold_expires_on=outcome.expires_on, transit_id=batch.ids.get("transit"),
        transit_received=received, new_home=outcome.new_home, refund_due=refund,
    )


def _instruction(outcome: RoutingOutcome, reader: dict[str, Any] | None,
                 net: NetworkSnapshot) -> str:
    if outcome.action is DeskAction.HOLD_SHELF:
        who = f"{reader['name']} ({reader['card_number']})" if reader else "the reader"
        return f"hold shelf for {who}"
    if outcome.action is DeskAction.SEND_TO:
        node = net.tree.node(outcome.destination)
        return f"send to {outcome.destination} {node.name_zh}"
    return "shelve"


async def receive_transit(barcode: str, desk: Desk, clock: Clock) -> CheckinReceipt:
    """Scan a copy that arrived in transit: receive it here and complete its routing (hold
    shelf for the waiting reader, shelve, or send it on)."""
    return await check_in(barcode, desk, clock, require_transit=True)


# ---------------------------------------------------------------------------- renew

_RENEW_LOAN = (
    f"SELECT {ITEM_COLUMNS}, b.title, "
    "l.id AS loan_id, l.item AS item_id, l.reader AS reader_id, "
    "l.reader AS loan_reader, l.checkout_org, l.due_at, l.state AS loan_state, l.renewals, "
    "r.category AS reader_category, r.status AS reader_status, r.expires_on, r.fines_owed, "
    "r.card_number, r.name, "
    "EXISTS (SELECT 1 FROM hold q WHERE q.record = i.record "
    "AND q.state IN ('waiting', 'suspended')) AS has_queue, "
    f"{VERSION_SQL} AS network_version "
    "FROM item i JOIN bib_record b ON b.id = i.record "
    "JOIN loan l ON l.item = i.id AND l.state <> 'closed' "
    "JOIN reader r ON r.id = l.reader "
)


async def _renew(where: str, args: list[Any], channel: str, actor_desk: Desk | None,
                 actor: Any, clock: Clock, *, reader_id: int | None = None,
                 card_number: str | None = None) -> LoanReceipt:
    now = clock.now()
    today = local(now, clock).date()
    async with _Translate(), write_transaction():
        rows = await fetch(_RENEW_LOAN + where + for_update("i"), args)
        if not rows:
            raise NotFound("no open loan for this item", code="loan-not-found")
        row = rows[0]
        net = await snapshot(row["network_version"])
        if actor_desk is not None:
            _ensure_desk(net, actor_desk)
        if reader_id is not None and int(row["reader_id"]) != reader_id:
            raise NotFound("no such loan on your account", code="loan-not-found")
        if card_number is not None and row["card_number"] != card_number.strip():
            raise Forbidden("this item is on loan to another card", code="loan-not-yours")
        checkout = net.code(row["checkout_org"])
        policy = net.policy(checkout, row["reader_category"], row["item_type"])
        loan = LoanView(id=int(row["loan_id"]), item_id=int(row["item_id"]),
                        reader_id=int(row["reader_id"]), due_at=as_utc(row["due_at"]),  # type: ignore[arg-type]
                        renewals=int(row["renewals"]), state=LoanState(row["loan_state"]))
        waiting = False
        if as_bool(row["has_queue"]):
            queue = await load_queue(int(row["record"]), net, lock=False)
            item = copy_view(row, net)
            waiting = copy_needed_for_holds(item, queue.views(),
                                            [c for c in queue.copies.values()
                                             if c.status is ItemStatus.AVAILABLE],
                                            net.tree, today=today)
        local_due = local(loan.due_at, clock)
        loan = LoanView(loan.id, loan.item_id, loan.reader_id, local_due, loan.renewals,
                        loan.state)
        reader = reader_view({"id": row["reader_id"], "status": row["reader_status"],
                              "expires_on": row["expires_on"], "fines_owed": row["fines_owed"]})
        refusal = why_cannot_renew(reader, loan, policy, today=today, hold_waiting=waiting)
        if refusal is not None:
            raise_refusal(refusal)
        due = renewal_due_date(policy, net.calendar(checkout), local(now, clock), local_due)
        await execute("UPDATE loan SET due_at = ?, renewals = renewals + 1, last_renewed_at = ? "
                      "WHERE id = ?", [due, now, loan.id])
        changes = Changes(actor, now, actor_desk.at_org if actor_desk else checkout)
        changes.event("loan.renewed", "loan", loan.id, {
            "channel": channel, "due_at": due.isoformat(), "previous_due": local_due.isoformat(),
            "renewals": loan.renewals + 1, "item_id": loan.item_id})
        await changes.flush()
    return LoanReceipt(loan.id, row["barcode"], row["title"], loan.reader_id,
                       row["card_number"], row["name"], checkout, now, due, loan.renewals + 1)


async def renew(barcode: str, desk: Desk, clock: Clock, *, channel: str = "desk",
                card_number: str | None = None) -> LoanReceipt:
    """Renew at a desk or a kiosk (`channel`); at a kiosk the reader's card must match."""
    return await _renew("WHERE i.barcode = ?", [barcode.strip()], channel, desk, desk.actor,
                        clock, card_number=card_number)


async def renew_online(reader_id: int, loan_id: int, clock: Clock) -> LoanReceipt:
    """The reader renews one of their own loans from the OPAC."""
    from unicard.audit import Actor

    return await _renew("WHERE l.id = ?", [loan_id], "online", None, Actor("reader", reader_id),
                        clock, reader_id=reader_id)
