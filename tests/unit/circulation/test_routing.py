"""Check-in routing: shelve, hold shelf here, or send to a branch; home, float, holds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unicard.circulation.rules import (
    DeskAction,
    HoldState,
    HoldView,
    InvalidTransition,
    ItemStatus,
    ItemView,
    Routing,
    UnknownOrg,
    may_float_to,
    route_return,
)
from unicard.network.policy import Policy, ReturnMode

from .factories import TODAY, TREE, hold, item, policy

ON_LOAN_FROM_A1 = item(5, status=ItemStatus.ON_LOAN, branch="A1", home_branch="A1")
HOME = policy(return_mode=ReturnMode.HOME)
FLOAT_ANYWHERE = policy(return_mode=ReturnMode.FLOAT, float_scope=None)
FLOAT_IN_A = policy(return_mode=ReturnMode.FLOAT, float_scope="SYS-A")


def _route(
    at: str,
    the_policy: Policy = HOME,
    holds: Sequence[HoldView] = (),
    available: Sequence[ItemView] = (),
) -> Routing:
    return route_return(
        ON_LOAN_FROM_A1, at, the_policy, holds, TREE, today=TODAY, available=available
    )


def test_returned_at_home_it_is_shelved() -> None:
    routing = _route("A1")
    assert routing == Routing(DeskAction.SHELVE, ItemStatus.AVAILABLE, "A1")
    assert routing.instruction == "shelve"
    assert routing.reader_id is None
    assert routing.new_home_branch is None


def test_returned_elsewhere_it_goes_home() -> None:
    routing = _route("B1")
    assert routing == Routing(DeskAction.SEND_TO, ItemStatus.IN_TRANSIT, "A1")
    assert routing.instruction == "send to A1"


@pytest.mark.parametrize(
    ("the_policy", "at", "floats"),
    [
        (FLOAT_ANYWHERE, "B1", True),
        (FLOAT_ANYWHERE, "A1-T-V", True),
        (FLOAT_IN_A, "A2", True),
        (FLOAT_IN_A, "A1-T-V", True),
        (FLOAT_IN_A, "B1", False),
        (policy(return_mode=ReturnMode.FLOAT, float_scope="A1"), "A2", False),
        (HOME, "A2", False),
    ],
)
def test_a_floating_collection_stays_where_it_is_returned_within_its_scope(
    the_policy: Policy, at: str, floats: bool
) -> None:
    routing = _route(at, the_policy)
    assert may_float_to(the_policy, at, TREE) is floats
    if floats:
        assert routing == Routing(DeskAction.SHELVE, ItemStatus.AVAILABLE, at, None, at)
    else:
        assert routing == Routing(DeskAction.SEND_TO, ItemStatus.IN_TRANSIT, "A1")


def test_a_hold_picked_up_here_goes_on_the_hold_shelf() -> None:
    waiting = hold(1, pickup="A2", reader_id=77)
    routing = _route("A2", FLOAT_IN_A, [waiting])
    assert routing.action is DeskAction.HOLD_SHELF
    assert routing.item_status is ItemStatus.ON_HOLD_SHELF
    assert routing.destination == "A2"
    assert routing.hold == waiting
    assert routing.reader_id == 77
    assert routing.new_home_branch is None  # a captured copy does not float
    assert routing.instruction == "hold shelf for reader 77"


def test_a_hold_picked_up_elsewhere_sends_the_copy_there() -> None:
    waiting = hold(1, pickup="B2")
    routing = _route("A1", HOME, [waiting])
    assert routing == Routing(DeskAction.SEND_TO, ItemStatus.IN_TRANSIT, "B2", waiting)
    assert routing.instruction == "send to B2"


def test_the_earliest_active_hold_captures_the_copy() -> None:
    holds = [
        hold(1, placed=0, pickup="B1", suspended_until=TODAY + timedelta(days=2)),
        hold(2, placed=3, pickup="B2", item_id=999),  # wants another copy
        hold(3, placed=9, pickup="A2"),
        hold(4, placed=5, pickup="A1-T"),
    ]
    routing = _route("A1", HOME, holds)
    assert routing.hold is not None and routing.hold.id == 4
    assert routing.destination == "A1-T"


def test_a_shelf_copy_at_the_earlier_readers_branch_leaves_the_returned_copy_free() -> None:
    holds = [hold(1, placed=0, pickup="B1")]
    shelf = [item(6, branch="B1")]
    routing = _route("A1", HOME, holds, available=shelf)
    assert routing.action is DeskAction.SHELVE


def test_a_copy_that_is_not_holdable_is_never_captured() -> None:
    reference = item(5, status=ItemStatus.ON_LOAN, home_branch="A1", holdable=False)
    routing = route_return(reference, "B1", HOME, [hold(1, pickup="B1")], TREE, today=TODAY)
    assert routing == Routing(DeskAction.SEND_TO, ItemStatus.IN_TRANSIT, "A1")


def test_a_copy_travelling_for_a_hold_completes_its_journey() -> None:
    travelling = item(5, status=ItemStatus.IN_TRANSIT, branch="A1", home_branch="A1")
    for_hold = hold(1, pickup="B2", state=HoldState.IN_TRANSIT, reader_id=42)
    earlier = hold(2, placed=-10, pickup="A2")  # not allowed to steal a captured copy
    at_b2 = route_return(
        travelling, "B2", HOME, [earlier], TREE, today=TODAY, in_transit_for=for_hold
    )
    assert at_b2 == Routing(DeskAction.HOLD_SHELF, ItemStatus.ON_HOLD_SHELF, "B2", for_hold)
    misrouted = route_return(
        travelling, "B1", HOME, [earlier], TREE, today=TODAY, in_transit_for=for_hold
    )
    assert misrouted == Routing(DeskAction.SEND_TO, ItemStatus.IN_TRANSIT, "B2", for_hold)


def test_a_transit_received_at_home_is_shelved() -> None:
    travelling = item(5, status=ItemStatus.IN_TRANSIT, branch="B1", home_branch="A1")
    routing = route_return(travelling, "A1", HOME, [], TREE, today=TODAY)
    assert routing == Routing(DeskAction.SHELVE, ItemStatus.AVAILABLE, "A1")


@pytest.mark.parametrize(
    "status",
    [ItemStatus.LOST, ItemStatus.MISSING, ItemStatus.CLAIMS_RETURNED, ItemStatus.AVAILABLE],
)
def test_a_found_or_shelf_copy_scanned_at_check_in_is_routed_too(status: ItemStatus) -> None:
    found = item(5, status=status, home_branch="A1")
    assert route_return(found, "A1", HOME, [], TREE, today=TODAY).action is DeskAction.SHELVE
    held = route_return(found, "A1", HOME, [hold(1, pickup="A1")], TREE, today=TODAY)
    assert held.item_status is ItemStatus.ON_HOLD_SHELF


@pytest.mark.parametrize("status", [ItemStatus.DAMAGED, ItemStatus.WITHDRAWN])
def test_damaged_and_withdrawn_copies_are_not_routed(status: ItemStatus) -> None:
    with pytest.raises(InvalidTransition):
        route_return(item(5, status=status), "A1", HOME, [], TREE, today=TODAY)


def test_an_unknown_branch_is_an_error() -> None:
    with pytest.raises(UnknownOrg):
        _route("ZZ")


@given(
    at=st.sampled_from([c for c in TREE.codes() if c != "NET"]),
    home=st.sampled_from([c for c in TREE.codes() if c != "NET"]),
    pickups=st.lists(st.sampled_from([c for c in TREE.codes() if c != "NET"]), max_size=3),
    mode=st.sampled_from(list(ReturnMode)),
    scope=st.sampled_from([None, "SYS-A", "SYS-B", "A1"]),
)
def test_exactly_one_consistent_instruction(
    at: str, home: str, pickups: list[str], mode: ReturnMode, scope: str | None
) -> None:
    returned = item(5, status=ItemStatus.ON_LOAN, home_branch=home)
    holds = [hold(i, pickup=p, placed=i) for i, p in enumerate(pickups, start=1)]
    the_policy = policy(return_mode=mode, float_scope=scope)
    routing = route_return(returned, at, the_policy, holds, TREE, today=TODAY)
    if holds:
        assert routing.hold == holds[0]  # the first come
        assert routing.destination == holds[0].pickup_branch
        assert routing.new_home_branch is None
    elif routing.new_home_branch is not None:
        assert mode is ReturnMode.FLOAT and routing.new_home_branch == at != home
    else:
        assert routing.destination == home
    expected_status = {
        DeskAction.SHELVE: ItemStatus.AVAILABLE,
        DeskAction.HOLD_SHELF: ItemStatus.ON_HOLD_SHELF,
        DeskAction.SEND_TO: ItemStatus.IN_TRANSIT,
    }[routing.action]
    assert routing.item_status is expected_status
    assert (routing.action is DeskAction.SEND_TO) == (routing.destination != at)
