"""Booking rooms: readers under their card, staff for groups; every refusal has its code; a slot
is never held twice, whatever races to take it."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.conftest import backend_param
from unicard.db import current_engine
from unicard.errors import Conflict, Forbidden, RuleViolation
from unicard.events import Event
from unicard.readers.services import block_reader
from unicard.rooms import services
from unicard.rooms.room_services import _ROOM_LOCK_SPACE
from unicard.rooms.sql import execute

from .rooms_world import at, day_after, rows, seed_rooms


@pytest.fixture
async def world(network, settings, clock):
    return await seed_rooms(network, settings, clock)


def ask(room, day, start, end, **kwargs):
    return services.BookRoom(room.id, at(day, start), at(day, end), **kwargs)


async def test_a_reader_books_a_free_slot_and_it_shows_in_their_bookings(world, clock):
    tuesday = day_after(1)
    booking = await services.book_room(world.adult.id,
                                       ask(world.calligraphy, tuesday, "10:00", "11:30",
                                           group_size=3, purpose="练字"), clock)
    assert booking.state == "confirmed"
    assert booking.starts_at == at(tuesday, "10:00")
    assert booking.org == "EAST-HALL"
    mine = await services.my_bookings(world.adult.id, clock)
    assert [b.id for b in mine] == [booking.id]
    assert mine[0].starts_at == at(tuesday, "10:00") and mine[0].purpose == "练字"
    (event,) = await rows("SELECT actor_kind, actor_id, org_code, subject_id, data FROM event "
                          "WHERE action = 'booking.created'")
    assert (event["actor_kind"], event["actor_id"], event["org_code"], event["subject_id"]) == (
        "reader", world.adult.id, "EAST-HALL", str(booking.id))
    assert await Event.count().where(Event.action == "booking.created") == 1


async def test_overlap_is_slot_taken_but_back_to_back_is_fine(world, clock):
    tuesday = day_after(1)
    await services.book_room(world.adult.id, ask(world.calligraphy, tuesday, "10:00", "11:00"),
                             clock)
    with pytest.raises(Conflict) as refused:
        await services.book_room(world.other.id,
                                 ask(world.calligraphy, tuesday, "10:30", "11:30"), clock)
    assert refused.value.code == "slot-taken"
    assert refused.value.context["conflicts"][0]["start"].startswith("2026-11-03T10:00")
    after = await services.book_room(world.other.id,
                                     ask(world.calligraphy, tuesday, "11:00", "12:00"), clock)
    before = await services.book_room(world.other.id,
                                      ask(world.calligraphy, tuesday, "09:00", "10:00"), clock)
    assert after.state == before.state == "confirmed"


@pytest.mark.parametrize(
    ("day", "start", "end", "code"),
    [
        (1, "16:30", "17:30", "outside-opening-hours"),
        (1, "08:00", "09:00", "outside-opening-hours"),
        (1, "10:15", "11:15", "not-on-slot-grid"),
        (1, "10:00", "10:15", "too-short"),
        (1, "09:00", "13:30", "too-long"),
        (15, "10:00", "11:00", "too-far-ahead"),
        (0, "09:00", "09:30", "in-the-past"),
    ],
)
async def test_rule_refusals_carry_their_codes(world, clock, day, start, end, code):
    with pytest.raises(RuleViolation) as refused:
        await services.book_room(world.adult.id, ask(world.calligraphy, day_after(day), start,
                                                     end), clock)
    assert refused.value.code == code
    assert await rows("SELECT id FROM booking") == []


async def test_closed_days_and_the_rooms_own_hours(world, network, clock):
    await services.update_room(world.calligraphy.id, {
        "bookable_hours": {"mon": ["09:00-12:00"], "tue": ["14:00-17:00"]},
        "max_days_ahead": 60}, network.hall_staff, clock)
    with pytest.raises(RuleViolation) as refused:  # Wednesday: the room is not bookable
        await services.book_room(world.adult.id, ask(world.calligraphy, day_after(2), "14:00",
                                                     "15:00"), clock)
    assert (refused.value.code, refused.value.context["reason"]) == ("closed-day",
                                                                     "room-not-bookable")
    with pytest.raises(RuleViolation) as refused:  # Tuesday morning: outside the room's hours
        await services.book_room(world.adult.id, ask(world.calligraphy, day_after(1), "10:00",
                                                     "11:00"), clock)
    assert refused.value.code == "outside-opening-hours"
    await services.update_room(world.calligraphy.id, {"bookable_hours": None},
                               network.hall_staff, clock)
    from datetime import date

    with pytest.raises(RuleViolation) as refused:  # the network's holiday
        await services.book_room(world.adult.id, services.BookRoom(
            world.calligraphy.id, at(date(2026, 12, 25), "10:00"),
            at(date(2026, 12, 25), "11:00")), clock)
    assert (refused.value.code, refused.value.context["reason"]) == ("closed-day", "holiday")


async def test_group_too_big_for_the_room(world, clock):
    with pytest.raises(RuleViolation) as refused:
        await services.book_room(world.adult.id, ask(world.seminar, day_after(1), "10:00",
                                                     "11:00", group_size=9), clock)
    assert refused.value.code == "over-capacity"


async def test_rooms_needing_approval_wait_for_staff(world, network, clock):
    booking = await services.book_room(world.adult.id, ask(world.seminar, day_after(1),
                                                           "10:00", "11:00"), clock)
    assert booking.state == "pending_approval"
    with pytest.raises(Conflict) as refused:  # a pending booking already holds the slot
        await services.book_room(world.other.id, ask(world.seminar, day_after(1), "10:30",
                                                     "11:30"), clock)
    assert refused.value.code == "slot-taken"
    with pytest.raises(Forbidden):
        await services.approve_booking(booking.id, network.west_librarian, clock)
    approved = await services.approve_booking(booking.id, network.east_librarian, clock)
    assert approved.state == "confirmed"
    with pytest.raises(Conflict) as refused:
        await services.approve_booking(booking.id, network.east_librarian, clock)
    assert refused.value.code == "invalid-transition"
    other = await services.book_room(world.other.id, ask(world.seminar, day_after(2), "10:00",
                                                         "11:00"), clock)
    rejected = await services.reject_booking(other.id, network.admin, clock)
    assert rejected.state == "rejected"


async def test_cancel_before_the_deadline_frees_the_slot(world, clock):
    tuesday = day_after(1)
    booking = await services.book_room(world.adult.id,
                                       ask(world.calligraphy, tuesday, "10:00", "11:00"), clock)
    with pytest.raises(Exception) as refused:  # not the owner: as if it did not exist
        await services.cancel_booking(booking.id, clock, reader_id=world.other.id)
    assert refused.value.code == "booking-not-found"
    cancelled = await services.cancel_booking(booking.id, clock, reader_id=world.adult.id)
    assert cancelled.state == "cancelled"
    again = await services.book_room(world.other.id,
                                     ask(world.calligraphy, tuesday, "10:00", "11:00"), clock)
    assert again.state == "confirmed"
    clock.current = at(tuesday, "09:30")  # 30 minutes before; the deadline is 60
    with pytest.raises(RuleViolation) as refused:
        await services.cancel_booking(again.id, clock, reader_id=world.other.id)
    assert refused.value.code == "cancel-deadline-passed"


async def test_staff_book_for_groups_within_their_scope(world, network, clock):
    with pytest.raises(Forbidden) as refused:
        await services.book_room_for_group(network.west_librarian, ask(
            world.calligraphy, day_after(1), "10:00", "12:00", group_name="西区合唱团"), clock)
    assert refused.value.code == "out-of-scope"
    booking = await services.book_room_for_group(network.hall_staff, ask(
        world.calligraphy, day_after(20), "09:00", "13:00", group_size=18,
        group_name="实验小学三年级"), clock, card_number=world.adult.card_number)
    assert booking.state == "confirmed" and booking.reader_id == world.adult.id
    assert booking.group_name == "实验小学三年级"
    cancelled = await services.cancel_booking(booking.id, clock, staff=network.hall_staff)
    assert cancelled.state == "cancelled"


async def test_blocked_readers_cannot_book(world, network, clock):
    await block_reader(world.adult.card_number, "unpaid damage", network.admin, clock)
    with pytest.raises(RuleViolation) as refused:
        await services.book_room(world.adult.id, ask(world.calligraphy, day_after(1), "10:00",
                                                     "11:00"), clock)
    assert refused.value.code == "reader-blocked"


async def test_twenty_readers_racing_for_one_slot_get_one_booking(world, network, settings,
                                                                  clock):
    from .rooms_world import new_reader

    readers = [world.adult, world.other] + [await new_reader(network, settings, clock)
                                            for _ in range(18)]
    results = await asyncio.gather(*(
        services.book_room(r.id, ask(world.calligraphy, day_after(1), "14:00", "15:00"), clock)
        for r in readers), return_exceptions=True)
    booked = [r for r in results if isinstance(r, services.BookingRecord)]
    refused = [r for r in results if not isinstance(r, services.BookingRecord)]
    assert len(booked) == 1
    assert {getattr(r, "code", repr(r)) for r in refused} == {"slot-taken"}
    assert len(await rows("SELECT id FROM booking")) == 1


async def test_the_database_itself_refuses_a_second_holder(world, clock):
    """Bypassing the service: the exclusion constraint (PostgreSQL) or trigger (SQLite)."""
    booking = await services.book_room(world.adult.id, ask(world.calligraphy, day_after(1),
                                                           "10:00", "11:00"), clock)
    insert = ("INSERT INTO booking (room, reader, group_name, group_size, purpose, starts_at, "
              "ends_at, state, created_at, updated_at) VALUES ($1, $2, '', 1, '', $3, $4, $5, "
              "$6, $6)")
    with pytest.raises(Exception, match="booking_no_overlap"):
        await execute(insert, world.calligraphy.id, world.other.id, at(day_after(1), "10:30"),
                      at(day_after(1), "11:30"), "confirmed", clock.now())
    # a cancelled row does not hold the slot, and touching ends are allowed
    await execute(insert, world.calligraphy.id, world.other.id, at(day_after(1), "10:30"),
                  at(day_after(1), "11:30"), "cancelled", clock.now())
    await execute(insert, world.calligraphy.id, world.other.id, at(day_after(1), "11:00"),
                  at(day_after(1), "12:00"), "confirmed", clock.now())
    assert booking.id


async def _session(reader_id, clock, *, hours: int) -> services.SignedIn:
    from datetime import timedelta

    from unicard.readers.secrets import hash_token

    token = f"token-{reader_id}-{hours}"
    await execute("INSERT INTO auth_session (token_hash, reader, created_at, expires_at) "
                  "VALUES ($1, $2, $3, $4)", hash_token(token), reader_id, clock.now(),
                  clock.now() + timedelta(hours=hours))
    return services.SignedIn(hash_token(token))


async def test_a_reader_signed_in_by_session_books_and_enrols_and_a_bad_session_is_refused(
        world, clock):
    """The API hands the session over unchecked; the use case checks it in its first read,
    before anything else (a missing room still answers 401 to a stranger)."""
    from unicard.errors import NotFound, Unauthenticated

    tuesday = day_after(1)
    signed_in = await _session(world.adult.id, clock, hours=1)
    booking = await services.book_room(signed_in, ask(world.calligraphy, tuesday, "10:00",
                                                      "11:00"), clock)
    assert booking.reader_id == world.adult.id
    expired = await _session(world.other.id, clock, hours=-1)
    unknown = services.SignedIn("0" * 64)
    for reader, code in ((expired, "session-expired"), (unknown, "unauthenticated")):
        with pytest.raises(Unauthenticated) as refused:
            await services.book_room(reader, ask(world.calligraphy, tuesday, "12:00",
                                                 "13:00"), clock)
        assert refused.value.code == code
        with pytest.raises(Unauthenticated) as refused:
            await services.enrol(reader, 999_999, clock)
        assert refused.value.code == code
    with pytest.raises(NotFound) as missing:
        await services.book_room(signed_in, services.BookRoom(
            999_999, at(tuesday, "12:00"), at(tuesday, "13:00")), clock)
    assert missing.value.code == "room-not-found"
    with pytest.raises(NotFound) as missing:
        await services.enrol(signed_in, 999_999, clock)
    assert missing.value.code == "session-not-found"


async def test_a_change_to_the_hall_s_closed_days_is_seen_by_the_next_booking(
        world, network, clock):
    """Bookings keep the room's node (path, calendar) in memory per network version; a change
    to the org tree bumps the version, so the very next booking reads the new calendar."""
    from unicard.network.services import update_org

    tuesday, wednesday = day_after(1), day_after(2)
    await services.book_room(world.adult.id, ask(world.calligraphy, tuesday, "10:00", "11:00"),
                             clock)
    await update_org("EAST-HALL", {"closed_days": [wednesday.isoformat()]}, network.admin, clock)
    with pytest.raises(RuleViolation) as refused:
        await services.book_room(world.adult.id, ask(world.calligraphy, wednesday, "10:00",
                                                     "11:00"), clock)
    assert refused.value.code == "closed-day"
    await update_org("EAST-HALL", {"closed_days": []}, network.admin, clock)
    booked = await services.book_room(world.adult.id, ask(world.calligraphy, wednesday,
                                                          "10:00", "11:00"), clock)
    assert booked.state == "confirmed"


@pytest.mark.parametrize("db", [backend_param("postgres")], indirect=True)
async def test_bookings_of_one_room_take_turns_on_postgres(world, clock):
    # Two inserts for one room at one moment could deadlock in the exclusion constraint (one
    # failing a second later); each booking statement waits for the room's advisory lock.
    other_session = await asyncpg.connect(**current_engine().config)
    try:
        async with other_session.transaction():
            await other_session.execute("SELECT pg_advisory_xact_lock($1, $2)",
                                        _ROOM_LOCK_SPACE, world.calligraphy.id)
            booking = asyncio.create_task(services.book_room(
                world.adult.id, ask(world.calligraphy, day_after(1), "10:00", "11:00"), clock))
            await asyncio.sleep(0.5)
            assert not booking.done()  # its turn comes when the holder commits
        assert (await asyncio.wait_for(booking, timeout=10)).state == "confirmed"
    finally:
        await other_session.close()
