"""The three circulation state machines (item, loan, hold) as data: states, actions, legal moves.

Each machine is one `*_TRANSITIONS` table {state: {action: next state}}; anything not in the
table is illegal and `advance` raises `InvalidTransition(state, action)`. Services apply moves
only through `advance`, so the table is the single place that says what may happen.

Derived facts are not states: "overdue" is a due date in the past, "targeted" (on a pull list)
is a targeting result; neither is stored here.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any, overload

__all__ = [
    "HOLD_TRANSITIONS",
    "ITEM_TRANSITIONS",
    "LOAN_TRANSITIONS",
    "TRANSITIONS",
    "UNAVAILABLE_STATUSES",
    "HoldAction",
    "HoldState",
    "InvalidTransition",
    "ItemAction",
    "ItemStatus",
    "LoanAction",
    "LoanState",
    "advance",
    "allowed_actions",
]


class ItemStatus(StrEnum):
    """Where a physical copy stands in circulation."""

    AVAILABLE = "available"
    ON_LOAN = "on_loan"
    IN_TRANSIT = "in_transit"
    ON_HOLD_SHELF = "on_hold_shelf"
    MISSING = "missing"  # not found in the library (shelf check, lost in transit)
    LOST = "lost"  # lost by the reader who had it on loan
    CLAIMS_RETURNED = "claims_returned"  # the reader says it was returned; not found
    DAMAGED = "damaged"  # out of circulation until repaired or withdrawn
    WITHDRAWN = "withdrawn"  # removed from the collection


# Copies in these statuses cannot serve anyone until staff act on them.
UNAVAILABLE_STATUSES = frozenset(
    {
        ItemStatus.MISSING,
        ItemStatus.LOST,
        ItemStatus.CLAIMS_RETURNED,
        ItemStatus.DAMAGED,
        ItemStatus.WITHDRAWN,
    }
)


class ItemAction(StrEnum):
    CHECK_OUT = "check_out"
    SHELVE = "shelve"  # back on the open shelf where it is (check-in, transit received, found)
    SEND = "send"  # into transit to another branch
    HOLD_SHELF = "hold_shelf"  # onto the hold shelf for a reader
    DECLARE_MISSING = "declare_missing"
    DECLARE_LOST = "declare_lost"
    CLAIM_RETURNED = "claim_returned"
    MARK_DAMAGED = "mark_damaged"
    REPAIR = "repair"
    WITHDRAW = "withdraw"
    REINSTATE = "reinstate"


class LoanState(StrEnum):
    OPEN = "open"
    CLAIMS_RETURNED = "claims_returned"  # fines stop; the claim is investigated
    LOST = "lost"  # replacement fee charged; open until settled or the item turns up
    CLOSED = "closed"


class LoanAction(StrEnum):
    RENEW = "renew"
    CHECK_IN = "check_in"
    CLAIM_RETURNED = "claim_returned"
    DECLARE_LOST = "declare_lost"
    ACCEPT_CLAIM = "accept_claim"  # staff accept the claim: loan closes, the item goes missing
    SETTLE = "settle"  # replacement paid or waived: loan closes, the item stays lost


class HoldState(StrEnum):
    WAITING = "waiting"  # in the queue; may be targeted (on a pull list) without changing state
    SUSPENDED = "suspended"
    IN_TRANSIT = "in_transit"  # a copy is captured and travelling to the pickup branch
    READY = "ready"  # on the hold shelf at the pickup branch
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # not picked up within the hold shelf days


class HoldAction(StrEnum):
    SUSPEND = "suspend"
    RESUME = "resume"
    SEND = "send"  # a copy is captured away from the pickup branch
    SHELVE = "shelve"  # a copy is captured at the pickup branch and put on the hold shelf
    RECEIVE = "receive"  # the travelling copy arrived at the pickup branch
    RELEASE = "release"  # the captured copy is taken back (lost in transit, damaged)
    FULFIL = "fulfil"  # the reader checked the copy out (the captured one, or any copy)
    EXPIRE = "expire"
    CANCEL = "cancel"


_I, _IA = ItemStatus, ItemAction
_FOUND = {_IA.SHELVE: _I.AVAILABLE, _IA.SEND: _I.IN_TRANSIT, _IA.HOLD_SHELF: _I.ON_HOLD_SHELF}

ITEM_TRANSITIONS: Mapping[ItemStatus, Mapping[ItemAction, ItemStatus]] = MappingProxyType(
    {
        _I.AVAILABLE: {
            _IA.CHECK_OUT: _I.ON_LOAN,
            _IA.SHELVE: _I.AVAILABLE,  # scanned at check-in after in-house use
            _IA.SEND: _I.IN_TRANSIT,  # pulled for a hold elsewhere, or sent home
            _IA.HOLD_SHELF: _I.ON_HOLD_SHELF,  # pulled for a hold picked up here
            _IA.DECLARE_MISSING: _I.MISSING,
            _IA.MARK_DAMAGED: _I.DAMAGED,
            _IA.WITHDRAW: _I.WITHDRAWN,
        },
        _I.ON_LOAN: {
            **_FOUND,  # check-in: the routing decides which of the three
            _IA.DECLARE_LOST: _I.LOST,
            _IA.CLAIM_RETURNED: _I.CLAIMS_RETURNED,
            _IA.MARK_DAMAGED: _I.DAMAGED,  # returned damaged
        },
        _I.IN_TRANSIT: {
            **_FOUND,  # received: shelved, held, or forwarded
            _IA.DECLARE_MISSING: _I.MISSING,
            _IA.MARK_DAMAGED: _I.DAMAGED,
        },
        _I.ON_HOLD_SHELF: {
            _IA.CHECK_OUT: _I.ON_LOAN,
            **_FOUND,  # expired or cancelled: reshelved, next reader here, or sent on
            _IA.DECLARE_MISSING: _I.MISSING,
            _IA.MARK_DAMAGED: _I.DAMAGED,
        },
        _I.MISSING: {**_FOUND, _IA.WITHDRAW: _I.WITHDRAWN},
        _I.LOST: {**_FOUND, _IA.WITHDRAW: _I.WITHDRAWN},
        _I.CLAIMS_RETURNED: {
            **_FOUND,
            _IA.DECLARE_LOST: _I.LOST,
            _IA.DECLARE_MISSING: _I.MISSING,  # claim accepted: the library lost it
            _IA.WITHDRAW: _I.WITHDRAWN,
        },
        _I.DAMAGED: {_IA.REPAIR: _I.AVAILABLE, _IA.WITHDRAW: _I.WITHDRAWN},
        _I.WITHDRAWN: {_IA.REINSTATE: _I.AVAILABLE},
    }
)

_L, _LA = LoanState, LoanAction
LOAN_TRANSITIONS: Mapping[LoanState, Mapping[LoanAction, LoanState]] = MappingProxyType(
    {
        _L.OPEN: {
            _LA.RENEW: _L.OPEN,
            _LA.CHECK_IN: _L.CLOSED,
            _LA.CLAIM_RETURNED: _L.CLAIMS_RETURNED,
            _LA.DECLARE_LOST: _L.LOST,
        },
        _L.CLAIMS_RETURNED: {
            _LA.CHECK_IN: _L.CLOSED,
            _LA.DECLARE_LOST: _L.LOST,
            _LA.ACCEPT_CLAIM: _L.CLOSED,
        },
        _L.LOST: {_LA.CHECK_IN: _L.CLOSED, _LA.SETTLE: _L.CLOSED},
        _L.CLOSED: {},
    }
)

_H, _HA = HoldState, HoldAction
HOLD_TRANSITIONS: Mapping[HoldState, Mapping[HoldAction, HoldState]] = MappingProxyType(
    {
        _H.WAITING: {
            _HA.SUSPEND: _H.SUSPENDED,
            _HA.SEND: _H.IN_TRANSIT,
            _HA.SHELVE: _H.READY,
            _HA.CANCEL: _H.CANCELLED,
            _HA.FULFIL: _H.FULFILLED,  # the reader borrowed a copy found on the open shelf
        },
        _H.SUSPENDED: {
            _HA.RESUME: _H.WAITING,
            _HA.CANCEL: _H.CANCELLED,
            _HA.FULFIL: _H.FULFILLED,
        },
        _H.IN_TRANSIT: {
            _HA.RECEIVE: _H.READY,
            _HA.RELEASE: _H.WAITING,
            _HA.CANCEL: _H.CANCELLED,
        },
        _H.READY: {
            _HA.FULFIL: _H.FULFILLED,
            _HA.EXPIRE: _H.EXPIRED,
            _HA.RELEASE: _H.WAITING,
            _HA.CANCEL: _H.CANCELLED,
        },
        _H.FULFILLED: {},
        _H.CANCELLED: {},
        _H.EXPIRED: {},
    }
)

# Machine by state type: lets `advance` and the tests walk all three alike.
_Machine = Mapping[Any, Mapping[Any, StrEnum]]
TRANSITIONS: Mapping[type[StrEnum], _Machine] = MappingProxyType(
    {
        ItemStatus: ITEM_TRANSITIONS,
        LoanState: LOAN_TRANSITIONS,
        HoldState: HOLD_TRANSITIONS,
    }
)
_ACTION_TYPE: Mapping[type[StrEnum], type[StrEnum]] = {
    ItemStatus: ItemAction,
    LoanState: LoanAction,
    HoldState: HoldAction,
}


class InvalidTransition(Exception):
    """`action` is not a legal move from `state`; code `invalid-transition`."""

    code = "invalid-transition"

    def __init__(self, state: StrEnum, action: StrEnum) -> None:
        super().__init__(f"cannot {action.value} from {type(state).__name__}.{state.name}")
        self.state = state
        self.action = action


@overload
def advance(state: ItemStatus, action: ItemAction) -> ItemStatus: ...
@overload
def advance(state: LoanState, action: LoanAction) -> LoanState: ...
@overload
def advance(state: HoldState, action: HoldAction) -> HoldState: ...
def advance(state: StrEnum, action: StrEnum) -> StrEnum:
    """The state after `action`, or `InvalidTransition` if the table has no such move."""
    machine = TRANSITIONS.get(type(state))
    if machine is None or not isinstance(action, _ACTION_TYPE[type(state)]):
        raise InvalidTransition(state, action)
    try:
        return machine[state][action]
    except KeyError:
        raise InvalidTransition(state, action) from None


def allowed_actions(state: ItemStatus | LoanState | HoldState) -> frozenset[StrEnum]:
    """The actions the table allows from `state` (e.g. which buttons a staff screen shows)."""
    return frozenset(TRANSITIONS[type(state)][state])
