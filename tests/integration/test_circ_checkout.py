"""Check-out at a desk: due dates from policy and the desk's calendar, every refusal with its
code, loan limits across the network, events and the search outbox."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from tests.integration.circ_world import World, item_row, make_items, make_record, rows, world
from unicard.circulation.services import check_out
from unicard.errors import Conflict, Forbidden, NotFound, RuleViolation
from unicard.readers.services import block_reader, report_card_lost

__all__ = ["world"]


async def test_checkout_lends_the_item_with_a_due_date_from_the_desk_policy(world: World):
    card = await world.reader("张三")
    record = await make_record("红楼梦")
    [barcode] = await make_items(record, "EAST-B1")
    receipt = await check_out(card, barcode, world.desk("EAST-B1"), world.clock)
    # EAST-B1 lends for 14 days (its own rule); 2026-11-02 + 14 = Monday 16th, open 09-17.
    assert receipt.due_at.date().isoformat() == "2026-11-16"
    assert (receipt.due_at.hour, receipt.due_at.minute) == (17, 0)
    assert receipt.title == "红楼梦" and receipt.card_number == card
    item = await item_row(barcode)
    assert (item["status"], item["current"]) == ("on_loan", "EAST-B1")
    events = await rows("SELECT action FROM event WHERE action = 'loan.checked_out'")
    assert len(events) == 1
    outbox = await rows("SELECT topic, key FROM outbox")
    assert {(r["topic"], r["key"]) for r in outbox} == {("availability", str(record))}


async def test_due_date_moves_to_the_next_open_day_of_the_checkout_branch(world: World):
    card = await world.reader()
    record = await make_record()
    [barcode] = await make_items(record, "WEST-B1")
    # WEST-B1 opens at weekends only: 30 days after Monday 2 Nov is Wednesday 2 Dec → Sat 5th.
    receipt = await check_out(card, barcode, world.desk("WEST-B1"), world.clock)
    assert receipt.due_at.date().isoformat() == "2026-12-05"
    assert receipt.due_at.hour == 16


async def test_due_date_skips_the_network_holiday(world: World):
    card = await world.reader()
    record = await make_record()
    [barcode] = await make_items(record, "EAST")
    world.clock.current = datetime.fromisoformat("2026-11-25T03:00:00+00:00")
    receipt = await check_out(card, barcode, world.desk("EAST"), world.clock)
    assert receipt.due_at.date().isoformat() == "2026-12-26"  # 25 Dec is closed


@pytest.mark.parametrize("status, code", [
    ("on_loan", "item-on-loan"), ("in_transit", "item-in-transit"),
    ("missing", "item-not-available"), ("lost", "item-not-available"),
    ("damaged", "item-not-available")])
async def test_item_refusals(world: World, status: str, code: str):
    card = await world.reader()
    record = await make_record()
    [barcode] = await make_items(record, "EAST-B1", status=status)
    with pytest.raises((RuleViolation, Conflict)) as refused:
        await check_out(card, barcode, world.desk("EAST-B1"), world.clock)
    assert refused.value.code == code


async def test_not_for_loan_and_unknown_barcode(world: World):
    card = await world.reader()
    record = await make_record()
    [barcode] = await make_items(record, "EAST-B1", not_for_loan=True)
    with pytest.raises(RuleViolation) as refused:
        await check_out(card, barcode, world.desk("EAST-B1"), world.clock)
    assert refused.value.code == "item-not-for-loan"
    with pytest.raises(NotFound) as missing:
        await check_out(card, "NOPE-1", world.desk("EAST-B1"), world.clock)
    assert missing.value.code == "item-not-found"
    with pytest.raises(NotFound) as card_scanned:
        await check_out(card, card, world.desk("EAST-B1"), world.clock)
    assert card_scanned.value.code == "not-an-item-barcode"


async def test_reader_refusals_come_before_the_item(world: World):
    record = await make_record()
    [barcode] = await make_items(record, "EAST-B1", status="on_loan")
    blocked = await world.reader("封禁")
    await block_reader(blocked, "unpaid damage", world.network.admin, world.clock)
    with pytest.raises(RuleViolation) as refused:
        await check_out(blocked, barcode, world.desk("EAST-B1"), world.clock)
    assert refused.value.code == "reader-blocked"
    lost = await world.reader("挂失")
    await report_card_lost(lost, world.network.admin, world.clock)
    with pytest.raises(RuleViolation) as refused:
        await check_out(lost, barcode, world.desk("EAST-B1"), world.clock)
    assert refused.value.code == "card-lost"
    with pytest.raises(NotFound) as unknown:
        await check_out("200000000000", barcode, world.desk("EAST-B1"), world.clock)
    assert unknown.value.code == "reader-not-found"


async def test_expired_card_and_fines_over_the_limit(world: World):
    record = await make_record()
    [barcode] = await make_items(record, "EAST-B1")
    card = await world.reader()
    reader_id = await world.reader_id(card)
    from unicard.bulk import execute
    from unicard.db import write_transaction

    async with write_transaction():
        await execute("UPDATE reader SET fines_owed = ? WHERE id = ?", [Decimal("10.00"),
                                                                      reader_id])
    with pytest.raises(RuleViolation) as refused:
        await check_out(card, barcode, world.desk("EAST-B1"), world.clock)
    assert refused.value.code == "fines-over-limit"
    assert refused.value.context["limit"] == "10.00"
    async with write_transaction():
        await execute("UPDATE reader SET fines_owed = 0, expires_on = ? WHERE id = ?",
                      [datetime(2026, 11, 1).date(), reader_id])
    with pytest.raises(RuleViolation) as refused:
        await check_out(card, barcode, world.desk("EAST-B1"), world.clock)
    assert refused.value.code == "reader-expired"


async def test_loan_limit_counts_loans_across_the_network(world: World):
    child = await world.reader("小明", "child")
    record = await make_record()
    east = await make_items(record, "EAST-B1", 3)
    west = await make_items(record, "WEST-B1", 3)
    for barcode in east:
        await check_out(child, barcode, world.desk("EAST-B1"), world.clock)
    for barcode in west[:2]:
        await check_out(child, barcode, world.desk("WEST-B1"), world.clock)
    with pytest.raises(RuleViolation) as refused:
        await check_out(child, west[2], world.desk("WEST-B1"), world.clock)
    assert refused.value.code == "loan-limit-reached"
    assert refused.value.context == {"reader_id": await world.reader_id(child),
                                     "open_loans": 5, "limit": 5}


async def test_desk_must_be_in_the_staff_scope(world: World):
    card = await world.reader()
    record = await make_record()
    [barcode] = await make_items(record, "WEST-B1")
    with pytest.raises(Forbidden) as refused:
        await check_out(card, barcode, world.desk("WEST-B1", "east"), world.clock)
    assert refused.value.code == "out-of-scope"
    with pytest.raises(Forbidden):
        await check_out(card, barcode, world.desk("EAST-HALL", "hall"), world.clock)


async def test_desks_lending_to_one_reader_at_the_same_instant_keep_the_loan_limit(
        world: World):
    """A child may have 5 loans: 8 desks lend to the same child at once (on PostgreSQL truly
    at once, each in its own transaction); exactly 5 loans open, 3 desks are refused."""
    import asyncio

    child = await world.reader("小红", "child")
    record = await make_record()
    east = await make_items(record, "EAST-B1", 4)
    west = await make_items(record, "WEST-B1", 4)
    desks = [(barcode, "EAST-B1") for barcode in east] + [(barcode, "WEST-B1")
                                                           for barcode in west]
    results = await asyncio.gather(
        *(check_out(child, barcode, world.desk(org), world.clock) for barcode, org in desks),
        return_exceptions=True)
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 3, results
    assert {getattr(r, "code", repr(r)) for r in refused} == {"loan-limit-reached"}
    open_loans = await rows("SELECT COUNT(*) AS n FROM loan WHERE reader = ? AND "
                            "state = 'open'", [await world.reader_id(child)])
    assert open_loans[0]["n"] == 5
