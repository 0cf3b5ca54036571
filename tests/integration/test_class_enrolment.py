"""Enrolling in class sessions: seats, the waitlist in arrival order, automatic promotion,
overlaps, eligibility, the enrolment window; and many readers racing for few seats."""

from __future__ import annotations

import asyncio

import pytest

from unicard.errors import Conflict, NotFound, RuleViolation
from unicard.rooms import services

from .rooms_world import at, day_after, new_reader, rows, seed_rooms


@pytest.fixture
async def world(network, settings, clock):
    return await seed_rooms(network, settings, clock)


async def schedule(world, clock, *, capacity=2, day=2, start="14:00", end="15:30", **kwargs):
    return await services.create_session(services.NewSession(
        title="少儿书法入门", category="Calligraphy", starts_at=at(day_after(day), start),
        ends_at=at(day_after(day), end), capacity=capacity, room_id=world.calligraphy.id,
        teacher_id=world.teacher.id, level="beginner", **kwargs),
        world.network.hall_staff, clock)


async def session_counts(session_id):
    (row,) = await rows("SELECT enrolled, waiting, arrivals FROM class_session WHERE id = $1",
                        session_id)
    states = await rows("SELECT state, count(*) AS n FROM enrolment WHERE session = $1 "
                        "GROUP BY state", session_id)
    return row, {r["state"]: int(r["n"]) for r in states}


async def test_seats_then_waitlist_then_promotion_in_arrival_order(world, network, settings,
                                                                   clock):
    session = await schedule(world, clock, capacity=2)
    extra = [await new_reader(network, settings, clock) for _ in range(2)]
    first = await services.enrol(world.adult.id, session.id, clock)
    second = await services.enrol(world.other.id, session.id, clock)
    third = await services.enrol(extra[0].id, session.id, clock)
    fourth = await services.enrol(extra[1].id, session.id, clock)
    assert [e.state for e in (first, second)] == ["enrolled", "enrolled"]
    assert (third.state, third.waitlist_position, third.notice_code) == ("waitlisted", 1,
                                                                         "session-full")
    assert (fourth.state, fourth.waitlist_position) == ("waitlisted", 2)
    assert [e.arrival for e in (first, second, third, fourth)] == [1, 2, 3, 4]
    events = await rows("SELECT action, subject_kind, subject_id, actor_id FROM event "
                        "WHERE action LIKE 'enrolment.%' ORDER BY id")
    assert [(e["action"], e["subject_id"]) for e in events] == [
        ("enrolment.enrolled", str(first.id)), ("enrolment.enrolled", str(second.id)),
        ("enrolment.waitlisted", str(third.id)), ("enrolment.waitlisted", str(fourth.id))]
    assert events[0]["actor_id"] == world.adult.id

    cancelled = await services.cancel_enrolment(first.id, clock, reader_id=world.adult.id)
    assert cancelled.state == "cancelled" and cancelled.promoted == (third.id,)
    mine = await services.my_enrolments(extra[1].id, clock)
    assert (mine[0].state, mine[0].waitlist_position) == ("waitlisted", 1)
    told = await services.my_notifications(extra[0].id, clock)
    assert told[0].kind == "enrolment-promoted" and told[0].data["session"] == session.id
    counts, states = await session_counts(session.id)
    assert (counts["enrolled"], counts["waiting"], counts["arrivals"]) == (2, 1, 4)
    assert states == {"enrolled": 2, "waitlisted": 1, "cancelled": 1}

    # leaving the waitlist promotes nobody and keeps the seats as they are
    await services.cancel_enrolment(fourth.id, clock, reader_id=extra[1].id)
    counts, _ = await session_counts(session.id)
    assert (counts["enrolled"], counts["waiting"]) == (2, 0)


