"""Booking and enrolment state machines, checked over their whole tables."""

from itertools import product

import pytest

from unicard.rooms.refusals import InvalidTransition
from unicard.rooms.states import (
    BOOKING_TRANSITIONS,
    ENROLMENT_TRANSITIONS,
    HOLDING_ENROLMENT_STATES,
    SLOT_HOLDING_STATES,
    BookingAction,
    BookingState,
    EnrolmentAction,
    EnrolmentState,
    next_booking_state,
    next_enrolment_state,
)

B, BA = BookingState, BookingAction
E, EA = EnrolmentState, EnrolmentAction


@pytest.mark.parametrize(("state", "action"), list(product(BookingState, BookingAction)))
def test_booking_moves_follow_the_table(state: BookingState, action: BookingAction) -> None:
    if (state, action) in BOOKING_TRANSITIONS:
        assert next_booking_state(state, action) is BOOKING_TRANSITIONS[(state, action)]
    else:
        with pytest.raises(InvalidTransition) as raised:
            next_booking_state(state, action)
        assert (raised.value.state, raised.value.action) == (state, action)
        assert raised.value.code == "invalid-transition"


@pytest.mark.parametrize(("state", "action"), list(product(EnrolmentState, EnrolmentAction)))
def test_enrolment_moves_follow_the_table(state: EnrolmentState, action: EnrolmentAction) -> None:
    if (state, action) in ENROLMENT_TRANSITIONS:
        assert next_enrolment_state(state, action) is ENROLMENT_TRANSITIONS[(state, action)]
    else:
        with pytest.raises(InvalidTransition) as raised:
            next_enrolment_state(state, action)
        assert (raised.value.state, raised.value.action) == (state, action)


@pytest.mark.parametrize(
    ("state", "action", "after"),
    [
        (B.PENDING_APPROVAL, BA.APPROVE, B.CONFIRMED),
        (B.PENDING_APPROVAL, BA.REJECT, B.REJECTED),
        (B.PENDING_APPROVAL, BA.CANCEL, B.CANCELLED),
        (B.CONFIRMED, BA.CANCEL, B.CANCELLED),
        (B.CONFIRMED, BA.CHECK_IN, B.CHECKED_IN),
        (B.CONFIRMED, BA.MARK_NO_SHOW, B.NO_SHOW),
        (B.CHECKED_IN, BA.COMPLETE, B.COMPLETED),
    ],
)
def test_the_booking_moves_we_mean(
    state: BookingState, action: BookingAction, after: BookingState
) -> None:
    assert next_booking_state(state, action) is after


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (B.CHECKED_IN, BA.CANCEL),  # once in the room it cannot be cancelled
        (B.CANCELLED, BA.CHECK_IN),
        (B.NO_SHOW, BA.CHECK_IN),  # too late is too late
        (B.PENDING_APPROVAL, BA.CHECK_IN),  # not approved, not yours
        (B.COMPLETED, BA.CANCEL),
    ],
)
def test_booking_moves_we_forbid(state: BookingState, action: BookingAction) -> None:
    with pytest.raises(InvalidTransition, match=f"cannot {action} from state {state}"):
        next_booking_state(state, action)


@pytest.mark.parametrize(
    ("state", "action", "after"),
    [
        (E.WAITLISTED, EA.PROMOTE, E.ENROLLED),
        (E.WAITLISTED, EA.CANCEL, E.CANCELLED),
        (E.ENROLLED, EA.CANCEL, E.CANCELLED),
        (E.ENROLLED, EA.CHECK_IN, E.ATTENDED),
        (E.ENROLLED, EA.MARK_NO_SHOW, E.NO_SHOW),
    ],
)
def test_the_enrolment_moves_we_mean(
    state: EnrolmentState, action: EnrolmentAction, after: EnrolmentState
) -> None:
    assert next_enrolment_state(state, action) is after


def test_waitlisted_reader_cannot_check_in() -> None:
    with pytest.raises(InvalidTransition):
        next_enrolment_state(E.WAITLISTED, EA.CHECK_IN)


def test_terminal_states_have_no_moves() -> None:
    booking_sources = {s for s, _ in BOOKING_TRANSITIONS}
    assert set(BookingState) - booking_sources == {B.COMPLETED, B.CANCELLED, B.REJECTED, B.NO_SHOW}
    enrolment_sources = {s for s, _ in ENROLMENT_TRANSITIONS}
    assert set(EnrolmentState) - enrolment_sources == {E.CANCELLED, E.ATTENDED, E.NO_SHOW}


def test_slot_holders_are_the_live_bookings() -> None:
    # A booking holds its slot exactly while something can still happen to it.
    assert {s for s, _ in BOOKING_TRANSITIONS} == SLOT_HOLDING_STATES
    assert {s for s, _ in ENROLMENT_TRANSITIONS} == HOLDING_ENROLMENT_STATES


def test_every_state_is_reachable_from_a_starting_state() -> None:
    def reachable(table: dict, starts: set) -> set:  # type: ignore[type-arg]
        seen, frontier = set(starts), list(starts)
        while frontier:
            state = frontier.pop()
            for (src, _), dst in table.items():
                if src == state and dst not in seen:
                    seen.add(dst)
                    frontier.append(dst)
        return seen

    booking_starts = {B.PENDING_APPROVAL, B.CONFIRMED}
    assert reachable(dict(BOOKING_TRANSITIONS), booking_starts) == set(BookingState)
    enrolment_starts = {E.ENROLLED, E.WAITLISTED}
    assert reachable(dict(ENROLMENT_TRANSITIONS), enrolment_starts) == set(EnrolmentState)
