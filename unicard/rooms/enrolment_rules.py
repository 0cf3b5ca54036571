"""Whether a reader may enrol in a class session, who gets a seat, and who is promoted."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from unicard.rooms.checkin import CheckInWindow, check_in_missed
from unicard.rooms.intervals import overlaps
from unicard.rooms.refusals import Refusal, RefusalCode
from unicard.rooms.states import HOLDING_ENROLMENT_STATES, EnrolmentAction, EnrolmentState

__all__ = [
    "AgeBand",
    "ClassSession",
    "EnrollingReader",
    "HeldEnrolment",
    "SeatDecision",
    "age_on",
    "decide_seat",
    "promote_waitlist",
    "settle_enrolment",
    "why_cannot_enrol",
    "why_not_eligible",
]


@dataclass(frozen=True)
class AgeBand:
    """Ages from `min_age` to `max_age`, both inclusive; None means unbounded."""

    min_age: int | None = None
    max_age: int | None = None

    def __post_init__(self) -> None:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError("min_age is above max_age")

    def contains_age(self, age: int) -> bool:
        return (self.min_age is None or age >= self.min_age) and (
            self.max_age is None or age <= self.max_age
        )

    def contains_band(self, other: AgeBand) -> bool:
        """Whether every age in `other` is in this band."""
        low_ok = self.min_age is None or (
            other.min_age is not None and other.min_age >= self.min_age
        )
        high_ok = self.max_age is None or (
            other.max_age is not None and other.max_age <= self.max_age
        )
        return low_ok and high_ok

    def label(self) -> str:
        low = "" if self.min_age is None else str(self.min_age)
        high = "" if self.max_age is None else str(self.max_age)
        return f"{low}-{high}"


@dataclass(frozen=True)
class ClassSession:
    """What enrolment needs to know about one session of a class."""

    session_id: Hashable
    start: datetime
    end: datetime
    capacity: int
    enrol_opens: datetime
    enrol_closes: datetime
    age_band: AgeBand | None = None
    # Reader categories admitted; None admits every category.
    categories: frozenset[str] | None = None
    # Readers whose request (点单) led to this session may enrol from `early_opens`.
    early_opens: datetime | None = None
    early_readers: frozenset[Hashable] = frozenset()

    def __post_init__(self) -> None:
        if self.capacity < 1:
            raise ValueError("session capacity must be at least 1")
        if self.end <= self.start:
            raise ValueError("a session must end after it starts")
        if self.enrol_closes <= self.enrol_opens:
            raise ValueError("the enrolment window must close after it opens")
        if self.early_opens is not None and self.early_opens > self.enrol_opens:
            raise ValueError("early enrolment must open no later than general enrolment")


@dataclass(frozen=True)
class EnrollingReader:
    reader_id: Hashable
    category: str
    birth_date: date | None = None
    # The age band the reader's category stands for (e.g. child 0-13), used without a birth date.
    category_band: AgeBand | None = None


@dataclass(frozen=True)
class HeldEnrolment:
    """One of the reader's existing enrolments."""

    session_id: Hashable
    start: datetime
    end: datetime
    state: EnrolmentState


