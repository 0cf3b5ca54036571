"""Weekly class series over holidays: skipped dates are reported, and made up when asked."""

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unicard.network.calendar import Calendar, parse_closed_days, parse_weekly_hours
from unicard.rooms.intervals import Span
from unicard.rooms.recurrence import (
    MAX_SESSIONS,
    SeriesError,
    SkippedDate,
    SkipReason,
    WeeklySeries,
    expand_series,
)

WEEKDAY = ["09:00-12:00", "14:00-20:30"]
HOURS = parse_weekly_hours(
    {"mon": WEEKDAY, "tue": WEEKDAY, "wed": WEEKDAY, "thu": WEEKDAY, "fri": WEEKDAY,
     "sat": ["09:00-17:00"]}
)  # fmt: skip
# National Day week: closed 1-7 October 2026 (a Thursday to a Wednesday).
CALENDAR = Calendar(HOURS, parse_closed_days(["2026-10-01..2026-10-07"]))
MON, TUE, THU, SAT = 0, 1, 3, 5
SEP_17 = date(2026, 9, 17)  # a Thursday


def thursdays(**kwargs: object) -> WeeklySeries:
    defaults: dict[str, object] = {
        "weekdays": frozenset({THU}),
        "start_time": time(19, 0),
        "duration_minutes": 90,
        "first_day": SEP_17,
    }
    return WeeklySeries(**{**defaults, **kwargs})  # type: ignore[arg-type]


def days(plan_sessions: tuple[Span, ...]) -> list[str]:
    return [s.start.date().isoformat()[5:] for s in plan_sessions]


def test_a_holiday_is_skipped_and_reported() -> None:
    plan = expand_series(thursdays(count=5), CALENDAR)
    assert days(plan.sessions) == ["09-17", "09-24", "10-08", "10-15"]
    assert plan.skipped == (SkippedDate(date(2026, 10, 1), SkipReason.CLOSED_DAY),)
    first = plan.sessions[0]
    assert first == Span(datetime(2026, 9, 17, 19, 0), datetime(2026, 9, 17, 20, 30))


def test_keep_count_makes_up_the_skipped_session_at_the_end() -> None:
    plan = expand_series(thursdays(count=5), CALENDAR, keep_count=True)
    assert days(plan.sessions) == ["09-17", "09-24", "10-08", "10-15", "10-22"]
    assert [s.day for s in plan.skipped] == [date(2026, 10, 1)]


def test_two_weekdays_across_the_holiday_week() -> None:
    series = thursdays(weekdays=frozenset({TUE, THU}), first_day=date(2026, 9, 28), count=4)
    plan = expand_series(series, CALENDAR)
    assert days(plan.sessions) == ["09-29", "10-08"]
    assert [s.day.isoformat()[5:] for s in plan.skipped] == ["10-01", "10-06"]
    kept = expand_series(series, CALENDAR, keep_count=True)
    assert days(kept.sessions) == ["09-29", "10-08", "10-13", "10-15"]


def test_until_is_inclusive_and_can_be_extended_to_keep_the_count() -> None:
    series = thursdays(until=date(2026, 10, 15))
    assert days(expand_series(series, CALENDAR).sessions) == ["09-17", "09-24", "10-08", "10-15"]
    kept = expand_series(series, CALENDAR, keep_count=True)
    assert days(kept.sessions) == ["09-17", "09-24", "10-08", "10-15", "10-22"]


def test_the_series_starts_on_its_first_weekday() -> None:
    plan = expand_series(thursdays(first_day=date(2026, 9, 14), count=1), CALENDAR)
    assert days(plan.sessions) == ["09-17"]


def test_a_session_outside_the_day_hours_is_skipped_with_its_reason() -> None:
    # Saturdays close at 17:00, so a 19:00 class on Tuesday and Saturday runs on Tuesdays only.
    series = thursdays(weekdays=frozenset({TUE, SAT}), first_day=date(2026, 9, 14), count=4)
    plan = expand_series(series, CALENDAR)
    assert days(plan.sessions) == ["09-15", "09-22"]
    assert plan.skipped == (
        SkippedDate(date(2026, 9, 19), SkipReason.OUTSIDE_OPENING_HOURS),
        SkippedDate(date(2026, 9, 26), SkipReason.OUTSIDE_OPENING_HOURS),
    )


