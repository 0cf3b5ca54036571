"""Where a copy in hand goes next: one instruction for the desk at check-in or transit receipt.

Order of rules:
1. A copy already travelling for a hold (`in_transit_for`) keeps going to that hold's pickup
   branch, onto its hold shelf once there.
2. Otherwise, if an active hold can take the copy (`capture_at_checkin`): the hold shelf here
   when this is the pickup branch, else send it to the pickup branch. The home does not change.
3. Otherwise, at its home branch: shelve.
4. Otherwise the owning system's policy decides: `FLOAT` and this branch lies within
   `float_scope` (None = anywhere) → shelve here and this branch becomes the copy's home;
   else send it home.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from unicard.circulation.states import ItemAction, ItemStatus, advance
from unicard.circulation.targeting import capture_at_checkin
from unicard.circulation.views import HoldView, ItemView
from unicard.network.policy import Policy, ReturnMode
from unicard.network.topology import OrgTree

__all__ = ["DeskAction", "Routing", "may_float_to", "route_return"]


class DeskAction(StrEnum):
    SHELVE = "shelve"
    HOLD_SHELF = "hold_shelf"
    SEND_TO = "send_to"


_ITEM_ACTION = {
    DeskAction.SHELVE: ItemAction.SHELVE,
    DeskAction.HOLD_SHELF: ItemAction.HOLD_SHELF,
    DeskAction.SEND_TO: ItemAction.SEND,
}


@dataclass(frozen=True)
class Routing:
    """Exactly one instruction for the desk, and the facts the service writes."""

    action: DeskAction
    item_status: ItemStatus  # the copy's status after this step
    destination: str  # the branch the copy goes to (this branch when shelved or held)
    hold: HoldView | None = None  # the hold the copy is captured for, if any
    new_home_branch: str | None = None  # set when the copy floats to this branch

    @property
    def item_action(self) -> ItemAction:
        return _ITEM_ACTION[self.action]

    @property
    def reader_id(self) -> int | None:
        return None if self.hold is None else self.hold.reader_id

    @property
    def instruction(self) -> str:
        """English desk text; the UI renders its own from `action` and the ids."""
        if self.action is DeskAction.HOLD_SHELF:
            return f"hold shelf for reader {self.reader_id}"
        if self.action is DeskAction.SEND_TO:
            return f"send to {self.destination}"
        return "shelve"


def may_float_to(policy: Policy, at_branch: str, tree: OrgTree) -> bool:
    """A floating collection may come to rest at any branch within its `float_scope`."""
    if policy.return_mode is not ReturnMode.FLOAT:
        return False
    return policy.float_scope is None or tree.is_within(at_branch, policy.float_scope)


def route_return(
    item: ItemView,
    at_branch: str,
    policy: Policy,
    holds: Iterable[HoldView],
    tree: OrgTree,
    *,
    today: date,
    available: Iterable[ItemView] = (),
    in_transit_for: HoldView | None = None,
) -> Routing:
    """Route a copy in hand at `at_branch` (module rules). `policy` is the owning system's;
    `holds` the queue of the copy's record; `available` the other copies of the record on the
    shelf (optional, see `capture_at_checkin`). Raises `InvalidTransition` when the copy's
    status cannot be routed (damaged or withdrawn: repair or reinstate it first).
    """
    tree.path(at_branch)  # an unknown branch raises UnknownOrg before anything is decided
    hold = in_transit_for
    if hold is None:
        in_hand = replace(item, branch=at_branch)
        hold = capture_at_checkin(in_hand, holds, tree, today=today, available=available)
    if hold is not None:
        if hold.pickup_branch == at_branch:
            return _routing(item, DeskAction.HOLD_SHELF, at_branch, hold=hold)
        return _routing(item, DeskAction.SEND_TO, hold.pickup_branch, hold=hold)
    if at_branch == item.home_branch:
        return _routing(item, DeskAction.SHELVE, at_branch)
    if may_float_to(policy, at_branch, tree):
        return _routing(item, DeskAction.SHELVE, at_branch, new_home=at_branch)
    return _routing(item, DeskAction.SEND_TO, item.home_branch)


def _routing(
    item: ItemView,
    action: DeskAction,
    destination: str,
    *,
    hold: HoldView | None = None,
    new_home: str | None = None,
) -> Routing:
    status = advance(item.status, _ITEM_ACTION[action])
    return Routing(action, status, destination, hold, new_home)