def age_on(birth_date: date, day: date) -> int:
    """Full years on `day`; a 29 February birthday is reached on 1 March in common years."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


def why_not_eligible(session: ClassSession, reader: EnrollingReader) -> Refusal | None:
    """Category first, then age: the age at the session date from the birth date; without one,
    the reader's category band must lie wholly inside the session's band."""
    if session.categories is not None and reader.category not in session.categories:
        return Refusal(
            RefusalCode.NOT_ELIGIBLE,
            "This session is not open to your reader category.",
            {
                "reason": "category",
                "category": reader.category,
                "categories": sorted(session.categories),
            },
        )
    band = session.age_band
    if band is None:
        return None
    if reader.birth_date is not None:
        age = age_on(reader.birth_date, session.start.date())
        if band.contains_age(age):
            return None
        return Refusal(
            RefusalCode.NOT_ELIGIBLE,
            f"This session is for ages {band.label()}; you will be {age} on the day.",
            {"reason": "age", "age": age, "age_band": band.label()},
        )
    if reader.category_band is not None and band.contains_band(reader.category_band):
        return None
    return Refusal(
        RefusalCode.NOT_ELIGIBLE,
        f"This session is for ages {band.label()}; we cannot tell your age from your card.",
        {"reason": "age-unknown", "age_band": band.label()},
    )


def why_cannot_enrol(
    session: ClassSession,
    reader: EnrollingReader,
    existing_enrolments_of_reader: Iterable[HeldEnrolment],
    now: datetime,
) -> Refusal | None:
    """The first rule the enrolment breaks, or None. A full session is not a refusal here:
    `decide_seat` puts the reader on the waitlist. Enrolled and waitlisted places both hold
    the reader's time, so neither may overlap a new enrolment."""
    held = [e for e in existing_enrolments_of_reader if e.state in HOLDING_ENROLMENT_STATES]
    for e in held:
        if e.session_id == session.session_id:
            return Refusal(
                RefusalCode.ALREADY_ENROLLED,
                f"You are already {e.state} for this session.",
                {"state": str(e.state)},
            )

    opens = session.enrol_opens
    if session.early_opens is not None and reader.reader_id in session.early_readers:
        opens = session.early_opens
    if not opens <= now < session.enrol_closes:
        return Refusal(
            RefusalCode.ENROLMENT_CLOSED,
            f"Enrolment is open from {opens:%Y-%m-%d %H:%M} "
            f"until {session.enrol_closes:%Y-%m-%d %H:%M}.",
            {"opens": opens.isoformat(), "closes": session.enrol_closes.isoformat()},
        )

    refusal = why_not_eligible(session, reader)
    if refusal is not None:
        return refusal

    clashing = sorted((e for e in held if overlaps(session, e)), key=lambda e: e.start)
    if clashing:
        return Refusal(
            RefusalCode.ENROLMENT_OVERLAP,
            "You already have a class at that time.",
            {
                "conflicts": [
                    {
                        "session_id": str(e.session_id),
                        "start": e.start.isoformat(),
                        "end": e.end.isoformat(),
                        "state": str(e.state),
                    }
                    for e in clashing
                ]
            },
        )
    return None


@dataclass(frozen=True)
class SeatDecision:
    """Where a new enrolment goes; `refusal` is the `session-full` notice when waitlisted."""

    state: EnrolmentState
    refusal: Refusal | None = None
    waitlist_position: int | None = None


def decide_seat(enrolled_count: int, capacity: int, waiting_count: int = 0) -> SeatDecision:
    """A seat when one is free and nobody is waiting; otherwise the end of the waitlist."""
    if enrolled_count < capacity and waiting_count == 0:
        return SeatDecision(EnrolmentState.ENROLLED)
    position = waiting_count + 1
    return SeatDecision(
        EnrolmentState.WAITLISTED,
        Refusal(
            RefusalCode.SESSION_FULL,
            f"The session is full; you are number {position} on the waitlist.",
            {"capacity": capacity, "enrolled": enrolled_count, "waitlist_position": position},
        ),
        position,
    )


T = TypeVar("T")


def promote_waitlist(enrolled_count: int, capacity: int, waitlist_in_order: Sequence[T]) -> list[T]:
    """Those who get the free seats: the first of the waitlist, in arrival order."""
    free = max(0, capacity - enrolled_count)
    return list(waitlist_in_order[:free])


def settle_enrolment(
    state: EnrolmentState, start: datetime, window: CheckInWindow, now: datetime
) -> EnrolmentAction | None:
    """After the check-in window closes, an enrolled reader who did not check in is a no-show
    (checking in moves them to attended at the door). Waitlisted places are left as they are."""
    if state is EnrolmentState.ENROLLED and check_in_missed(start, window, now):
        return EnrolmentAction.MARK_NO_SHOW
    return None
