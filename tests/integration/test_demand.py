"""Demand (点单/点将): requests group by subject and org; reaching the threshold raises one task;
scheduling from it tells everyone who asked and lets them enrol first."""

from __future__ import annotations

import asyncio

import pytest

from unicard.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from unicard.rooms import services
from unicard.rooms.demand import TimePreference
from unicard.rooms.filters import PartOfDay

from .rooms_world import at, day_after, new_reader, rows, seed_rooms


@pytest.fixture
async def world(network, settings, clock):
    return await seed_rooms(network, settings, clock)


def ask(**kwargs):
    values = dict(org="EAST-HALL", category="Opera", text="想学越剧",
                  preferred_times=(TimePreference(5, PartOfDay.MORNING),))
    return services.AskForClass(**(values | kwargs))


async def test_fifteen_readers_raise_one_task_by_default(world, network, settings, clock):
    readers = [await new_reader(network, settings, clock) for _ in range(16)]
    results = [await services.ask_for_class(r.id, ask(), clock) for r in readers[:14]]
    assert [r.group_size for r in results] == list(range(1, 15))
    assert not any(r.task_raised for r in results) and results[0].threshold == 15
    assert await services.list_tasks(network.hall_staff, clock) == []
    fifteenth = await services.ask_for_class(readers[14].id, ask(), clock)
    assert fifteenth.task_raised and fifteenth.group_key == "category:opera:EAST-HALL"
    await services.ask_for_class(readers[15].id, ask(category=" opera "), clock)
    (task,) = await services.list_tasks(network.hall_staff, clock)
    assert task.data["readers"] == 15 and task.data["subject"] == "opera"
    assert task.data["preferred_times"][0] == {"weekday": 5, "part_of_day": "morning",
                                               "readers": 15}
    assert await services.list_tasks(network.west_librarian, clock) == []  # not their scope
    groups = await services.demand_groups(network.hall_staff, clock)
    assert [(g.subject, g.readers, g.task_id) for g in groups] == [("opera", 16, task.id)]


async def test_readers_asking_at_once_still_raise_exactly_one_task(world, network, settings,
                                                                   clock):
    await services.set_rooms_policy("NET", {"demand_threshold": 3}, network.admin, clock)
    readers = [await new_reader(network, settings, clock) for _ in range(8)]
    results = await asyncio.gather(*(services.ask_for_class(r.id, ask(), clock)
                                     for r in readers))
    assert sorted(r.group_size for r in results) == list(range(1, 9))
    assert len(await rows("SELECT id FROM staff_task")) == 1


async def test_asking_twice_and_asking_for_nothing(world, clock):
    await services.ask_for_class(world.adult.id, ask(), clock)
    with pytest.raises(Conflict) as refused:
        await services.ask_for_class(world.adult.id, ask(text="再问一次"), clock)
    assert refused.value.code == "demand-already-asked"
    with pytest.raises(InvalidInput) as refused:
        await services.ask_for_class(world.adult.id, ask(category=" "), clock)
    assert refused.value.code == "demand-subject-missing"
    teacher_ask = await services.ask_for_class(world.adult.id, ask(category=None,
                                                                   teacher_id=world.teacher.id),
                                               clock)
    assert teacher_ask.group_key == f"teacher:{world.teacher.id}:EAST-HALL"
    mine = await services.my_requests(world.adult.id, clock)
    assert {r.kind for r in mine} == {"category", "teacher"}
    withdrawn = await services.withdraw_request(world.adult.id, teacher_ask.id, clock)
    assert withdrawn.state == "withdrawn"


async def test_scheduling_from_a_task_tells_everyone_and_they_enrol_first(world, network,
                                                                         settings, clock):
    await services.set_rooms_policy("EAST-HALL", {"demand_threshold": 2}, network.admin, clock)
    await services.ask_for_class(world.adult.id, ask(), clock)
    await services.ask_for_class(world.other.id, ask(), clock)
    (task,) = await services.list_tasks(network.hall_staff, clock)
    with pytest.raises(Forbidden):
        await services.schedule_from_task(task.id, network.west_librarian, clock,
                                          session=_opera(world))
    result = await services.schedule_from_task(task.id, network.hall_staff, clock,
                                               session=_opera(world), early_days=2)
    assert result.readers_told == 2 and result.task.state == "done"
    for reader in (world.adult, world.other):
        (note,) = await services.my_notifications(reader.id, clock, unread_only=True)
        assert note.kind == "demand-scheduled" and "越剧入门" in note.title
        assert note.data["session"] == result.session_ids[0]
    assert await services.mark_notifications_read(world.adult.id, clock) == 1
    assert await services.my_notifications(world.adult.id, clock, unread_only=True) == []
    session_id = result.session_ids[0]
    assert (await services.enrol(world.adult.id, session_id, clock)).state == "enrolled"
    stranger = await new_reader(network, settings, clock)
    with pytest.raises(RuleViolation) as refused:
        await services.enrol(stranger.id, session_id, clock)
    assert refused.value.code == "enrolment-closed"
    clock.advance(days=2)
    assert (await services.enrol(stranger.id, session_id, clock)).state == "enrolled"
    assert {r["state"] for r in await rows("SELECT state FROM demand_request")} == {"scheduled"}
    with pytest.raises(Conflict) as refused:
        await services.schedule_from_task(task.id, network.hall_staff, clock,
                                          session=_opera(world))
    assert refused.value.code == "task-not-open"
    # the group starts afresh: a new request counts from one
    again = await services.ask_for_class(world.child.id, ask(), clock)
    assert again.group_size == 1 and not again.task_raised


def _opera(world):
    return services.NewSession(title="越剧入门", category="opera",
                               starts_at=at(day_after(6), "09:30"),
                               ends_at=at(day_after(6), "11:00"), capacity=15,
                               room_id=world.calligraphy.id)


async def test_a_dismissed_task_lets_the_next_request_raise_a_new_one(world, network, clock):
    await services.set_rooms_policy("NET", {"demand_threshold": 1}, network.admin, clock)
    first = await services.ask_for_class(world.adult.id, ask(), clock)
    assert first.task_raised
    (task,) = await services.list_tasks(network.hall_staff, clock)
    closed = await services.dismiss_task(task.id, network.hall_staff, clock, reason="无老师")
    assert closed.state == "dismissed"
    second = await services.ask_for_class(world.other.id, ask(), clock)
    assert second.task_raised and second.group_size == 2
    clock.advance(days=1)
    assert len(await services.list_tasks(network.hall_staff, clock, state=None)) == 2
