"""Finding things: this week's sessions and free rooms, filtered and near me; and rooms CRUD
with scope."""

from __future__ import annotations

import pytest

from unicard.errors import Conflict, Forbidden, InvalidInput
from unicard.network.services import update_org
from unicard.rooms import services
from unicard.rooms.filters import PartOfDay
from unicard.rooms.geo import GeoPoint

from .rooms_world import at, day_after, seed_rooms


@pytest.fixture
async def world(network, settings, clock):
    for code, lat, lon in (("EAST-HALL", 29.09, 119.64), ("EAST-B1", 29.30, 120.24)):
        await update_org(code, {"latitude": lat, "longitude": lon}, network.admin, clock)
    world = await seed_rooms(network, settings, clock)
    hall, branch = world.calligraphy.id, world.seminar.id
    for title, category, level, room, day, start, end in (
        ("书法入门", "calligraphy", "beginner", hall, 1, "09:00", "10:30"),  # Tue morning
        ("书法提高", "calligraphy", "advanced", hall, 3, "14:00", "15:30"),  # Thu afternoon
        ("摄影基础", "photography", "beginner", branch, 2, "10:00", "11:30"),  # Wed morning
        ("下周书法", "calligraphy", "beginner", hall, 8, "09:00", "10:30"),  # next week
    ):
        await services.create_session(services.NewSession(
            title=title, category=category, level=level, room_id=room, capacity=8,
            starts_at=at(day_after(day), start), ends_at=at(day_after(day), end)),
            network.admin, clock)
    return world


async def titles(clock, **kwargs):
    return [s.title for s in await services.whats_on(services.SessionQuery(**kwargs), clock)]


async def test_this_week_with_filters(world, clock):
    assert await titles(clock) == ["书法入门", "摄影基础", "书法提高"]
    assert await titles(clock, categories=frozenset({"Calligraphy"})) == ["书法入门", "书法提高"]
    assert await titles(clock, levels=frozenset({"advanced"})) == ["书法提高"]
    assert await titles(clock, weekdays=frozenset({2})) == ["摄影基础"]
    assert await titles(clock, parts_of_day=frozenset({PartOfDay.AFTERNOON})) == ["书法提高"]
    assert await titles(clock, org="EAST-B1") == ["摄影基础"]
    assert await titles(clock, days=14) == ["书法入门", "摄影基础", "书法提高", "下周书法"]


async def test_near_me_sorts_by_distance_and_cuts_off(world, clock):
    near_branch = GeoPoint(29.31, 120.25)
    found = await services.whats_on(services.SessionQuery(near=near_branch), clock)
    assert found[0].title == "摄影基础"
    assert found[0].distance_km < 2 < found[1].distance_km
    within = await services.whats_on(services.SessionQuery(near=near_branch, within_km=5),
                                     clock)
    assert [s.title for s in within] == ["摄影基础"]


async def test_seats_left_filter(world, clock):
    (first,) = await services.whats_on(services.SessionQuery(levels=frozenset({"advanced"})),
                                       clock)
    await services.update_session(first.id, {"capacity": 1}, world.network.admin, clock)
    await services.enrol(world.adult.id, first.id, clock)
    assert "书法提高" not in await titles(clock, with_seats=True)


async def test_free_rooms_leave_out_booked_time(world, clock):
    found = await services.free_rooms(services.RoomQuery(day=day_after(1)), clock)
    by_name = {f.room.name: f for f in found}
    ((day, windows),) = by_name["书法教室"].free
    assert day == day_after(1)
    # 09:00-10:30 is the class; the rest of the day (to 17:00) is free
    assert [(w.start, w.end) for w in windows] == [(at(day, "10:30"), at(day, "17:00"))]
    today = await services.free_rooms(services.RoomQuery(), clock)  # from now (10:00)
    assert today[0].free[0][1][0].start == at(day_after(0), "10:00")
    big = await services.free_rooms(services.RoomQuery(min_capacity=10, days=3), clock)
    assert [f.room.name for f in big] == ["书法教室"]
    screens = await services.free_rooms(services.RoomQuery(features=frozenset({"screen"})),
                                        clock)
    assert [f.room.name for f in screens] == ["研讨室"]
    near = await services.free_rooms(services.RoomQuery(near=GeoPoint(29.31, 120.25)), clock)
    assert [f.room.name for f in near] == ["研讨室", "书法教室"]
    long = await services.free_rooms(services.RoomQuery(day=day_after(1), minutes=240), clock)
    assert [(f.room.name, len(f.free[0][1])) for f in long] == [("研讨室", 1), ("书法教室", 1)]


async def test_rooms_crud_within_scope(world, network, clock):
    with pytest.raises(Forbidden):
        await services.create_room(services.NewRoom(org="WEST-B1", name="x", capacity=4),
                                   network.east_librarian, clock)
    with pytest.raises(Conflict) as refused:
        await services.create_room(services.NewRoom(org="EAST-HALL", name="书法教室",
                                                    capacity=4), network.hall_staff, clock)
    assert refused.value.code == "room-name-taken"
    with pytest.raises(InvalidInput) as refused:
        await services.create_room(services.NewRoom(org="EAST-HALL", name="坏", capacity=4,
                                                    slot_minutes=7), network.hall_staff, clock)
    assert refused.value.code == "room-config-invalid"
    with pytest.raises(InvalidInput) as refused:
        await services.create_room(services.NewRoom(org="EAST-HALL", name="坏", capacity=4,
                                                    bookable_hours={"mon": ["9-10"]}),
                                   network.hall_staff, clock)
    assert refused.value.code == "calendar-invalid"
    changed = await services.update_room(world.calligraphy.id, {"capacity": 24, "active": False},
                                         network.hall_staff, clock)
    assert (changed.capacity, changed.active) == (24, False)
    assert [r.name for r in await services.list_rooms()] == ["研讨室"]
    assert [r.name for r in await services.list_rooms("EAST", include_inactive=True)] == [
        "研讨室", "书法教室"]
    with pytest.raises(Exception) as refused:
        await services.book_room(world.adult.id, services.BookRoom(
            world.calligraphy.id, at(day_after(1), "12:00"), at(day_after(1), "13:00")), clock)
    assert refused.value.code == "room-inactive"