async def test_more_seats_promote_the_waitlist(world, network, settings, clock):
    session = await schedule(world, clock, capacity=1)
    await services.enrol(world.adult.id, session.id, clock)
    waiting = await services.enrol(world.other.id, session.id, clock)
    updated = await services.update_session(session.id, {"capacity": 2}, network.hall_staff,
                                            clock)
    assert (updated.enrolled, updated.waiting) == (2, 0)
    (mine,) = await services.my_enrolments(world.other.id, clock)
    assert mine.id == waiting.id and mine.state == "enrolled"
    with pytest.raises(Conflict) as refused:
        await services.update_session(session.id, {"capacity": 1}, network.hall_staff, clock)
    assert refused.value.code == "capacity-below-enrolled"
    with pytest.raises(RuleViolation) as refused:
        await services.update_session(session.id, {"capacity": 25}, network.hall_staff, clock)
    assert refused.value.code == "over-capacity"  # the room holds 20


async def test_a_reader_cannot_hold_two_overlapping_places(world, network, clock):
    first = await schedule(world, clock, capacity=1, start="14:00", end="15:30")
    other_room = await services.create_room(services.NewRoom(org="EAST-HALL", name="舞蹈室",
                                                             capacity=30), network.hall_staff,
                                            clock)
    overlapping = await services.create_session(services.NewSession(
        title="民族舞", category="dance", starts_at=at(day_after(2), "15:00"),
        ends_at=at(day_after(2), "16:00"), capacity=10, room_id=other_room.id),
        network.hall_staff, clock)
    await services.enrol(world.other.id, first.id, clock)
    waiting = await services.enrol(world.adult.id, first.id, clock)  # waitlisted holds time too
    assert waiting.state == "waitlisted"
    with pytest.raises(Conflict) as refused:
        await services.enrol(world.adult.id, overlapping.id, clock)
    assert refused.value.code == "enrolment-overlap"
    with pytest.raises(Conflict) as refused:
        await services.enrol(world.adult.id, first.id, clock)
    assert refused.value.code == "already-enrolled"
    await services.cancel_enrolment(waiting.id, clock, reader_id=world.adult.id)
    assert (await services.enrol(world.adult.id, overlapping.id, clock)).state == "enrolled"


async def test_eligibility_by_age_and_category(world, clock):
    kids = await schedule(world, clock, capacity=5, min_age=6, max_age=12)
    with pytest.raises(RuleViolation) as refused:
        await services.enrol(world.adult.id, kids.id, clock)
    assert (refused.value.code, refused.value.context["reason"]) == ("not-eligible", "age")
    assert (await services.enrol(world.child.id, kids.id, clock)).state == "enrolled"
    seniors = await schedule(world, clock, capacity=5, day=3, categories=("senior",))
    with pytest.raises(RuleViolation) as refused:
        await services.enrol(world.adult.id, seniors.id, clock)
    assert (refused.value.code, refused.value.context["reason"]) == ("not-eligible", "category")


async def test_the_enrolment_window(world, clock):
    later = await schedule(world, clock, enrol_opens=at(day_after(1), "09:00"))
    with pytest.raises(RuleViolation) as refused:
        await services.enrol(world.adult.id, later.id, clock)
    assert refused.value.code == "enrolment-closed"
    clock.current = at(day_after(1), "09:00")
    assert (await services.enrol(world.adult.id, later.id, clock)).state == "enrolled"
    clock.current = at(day_after(2), "14:00")  # closes when the session starts
    with pytest.raises(RuleViolation) as refused:
        await services.enrol(world.other.id, later.id, clock)
    assert refused.value.code == "enrolment-closed"


async def test_cancelled_sessions_tell_everyone_and_free_the_room(world, network, clock):
    session = await schedule(world, clock, capacity=1)
    await services.enrol(world.adult.id, session.id, clock)
    await services.enrol(world.other.id, session.id, clock)
    cancelled = await services.cancel_session(session.id, network.hall_staff, clock,
                                              reason="老师生病")
    assert cancelled.state == "cancelled"
    for reader in (world.adult, world.other):
        (note,) = await services.my_notifications(reader.id, clock)
        assert note.kind == "session-cancelled" and "老师生病" in note.body
        assert await services.my_enrolments(reader.id, clock) == []
    booking = await services.book_room(world.adult.id, services.BookRoom(
        world.calligraphy.id, at(day_after(2), "14:00"), at(day_after(2), "15:00")), clock)
    assert booking.state == "confirmed"
    with pytest.raises(RuleViolation) as refused:
        await services.enrol(world.child.id, session.id, clock)
    assert refused.value.code == "enrolment-closed"


