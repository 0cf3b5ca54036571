"""Holds across the network: placing (with every refusal), targeting and the pull list,
capture at check-in, first come first served, suspension, cancellation, the hold shelf and
its expiry in open days of the pickup branch, and why a hold is not filled yet."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.integration.circ_world import World, item_row, make_items, make_record, rows, world
from unicard.circulation.holds import (
    cancel_hold,
    clear_shelf_entry,
    expire_hold_shelf,
    hold_shelf,
    list_holds,
    place_hold,
    pull_list,
    reader_asks,
    resume_hold,
    retarget_all,
    staff_asks,
    suspend_hold,
)
from unicard.circulation.services import check_in, check_out
from unicard.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from unicard.network.services import set_policy_rule, update_org
from unicard.readers.services import block_reader

__all__ = ["world"]


async def _hold(world: World, card: str, pickup: str, **target: object):
    return await place_hold(staff_asks(world.network.admin), pickup, world.clock,
                            card_number=card, **target)  # type: ignore[arg-type]


async def test_a_copy_on_the_pickup_shelf_is_targeted_and_captured_when_scanned(world: World):
    record = await make_record("三体")
    [east] = await make_items(record, "EAST-B1")
    [west] = await make_items(record, "WEST-B1")
    reader = await world.reader("西区读者", home="WEST-B1")
    hold = await _hold(world, reader, "WEST-B1", record_id=record)
    assert (hold.wait, hold.target_barcode) == ("copy-assigned", west)
    assert [p["barcode"] for p in await pull_list("WEST-B1", world.clock)] == [west]
    assert await pull_list("EAST-B1", world.clock) == []
    scanned = await check_in(west, world.desk("WEST-B1"), world.clock)
    assert (scanned.action, scanned.hold_id) == ("hold_shelf", hold.id)
    assert (await item_row(west))["status"] == "on_hold_shelf"
    assert (await item_row(east))["status"] == "available"
    [entry] = await hold_shelf("WEST-B1", world.clock)
    assert (entry.barcode, entry.state, entry.to_clear) == (west, "ready", False)


async def test_without_a_local_copy_the_nearest_one_in_the_system_is_targeted(world: World):
    record = await make_record()
    [west_system] = await make_items(record, "WEST")
    [east] = await make_items(record, "EAST-B1")
    reader = await world.reader(home="WEST-B1")
    hold = await _hold(world, reader, "WEST-B1", record_id=record)
    assert hold.target_barcode == west_system  # same system before another system
    sent = await check_in(west_system, world.desk("WEST"), world.clock)
    assert (sent.action, sent.destination) == ("send_to", "WEST-B1")
    [line] = await list_holds(world.clock, record_id=record)
    assert (line.state, line.wait, line.assigned_barcode) == ("in_transit", "copy-in-transit",
                                                              west_system)
    _ = east


async def test_first_come_first_served_and_item_level_holds(world: World):
    record = await make_record()
    first_copy, second_copy = await make_items(record, "EAST-B1", 2)
    lender = await world.reader("借书人")
    await check_out(lender, first_copy, world.desk("EAST-B1"), world.clock)
    await check_out(lender, second_copy, world.desk("EAST-B1"), world.clock)
    early, late, picky = (await world.reader("早"), await world.reader("晚"),
                          await world.reader("指定"))
    h_early = await _hold(world, early, "EAST-B1", record_id=record)
    world.clock.advance(minutes=5)
    h_picky = await _hold(world, picky, "EAST-B1", barcode=second_copy)
    world.clock.advance(minutes=5)
    h_late = await _hold(world, late, "EAST-B1", record_id=record)
    assert [h.queue_position for h in (h_early, h_picky, h_late)] == [1, 2, 3]
    back = await check_in(second_copy, world.desk("EAST-B1"), world.clock)
    assert back.hold_id == h_early.id  # the earliest hold takes any copy
    back = await check_in(first_copy, world.desk("EAST-B1"), world.clock)
    assert back.hold_id == h_late.id  # the item-level hold wants the other copy
    lines = {h.id: h for h in await list_holds(world.clock, record_id=record)}
    assert lines[h_picky.id].wait == "earlier-holds-first"


async def test_placement_refusals(world: World):
    record = await make_record()
    [barcode] = await make_items(record, "EAST-B1")
    reader = await world.reader()
    await check_out(reader, barcode, world.desk("EAST-B1"), world.clock)
    with pytest.raises(RuleViolation) as refused:
        await _hold(world, reader, "EAST-B1", record_id=record)
    assert refused.value.code == "already-on-loan-to-you"
    other = await world.reader("他人")
    await _hold(world, other, "EAST-B1", record_id=record)
    with pytest.raises(Conflict) as twice:
        await _hold(world, other, "EAST-B1", record_id=record)
    assert twice.value.code == "already-on-hold"
    await update_org("EAST-HALL", {"accepts_holds": False}, None, world.clock)
    third = await world.reader("第三")
    with pytest.raises(RuleViolation) as hall:
        await _hold(world, third, "EAST-HALL", record_id=record)
    assert hall.value.code == "pickup-not-accepting-holds"
    reference = await make_record("辞海")
    await make_items(reference, "EAST-B1", item_type="reference")
    await set_policy_rule("NET", "*", "reference", {"holds_allowed": False}, None, world.clock)
    with pytest.raises(RuleViolation) as not_holdable:
        await _hold(world, third, "EAST-B1", record_id=reference)
    assert not_holdable.value.code in ("holds-not-allowed", "no-holdable-copy")
    gone = await make_record()
    await make_items(gone, "EAST-B1", status="missing")
    with pytest.raises(RuleViolation) as none:
        await _hold(world, third, "EAST-B1", record_id=gone)
    assert none.value.code == "no-holdable-copy"
    await block_reader(third, "test", world.network.admin, world.clock)
    with pytest.raises(RuleViolation) as blocked:
        await _hold(world, third, "EAST-B1", record_id=record)
    assert blocked.value.code == "reader-blocked"
    with pytest.raises(NotFound):
        await _hold(world, other, "EAST-B1", record_id=999999)
    with pytest.raises(InvalidInput):
        await place_hold(staff_asks(world.network.admin), "EAST-B1", world.clock,
                         card_number=other)


async def test_hold_limit_counts_across_the_network(world: World):
    await set_policy_rule("NET", "*", "*", {"max_holds": 2}, None, world.clock)
    reader = await world.reader()
    records = [await make_record() for _ in range(3)]
    for record in records:
        await make_items(record, "WEST-B1")
    await _hold(world, reader, "EAST-B1", record_id=records[0])
    await _hold(world, reader, "WEST-B1", record_id=records[1])
    with pytest.raises(RuleViolation) as refused:
        await _hold(world, reader, "EAST-B1", record_id=records[2])
    assert refused.value.code == "hold-limit-reached"


async def test_suspended_holds_are_skipped_then_compete_again(world: World):
    record = await make_record()
    [barcode] = await make_items(record, "EAST-B1")
    lender = await world.reader("借")
    await check_out(lender, barcode, world.desk("EAST-B1"), world.clock)
    first, second = await world.reader("一"), await world.reader("二")
    h1 = await _hold(world, first, "EAST-B1", record_id=record)
    h2 = await _hold(world, second, "EAST-B1", record_id=record)
    me = reader_asks(await world.reader_id(first))
    suspended = await suspend_hold(h1.id, me, world.clock, until=date(2026, 11, 20))
    assert (suspended.state, suspended.wait) == ("suspended", "suspended")
    with pytest.raises(InvalidInput):
        await suspend_hold(h1.id, me, world.clock, until=date(2026, 11, 1))
    with pytest.raises(NotFound):  # not someone else's
        await suspend_hold(h2.id, me, world.clock)
    back = await check_in(barcode, world.desk("EAST-B1"), world.clock)
    assert back.hold_id == h2.id
    resumed = await resume_hold(h1.id, me, world.clock)
    assert resumed.state == "waiting"
    await suspend_hold(h1.id, me, world.clock, until=date(2026, 11, 5))
    world.clock.current = datetime.fromisoformat("2026-11-05T02:00:00+00:00")
    await retarget_all(world.clock)
    [state] = await rows("SELECT state FROM hold WHERE id = ?", [h1.id])
    assert state["state"] == "waiting"


async def test_expired_hold_goes_to_the_next_reader_and_is_cleared(world: World):
    record = await make_record()
    [barcode] = await make_items(record, "EAST-B1")
    lender = await world.reader("借")
    await check_out(lender, barcode, world.desk("EAST-B1"), world.clock)
    first, second = await world.reader("甲"), await world.reader("乙")
    h1 = await _hold(world, first, "EAST-B1", record_id=record)
    h2 = await _hold(world, second, "EAST-B1", record_id=record)
    shelved = await check_in(barcode, world.desk("EAST-B1"), world.clock)
    assert shelved.hold_expires_on == date(2026, 11, 9)
    world.clock.current = datetime.fromisoformat("2026-11-09T10:00:00+00:00")
    assert await expire_hold_shelf(world.clock) == 0  # the 9th is still a pickup day
    world.clock.current = datetime.fromisoformat("2026-11-10T02:00:00+00:00")
    assert await expire_hold_shelf(world.clock) == 1
    states = {r["id"]: r["state"] for r in await rows("SELECT id, state FROM hold")}
    assert states == {h1.id: "expired", h2.id: "ready"}
    shelf = {(e.hold_id, e.state, e.to_clear) for e in await hold_shelf("EAST-B1", world.clock)}
    assert shelf == {(h1.id, "expired", True), (h2.id, "ready", False)}
    [old] = [e for e in await hold_shelf("EAST-B1", world.clock) if e.to_clear]
    assert old.instruction == f"hold shelf for 乙 ({second})"
    assert await clear_shelf_entry(barcode, "EAST-B1", world.network.admin, world.clock) == 1
    assert [e.hold_id for e in await hold_shelf("EAST-B1", world.clock)] == [h2.id]


async def test_cancelling_a_ready_hold_routes_the_copy_home(world: World):
    record = await make_record()
    [barcode] = await make_items(record, "WEST-B1")
    reader = await world.reader()
    hold = await _hold(world, reader, "EAST-B1", record_id=record)
    sent = await check_in(barcode, world.desk("WEST-B1"), world.clock)
    assert sent.destination == "EAST-B1"
    arrived = await check_in(barcode, world.desk("EAST-B1"), world.clock)
    assert arrived.action == "hold_shelf"
    with pytest.raises(Forbidden):
        await cancel_hold(hold.id, staff_asks(world.network.west_librarian), world.clock)
    await cancel_hold(hold.id, reader_asks(await world.reader_id(reader)), world.clock)
    assert (await item_row(barcode))["status"] == "in_transit"
    [entry] = await hold_shelf("EAST-B1", world.clock)
    assert entry.to_clear and entry.instruction.startswith("send to WEST-B1")
    # Scanning it at the desk clears the entry and says the same.
    again = await check_in(barcode, world.desk("EAST-B1"), world.clock)
    assert again.action == "send_to" and await hold_shelf("EAST-B1", world.clock) == []
    with pytest.raises(RuleViolation) as twice:
        await cancel_hold(hold.id, staff_asks(world.network.admin), world.clock)
    assert twice.value.code == "invalid-transition"


async def test_why_not_filled(world: World):
    record = await make_record()
    a, b = await make_items(record, "EAST-B1", 2)
    lender = await world.reader("借")
    await check_out(lender, a, world.desk("EAST-B1"), world.clock)
    first = await _hold(world, await world.reader("一"), "EAST-B1", record_id=record)
    second = await _hold(world, await world.reader("二"), "EAST-B1", record_id=record)
    assert first.wait == "copy-assigned" and first.target_barcode == b
    lines = {h.id: h.wait for h in await list_holds(world.clock, record_id=record)}
    assert lines == {first.id: "copy-assigned", second.id: "earlier-holds-first"}
    await check_out(lender, b, world.desk("EAST-B1"), world.clock)
    lines = {h.id: h.wait for h in await list_holds(world.clock, record_id=record)}
    assert lines == {first.id: "all-on-loan", second.id: "all-on-loan"}
    mine = await list_holds(world.clock, card_number=(await rows(
        "SELECT card_number FROM reader WHERE id = (SELECT reader FROM hold WHERE id = ?)",
        [second.id]))[0]["card_number"])
    assert [(h.id, h.queue_position) for h in mine] == [(second.id, 2)]


async def test_lending_a_targeted_copy_retargets_the_hold(world: World):
    record = await make_record()
    near, far = await make_items(record, "EAST-B1"), await make_items(record, "EAST")
    reader = await world.reader()
    hold = await _hold(world, reader, "EAST-B1", record_id=record)
    assert hold.target_barcode == near[0]
    await check_out(await world.reader("路过"), near[0], world.desk("EAST-B1"), world.clock)
    [line] = await list_holds(world.clock, record_id=record)
    assert line.target_barcode == far[0]
    assert [p["barcode"] for p in await pull_list("EAST", world.clock)] == far
