"""Booking and enrolment states, and their legal moves as data (one TRANSITIONS table each)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from unicard.rooms.refusals import InvalidTransition

__all__ = [
    "BOOKING_TRANSITIONS",
    "ENROLMENT_TRANSITIONS",
    "HOLDING_ENROLMENT_STATES",
    "SLOT_HOLDING_STATES",
    "BookingAction",
    "BookingState",
    "EnrolmentAction",
    "EnrolmentState",
    "next_booking_state",
    "next_enrolment_state",
]


class BookingState(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    NO_SHOW = "no_show"


class BookingAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    CANCEL = "cancel"
    CHECK_IN = "check_in"
    MARK_NO_SHOW = "mark_no_show"
    COMPLETE = "complete"


_B, _BA = BookingState, BookingAction
BOOKING_TRANSITIONS: Mapping[tuple[BookingState, BookingAction], BookingState] = MappingProxyType(
    {
        (_B.PENDING_APPROVAL, _BA.APPROVE): _B.CONFIRMED,
        (_B.PENDING_APPROVAL, _BA.REJECT): _B.REJECTED,
        (_B.PENDING_APPROVAL, _BA.CANCEL): _B.CANCELLED,
        (_B.CONFIRMED, _BA.CANCEL): _B.CANCELLED,
        (_B.CONFIRMED, _BA.CHECK_IN): _B.CHECKED_IN,
        (_B.CONFIRMED, _BA.MARK_NO_SHOW): _B.NO_SHOW,
        (_B.CHECKED_IN, _BA.COMPLETE): _B.COMPLETED,
    }
)

# A booking in one of these states keeps its time slot: a new booking may not overlap it.
# The database guard (exclusion constraint / serialised check) must use the same set.
SLOT_HOLDING_STATES: frozenset[BookingState] = frozenset(
    {_B.PENDING_APPROVAL, _B.CONFIRMED, _B.CHECKED_IN}
)


class EnrolmentState(StrEnum):
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


class EnrolmentAction(StrEnum):
    PROMOTE = "promote"
    CANCEL = "cancel"
    CHECK_IN = "check_in"
    MARK_NO_SHOW = "mark_no_show"


_E, _EA = EnrolmentState, EnrolmentAction
ENROLMENT_TRANSITIONS: Mapping[tuple[EnrolmentState, EnrolmentAction], EnrolmentState] = (
    MappingProxyType(
        {
            (_E.WAITLISTED, _EA.PROMOTE): _E.ENROLLED,
            (_E.WAITLISTED, _EA.CANCEL): _E.CANCELLED,
            (_E.ENROLLED, _EA.CANCEL): _E.CANCELLED,
            (_E.ENROLLED, _EA.CHECK_IN): _E.ATTENDED,
            (_E.ENROLLED, _EA.MARK_NO_SHOW): _E.NO_SHOW,
        }
    )
)

# An enrolment in one of these states holds the reader's time: it blocks overlapping enrolments
# (a waitlisted place counts, or a later promotion could create an overlap) and re-enrolment.
HOLDING_ENROLMENT_STATES: frozenset[EnrolmentState] = frozenset({_E.ENROLLED, _E.WAITLISTED})

_S = TypeVar("_S", bound=StrEnum)
_A = TypeVar("_A", bound=StrEnum)


def _advance(table: Mapping[tuple[_S, _A], _S], state: _S, action: _A) -> _S:
    try:
        return table[(state, action)]
    except KeyError:
        raise InvalidTransition(state, action) from None


def next_booking_state(state: BookingState, action: BookingAction) -> BookingState:
    """The state after `action`; raises InvalidTransition when the table has no such move."""
    return _advance(BOOKING_TRANSITIONS, state, action)


def next_enrolment_state(state: EnrolmentState, action: EnrolmentAction) -> EnrolmentState:
    """The state after `action`; raises InvalidTransition when the table has no such move."""
    return _advance(ENROLMENT_TRANSITIONS, state, action)
