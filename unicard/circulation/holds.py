"""Holds (预约) across the network: place, cancel, suspend, resume; targeting (on placement,
on return, periodically); the hold shelf and its expiry; the pull list; why a hold waits.

Queue order per record is first come, first served (placed_at, id). Targeting stores each
waiting hold's best copy on a shelf (`hold.target_item`, the pull list); a copy is captured
for a hold only when it is in hand at a desk (check-in, transit receipt, clearing the hold
shelf). A hold on the shelf waits `hold_shelf_days` open days of the pickup branch; when it
expires or is cancelled the copy is routed at once to the next reader (or home), and the hold
shelf lists it "to clear" with that instruction until staff scan it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from unicard.audit import SYSTEM, Actor
from unicard.circulation.common import (
    Changes,
    as_date,
    as_utc,
    for_update,
    hold_view,
    local,
    raise_refusal,
    raise_transition,
    reader_view,
    staff_actor,
)
from unicard.circulation.guards import why_cannot_hold
from unicard.circulation.network_cache import NetworkSnapshot, snapshot
from unicard.circulation.queue import (
    ITEM_COLUMNS,
    QueuedHold,
    RecordQueue,
    apply_routing,
    copy_view,
    load_queue,
    lock_record,
    retarget,
)
from unicard.circulation.routing import DeskAction
from unicard.circulation.services import _item_not_found, _Translate
from unicard.circulation.sql import execute, fetch
from unicard.circulation.states import (
    UNAVAILABLE_STATUSES,
    HoldAction,
    HoldState,
    InvalidTransition,
    advance,
)
from unicard.circulation.targeting import HoldWait, can_serve, why_hold_not_filled
from unicard.circulation.views import HoldPlacement, HoldView
from unicard.clock import Clock
from unicard.db import read_transaction, write_transaction
from unicard.errors import InvalidInput, NotFound
from unicard.network.policy import ANY
from unicard.readers.permissions import Action, StaffPrincipal, ensure_allowed

__all__ = [
    "HoldLine",
    "ShelfEntry",
    "Who",
    "cancel_hold",
    "clear_shelf_entry",
    "expire_hold_shelf",
    "hold_shelf",
    "list_holds",
    "place_hold",
    "pull_list",
    "reader_asks",
    "resume_hold",
    "retarget_all",
    "staff_asks",
    "suspend_hold",
]

_OPEN = "('waiting', 'suspended', 'in_transit', 'ready')"


@dataclass(frozen=True)
class HoldLine:
    """A hold as the reader and the staff see it, with why it is not filled yet."""

    id: int
    reader_id: int
    card_number: str
    reader_name: str
    record_id: int
    title: str
    item_barcode: str | None  # item-level hold
    pickup_org: str
    placed_at: datetime
    state: str
    suspended_until: date | None
    queue_position: int | None
    wait: str  # targeting.HoldWait
    assigned_barcode: str | None
    target_barcode: str | None
    expires_on: date | None


@dataclass(frozen=True)
class ShelfEntry:
    hold_id: int
    barcode: str
    title: str
    reader_id: int
    card_number: str
    reader_name: str
    shelved_at: datetime | None
    expires_on: date | None
    state: str  # ready | expired | cancelled
    to_clear: bool
    instruction: str


@dataclass(frozen=True)
class Who:
    """Who asks: a reader for their own holds, or staff for any reader."""

    reader_id: int | None = None
    staff: StaffPrincipal | None = None

    @property
    def actor(self) -> Actor:
        if self.staff is not None:
            return staff_actor(self.staff)
        return Actor("reader", self.reader_id)

    @property
    def kind(self) -> str:
        return "staff" if self.staff is not None else "reader"


def reader_asks(reader_id: int) -> Who:
    return Who(reader_id=reader_id)


def staff_asks(staff: StaffPrincipal) -> Who:
    return Who(staff=staff)


# ------------------------------------------------------------------------------- place

async def _reader_for_hold(who: Who, card_number: str | None) -> dict[str, Any]:
    where, arg = ("r.id = ?", who.reader_id) if card_number is None else ("c.number = ?",
                                                                          card_number.strip())
    if card_number is None and who.reader_id is None:
        raise InvalidInput("say for which reader (card_number)", code="card-number-missing")
    join = ("JOIN card c ON c.reader = r.id AND c.number = r.card_number" if card_number is None
            else "JOIN card c ON c.reader = r.id")
    rows = await fetch(
        "SELECT r.id, r.name, r.card_number, r.category, r.status, r.expires_on, r.fines_owed, "
        "c.state AS card_state, (SELECT count(*) FROM hold h WHERE h.reader = r.id "
        f"AND h.state IN {_OPEN}) AS open_holds "
        f"FROM reader r {join} WHERE {where}" + for_update("r"), [arg])
    if not rows:
        raise NotFound("no such reader", code="reader-not-found", card_number=card_number)
    return rows[0]


def _usable_copies(queue: RecordQueue, probe: HoldView) -> list[Any]:
    return [c for c in queue.copies.values()
            if can_serve(probe, c) and c.status not in UNAVAILABLE_STATUSES]


async def place_hold(who: Who, pickup_org: str, clock: Clock, *, record_id: int | None = None,
                     barcode: str | None = None, card_number: str | None = None) -> HoldLine:
    """Place a title-level hold (`record_id`) or an item-level hold (`barcode`) for pickup
    at any branch that accepts holds; refusals come from `why_cannot_hold`. The record is
    targeted at once, so a copy on a shelf lands on the pull list."""
    now = clock.now()
    today = local(now, clock).date()
    if (record_id is None) == (barcode is None):
        raise InvalidInput("give either record_id (any copy) or barcode (this copy)",
                           code="hold-target-invalid")
    async with _Translate(), write_transaction():
        net = await snapshot()
        net.require(pickup_org, "pickup_org")
        if who.staff is not None:
            ensure_allowed(who.staff, Action.CIRCULATE, net.tree.path(who.staff.scope_org))
        item_id = None
        if barcode is not None:
            found = await fetch("SELECT id, record FROM item WHERE barcode = ?",
                                [barcode.strip()])
            if not found:
                raise _item_not_found(barcode.strip())
            item_id, record_id = int(found[0]["id"]), int(found[0]["record"])
        else:
            found = await fetch("SELECT id FROM bib_record WHERE id = ?", [record_id])
            if not found:
                raise NotFound(f"no record {record_id}", code="record-not-found",
                               record_id=record_id)
        assert record_id is not None
        reader = await _reader_for_hold(who, card_number)
        queue = await load_queue(record_id, net)
        probe = HoldView(0, int(reader["id"]), record_id, pickup_org, now, item_id)
        usable = _usable_copies(queue, probe)
        types = Counter(queue.item_types[c.id] for c in usable)
        item_type = types.most_common(1)[0][0] if types else ANY
        policy = net.policy(pickup_org, reader["category"], item_type)
        same_copy = "" if item_id is None else f" AND item = {int(item_id)}"
        facts = await fetch(
            "SELECT EXISTS (SELECT 1 FROM loan WHERE reader = ? AND record = ? "
            f"AND state = 'open'{same_copy}) AS on_loan, "
            "EXISTS (SELECT 1 FROM hold WHERE reader = ? AND record = ? "
            f"AND state IN {_OPEN}) AS has_hold",
            [reader["id"], record_id, reader["id"], record_id])
        placement = HoldPlacement(
            record_id=record_id, pickup_branch=pickup_org,
            pickup_accepts_holds=net.tree.node(pickup_org).accepts_holds, item_id=item_id,
            holdable_copies=len(usable), reader_has_copy_on_loan=bool(facts[0]["on_loan"]),
            reader_has_hold=bool(facts[0]["has_hold"]))
        refusal = why_cannot_hold(reader_view(reader, open_holds=int(reader["open_holds"])),
                                  policy, placement, today=today)
        if refusal is not None:
            raise_refusal(refusal)
        rows = await fetch(
            "INSERT INTO hold (reader, record, item, pickup_org, placed_at, placed_by, state, "
            "clear_instruction, closed_by) VALUES (?, ?, ?, ?, ?, ?, 'waiting', '', '') "
            "RETURNING id",
            [reader["id"], record_id, item_id, net.ids[pickup_org], now, who.kind])
        hold_id = int(rows[0]["id"])
        changes = Changes(who.actor, now, pickup_org)
        changes.event("hold.placed", "hold", hold_id, {
            "reader_id": reader["id"], "record_id": record_id, "item_id": item_id,
            "pickup": pickup_org})
        queue.holds.append(QueuedHold(HoldView(hold_id, int(reader["id"]), record_id,
                                               pickup_org, now, item_id),
                                      reader["category"], None))
        await retarget(queue, net, today, now, changes)
        await changes.flush()
        return (await _hold_lines("h.id = ?", [hold_id], net, today))[0]


# ------------------------------------------------------------------- cancel / suspend

_HOLD_ROW = (
    "SELECT h.id, h.reader, h.record, h.item, h.pickup_org, h.placed_at, h.state, "
    "h.suspended_until, h.assigned_item, h.target_item, h.expires_on, r.category FROM hold h "
    "JOIN reader r ON r.id = h.reader WHERE h.id = ?"
)


async def _hold_for_change(hold_id: int, who: Who, net: NetworkSnapshot,
                           lock: bool) -> dict[str, Any]:
    rows = await fetch(_HOLD_ROW + (for_update("h") if lock else ""), [hold_id])
    if not rows or (who.reader_id is not None and int(rows[0]["reader"]) != who.reader_id):
        raise NotFound(f"no hold {hold_id}", code="hold-not-found", hold_id=hold_id)
    row = rows[0]
    if who.staff is not None:
        ensure_allowed(who.staff, Action.CIRCULATE, net.tree.path(net.code(row["pickup_org"])))
    return row


def _advance(state: str, action: HoldAction, hold_id: int) -> HoldState:
    try:
        return advance(HoldState(state), action)
    except InvalidTransition as exc:
        raise_transition(exc, hold_id=hold_id)


async def _route_off_shelf(row: dict[str, Any], net: NetworkSnapshot, changes: Changes,
                           now: datetime, today: date) -> str:
    """A copy left on the hold shelf by an expired or cancelled hold goes to the next reader,
    on or home, decided now as if checked in at the pickup branch; returns the instruction
    for whoever clears the shelf."""
    items = await fetch(f"SELECT {ITEM_COLUMNS} FROM item i WHERE i.id = ?",
                        [row["assigned_item"]])
    item = copy_view(items[0], net)
    pickup = net.code(row["pickup_org"])
    queue = await load_queue(int(row["record"]), net)
    outcome = await apply_routing(item, items[0]["item_type"], item.record_id, pickup, net,
                                  changes, now=now, today=today, queue=queue)
    await retarget(queue, net, today, now, changes)
    if outcome.action is DeskAction.HOLD_SHELF:
        reader = await fetch("SELECT card_number, name FROM reader WHERE id = ?",
                             [outcome.hold_reader_id])
        return f"hold shelf for {reader[0]['name']} ({reader[0]['card_number']})"
    if outcome.action is DeskAction.SEND_TO:
        return f"send to {outcome.destination} {net.tree.node(outcome.destination).name_zh}"
    return "shelve"


async def _close_hold(hold_id: int, who: Who, action: HoldAction, state: HoldState,
                      clock: Clock) -> None:
    now = clock.now()
    today = local(now, clock).date()
    async with _Translate(), write_transaction():
        net = await snapshot()
        row = await _hold_for_change(hold_id, who, net, lock=False)
        if row["assigned_item"] is not None and row["state"] == HoldState.READY.value:
            # Lock order: the copy first, then its record, then the hold.
            await fetch("SELECT id FROM item i WHERE i.id = ?" + for_update("i"),
                        [row["assigned_item"]])
        await lock_record(int(row["record"]))
        row = await _hold_for_change(hold_id, who, net, lock=True)
        _advance(row["state"], action, hold_id)
        changes = Changes(who.actor, now, net.code(row["pickup_org"]))
        await execute("UPDATE hold SET state = ?, closed_at = ?, closed_by = ?, "
                      "target_item = NULL WHERE id = ?",
                      [state.value, now, who.kind, hold_id])
        changes.event(f"hold.{state.value}", "hold", hold_id,
                      {"reader_id": row["reader"], "was": row["state"]})
        if row["state"] == HoldState.READY.value:
            instruction = await _route_off_shelf(row, net, changes, now, today)
            await execute("UPDATE hold SET clear_instruction = ? WHERE id = ?",
                          [instruction, hold_id])
        else:
            queue = await load_queue(int(row["record"]), net, lock=False)
            await retarget(queue, net, today, now, changes)
        await changes.flush()


async def cancel_hold(hold_id: int, who: Who, clock: Clock) -> None:
    """Cancelled by the reader or by staff (within the pickup branch's scope). A copy on the
    hold shelf is routed on at once; a copy in transit is routed when it arrives."""
    await _close_hold(hold_id, who, HoldAction.CANCEL, HoldState.CANCELLED, clock)


async def suspend_hold(hold_id: int, who: Who, clock: Clock,
                       until: date | None = None) -> HoldLine:
    """Stop competing for copies until `until` (the hold competes again from that day), or
    until resumed. The place in the queue is kept."""
    now = clock.now()
    today = local(now, clock).date()
    if until is not None and until <= today:
        raise InvalidInput("a suspension must end after today", code="suspend-until-invalid")
    return await _set_suspension(hold_id, who, clock, HoldAction.SUSPEND, until, now, today)


async def resume_hold(hold_id: int, who: Who, clock: Clock) -> HoldLine:
    now = clock.now()
    return await _set_suspension(hold_id, who, clock, HoldAction.RESUME, None, now,
                                 local(now, clock).date())


async def _set_suspension(hold_id: int, who: Who, clock: Clock, action: HoldAction,
                          until: date | None, now: datetime, today: date) -> HoldLine:
    async with _Translate(), write_transaction():
        net = await snapshot()
        row = await _hold_for_change(hold_id, who, net, lock=False)
        await lock_record(int(row["record"]))
        row = await _hold_for_change(hold_id, who, net, lock=True)
        state = _advance(row["state"], action, hold_id)
        await execute("UPDATE hold SET state = ?, suspended_until = ?, target_item = NULL "
                      "WHERE id = ?", [state.value, until, hold_id])
        changes = Changes(who.actor, now, net.code(row["pickup_org"]))
        changes.event(f"hold.{action.value}d" if action is HoldAction.RESUME else
                      "hold.suspended", "hold", hold_id,
                      {"until": until.isoformat() if until else None})
        queue = await load_queue(int(row["record"]), net, lock=False)
        await retarget(queue, net, today, now, changes)
        await changes.flush()
        return (await _hold_lines("h.id = ?", [hold_id], net, today))[0]


# ------------------------------------------------------------------------ listings

_LINE = (
    "SELECT h.id, h.reader, h.record, h.item, h.pickup_org, h.placed_at, h.state, "
    "h.suspended_until, h.expires_on, r.card_number, r.name AS reader_name, b.title, "
    "ii.barcode AS item_barcode, ai.barcode AS assigned_barcode, "
    "ti.barcode AS target_barcode FROM hold h "
    "JOIN reader r ON r.id = h.reader JOIN bib_record b ON b.id = h.record "
    "LEFT JOIN item ii ON ii.id = h.item LEFT JOIN item ai ON ai.id = h.assigned_item "
    "LEFT JOIN item ti ON ti.id = h.target_item "
)


async def _hold_lines(where: str, args: list[Any], net: NetworkSnapshot, today: date,
                      limit: int = 500) -> list[HoldLine]:
    rows = await fetch(_LINE + f"WHERE {where} ORDER BY h.placed_at, h.id LIMIT {int(limit)}",
                       args)
    queues: dict[int, RecordQueue] = {}
    lines = []
    for row in rows:
        record = int(row["record"])
        if record not in queues:
            queues[record] = await load_queue(record, net, lock=False)
        queue = queues[record]
        view = hold_view(row, net.codes)
        wait = why_hold_not_filled(view, queue.views(), queue.copies.values(), net.tree,
                                   today=today)
        position = next((n for n, h in enumerate(queue.holds, start=1)
                         if h.view.id == view.id), None)
        lines.append(HoldLine(
            id=view.id, reader_id=view.reader_id, card_number=row["card_number"],
            reader_name=row["reader_name"], record_id=record, title=row["title"],
            item_barcode=row["item_barcode"], pickup_org=view.pickup_branch,
            placed_at=view.placed_at, state=view.state.value,
            suspended_until=view.suspended_until, queue_position=position,
            wait=wait.value if isinstance(wait, HoldWait) else str(wait),
            assigned_barcode=row["assigned_barcode"], target_barcode=row["target_barcode"],
            expires_on=as_date(row["expires_on"])))
    return lines


async def list_holds(clock: Clock, *, reader_id: int | None = None,
                     card_number: str | None = None, record_id: int | None = None,
                     pickup_org: str | None = None, open_only: bool = True,
                     staff: StaffPrincipal | None = None) -> list[HoldLine]:
    """Holds of a reader, of a record or for pickup at a branch, each with its queue position
    and why it is not filled yet (`why_hold_not_filled`)."""
    today = local(clock.now(), clock).date()
    async with read_transaction():
        net = await snapshot()
        clauses, args = [], []
        if card_number is not None:
            found = await fetch("SELECT reader FROM card WHERE number = ?", [card_number.strip()])
            if not found:
                raise NotFound(f"no reader with card number {card_number}",
                               code="reader-not-found")
            reader_id = int(found[0]["reader"])
        if reader_id is not None:
            clauses.append("h.reader = ?")
            args.append(reader_id)
        if record_id is not None:
            clauses.append("h.record = ?")
            args.append(record_id)
        if pickup_org is not None:
            clauses.append("h.pickup_org = ?")
            args.append(net.org_id(pickup_org, "pickup_org"))
            if staff is not None:
                ensure_allowed(staff, Action.CIRCULATE, net.tree.path(pickup_org))
        if not clauses:
            raise InvalidInput("say whose holds: reader, record or pickup branch",
                               code="hold-filter-missing")
        if open_only:
            clauses.append(f"h.state IN {_OPEN}")
        return await _hold_lines(" AND ".join(clauses), args, net, today)


async def hold_shelf(org: str, clock: Clock, staff: StaffPrincipal | None = None
                     ) -> list[ShelfEntry]:
    """What sits on a branch's hold shelf: holds ready for pickup (with their last day), and
    copies of expired or cancelled holds still to clear, with what to do with each."""
    today = local(clock.now(), clock).date()
    async with read_transaction():
        net = await snapshot()
        org_id = net.org_id(org)
        if staff is not None:
            ensure_allowed(staff, Action.CIRCULATE, net.tree.path(org))
        rows = await fetch(
            "SELECT h.id, h.state, h.shelved_at, h.expires_on, h.clear_instruction, "
            "h.shelf_cleared_at, h.reader, r.card_number, r.name, i.barcode, b.title "
            "FROM hold h JOIN reader r ON r.id = h.reader JOIN item i ON i.id = h.assigned_item "
            "JOIN bib_record b ON b.id = h.record WHERE h.pickup_org = ? AND ("
            "h.state = 'ready' OR (h.state IN ('expired', 'cancelled') "
            "AND h.shelved_at IS NOT NULL AND h.shelf_cleared_at IS NULL)) "
            "ORDER BY h.expires_on, h.id", [org_id])
    entries = []
    for row in rows:
        expires = as_date(row["expires_on"])
        ready = row["state"] == HoldState.READY.value
        entries.append(ShelfEntry(
            int(row["id"]), row["barcode"], row["title"], int(row["reader"]),
            row["card_number"], row["name"], as_utc(row["shelved_at"]), expires, row["state"],
            not ready,
            (f"waiting for {row['name']} until {expires}"
             + (" (expired: runs at the next expiry job)" if expires and today > expires
                else ""))
            if ready else row["clear_instruction"]))
    return entries


async def clear_shelf_entry(barcode: str, org: str, staff: StaffPrincipal,
                            clock: Clock) -> int:
    """Staff pulled a copy of an expired or cancelled hold off the shelf (checking it in
    does the same)."""
    now = clock.now()
    async with write_transaction():
        net = await snapshot()
        org_id = net.org_id(org)
        ensure_allowed(staff, Action.CIRCULATE, net.tree.path(org))
        rows = await fetch(
            "UPDATE hold SET shelf_cleared_at = ? WHERE pickup_org = ? "
            "AND shelf_cleared_at IS NULL AND shelved_at IS NOT NULL "
            "AND state IN ('expired', 'cancelled') "
            "AND assigned_item = (SELECT id FROM item WHERE barcode = ?) RETURNING id",
            [now, org_id, barcode.strip()])
        if not rows:
            raise NotFound(f"{barcode} is not waiting to be cleared from the hold shelf at {org}",
                           code="nothing-to-clear", barcode=barcode)
        changes = Changes(staff_actor(staff), now, org)
        for row in rows:
            changes.event("hold.shelf_cleared", "hold", row["id"], {"barcode": barcode})
        await changes.flush()
    return len(rows)


async def pull_list(org: str, clock: Clock, staff: StaffPrincipal | None = None
                    ) -> list[dict[str, Any]]:
    """Copies on this branch's shelves targeted for holds: fetch them and scan them in."""
    async with read_transaction():
        net = await snapshot()
        org_id = net.org_id(org)
        if staff is not None:
            ensure_allowed(staff, Action.CIRCULATE, net.tree.path(org))
        rows = await fetch(
            "SELECT h.id AS hold_id, h.pickup_org, h.placed_at, i.barcode, i.call_number, "
            "i.shelving_location, b.title FROM hold h JOIN item i ON i.id = h.target_item "
            "JOIN bib_record b ON b.id = i.record WHERE h.state = 'waiting' "
            "AND i.current_org = ? AND i.status = 'available' ORDER BY i.call_number_sort, h.id",
            [org_id])
    return [{"hold_id": int(r["hold_id"]), "barcode": r["barcode"], "title": r["title"],
             "call_number": r["call_number"], "shelving_location": r["shelving_location"],
             "pickup_org": net.code(r["pickup_org"]),
             "placed_at": as_utc(r["placed_at"])} for r in rows]


# ------------------------------------------------------------------------ jobs

async def expire_hold_shelf(clock: Clock, limit: int = 1000) -> int:
    """Holds whose last pickup day has passed expire; each copy goes to the next reader or
    on its way (see `_route_off_shelf`). One transaction per hold, at most `limit`."""
    now = clock.now()
    today = local(now, clock).date()
    async with read_transaction():
        due = await fetch("SELECT id FROM hold WHERE state = 'ready' AND expires_on < ? "
                          "ORDER BY expires_on, id LIMIT ?", [today, limit])
    expired = 0
    for row in due:
        async with _Translate(), write_transaction():
            net = await snapshot()
            found = await fetch(_HOLD_ROW, [row["id"]])
            if not found or found[0]["state"] != HoldState.READY.value:
                continue
            hold = found[0]
            await fetch("SELECT id FROM item i WHERE i.id = ?" + for_update("i"),
                        [hold["assigned_item"]])
            await lock_record(int(hold["record"]))
            hold = (await fetch(_HOLD_ROW + for_update("h"), [row["id"]]))[0]
            expires = as_date(hold["expires_on"])
            if hold["state"] != HoldState.READY.value or expires is None or expires >= today:
                continue
            _advance(hold["state"], HoldAction.EXPIRE, int(hold["id"]))
            changes = Changes(SYSTEM, now, net.code(hold["pickup_org"]))
            await execute("UPDATE hold SET state = 'expired', closed_at = ?, "
                          "closed_by = 'system' WHERE id = ?", [now, hold["id"]])
            changes.event("hold.expired", "hold", hold["id"],
                          {"reader_id": hold["reader"], "expires_on": str(expires)})
            instruction = await _route_off_shelf(hold, net, changes, now, today)
            await execute("UPDATE hold SET clear_instruction = ? WHERE id = ?",
                          [instruction, hold["id"]])
            await changes.flush()
            expired += 1
    return expired


async def retarget_all(clock: Clock, batch: int = 200, limit: int = 100_000) -> int:
    """Periodic targeting: suspensions that ended resume, then every record with waiting
    holds is targeted again (copies come back to shelves in many ways). `batch` records per
    transaction, at most `limit` records per run. Returns the records targeted."""
    now = clock.now()
    today = local(now, clock).date()
    async with write_transaction():
        resumed = await fetch("UPDATE hold SET state = 'waiting', suspended_until = NULL "
                              "WHERE state = 'suspended' AND suspended_until <= ? RETURNING id",
                              [today])
        if resumed:
            changes = Changes(SYSTEM, now)
            for row in resumed:
                changes.event("hold.resumed", "hold", row["id"], {"by": "suspension ended"})
            await changes.flush()
    done, after = 0, -1
    while done < limit:
        async with read_transaction():
            records = await fetch(
                "SELECT DISTINCT record FROM hold WHERE state IN ('waiting', 'suspended') "
                "AND record > ? ORDER BY record LIMIT ?", [after, batch])
        if not records:
            break
        async with write_transaction():
            net = await snapshot()
            changes = Changes(SYSTEM, now)
            for row in records:
                queue = await load_queue(int(row["record"]), net)
                await retarget(queue, net, today, now, changes)
            await changes.flush()
        done += len(records)
        after = int(records[-1]["record"])
    return done

