"""Opening hours and closed days: parsing and the date arithmetic built on them."""

from datetime import UTC, date, datetime

import pytest

from unicard.network.calendar import (
    Calendar,
    CalendarError,
    NeverOpen,
    parse_closed_days,
    parse_weekly_hours,
)

HOURS = parse_weekly_hours({
    "mon": [], "tue": ["09:00-12:00", "14:00-18:00"], "wed": ["09:00-18:00"],
    "thu": ["09:00-18:00"], "fri": ["09:00-18:00"], "sat": ["09:00-17:00"],
    "sun": ["09:00-17:00"],
})
# Spring Festival 2026: Monday 16 to Wednesday 18 February.
CAL = Calendar(HOURS, parse_closed_days(["2026-02-16..2026-02-18", "2026-10-01"]))


def test_next_open_day_skips_mondays_and_holidays() -> None:
    assert CAL.next_open_day(date(2026, 2, 15)) == date(2026, 2, 15)  # Sunday, open
    assert CAL.next_open_day(date(2026, 2, 16)) == date(2026, 2, 19)  # holiday run
    assert CAL.next_open_day(date(2026, 11, 23)) == date(2026, 11, 24)  # Monday closed


def test_add_open_days_counts_only_open_days() -> None:
    assert CAL.add_open_days(date(2026, 2, 14), 2) == date(2026, 2, 19)
    assert CAL.add_open_days(date(2026, 11, 21), 0) == date(2026, 11, 21)


def test_open_days_between_is_half_open() -> None:
    assert CAL.open_days_between(date(2026, 2, 14), date(2026, 2, 19)) == 2
    assert CAL.open_days_between(date(2026, 2, 19), date(2026, 2, 19)) == 0


def test_covers_requires_one_interval() -> None:
    tue = date(2026, 11, 24)
    at = lambda h, m=0: datetime(tue.year, tue.month, tue.day, h, m, tzinfo=UTC)  # noqa: E731
    assert CAL.covers(at(9), at(12))
    assert not CAL.covers(at(11), at(15))  # spans the lunch break
    assert not CAL.covers(at(8, 30), at(10))


def test_all_day_hours_cover_until_midnight() -> None:
    cal = Calendar(parse_weekly_hours({"mon": ["00:00-24:00"]}))
    monday = datetime(2026, 11, 23, 22, tzinfo=UTC)
    assert cal.covers(monday, datetime(2026, 11, 24, 0, tzinfo=UTC))
    assert cal.hours.to_json()["mon"] == ["00:00-24:00"]


def test_never_open_is_an_error_not_a_hang() -> None:
    with pytest.raises(NeverOpen):
        Calendar(parse_weekly_hours({})).next_open_day(date(2026, 1, 1))


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"mon": ["9-17"]}, "clock time"),
        ({"mon": ["17:00-09:00"]}, "after opening"),
        ({"mon": ["09:00-12:00", "11:00-13:00"]}, "overlap"),
        ({"monday": ["09:00-12:00"]}, "unknown day"),
    ],
)
def test_bad_hours_name_the_entry(raw: dict, fragment: str) -> None:
    with pytest.raises(CalendarError, match=fragment):
        parse_weekly_hours(raw)


def test_bad_closed_days_name_the_entry() -> None:
    with pytest.raises(CalendarError, match="2026-13-01"):
        parse_closed_days(["2026-13-01"])
    with pytest.raises(CalendarError, match="ends before"):
        parse_closed_days(["2026-02-18..2026-02-16"])
