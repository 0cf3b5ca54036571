"""A record's hold queue as stored: load it (under the record's lock), retarget it, and apply
the routing of a copy in hand (shelve, hold shelf, send) with every row it touches.

Lock order, everywhere in circulation: item rows, then the reader row, then the record row
(the record's queue lock), then hold rows. On PostgreSQL the record row is locked with
`SELECT … FOR UPDATE` before a queue is read for writing, so two check-ins of copies of one
title capture holds one after the other; on SQLite the write queue already serialises them.
The unique index `hold_one_assignment_per_copy` and conditional updates (`WHERE state = ?`)
back the lock: a copy is never assigned to two holds even if a code path forgot to lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from unicard.circulation.common import (
    Changes,
    as_bool,
    hold_view,
    item_view,
    raise_transition,
)
from unicard.circulation.due_dates import hold_shelf_expires_on
from unicard.circulation.network_cache import NetworkSnapshot
from unicard.circulation.routing import DeskAction, Routing, route_return
from unicard.circulation.sql import Ref, WriteBatch, execute_many, fetch
from unicard.circulation.states import (
    HoldAction,
    HoldState,
    InvalidTransition,
    ItemStatus,
    advance,
)
from unicard.circulation.targeting import target_holds
from unicard.circulation.views import HoldView, ItemView
from unicard.db import is_sqlite
from unicard.errors import Conflict
from unicard.network.policy import ANY

__all__ = [
    "ITEM_COLUMNS",
    "QueuedHold",
    "RecordQueue",
    "RoutingOutcome",
    "apply_routing",
    "check_captured",
    "holdable",
    "load_queue",
    "lock_record",
    "retarget",
]

ITEM_COLUMNS = "i.id, i.record, i.barcode, i.status, i.home_org, i.current_org, i.item_type, " \
               "i.not_for_loan, i.price"
_OPEN_QUEUE = "('waiting', 'suspended')"


def holdable(net: NetworkSnapshot, home_org: str, item_type: str, not_for_loan: bool) -> bool:
    """A copy may serve holds when it is lendable and its owner's policy allows holds on its
    item type (for readers in general; the reader's own category is checked at placement)."""
    return not not_for_loan and net.policy(home_org, ANY, item_type).holds_allowed


def copy_view(row: dict[str, Any], net: NetworkSnapshot, **extra: Any) -> ItemView:
    home = net.code(row["home_org"])
    return item_view(row, net.codes,
                     holdable=holdable(net, home, row["item_type"], as_bool(row["not_for_loan"])),
                     **extra)


@dataclass
class QueuedHold:
    view: HoldView
    category: str  # the reader's category: hold shelf days come from the pickup policy for it
    target_item: int | None


@dataclass
class RecordQueue:
    """The open holds of one record in queue order, and every copy of the record."""

    record_id: int
    holds: list[QueuedHold]
    copies: dict[int, ItemView]
    item_types: dict[int, str] = field(default_factory=dict)

    def views(self) -> list[HoldView]:
        return [h.view for h in self.holds]

    def available_except(self, item_id: int) -> list[ItemView]:
        return [c for c in self.copies.values()
                if c.id != item_id and c.status is ItemStatus.AVAILABLE]

    def drop(self, hold_id: int) -> None:
        self.holds = [h for h in self.holds if h.view.id != hold_id]


async def lock_record(record_id: int) -> None:
    if not is_sqlite():
        await fetch("SELECT id FROM bib_record WHERE id = ? FOR UPDATE", [record_id])


async def load_queue(record_id: int, net: NetworkSnapshot, *, lock: bool = True) -> RecordQueue:
    """The record's waiting and suspended holds (queue order) and all its copies."""
    if lock:
        await lock_record(record_id)
    holds = await fetch(
        "SELECT h.id, h.reader, h.record, h.item, h.pickup_org, h.placed_at, h.state, "
        "h.suspended_until, h.target_item, r.category FROM hold h "
        "JOIN reader r ON r.id = h.reader "
        f"WHERE h.record = ? AND h.state IN {_OPEN_QUEUE} ORDER BY h.placed_at, h.id",
        [record_id],
    )
    copies = await fetch(f"SELECT {ITEM_COLUMNS} FROM item i WHERE i.record = ?", [record_id])
    return RecordQueue(
        record_id,
        [QueuedHold(hold_view(row, net.codes), row["category"], row["target_item"])
         for row in holds],
        {int(row["id"]): copy_view(row, net) for row in copies},
        {int(row["id"]): row["item_type"] for row in copies},
    )


async def retarget(queue: RecordQueue, net: NetworkSnapshot, today: date, now: datetime,
                   changes: Changes | None = None) -> dict[int, int]:
    """Assign the record's copies on the shelf to its holds (`target_holds`) and store each
    hold's target: the pull list. Only changed targets are written."""
    assignment = target_holds(queue.views(), queue.copies.values(), net.tree, today=today)
    updates = []
    for held in queue.holds:
        target = assignment.get(held.view.id)
        if target != held.target_item:
            updates.append((target, now if target is not None else None, held.view.id))
            held.target_item = target
    if updates:
        await execute_many("UPDATE hold SET target_item = ?, targeted_at = ? WHERE id = ?",
                           updates)
        if changes is not None:
            changes.event("holds.targeted", "record", queue.record_id,
                          {"targets": {str(h): c for h, c in assignment.items()}})
    return assignment


@dataclass(frozen=True)
class RoutingOutcome:
    """What the desk is told, and what was written."""

    action: DeskAction
    destination: str
    item_status: ItemStatus
    hold_id: int | None = None
    hold_reader_id: int | None = None
    expires_on: date | None = None
    new_home: str | None = None


def _move_hold(batch: WriteBatch, hold_id: int, from_state: HoldState,
               values: dict[str, Any]) -> None:
    """A conditional update: the hold must still be in `from_state` (backs the lock);
    `check_captured` raises after the batch ran if it was not."""
    columns = ", ".join(f"{name} = ?" for name in values)
    batch.add(f"UPDATE hold SET {columns} WHERE id = ? AND state = ?",
              [*values.values(), hold_id, from_state.value], returning="captured")


def check_captured(batch: WriteBatch, outcome: RoutingOutcome) -> None:
    if "captured" in batch.ids and batch.ids["captured"] is None:
        raise Conflict("the hold changed while this copy was being routed; scan it again",
                       code="hold-changed", hold_id=outcome.hold_id)


def _capture_states(state: HoldState, final: HoldAction) -> HoldState:
    """Legal path from a queued hold to being captured: a suspended hold whose suspension
    has ended is resumed first."""
    try:
        if state is HoldState.SUSPENDED:
            state = advance(state, HoldAction.RESUME)
        return advance(state, final)
    except InvalidTransition as exc:
        raise_transition(exc)


async def apply_routing(
    item: ItemView,
    item_type: str,
    record_id: int,
    at_org: str,
    net: NetworkSnapshot,
    changes: Changes,
    *,
    now: datetime,
    today: date,
    queue: RecordQueue | None,
    in_transit_for: QueuedHold | None = None,
    batch: WriteBatch | None = None,
) -> RoutingOutcome:
    """Route a copy in hand at `at_org` (`route_return`) and write the result: the item's
    status, branch and home, the captured hold, the transit. The owning system's policy
    decides home or float. Writes go into `batch` (run by the caller, who must then call
    `check_captured`), or run at once."""
    own = batch is None
    batch = changes.batch() if batch is None else batch
    holds = queue.views() if queue is not None else []
    available = queue.available_except(item.id) if queue is not None else []
    home_policy = net.policy(item.home_branch, ANY, item_type)
    try:
        routing: Routing = route_return(
            item, at_org, home_policy, holds, net.tree, today=today, available=available,
            in_transit_for=in_transit_for.view if in_transit_for is not None else None,
        )
    except InvalidTransition as exc:
        raise_transition(exc, barcode=None, item_id=item.id)
    hold = routing.hold
    queued = None
    if hold is not None:
        if in_transit_for is not None and hold.id == in_transit_for.view.id:
            queued = in_transit_for
        elif queue is not None:
            queued = next(h for h in queue.holds if h.view.id == hold.id)
    new_home = routing.new_home_branch or item.home_branch
    expires_on: date | None = None
    if routing.action is DeskAction.HOLD_SHELF:
        assert hold is not None and queued is not None
        policy = net.policy(hold.pickup_branch, queued.category, item_type)
        expires_on = hold_shelf_expires_on(policy, net.calendar(hold.pickup_branch), today)
        action = HoldAction.RECEIVE if hold.state is HoldState.IN_TRANSIT else HoldAction.SHELVE
        _capture_states(hold.state, action)
        _move_hold(batch, hold.id, hold.state, {
            "state": HoldState.READY.value, "assigned_item": item.id, "target_item": None,
            "shelved_at": now, "expires_on": expires_on, "suspended_until": None,
        })
        changes.event("hold.ready", "hold", hold.id,
                      {"item_id": item.id, "pickup": hold.pickup_branch,
                       "expires_on": expires_on.isoformat(), "reader_id": hold.reader_id})
    elif routing.action is DeskAction.SEND_TO:
        if hold is not None and hold.state is not HoldState.IN_TRANSIT:
            _capture_states(hold.state, HoldAction.SEND)
            _move_hold(batch, hold.id, hold.state, {
                "state": HoldState.IN_TRANSIT.value, "assigned_item": item.id,
                "target_item": None, "suspended_until": None,
            })
            changes.event("hold.captured", "hold", hold.id,
                          {"item_id": item.id, "pickup": hold.pickup_branch,
                           "reader_id": hold.reader_id})
        batch.add(
            "INSERT INTO transit (item, from_org, to_org, hold, reason, state, created_at) "
            "VALUES (?, ?, ?, ?, ?, 'open', ?)",
            [item.id, net.ids[at_org], net.ids[routing.destination],
             hold.id if hold is not None else None, "hold" if hold is not None else "home",
             now], returning="transit")
        changes.event("transit.created", "transit", Ref("transit", as_text=True),
                      {"item_id": item.id, "to": routing.destination,
                       "hold_id": hold.id if hold is not None else None})
    batch.add(
        "UPDATE item SET status = ?, current_org = ?, home_org = ?, updated_at = ? WHERE id = ?",
        [routing.item_status.value, net.ids[at_org], net.ids[new_home], now, item.id],
    )
    if routing.new_home_branch is not None:
        changes.event("item.floated", "item", item.id,
                      {"from_home": item.home_branch, "to_home": new_home})
    if (routing.item_status is not item.status or at_org != item.branch
            or new_home != item.home_branch):
        changes.availability(record_id)
    if queue is not None:
        if hold is not None:
            queue.drop(hold.id)
        queue.copies[item.id] = replace(item, status=routing.item_status, branch=at_org,
                                        home_branch=new_home)
    outcome = RoutingOutcome(routing.action, routing.destination, routing.item_status,
                             hold.id if hold is not None else None,
                             hold.reader_id if hold is not None else None, expires_on,
                             routing.new_home_branch)
    if own:
        await batch.run()
        check_captured(batch, outcome)
    return outcome
