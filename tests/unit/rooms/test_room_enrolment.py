"""Enrolling in a class session: eligibility, window, overlaps, seats, waitlist, attendance."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unicard.rooms.checkin import CheckInWindow
from unicard.rooms.enrolment_rules import (
    AgeBand,
    ClassSession,
    EnrollingReader,
    HeldEnrolment,
    age_on,
    decide_seat,
    promote_waitlist,
    settle_enrolment,
    why_cannot_enrol,
    why_not_eligible,
)
from unicard.rooms.refusals import Refusal, RefusalCode
from unicard.rooms.states import EnrolmentAction, EnrolmentState

E = EnrolmentState
START = datetime(2026, 6, 9, 19, 0)  # a Tuesday evening
END = START + timedelta(minutes=90)
OPENS = datetime(2026, 6, 1, 9, 0)
CLOSES = datetime(2026, 6, 9, 12, 0)
NOW = datetime(2026, 6, 2, 10, 0)
KIDS = AgeBand(6, 12)


def session(**kwargs: object) -> ClassSession:
    defaults: dict[str, object] = {
        "session_id": 7,
        "start": START,
        "end": END,
        "capacity": 25,
        "enrol_opens": OPENS,
        "enrol_closes": CLOSES,
    }
    return ClassSession(**{**defaults, **kwargs})  # type: ignore[arg-type]


ADULT = EnrollingReader(reader_id="r1", category="adult", birth_date=date(1990, 5, 1))


def code(refusal: Refusal | None) -> RefusalCode | None:
    return None if refusal is None else refusal.code


def held(session_id: object, start: str, end: str, state: EnrolmentState) -> HeldEnrolment:
    day = START.date()
    return HeldEnrolment(
        session_id,
        datetime.combine(day, datetime.strptime(start, "%H:%M").time()),
        datetime.combine(day, datetime.strptime(end, "%H:%M").time()),
        state,
    )


def test_an_adult_enrols_in_an_open_session() -> None:
    assert why_cannot_enrol(session(), ADULT, [], NOW) is None


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(2016, 6, 10), date(2026, 6, 9), 9),  # birthday tomorrow
        (date(2016, 6, 9), date(2026, 6, 9), 10),  # birthday today
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),  # leap-day birthdays count from 1 March
        (date(2008, 2, 29), date(2028, 2, 29), 20),
    ],
)
def test_age_on(birth: date, day: date, age: int) -> None:
    assert age_on(birth, day) == age


@pytest.mark.parametrize(
    ("birth", "eligible"),
    [
        (date(2020, 6, 9), True),  # six on the day of the session
        (date(2020, 6, 10), False),  # six only the day after
        (date(2013, 6, 10), True),  # still twelve on the day
        (date(2013, 6, 9), False),  # thirteen on the day
    ],
)
def test_age_is_taken_on_the_session_date_not_today(birth: date, eligible: bool) -> None:
    child = EnrollingReader("c1", "child", birth_date=birth)
    refusal = why_cannot_enrol(session(age_band=KIDS), child, [], NOW)
    assert code(refusal) == (None if eligible else RefusalCode.NOT_ELIGIBLE)
    if refusal is not None:
        assert refusal.context["reason"] == "age"
        assert refusal.context["age_band"] == "6-12"


@pytest.mark.parametrize(
    ("category_band", "expected"),
    [
        (AgeBand(7, 12), None),  # every child of that category fits
        (AgeBand(0, 13), RefusalCode.NOT_ELIGIBLE),  # some would not
        (None, RefusalCode.NOT_ELIGIBLE),  # nothing to go on
    ],
)
def test_without_a_birth_date_the_category_band_decides(
    category_band: AgeBand | None, expected: RefusalCode | None
) -> None:
    child = EnrollingReader("c1", "child", category_band=category_band)
    refusal = why_not_eligible(session(age_band=KIDS), child)
    assert code(refusal) == expected
    if refusal is not None:
        assert refusal.context["reason"] == "age-unknown"


def test_the_birth_date_wins_over_the_category_band() -> None:
    child = EnrollingReader("c1", "child", date(2016, 1, 1), category_band=AgeBand(0, 13))
    assert why_not_eligible(session(age_band=KIDS), child) is None


def test_open_ended_bands() -> None:
    seniors = session(age_band=AgeBand(min_age=60))
    assert code(why_not_eligible(seniors, ADULT)) is RefusalCode.NOT_ELIGIBLE
    old = EnrollingReader("s1", "senior", date(1960, 1, 1))
    assert why_not_eligible(seniors, old) is None
    senior_card = EnrollingReader("s2", "senior", category_band=AgeBand(min_age=65))
    assert why_not_eligible(seniors, senior_card) is None
    assert code(why_not_eligible(session(age_band=AgeBand(max_age=12)), senior_card)) is (
        RefusalCode.NOT_ELIGIBLE
    )


def test_age_bands_must_be_ordered() -> None:
    with pytest.raises(ValueError):
        AgeBand(12, 6)


def test_reader_categories_can_be_restricted() -> None:
    only_students = session(categories=frozenset({"student"}))
    refusal = why_not_eligible(only_students, ADULT)
    assert code(refusal) is RefusalCode.NOT_ELIGIBLE
    assert refusal is not None and refusal.context["reason"] == "category"
    student = EnrollingReader("s", "student", date(2005, 1, 1))
    assert why_not_eligible(only_students, student) is None


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (OPENS - timedelta(seconds=1), RefusalCode.ENROLMENT_CLOSED),
        (OPENS, None),
        (CLOSES - timedelta(seconds=1), None),
        (CLOSES, RefusalCode.ENROLMENT_CLOSED),
    ],
)
def test_enrolment_window(now: datetime, expected: RefusalCode | None) -> None:
    assert code(why_cannot_enrol(session(), ADULT, [], now)) == expected


def test_readers_who_asked_for_the_class_may_enrol_early() -> None:
    early = session(early_opens=OPENS - timedelta(days=3), early_readers=frozenset({"r1"}))
    before = OPENS - timedelta(days=1)
    assert why_cannot_enrol(early, ADULT, [], before) is None
    other = EnrollingReader("r2", "adult", date(1990, 1, 1))
    assert code(why_cannot_enrol(early, other, [], before)) is RefusalCode.ENROLMENT_CLOSED
    too_early = OPENS - timedelta(days=4)
    assert code(why_cannot_enrol(early, ADULT, [], too_early)) is RefusalCode.ENROLMENT_CLOSED


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        (held(7, "19:00", "20:30", E.ENROLLED), RefusalCode.ALREADY_ENROLLED),
        (held(7, "19:00", "20:30", E.WAITLISTED), RefusalCode.ALREADY_ENROLLED),
        (held(7, "19:00", "20:30", E.CANCELLED), None),  # may come back after cancelling
        (held(8, "19:30", "21:00", E.ENROLLED), RefusalCode.ENROLMENT_OVERLAP),
        (held(8, "18:00", "22:00", E.WAITLISTED), RefusalCode.ENROLMENT_OVERLAP),
        (held(8, "19:30", "21:00", E.CANCELLED), None),
        (held(8, "19:30", "21:00", E.NO_SHOW), None),
        (held(8, "20:30", "21:30", E.ENROLLED), None),  # back to back
        (held(8, "17:30", "19:00", E.ENROLLED), None),
    ],
)
def test_one_place_per_session_and_no_overlaps(
    existing: HeldEnrolment, expected: RefusalCode | None
) -> None:
    assert code(why_cannot_enrol(session(), ADULT, [existing], NOW)) == expected


def test_overlap_names_the_clashing_session() -> None:
    refusal = why_cannot_enrol(session(), ADULT, [held(8, "19:30", "21:00", E.ENROLLED)], NOW)
    assert refusal is not None
    assert refusal.context["conflicts"] == [
        {
            "session_id": "8",
            "start": "2026-06-09T19:30:00",
            "end": "2026-06-09T21:00:00",
            "state": "enrolled",
        }
    ]


def test_refusal_order_already_then_window_then_eligibility_then_overlap() -> None:
    child = EnrollingReader("c", "child", date(2000, 1, 1))  # too old for the kids' class
    kids = session(age_band=KIDS)
    mine = held(7, "19:00", "20:30", E.ENROLLED)
    clash = held(8, "19:00", "20:00", E.ENROLLED)
    late = CLOSES + timedelta(hours=1)
    assert code(why_cannot_enrol(kids, child, [mine, clash], late)) is RefusalCode.ALREADY_ENROLLED
    assert code(why_cannot_enrol(kids, child, [clash], late)) is RefusalCode.ENROLMENT_CLOSED
    assert code(why_cannot_enrol(kids, child, [clash], NOW)) is RefusalCode.NOT_ELIGIBLE
    assert code(why_cannot_enrol(session(), child, [clash], NOW)) is RefusalCode.ENROLMENT_OVERLAP


@pytest.mark.parametrize(
    "kwargs",
    [
        {"capacity": 0},
        {"end": START},
        {"enrol_closes": OPENS},
        {"early_opens": OPENS + timedelta(hours=1)},
    ],
)
def test_nonsense_sessions_are_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        session(**kwargs)


@pytest.mark.parametrize(
    ("enrolled", "waiting", "state", "position"),
    [
        (0, 0, E.ENROLLED, None),
        (24, 0, E.ENROLLED, None),
        (25, 0, E.WAITLISTED, 1),
        (25, 9, E.WAITLISTED, 10),
        (24, 3, E.WAITLISTED, 4),  # a free seat belongs to those already waiting
    ],
)
def test_decide_seat(
    enrolled: int, waiting: int, state: EnrolmentState, position: int | None
) -> None:
    decision = decide_seat(enrolled, 25, waiting)
    assert decision.state is state
    assert decision.waitlist_position == position
    if state is E.WAITLISTED:
        assert decision.refusal is not None
        assert decision.refusal.code is RefusalCode.SESSION_FULL
        assert decision.refusal.context["waitlist_position"] == position
    else:
        assert decision.refusal is None


@pytest.mark.parametrize(
    ("enrolled", "capacity", "expected"),
    [(25, 25, []), (24, 25, ["a"]), (22, 25, ["a", "b", "c"]), (0, 25, ["a", "b", "c", "d"]),
     (26, 25, [])],
)  # fmt: skip
def test_promote_waitlist(enrolled: int, capacity: int, expected: list[str]) -> None:
    assert promote_waitlist(enrolled, capacity, ["a", "b", "c", "d"]) == expected


def test_a_hundred_readers_for_twenty_five_seats() -> None:
    enrolled: list[int] = []
    waitlist: list[int] = []
    for reader in range(100):
        decision = decide_seat(len(enrolled), 25, len(waitlist))
        (enrolled if decision.state is E.ENROLLED else waitlist).append(reader)
    assert enrolled == list(range(25))
    assert waitlist == list(range(25, 100))
    for leaving in (3, 17, 20):
        enrolled.remove(leaving)
    promoted = promote_waitlist(len(enrolled), 25, waitlist)
    assert promoted == [25, 26, 27]


@given(st.lists(st.tuples(st.sampled_from(["arrive", "cancel"]), st.integers(0, 200)), max_size=80))
def test_seats_and_waitlist_stay_fair_through_any_history(ops: list[tuple[str, int]]) -> None:
    """Play arrivals and cancellations as the service will: seat or queue on arrival, promote
    after each cancellation. Nobody is lost, seats never exceed capacity, the queue keeps its
    arrival order, and nobody waits while a seat is free."""
    capacity = 5
    enrolled: list[int] = []
    waitlist: list[int] = []
    cancelled: list[int] = []
    arrived = 0
    for op, pick in ops:
        if op == "arrive":
            decision = decide_seat(len(enrolled), capacity, len(waitlist))
            (enrolled if decision.state is E.ENROLLED else waitlist).append(arrived)
            arrived += 1
            continue
        holders = enrolled + waitlist
        if not holders:
            continue
        leaving = holders[pick % len(holders)]
        (enrolled if leaving in enrolled else waitlist).remove(leaving)
        cancelled.append(leaving)
        for reader in promote_waitlist(len(enrolled), capacity, waitlist):
            waitlist.remove(reader)
            enrolled.append(reader)
        assert len(enrolled) <= capacity
        assert not waitlist or len(enrolled) == capacity
    assert sorted(enrolled + waitlist + cancelled) == list(range(arrived))
    assert waitlist == sorted(waitlist)
    assert not waitlist or len(enrolled) == capacity


WINDOW = CheckInWindow(opens_before_minutes=30, grace_minutes=20)


@pytest.mark.parametrize(
    ("state", "now", "expected"),
    [
        (E.ENROLLED, START + timedelta(minutes=19), None),
        (E.ENROLLED, START + timedelta(minutes=20), EnrolmentAction.MARK_NO_SHOW),
        (E.ATTENDED, END, None),
        (E.WAITLISTED, END, None),  # never had a seat; not a no-show
        (E.CANCELLED, END, None),
    ],
)
def test_settle_enrolment(
    state: EnrolmentState, now: datetime, expected: EnrolmentAction | None
) -> None:
    assert settle_enrolment(state, START, WINDOW, now) == expected
