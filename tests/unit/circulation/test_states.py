"""The three state machines: every legal move works, every other move raises."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import pytest

from unicard.circulation.rules import (
    HOLD_TRANSITIONS,
    ITEM_TRANSITIONS,
    LOAN_TRANSITIONS,
    TRANSITIONS,
    HoldAction,
    HoldState,
    InvalidTransition,
    ItemAction,
    ItemStatus,
    LoanAction,
    LoanState,
    advance,
    allowed_actions,
)

MACHINES: list[tuple[type[StrEnum], type[StrEnum]]] = [
    (ItemStatus, ItemAction),
    (LoanState, LoanAction),
    (HoldState, HoldAction),
]

ALL_MOVES = [
    pytest.param(state, action, id=f"{type(state).__name__}.{state.value}-{action.value}")
    for states, actions in MACHINES
    for state in states
    for action in actions
]


def _legal(state: StrEnum, action: StrEnum) -> StrEnum | None:
    return TRANSITIONS[type(state)][state].get(action)


@pytest.mark.parametrize(("state", "action"), ALL_MOVES)
def test_every_move_is_exactly_what_the_table_says(state: StrEnum, action: StrEnum) -> None:
    expected = _legal(state, action)
    if expected is None:
        with pytest.raises(InvalidTransition) as caught:
            advance(state, action)  # type: ignore[call-overload]
        assert caught.value.state is state
        assert caught.value.action is action
        assert caught.value.code == "invalid-transition"
    else:
        assert advance(state, action) is expected  # type: ignore[call-overload]


@pytest.mark.parametrize(("states", "actions"), MACHINES)
def test_tables_cover_every_state_and_only_their_own_types(
    states: type[StrEnum], actions: type[StrEnum]
) -> None:
    table = TRANSITIONS[states]
    assert set(table) == set(states)
    for moves in table.values():
        for action, target in moves.items():
            assert isinstance(action, actions)
            assert isinstance(target, states)


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (ItemStatus.AVAILABLE, LoanAction.CHECK_IN),
        (LoanState.OPEN, ItemAction.CHECK_OUT),
        (HoldState.WAITING, ItemAction.SEND),  # same value "send", wrong machine
        (ItemStatus.IN_TRANSIT, HoldAction.SEND),
    ],
)
def test_an_action_of_another_machine_is_invalid(state: StrEnum, action: StrEnum) -> None:
    with pytest.raises(InvalidTransition):
        advance(state, action)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("table", "start"),
    [
        (ITEM_TRANSITIONS, ItemStatus.AVAILABLE),
        (LOAN_TRANSITIONS, LoanState.OPEN),
        (HOLD_TRANSITIONS, HoldState.WAITING),
    ],
)
def test_every_state_is_reachable_from_the_start(
    table: Mapping[Any, Mapping[Any, StrEnum]], start: StrEnum
) -> None:
    seen, frontier = {start}, [start]
    while frontier:
        for target in table[frontier.pop()].values():
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(type(start).__members__.values())


def test_terminal_states() -> None:
    assert allowed_actions(LoanState.CLOSED) == frozenset()
    for state in (HoldState.FULFILLED, HoldState.CANCELLED, HoldState.EXPIRED):
        assert allowed_actions(state) == frozenset()
    # Nothing about an item is final: even a withdrawn copy can be reinstated.
    assert all(allowed_actions(status) for status in ItemStatus)


@pytest.mark.parametrize("status", list(ItemStatus))
def test_check_out_only_from_the_shelf_or_the_hold_shelf(status: ItemStatus) -> None:
    allowed = ItemAction.CHECK_OUT in allowed_actions(status)
    assert allowed == (status in {ItemStatus.AVAILABLE, ItemStatus.ON_HOLD_SHELF})


@pytest.mark.parametrize(
    "status",
    [
        ItemStatus.ON_LOAN,
        ItemStatus.IN_TRANSIT,
        ItemStatus.MISSING,
        ItemStatus.LOST,
        ItemStatus.CLAIMS_RETURNED,
    ],
)
def test_a_copy_in_hand_can_take_any_routing(status: ItemStatus) -> None:
    """Check-in of a loaned, travelling or found copy: the routing picks one of three moves."""
    assert advance(status, ItemAction.SHELVE) is ItemStatus.AVAILABLE
    assert advance(status, ItemAction.SEND) is ItemStatus.IN_TRANSIT
    assert advance(status, ItemAction.HOLD_SHELF) is ItemStatus.ON_HOLD_SHELF


def test_damaged_and_withdrawn_copies_must_be_repaired_or_reinstated_first() -> None:
    for status in (ItemStatus.DAMAGED, ItemStatus.WITHDRAWN):
        for action in (ItemAction.SHELVE, ItemAction.SEND, ItemAction.HOLD_SHELF):
            with pytest.raises(InvalidTransition):
                advance(status, action)
    assert advance(ItemStatus.DAMAGED, ItemAction.REPAIR) is ItemStatus.AVAILABLE
    assert advance(ItemStatus.WITHDRAWN, ItemAction.REINSTATE) is ItemStatus.AVAILABLE


def test_hold_life_cycle() -> None:
    state = HoldState.WAITING
    for action in (
        HoldAction.SUSPEND,
        HoldAction.RESUME,
        HoldAction.SEND,
        HoldAction.RECEIVE,
        HoldAction.FULFIL,
    ):
        state = advance(state, action)
    assert state is HoldState.FULFILLED
    assert advance(HoldState.READY, HoldAction.EXPIRE) is HoldState.EXPIRED
    with pytest.raises(InvalidTransition):
        advance(HoldState.SUSPENDED, HoldAction.SEND)  # suspended holds get nothing


def test_loan_renewals_keep_it_open_and_lost_loans_settle() -> None:
    assert advance(LoanState.OPEN, LoanAction.RENEW) is LoanState.OPEN
    with pytest.raises(InvalidTransition):
        advance(LoanState.LOST, LoanAction.RENEW)
    assert advance(LoanState.LOST, LoanAction.SETTLE) is LoanState.CLOSED
    assert advance(LoanState.CLAIMS_RETURNED, LoanAction.ACCEPT_CLAIM) is LoanState.CLOSED


def test_the_message_names_state_and_action() -> None:
    with pytest.raises(InvalidTransition, match=r"cannot check_out from ItemStatus\.ON_LOAN"):
        advance(ItemStatus.ON_LOAN, ItemAction.CHECK_OUT)


def test_tables_are_read_only() -> None:
    with pytest.raises(TypeError):
        ITEM_TRANSITIONS[ItemStatus.AVAILABLE] = {}  # type: ignore[index]
