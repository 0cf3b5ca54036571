"""Checking in at the room's door by card, no-shows when nobody comes, and repeated no-shows
suspending booking rights for the policy's period."""

from __future__ import annotations

import pytest

from unicard.errors import NotFound, RuleViolation
from unicard.rooms import services

from .rooms_world import at, day_after, rows, seed_rooms


@pytest.fixture
async def world(network, settings, clock):
    return await seed_rooms(network, settings, clock)


def slot(world, day, start, end):
    return services.BookRoom(world.calligraphy.id, at(day_after(day), start),
                             at(day_after(day), end))


async def test_check_in_by_card_inside_the_window(world, network, clock):
    booking = await services.book_room(world.adult.id, slot(world, 1, "10:00", "11:00"), clock)
    clock.current = at(day_after(1), "09:30")
    with pytest.raises(RuleViolation) as refused:
        await services.check_in_booking_by_card(world.adult.card_number, world.calligraphy.id,
                                                network.hall_staff, clock)
    assert refused.value.code == "check-in-not-open"
    with pytest.raises(NotFound) as refused:
        await services.check_in_booking_by_card(world.other.card_number, world.calligraphy.id,
                                                network.hall_staff, clock)
    assert refused.value.code == "no-booking-to-check-in"
    clock.current = at(day_after(1), "09:50")
    checked = await services.check_in_booking_by_card(world.adult.card_number,
                                                      world.calligraphy.id, network.hall_staff,
                                                      clock)
    assert checked.id == booking.id and checked.state == "checked_in"
    assert checked.checked_in_at == at(day_after(1), "09:50")
    clock.current = at(day_after(1), "11:00")
    result = await services.settle_due(clock)
    assert result.bookings_completed == 1
    (row,) = await rows("SELECT state FROM booking")
    assert row["state"] == "completed"


async def test_unapproved_bookings_lapse_at_their_start(world, clock):
    booking = await services.book_room(world.adult.id, services.BookRoom(
        world.seminar.id, at(day_after(1), "10:00"), at(day_after(1), "11:00")), clock)
    assert booking.state == "pending_approval"
    clock.current = at(day_after(1), "10:00")
    assert (await services.settle_due(clock)).bookings_rejected == 1


async def test_three_no_shows_suspend_booking_rights(world, network, clock):
    for day in (1, 2, 3):
        await services.book_room(world.adult.id, slot(world, day, "10:00", "11:00"), clock)
    clock.current = at(day_after(1), "10:14")
    assert (await services.settle_due(clock)).bookings_no_show == 0  # the door is still open
    clock.current = at(day_after(1), "10:15")
    assert (await services.settle_due(clock)).bookings_no_show == 1
    clock.current = at(day_after(3), "12:00")
    result = await services.settle_due(clock)
    assert (result.bookings_no_show, result.suspensions) == (2, 1)
    assert len(await rows("SELECT id FROM no_show WHERE kind = 'booking'")) == 3
    with pytest.raises(RuleViolation) as refused:
        await services.book_room(world.adult.id, slot(world, 5, "10:00", "11:00"), clock)
    assert refused.value.code == "booking-suspended"
    assert refused.value.context["suspended_until"].startswith("2026-11-19T02:00")  # 14 days
    (note,) = await services.my_notifications(world.adult.id, clock)
    assert note.kind == "booking-suspended"
    # others are not affected; the suspension ends by itself
    await services.book_room(world.other.id, slot(world, 5, "10:00", "11:00"), clock)
    clock.current = at(day_after(17), "10:01")
    booking = await services.book_room(world.adult.id, slot(world, 18, "10:00", "11:00"), clock)
    assert booking.state == "confirmed"
    assert (await services.settle_due(clock)).suspensions == 0


async def test_the_no_show_rule_is_a_policy_of_the_network(world, network, clock):
    await services.set_rooms_policy("EAST-HALL", {"no_show_max": 1, "suspension_days": 2},
                                    network.admin, clock)
    await services.book_room(world.adult.id, slot(world, 1, "10:00", "11:00"), clock)
    clock.current = at(day_after(1), "12:00")
    assert (await services.settle_due(clock)).suspensions == 1
    (row,) = await rows("SELECT ends_at FROM booking_suspension")
    from unicard.rooms.sql import utc

    assert utc(row["ends_at"]) == at(day_after(3), "10:00")


async def test_only_network_wide_staff_settle(world, network, clock):
    from unicard.errors import Forbidden

    with pytest.raises(Forbidden):
        await services.settle_due(clock, staff=network.hall_staff)
    assert (await services.settle_due(clock, staff=network.admin)).more is False
