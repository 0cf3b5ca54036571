"""Free rooms: free windows and start times, and their agreement with the booking guard."""

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from unicard.network.calendar import Calendar, parse_closed_days, parse_weekly_hours
from unicard.rooms.booking_rules import BookingCandidate, RoomConfig, why_cannot_book
from unicard.rooms.free_slots import free_windows, start_times
from unicard.rooms.intervals import Span

WEEKDAY = ["09:00-12:00", "14:00-20:30"]
CALENDAR = Calendar(
    parse_weekly_hours({d: WEEKDAY for d in ("mon", "tue", "wed", "thu", "fri")}),
    parse_closed_days(["2026-06-03"]),
)
ROOM = RoomConfig(capacity=10, min_minutes=30, max_minutes=180, slot_minutes=30)
NARROW = RoomConfig(
    capacity=10,
    min_minutes=60,
    slot_minutes=60,
    bookable_hours=parse_weekly_hours({"tue": ["10:00-11:30", "15:00-23:00"]}),
)
TUESDAY = date(2026, 6, 2)
NOW = datetime(2026, 6, 1, 8, 0)


def at(clock: str, day: date = TUESDAY) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute)


def spans(*pairs: tuple[str, str]) -> list[Span]:
    return [Span(at(a), at(b)) for a, b in pairs]


def test_an_empty_day_is_free_in_its_opening_hours() -> None:
    assert free_windows(ROOM, CALENDAR, TUESDAY, []) == spans(
        ("09:00", "12:00"), ("14:00", "20:30")
    )


def test_bookings_cut_windows_and_starts_snap_to_the_grid() -> None:
    busy = spans(("10:00", "11:00"), ("14:00", "14:45"), ("18:00", "18:30"))
    assert free_windows(ROOM, CALENDAR, TUESDAY, busy) == spans(
        ("09:00", "10:00"), ("11:00", "12:00"), ("15:00", "18:00"), ("18:30", "20:30")
    )


def test_windows_too_short_for_a_booking_are_left_out() -> None:
    busy = spans(("09:00", "11:40"))  # 11:40 snaps to 12:00: nothing left of the morning
    assert free_windows(ROOM, CALENDAR, TUESDAY, busy)[0] == Span(at("14:00"), at("20:30"))


def test_room_hours_narrow_the_windows() -> None:
    # 10:00-11:30 is only 90 minutes; with hourly slots and 60-minute minimum it still fits once.
    assert free_windows(NARROW, CALENDAR, TUESDAY, []) == spans(
        ("10:00", "11:30"), ("15:00", "20:30")
    )
    assert start_times(NARROW, CALENDAR, TUESDAY, [], 60) == [
        at(c) for c in ("10:00", "15:00", "16:00", "17:00", "18:00", "19:00")
    ]


def test_now_cuts_off_the_past() -> None:
    windows = free_windows(ROOM, CALENDAR, TUESDAY, [], now=at("09:10"))
    assert windows[0] == Span(at("09:30"), at("12:00"))
    assert free_windows(ROOM, CALENDAR, TUESDAY, [], now=at("21:00")) == []


def test_closed_days_and_the_horizon_have_no_windows() -> None:
    assert free_windows(ROOM, CALENDAR, date(2026, 6, 3), []) == []  # holiday
    assert free_windows(ROOM, CALENDAR, date(2026, 6, 7), []) == []  # Sunday
    far = date(2026, 6, 16)  # beyond 14 days from 1 June
    assert free_windows(ROOM, CALENDAR, far, [], now=NOW) == []
    assert free_windows(ROOM, CALENDAR, far, [], now=NOW, by_staff=True) != []
    assert free_windows(ROOM, CALENDAR, far, []) != []  # no `now`: no horizon


def test_start_times_step_through_each_window() -> None:
    busy = spans(("10:00", "11:00"), ("14:00", "20:00"))
    assert start_times(ROOM, CALENDAR, TUESDAY, busy, 60) == [at("09:00"), at("11:00")]
    assert start_times(ROOM, CALENDAR, TUESDAY, busy, 30) == [
        at(c) for c in ("09:00", "09:30", "11:00", "11:30", "20:00")
    ]


def test_start_times_respect_the_length_limits() -> None:
    assert start_times(ROOM, CALENDAR, TUESDAY, [], 29) == []
    assert start_times(ROOM, CALENDAR, TUESDAY, [], 181) == []
    assert start_times(ROOM, CALENDAR, TUESDAY, [], 180)[-1] == at("17:30")


@st.composite
def bookings(draw: st.DrawFn, day: date) -> list[Span]:
    result = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(8 * 60, 21 * 60))
        length = draw(st.integers(5, 240))
        begin = datetime(day.year, day.month, day.day) + timedelta(minutes=start)
        result.append(Span(begin, begin + timedelta(minutes=length)))
    return result


@settings(max_examples=300)
@given(
    st.sampled_from([ROOM, NARROW]),
    st.integers(0, 19),
    st.data(),
    st.integers(0, 72 * 60),
    st.sampled_from([30, 45, 60, 90, 120, 180]),
    st.booleans(),
)
def test_start_times_are_exactly_what_the_guard_accepts(
    room: RoomConfig, offset: int, data: st.DataObject, now_minutes: int, minutes: int, staff: bool
) -> None:
    day = date(2026, 6, 1) + timedelta(days=offset)
    existing = data.draw(bookings(day))
    now = NOW + timedelta(minutes=now_minutes)
    listed = start_times(room, CALENDAR, day, existing, minutes, now=now, by_staff=staff)
    midnight = datetime(day.year, day.month, day.day)
    accepted = [
        start
        for start in (midnight + timedelta(minutes=m) for m in range(0, 24 * 60, room.slot_minutes))
        if why_cannot_book(
            room,
            CALENDAR,
            BookingCandidate(start, start + timedelta(minutes=minutes), by_staff=staff),
            existing,
            now,
        )
        is None
    ]
    assert listed == accepted
