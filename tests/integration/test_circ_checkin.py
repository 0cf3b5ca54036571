"""Check-in anywhere: the loan closes with its overdue fine, and the copy gets one instruction —
shelve, hold shelf for a reader, or send to a branch (home, or floating within its scope)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from tests.integration.circ_world import World, item_row, make_items, make_record, rows, world
from unicard.circulation.holds import place_hold, staff_asks
from unicard.circulation.lists import transit_lists
from unicard.circulation.services import check_in, check_out, receive_transit
from unicard.errors import NotFound, RuleViolation
from unicard.network.services import set_policy_rule

__all__ = ["world"]


async def _lend(world: World, home: str = "EAST-B1", desk: str | None = None,
                **item: object) -> tuple[str, str, int]:
    card = await world.reader()
    record = await make_record()
    [barcode] = await make_items(record, home, **item)  # type: ignore[arg-type]
    await check_out(card, barcode, world.desk(desk or home), world.clock)
    return card, barcode, record


async def test_on_time_return_at_home_is_shelved_without_fine(world: World):
    _, barcode, record = await _lend(world)
    world.clock.advance(days=10)
    receipt = await check_in(barcode, world.desk("EAST-B1"), world.clock)
    assert (receipt.action, receipt.instruction, receipt.fine) == ("shelve", "shelve",
                                                                   Decimal("0.00"))
    assert (await item_row(barcode))["status"] == "available"
    [loan] = await rows("SELECT state, closed_at FROM loan")
    assert loan["state"] == "closed" and loan["closed_at"] is not None
    outbox = await rows("SELECT key FROM outbox")
    assert len(outbox) == 2 and {r["key"] for r in outbox} == {str(record)}


async def test_late_return_is_fined_per_open_day_and_capped(world: World):
    card, barcode, _ = await _lend(world)  # due Monday 16 Nov 17:00
    world.clock.current = datetime.fromisoformat("2026-11-26T09:00:00+00:00")
    receipt = await check_in(barcode, world.desk("EAST-B1"), world.clock)
    assert receipt.fine == Decimal("1.00")  # 17th to 26th
    reader_id = await world.reader_id(card)
    [reader] = await rows("SELECT fines_owed FROM reader WHERE id = ?", [reader_id])
    assert Decimal(str(reader["fines_owed"])) == Decimal("1.00")
    [fee] = await rows("SELECT kind, amount, balance, state FROM fee")
    assert fee["kind"] == "overdue" and fee["state"] == "open"

    _, second, _ = await _lend(world)  # lent 26 Nov, due 10 Dec
    world.clock.current = datetime.fromisoformat("2026-12-27T09:00:00+00:00")
    receipt = await check_in(second, world.desk("EAST-B1"), world.clock)
    assert receipt.fine == Decimal("1.60")  # 11th..27th is 17 days, the 25th is closed

    _, third, _ = await _lend(world)
    world.clock.advance(days=400)
    receipt = await check_in(third, world.desk("EAST-B1"), world.clock)
    assert receipt.fine == Decimal("20.00")  # the cap


async def test_return_away_from_home_goes_home_by_transit(world: World):
    _, barcode, _ = await _lend(world)
    receipt = await check_in(barcode, world.desk("WEST-B1"), world.clock)
    assert (receipt.action, receipt.destination) == ("send_to", "EAST-B1")
    assert receipt.instruction.startswith("send to EAST-B1")
    assert (await item_row(barcode))["status"] == "in_transit"
    west = await transit_lists("WEST-B1", world.clock)
    east = await transit_lists("EAST-B1", world.clock)
    assert [t.barcode for t in west.to_send] == [barcode] and not west.on_the_way
    assert [t.barcode for t in east.on_the_way] == [barcode] and not east.to_send
    with pytest.raises(RuleViolation) as refused:
        from unicard.circulation.services import check_out as lend

        await lend(await world.reader(), barcode, world.desk("WEST-B1"), world.clock)
    assert refused.value.code == "item-in-transit"
    world.clock.advance(days=6)
    assert [t.barcode for t in (await transit_lists("EAST-B1", world.clock)).overdue] == [
        barcode]
    arrived = await receive_transit(barcode, world.desk("EAST-B1"), world.clock)
    assert arrived.action == "shelve" and arrived.transit_received is not None
    item = await item_row(barcode)
    assert (item["status"], item["current"], item["home"]) == ("available", "EAST-B1",
                                                               "EAST-B1")
    assert not (await transit_lists("EAST-B1", world.clock)).on_the_way
    with pytest.raises(NotFound) as not_travelling:
        await receive_transit(barcode, world.desk("EAST-B1"), world.clock)
    assert not_travelling.value.code == "not-in-transit"


async def test_floating_collection_stays_where_returned_within_its_scope(world: World):
    await set_policy_rule("EAST", "*", "*", {"return_mode": "float", "float_scope": "EAST"},
                          None, world.clock)
    _, barcode, _ = await _lend(world)
    receipt = await check_in(barcode, world.desk("EAST"), world.clock)
    assert (receipt.action, receipt.new_home) == ("shelve", "EAST")
    item = await item_row(barcode)
    assert (item["home"], item["current"], item["status"]) == ("EAST", "EAST", "available")
    await check_out(await world.reader(), barcode, world.desk("EAST"), world.clock)
    outside = await check_in(barcode, world.desk("WEST-B1"), world.clock)
    assert (outside.action, outside.destination) == ("send_to", "EAST")


async def test_copy_returned_at_the_pickup_branch_goes_on_the_hold_shelf(world: World):
    _, barcode, record = await _lend(world)
    waiting = await world.reader("等书人")
    hold = await place_hold(staff_asks(world.network.admin), "EAST-B1", world.clock,
                            record_id=record, card_number=waiting)
    assert hold.wait == "all-on-loan" and hold.queue_position == 1
    receipt = await check_in(barcode, world.desk("EAST-B1"), world.clock)
    assert receipt.action == "hold_shelf" and receipt.hold_id == hold.id
    assert receipt.instruction == f"hold shelf for 等书人 ({waiting})"
    # 7 open days of EAST-B1 after Monday 2 Nov (open every day) → Monday 9 Nov.
    assert receipt.hold_expires_on.isoformat() == "2026-11-09"
    other = await world.reader("别人")
    with pytest.raises(RuleViolation) as refused:
        await check_out(other, barcode, world.desk("EAST-B1"), world.clock)
    assert refused.value.code == "item-on-hold-for-another"
    loan = await check_out(waiting, barcode, world.desk("EAST-B1"), world.clock)
    assert loan.hold_fulfilled == hold.id
    [state] = await rows("SELECT state FROM hold WHERE id = ?", [hold.id])
    assert state["state"] == "fulfilled"


async def test_copy_for_a_hold_elsewhere_travels_and_waits_there(world: World):
    _, barcode, record = await _lend(world)
    waiting = await world.reader("西区读者", home="WEST-B1")
    hold = await place_hold(staff_asks(world.network.admin), "WEST-B1", world.clock,
                            record_id=record, card_number=waiting)
    receipt = await check_in(barcode, world.desk("EAST-B1"), world.clock)
    assert (receipt.action, receipt.destination, receipt.hold_id) == ("send_to", "WEST-B1",
                                                                      hold.id)
    [state] = await rows("SELECT state, assigned_item FROM hold WHERE id = ?", [hold.id])
    assert state["state"] == "in_transit"
    world.clock.current = datetime.fromisoformat("2026-11-07T03:00:00+00:00")  # Saturday
    arrived = await receive_transit(barcode, world.desk("WEST-B1"), world.clock)
    assert (arrived.action, arrived.hold_id) == ("hold_shelf", hold.id)
    # WEST-B1 opens at weekends: 7 open days after Saturday 7 Nov → Sunday 22 Nov... counted:
    # 8,14,15,21,22,28,29 → Sunday 29 Nov.
    assert arrived.hold_expires_on.isoformat() == "2026-11-29"


async def test_damaged_copy_cannot_be_checked_in(world: World):
    record = await make_record()
    [barcode] = await make_items(record, "EAST-B1", status="damaged")
    with pytest.raises(RuleViolation) as refused:
        await check_in(barcode, world.desk("EAST-B1"), world.clock)
    assert refused.value.code == "invalid-transition"


_ = timedelta
