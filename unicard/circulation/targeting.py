"""Hold targeting: which copy serves which hold, across the whole network.

Rules, in order of precedence:

1. **Who is served is decided by queue order alone.** Per record, holds are taken first come,
   first served by (placed_at, id), and a hold is served when it can be, together with every
   earlier hold already served. The result is the lexicographically first maximum set:
   - it is *maximum*: no other assignment fills more holds (every fillable hold is filled);
   - an earlier hold is never left unserved while a later one is served if swapping them
     could work, whatever their pickup branches.
   These two goals never conflict: holds and copies form a transversal matroid, where the
   greedy set in priority order is both maximum and priority-optimal. An item-level hold
   counts only if its copy is a candidate and no earlier item-level hold claimed it.
2. **No copy serves two holds**, and every pair is legal: same record, a holdable and lendable
   copy on the shelf (status available), the exact copy for an item-level hold, no suspended
   holds. Item-level holds therefore have no choice of copy; (3) is about title-level holds.
3. **Which copy each served hold gets is decided by distance**, with the set from (1) fixed
   (`transport.nearest_assignment`):
   - the total transit cost is minimal, where cost is `OrgTree.transit_cost`: hops in the org
     tree, hops between library systems weighted so heavily that the fewest inter-system
     transits come first, then the fewest hops;
   - hence no hold is served from another library system while a copy in its own system
     stays unused, and a copy on the shelf at a pickup branch goes to a hold picked up
     there whenever one is served (that never costs transit; on a tie the local reader
     keeps it);
   - among holds with the same pickup branch, the earlier one gets the nearer copy.

Where (3) and "the earlier hold wins" pull apart, total transit wins: an earlier hold may get
a farther copy than it would alone when the nearer copy sits at a later hold's pickup branch
(it stays there for the later reader, and the earlier hold is still served). "Earlier wins" is
absolute for *whether* a hold is served, never traded for distance; between pickup branches it
does not promise *which* copy.

Cost per record: O(n log n) for n holds to pick the set, O(depth · m log m) for m copies to
place them. Measured: 1,000 holds × 200 copies over a 300-branch tree in a few milliseconds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from enum import StrEnum

from unicard.circulation.states import UNAVAILABLE_STATUSES, HoldState, ItemStatus
from unicard.circulation.transport import nearest_assignment
from unicard.circulation.views import HoldView, ItemView, is_hold_active
from unicard.network.topology import OrgTree

__all__ = [
    "HoldWait",
    "can_serve",
    "capture_at_checkin",
    "copy_needed_for_holds",
    "is_candidate",
    "target_holds",
    "why_hold_not_filled",
]


def is_candidate(copy: ItemView) -> bool:
    """A copy can be targeted when it is holdable, lendable and on the shelf (available)."""
    return copy.holdable and not copy.not_for_loan and copy.status is ItemStatus.AVAILABLE


def can_serve(hold: HoldView, copy: ItemView) -> bool:
    """Whether `copy` is the kind of copy `hold` asks for (ignoring status and suspension).

    A copy that is not for loan never serves a hold: the reader could not take it home.
    """
    return (
        copy.holdable
        and not copy.not_for_loan
        and copy.record_id == hold.record_id
        and (hold.item_id is None or hold.item_id == copy.id)
    )


def _check_unique(holds: Sequence[HoldView], copies: Sequence[ItemView]) -> None:
    if len({h.id for h in holds}) != len(holds):
        raise ValueError("hold ids must be unique")
    if len({c.id for c in copies}) != len(copies):
        raise ValueError("copy ids must be unique")


def target_holds(
    holds: Iterable[HoldView], copies: Iterable[ItemView], tree: OrgTree, *, today: date
) -> dict[int, int]:
    """Assign candidate copies to active holds: {hold id: copy id} (see the module rules).

    Pass the waiting/suspended holds and the copies of the records concerned; holds in other
    states and copies that are not candidates are ignored. `today` decides suspensions.
    """
    holds, copies = list(holds), list(copies)
    _check_unique(holds, copies)
    candidates: dict[int, list[ItemView]] = defaultdict(list)
    for copy in copies:
        if is_candidate(copy):
            candidates[copy.record_id].append(copy)
    queues: dict[int, list[HoldView]] = defaultdict(list)
    for hold in holds:
        if hold.record_id in candidates and is_hold_active(hold, today):
            queues[hold.record_id].append(hold)
    result: dict[int, int] = {}
    for record_id, queue in queues.items():
        result.update(_target_record(queue, candidates[record_id], tree))
    return result


def _target_record(queue: list[HoldView], copies: list[ItemView], tree: OrgTree) -> dict[int, int]:
    """One record: choose the served holds in queue order, then place title holds by distance."""
    queue.sort(key=lambda h: h.queue_key)
    copy_ids = {c.id for c in copies}
    capacity = len(copies)
    claimed: dict[int, HoldView] = {}  # copy id -> the item-level hold that has it
    title_holds: list[HoldView] = []
    # Hall's condition for this record: a set of holds is servable iff its item-level holds
    # name distinct candidate copies and it has no more holds than there are candidates.
    for hold in queue:
        if len(claimed) + len(title_holds) == capacity:
            break
        if hold.item_id is None:
            title_holds.append(hold)
        elif hold.item_id in copy_ids and hold.item_id not in claimed:
            claimed[hold.item_id] = hold
    result = {hold.id: copy_id for copy_id, hold in claimed.items()}
    free = [c for c in copies if c.id not in claimed]
    result.update(nearest_assignment(title_holds, free, tree))
    return result


def capture_at_checkin(
    copy: ItemView,
    holds: Iterable[HoldView],
    tree: OrgTree,
    *,
    today: date,
    available: Iterable[ItemView] = (),
) -> HoldView | None:
    """The hold a copy in hand at check-in should be captured for, or None.

    `copy.branch` must be the check-in branch; its status is ignored (it is in hand). With no
    `available` copies this is the earliest active hold the copy can serve. Passing the other
    available copies of the record makes the answer agree with `target_holds` over all of them,
    so the returned copy goes to the hold it serves best (an earlier hold may be served by a
    copy already on the shelf at its pickup branch).
    """
    if not copy.holdable or copy.not_for_loan:
        return None
    in_hand = replace(copy, status=ItemStatus.AVAILABLE)
    queue = [h for h in holds if h.record_id == copy.record_id]
    pool = [in_hand, *(c for c in available if c.record_id == copy.record_id and c.id != copy.id)]
    assignment = target_holds(queue, pool, tree, today=today)
    for hold in queue:
        if assignment.get(hold.id) == copy.id:
            return hold
    return None


def copy_needed_for_holds(
    copy: ItemView,
    holds: Iterable[HoldView],
    available: Iterable[ItemView],
    tree: OrgTree,
    *,
    today: date,
) -> bool:
    """Whether another reader is waiting for `copy` (on loan): returning it now would let one
    more active hold be served than the `available` copies can. This is what refuses renewals.
    """
    if not copy.holdable or copy.not_for_loan:
        return False
    queue = [h for h in holds if h.record_id == copy.record_id]
    others = [c for c in available if c.record_id == copy.record_id and c.id != copy.id]
    in_hand = replace(copy, status=ItemStatus.AVAILABLE)
    served_without = len(target_holds(queue, others, tree, today=today))
    served_with = len(target_holds(queue, [in_hand, *others], tree, today=today))
    return served_with > served_without


class HoldWait(StrEnum):
    """Why a hold is not filled yet (staff view), or what it is doing if it is."""

    READY = "ready-for-pickup"
    CLOSED = "closed"  # fulfilled, cancelled or expired
    SUSPENDED = "suspended"
    NO_HOLDABLE_COPY = "no-holdable-copy"
    COPY_ASSIGNED = "copy-assigned"  # a copy on the shelf is targeted: on the pull list
    EARLIER_HOLDS_FIRST = "earlier-holds-first"
    COPY_IN_TRANSIT = "copy-in-transit"
    ALL_ON_LOAN = "all-on-loan"


_CLOSED_HOLD_STATES = frozenset({HoldState.FULFILLED, HoldState.CANCELLED, HoldState.EXPIRED})


def why_hold_not_filled(
    hold: HoldView,
    holds: Iterable[HoldView],
    copies: Iterable[ItemView],
    tree: OrgTree,
    *,
    today: date,
) -> HoldWait:
    """The first that applies: ready / closed / travelling (by hold state); suspended; no copy
    could ever serve it (none holdable, or all missing, lost, damaged, withdrawn, claimed
    returned); a shelf copy is targeted to it; shelf copies exist but earlier holds take them;
    a copy is in transit; copies wait on the hold shelf for earlier holds; all are on loan.

    `holds` is the record's queue (it may include `hold`), `copies` all copies of the record.
    """
    if hold.state is HoldState.READY:
        return HoldWait.READY
    if hold.state is HoldState.IN_TRANSIT:
        return HoldWait.COPY_IN_TRANSIT
    if hold.state in _CLOSED_HOLD_STATES:
        return HoldWait.CLOSED
    if not is_hold_active(hold, today):
        return HoldWait.SUSPENDED
    copies = [c for c in copies if c.record_id == hold.record_id]
    usable = [c for c in copies if can_serve(hold, c) and c.status not in UNAVAILABLE_STATUSES]
    if not usable:
        return HoldWait.NO_HOLDABLE_COPY
    statuses = {c.status for c in usable}
    if ItemStatus.AVAILABLE in statuses:
        queue = {h.id: h for h in holds if h.record_id == hold.record_id}
        queue[hold.id] = hold
        if hold.id in target_holds(queue.values(), copies, tree, today=today):
            return HoldWait.COPY_ASSIGNED
        return HoldWait.EARLIER_HOLDS_FIRST
    if ItemStatus.IN_TRANSIT in statuses:
        return HoldWait.COPY_IN_TRANSIT
    if ItemStatus.ON_HOLD_SHELF in statuses:
        return HoldWait.EARLIER_HOLDS_FIRST
    return HoldWait.ALL_ON_LOAN
