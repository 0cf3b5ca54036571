"""Scheduling classes: one-off sessions and weekly series over holidays; a session booked into
a room reserves it; teachers are staff or registered volunteers."""

from __future__ import annotations

from datetime import date, time

import pytest

from unicard.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from unicard.rooms import services

from .rooms_world import at, day_after, rows, seed_rooms


@pytest.fixture
async def world(network, settings, clock):
    return await seed_rooms(network, settings, clock)


def weekly(world, **kwargs):
    values = dict(title="周五书法班", category="calligraphy", weekdays=(4,),
                  start_time=time(14, 0), duration_minutes=90, first_day=date(2026, 12, 11),
                  capacity=12, room_id=world.calligraphy.id, teacher_id=world.teacher.id,
                  count=3)
    return services.NewSeries(**(values | kwargs))


async def test_a_session_in_a_room_reserves_it(world, network, clock):
    session = await services.create_session(services.NewSession(
        title="书法讲座", category="Calligraphy", starts_at=at(day_after(3), "10:00"),
        ends_at=at(day_after(3), "12:00"), capacity=20, room_id=world.calligraphy.id),
        network.hall_staff, clock)
    assert (session.org, session.category, session.room_name) == ("EAST-HALL", "calligraphy",
                                                                   "书法教室")
    (booking,) = await rows("SELECT state, session, group_size FROM booking")
    assert booking == {"state": "confirmed", "session": session.id, "group_size": 20}
    with pytest.raises(Conflict) as refused:
        await services.book_room(world.adult.id, services.BookRoom(
            world.calligraphy.id, at(day_after(3), "11:00"), at(day_after(3), "11:30")), clock)
    assert refused.value.code == "slot-taken"
    with pytest.raises(Conflict) as refused:  # a class cannot take a booked room either
        await services.create_session(services.NewSession(
            title="篆刻", category="seal carving", starts_at=at(day_after(3), "11:30"),
            ends_at=at(day_after(3), "13:00"), capacity=10, room_id=world.calligraphy.id),
            network.hall_staff, clock)
    assert refused.value.code == "slot-taken"


@pytest.mark.parametrize(
    ("change", "error", "code"),
    [
        ({"capacity": 21}, RuleViolation, "over-capacity"),
        ({"starts_at": at(day_after(3), "16:00"), "ends_at": at(day_after(3), "18:00")},
         RuleViolation, "outside-opening-hours"),
        ({"starts_at": at(day_after(-1), "10:00"), "ends_at": at(day_after(-1), "11:00")},
         RuleViolation, "in-the-past"),
        ({"title": " "}, InvalidInput, "title-missing"),
        ({"min_age": 12, "max_age": 6}, InvalidInput, "age-band-invalid"),
        ({"enrol_closes": at(day_after(4), "10:00")}, InvalidInput, "enrolment-window-invalid"),
    ],
)
async def test_bad_sessions_are_refused(world, network, clock, change, error, code):
    values = dict(title="书法讲座", category="calligraphy", starts_at=at(day_after(3), "10:00"),
                  ends_at=at(day_after(3), "12:00"), capacity=20, room_id=world.calligraphy.id)
    with pytest.raises(error) as refused:
        await services.create_session(services.NewSession(**(values | change)),
                                      network.hall_staff, clock)
    assert refused.value.code == code
    assert await rows("SELECT id FROM class_session") == []


async def test_sessions_without_a_room_keep_to_opening_hours(world, network, clock):
    with pytest.raises(RuleViolation) as refused:
        await services.create_session(services.NewSession(
            title="户外写生", category="painting", org="EAST-HALL",
            starts_at=at(date(2026, 12, 25), "10:00"), ends_at=at(date(2026, 12, 25), "12:00"),
            capacity=15), network.hall_staff, clock)
    assert refused.value.code == "closed-day"
    with pytest.raises(Forbidden):
        await services.create_session(services.NewSession(
            title="户外写生", category="painting", org="WEST-B1",
            starts_at=at(day_after(5), "10:00"), ends_at=at(day_after(5), "12:00"),
            capacity=15), network.hall_staff, clock)


async def test_a_weekly_series_skips_the_holiday(world, network, clock):
    series = await services.create_series(weekly(world), network.hall_staff, clock)
    assert [s.starts_at.date() for s in series.sessions] == [date(2026, 12, 11),
                                                             date(2026, 12, 18)]
    assert series.skipped == ((date(2026, 12, 25), "closed-day"),)
    kept = await services.create_series(weekly(world, first_day=date(2027, 1, 1), count=2,
                                               keep_count=True, weekdays=(3,)),
                                        network.hall_staff, clock)
    assert [s.starts_at.date() for s in kept.sessions] == [date(2027, 1, 7), date(2027, 1, 14)]
    assert len(await rows("SELECT id FROM booking WHERE session IS NOT NULL")) == 4
    cancelled = await services.cancel_series(series.id, network.hall_staff, clock)
    assert cancelled == 2
    assert len(await rows("SELECT id FROM booking WHERE state = 'confirmed'")) == 2


async def test_a_series_that_clashes_is_refused_whole(world, network, clock):
    await services.book_room_for_group(network.hall_staff, services.BookRoom(
        world.calligraphy.id, at(date(2026, 12, 18), "15:00"), at(date(2026, 12, 18), "16:00"),
        group_name="诗社"), clock)
    with pytest.raises(Conflict) as refused:
        await services.create_series(weekly(world), network.hall_staff, clock)
    assert refused.value.code == "slot-taken"
    assert [c["start"][:10] for c in refused.value.context["conflicts"]] == ["2026-12-18"]
    assert await rows("SELECT id FROM class_session") == []
    assert await rows("SELECT id FROM class_series") == []
    with pytest.raises(InvalidInput) as refused:
        await services.create_series(weekly(world, count=None), network.hall_staff, clock)
    assert refused.value.code == "series-invalid"


async def test_teachers_are_staff_or_volunteers_with_a_profile(world, network, clock):
    staff_teacher = await services.create_teacher(services.NewTeacher(
        kind="staff", name="东区馆员", org="EAST", staff_username="east.desk",
        categories=("Reading",)), network.east_librarian, clock)
    assert staff_teacher.staff_username == "east.desk" and staff_teacher.categories == (
        "reading",)
    with pytest.raises(Conflict):
        await services.create_teacher(services.NewTeacher(
            kind="staff", name="again", org="EAST", staff_username="east.desk"),
            network.east_librarian, clock)
    with pytest.raises(InvalidInput) as refused:
        await services.create_teacher(services.NewTeacher(kind="volunteer", name="无名",
                                                          org="EAST-HALL"),
                                      network.hall_staff, clock)
    assert refused.value.code == "teacher-profile-missing"
    calligraphers = await services.list_teachers(category="calligraphy")
    assert [t.name for t in calligraphers] == ["赵老师"]
    assert {t.name for t in await services.list_teachers(org="EAST")} == {"赵老师", "东区馆员"}