async def test_check_in_at_the_door_and_no_shows(world, network, clock):
    session = await schedule(world, clock, capacity=2)
    seated = await services.enrol(world.adult.id, session.id, clock)
    await services.enrol(world.other.id, session.id, clock)
    waiting = await services.enrol(world.child.id, session.id, clock)
    with pytest.raises(RuleViolation) as refused:
        await services.check_in_enrolment_by_card(world.adult.card_number, session.id,
                                                  network.hall_staff, clock)
    assert refused.value.code == "check-in-not-open"
    clock.current = at(day_after(2), "13:50")
    checked = await services.check_in_enrolment_by_card(world.adult.card_number, session.id,
                                                        network.hall_staff, clock)
    assert checked.state == "attended" and checked.id == seated.id
    with pytest.raises(Conflict):
        await services.check_in_enrolment_by_card(world.adult.card_number, session.id,
                                                  network.hall_staff, clock)
    with pytest.raises(RuleViolation) as refused:
        await services.check_in_enrolment_by_card(world.child.card_number, session.id,
                                                  network.hall_staff, clock)
    assert refused.value.code == "not-enrolled"
    clock.current = at(day_after(2), "14:20")
    settled = await services.settle_due(clock)
    assert (settled.sessions_settled, settled.enrolments_no_show) == (1, 1)
    _, roster = await services.session_roster(session.id, network.hall_staff, clock)
    assert [(e.name, e.state, e.waitlist_position) for e in roster] == [
        ("张三", "attended", None), ("李四", "no_show", None), ("王小明", "waitlisted", 1)]
    assert roster[2].enrolment_id == waiting.id
    assert await rows("SELECT kind FROM no_show") == [{"kind": "session"}]
    again = await services.settle_due(clock)
    assert again.sessions_settled == 0


async def test_unknown_session_and_foreign_enrolment(world, clock):
    with pytest.raises(NotFound):
        await services.enrol(world.adult.id, 999, clock)
    session = await schedule(world, clock)
    mine = await services.enrol(world.adult.id, session.id, clock)
    with pytest.raises(NotFound):
        await services.cancel_enrolment(mine.id, clock, reader_id=world.other.id)


async def test_forty_readers_racing_for_five_seats(world, network, settings, clock):
    session = await schedule(world, clock, capacity=5)
    readers = [await new_reader(network, settings, clock) for _ in range(40)]
    results = await asyncio.gather(*(services.enrol(r.id, session.id, clock) for r in readers))
    enrolled = [r for r in results if r.state == "enrolled"]
    waiting = sorted((r for r in results if r.state == "waitlisted"), key=lambda r: r.arrival)
    assert len(enrolled) == 5 and len(waiting) == 35
    assert sorted(r.arrival for r in results) == list(range(1, 41))
    assert max(r.arrival for r in enrolled) < min(r.arrival for r in waiting)
    assert [r.waitlist_position for r in waiting] == list(range(1, 36))
    counts, states = await session_counts(session.id)
    assert (counts["enrolled"], counts["waiting"], counts["arrivals"]) == (5, 35, 40)
    assert states == {"enrolled": 5, "waitlisted": 35}
    # five cancel at once: the first five of the waitlist move up, in order
    await asyncio.gather(*(services.cancel_enrolment(r.id, clock, reader_id=r.reader_id)
                           for r in enrolled))
    counts, states = await session_counts(session.id)
    assert (counts["enrolled"], counts["waiting"]) == (5, 30)
    seated = await rows("SELECT arrival FROM enrolment WHERE session = $1 AND state = $2 "
                        "ORDER BY arrival", session.id, "enrolled")
    assert [r["arrival"] for r in seated] == [w.arrival for w in waiting[:5]]
