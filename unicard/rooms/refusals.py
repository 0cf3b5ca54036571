"""Why a rooms-and-classes action is refused: stable codes, English messages, context.

A guard returns a `Refusal` (or None); the service raises from it, so each code and message is
written once. An illegal state move raises `InvalidTransition`.

Circulation may grow the same two types; they are kept local here until a shared home exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["InvalidTransition", "Refusal", "RefusalCode"]


class RefusalCode(StrEnum):
    """The stable error codes of rooms and classes; API problem details carry them verbatim."""

    # booking a room
    SLOT_TAKEN = "slot-taken"
    OUTSIDE_OPENING_HOURS = "outside-opening-hours"
    CLOSED_DAY = "closed-day"
    TOO_SHORT = "too-short"
    TOO_LONG = "too-long"
    TOO_FAR_AHEAD = "too-far-ahead"
    IN_THE_PAST = "in-the-past"
    NOT_ON_SLOT_GRID = "not-on-slot-grid"
    BOOKING_SUSPENDED = "booking-suspended"
    OVER_CAPACITY = "over-capacity"
    CANCEL_DEADLINE_PASSED = "cancel-deadline-passed"
    # checking in at the door (rooms and sessions)
    CHECK_IN_NOT_OPEN = "check-in-not-open"
    CHECK_IN_CLOSED = "check-in-closed"
    # enrolling in a class session
    ENROLMENT_CLOSED = "enrolment-closed"
    NOT_ELIGIBLE = "not-eligible"
    ENROLMENT_OVERLAP = "enrolment-overlap"
    ALREADY_ENROLLED = "already-enrolled"
    SESSION_FULL = "session-full"


@dataclass(frozen=True)
class Refusal:
    """A rule said no. `context` holds JSON-ready values (datetimes as ISO 8601 strings)."""

    code: RefusalCode
    message: str
    context: Mapping[str, object] = field(default_factory=dict)


class InvalidTransition(Exception):
    """An action that the state machine does not allow from the current state."""

    code = "invalid-transition"

    def __init__(self, state: StrEnum, action: StrEnum) -> None:
        super().__init__(f"cannot {action} from state {state} ({type(state).__name__})")
        self.state = state
        self.action = action