def test_make_up_dates_can_be_skipped_in_turn() -> None:
    # A four-week series from 17 September with the whole of October off but one Thursday.
    calendar = Calendar(HOURS, parse_closed_days(["2026-10-01..2026-10-14", "2026-10-22"]))
    plan = expand_series(thursdays(count=4), calendar, keep_count=True)
    assert days(plan.sessions) == ["09-17", "09-24", "10-15", "10-29"]
    assert [s.day.isoformat()[5:] for s in plan.skipped] == ["10-01", "10-08", "10-22"]


def test_a_series_that_can_never_run_is_an_error_when_keeping_the_count() -> None:
    never = Calendar(parse_weekly_hours({"mon": ["09:00-12:00"]}))
    with pytest.raises(SeriesError, match="no session could be scheduled"):
        expand_series(thursdays(count=3), never, keep_count=True)
    plan = expand_series(thursdays(count=3), never)
    assert plan.sessions == () and len(plan.skipped) == 3


def test_aware_sessions() -> None:
    beijing = timezone(timedelta(hours=8))
    plan = expand_series(thursdays(count=1), CALENDAR, tz=beijing)
    assert plan.sessions[0].start == datetime(2026, 9, 17, 19, 0, tzinfo=beijing)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"count": 3, "weekdays": frozenset()}, "weekdays"),
        ({"count": 3, "weekdays": frozenset({7})}, "weekdays"),
        ({"count": 3, "duration_minutes": 0}, "duration"),
        ({"count": 3, "start_time": time(23, 0)}, "midnight"),
        ({}, "exactly one"),
        ({"count": 3, "until": date(2026, 12, 1)}, "exactly one"),
        ({"count": 0}, "count"),
        ({"count": MAX_SESSIONS + 1}, "count"),
        ({"until": date(2026, 9, 1)}, "before"),
        ({"until": date(2040, 1, 1)}, "at most"),
    ],
)
def test_bad_series_are_rejected(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(SeriesError, match=message):
        thursdays(**kwargs)


def test_a_session_may_end_at_midnight() -> None:
    late = thursdays(count=1, start_time=time(22, 30))
    assert late.duration_minutes == 90


ALWAYS_CLOSED_SOMETIMES = Calendar(
    HOURS, parse_closed_days(["2026-10-01..2026-10-07", "2026-11-10", "2026-12-24..2027-01-02"])
)


@given(
    # at least one weekday (Mon-Fri) on which the times below lie inside opening hours
    st.frozensets(st.integers(0, 6), min_size=1).filter(lambda ds: min(ds) < 5),
    st.integers(0, 120),
    st.integers(1, 30),
    st.sampled_from([time(9, 0), time(10, 30), time(15, 0), time(19, 0)]),
)
def test_series_properties(weekdays: frozenset[int], offset: int, count: int, at: time) -> None:
    first = date(2026, 9, 1) + timedelta(days=offset)
    series = WeeklySeries(weekdays, at, 60, first, count=count)
    calendar = ALWAYS_CLOSED_SOMETIMES
    occurrences = [
        d for d in (first + timedelta(days=i) for i in range(400)) if d.weekday() in weekdays
    ]

    plain = expand_series(series, calendar)
    dated = sorted([s.start.date() for s in plain.sessions] + [s.day for s in plain.skipped])
    assert dated == occurrences[:count]  # every date of the series is either held or skipped
    assert all(calendar.covers(s.start, s.end) for s in plain.sessions)
    assert all(
        not calendar.covers(
            datetime.combine(s.day, at), datetime.combine(s.day, at) + (timedelta(hours=1))
        )
        for s in plain.skipped
    )

    kept = expand_series(series, calendar, keep_count=True)
    assert len(kept.sessions) == count
    assert list(kept.sessions) == sorted(kept.sessions)
    last = kept.sessions[-1].start.date()
    held_or_skipped = sorted(
        [s.start.date() for s in kept.sessions] + [s.day for s in kept.skipped]
    )
    assert held_or_skipped == [d for d in occurrences if d <= last]
