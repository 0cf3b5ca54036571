"""Fines and fees: accrue at check-in, pay at any desk, waive within scope, block above the
threshold; lost, damaged, missing and claims-returned copies with their fees."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from tests.integration.circ_world import World, item_row, make_items, make_record, rows, world
from unicard.circulation.fees import (
    claim_returned,
    declare_lost,
    declare_missing,
    list_fees,
    mark_damaged,
    pay_fines,
    repair,
    resolve_claim,
    waive_fee,
)
from unicard.circulation.holds import list_holds, place_hold, staff_asks
from unicard.circulation.services import check_in, check_out
from unicard.errors import Forbidden, InvalidInput, NotFound, RuleViolation

__all__ = ["world"]


async def _owed(world: World, card: str) -> Decimal:
    [row] = await rows("SELECT fines_owed FROM reader WHERE card_number = ?", [card])
    return Decimal(str(row["fines_owed"])).quantize(Decimal("0.01"))


async def _late_return(world: World, card: str, days_late: int) -> str:
    record = await make_record()
    [barcode] = await make_items(record, "EAST-B1")
    await check_out(card, barcode, world.desk("EAST-B1"), world.clock)
    world.clock.advance(days=14 + days_late)
    await check_in(barcode, world.desk("EAST-B1"), world.clock)
    return barcode


async def test_fines_block_above_the_threshold_until_paid(world: World):
    card = await world.reader()
    await _late_return(world, card, 60)  # 5.90: Christmas day is closed, not charged
    await _late_return(world, card, 50)  # 5.00
    assert await _owed(world, card) == Decimal("10.90")
    record = await make_record()
    [barcode] = await make_items(record, "EAST-B1")
    with pytest.raises(RuleViolation) as refused:
        await check_out(card, barcode, world.desk("EAST-B1"), world.clock)
    assert refused.value.code == "fines-over-limit"
    with pytest.raises(RuleViolation) as too_much:
        await pay_fines(card, "20", world.desk("WEST-B1"), world.clock)
    assert too_much.value.code == "payment-exceeds-balance"
    with pytest.raises(InvalidInput):
        await pay_fines(card, "-1", world.desk("WEST-B1"), world.clock)
    receipt = await pay_fines(card, "7.50", world.desk("WEST-B1"), world.clock)
    assert receipt.fines_owed == Decimal("3.40") and len(receipt.fees) == 2
    fees = await list_fees(card_number=card)
    assert [(f.kind, f.balance) for f in fees] == [("overdue", Decimal("3.40"))]
    await check_out(card, barcode, world.desk("EAST-B1"), world.clock)
    assert len(await list_fees(card_number=card, include_settled=True)) == 2


async def test_waivers_need_a_reason_and_the_scope_of_the_charging_branch(world: World):
    card = await world.reader()
    await _late_return(world, card, 30)
    [fee] = await list_fees(card_number=card)
    assert fee.org == "EAST-B1"
    with pytest.raises(Forbidden):
        await waive_fee(fee.id, world.network.west_librarian, "goodwill", world.clock)
    with pytest.raises(InvalidInput):
        await waive_fee(fee.id, world.network.east_librarian, " ", world.clock)
    partly = await waive_fee(fee.id, world.network.east_librarian, "first time", world.clock,
                             amount="1.00")
    assert partly.balance == Decimal("2.00") and partly.state == "open"
    done = await waive_fee(fee.id, world.network.east_librarian, "first time", world.clock)
    assert done.state == "settled" and await _owed(world, card) == Decimal("0.00")
    with pytest.raises(RuleViolation) as settled:
        await waive_fee(fee.id, world.network.east_librarian, "again", world.clock)
    assert settled.value.code == "fee-settled"
    payments = await rows("SELECT kind, amount FROM fee_payment ORDER BY id")
    assert [p["kind"] for p in payments] == ["waiver", "waiver"]


async def test_lost_copy_charges_replacement_and_processing_and_found_cancels_replacement(
        world: World):
    card = await world.reader()
    record = await make_record()
    [barcode] = await make_items(record, "EAST-B1", price=Decimal("42.50"))
    await check_out(card, barcode, world.desk("EAST-B1"), world.clock)
    world.clock.advance(days=20)  # 6 days late: fine 0.60 stops today
    lost = await declare_lost(barcode, world.desk("EAST-B1"), world.clock)
    assert (lost.item_status, lost.fine, lost.fees) == ("lost", Decimal("0.60"),
                                                        Decimal("47.50"))
    assert await _owed(world, card) == Decimal("48.10")
    with pytest.raises(RuleViolation) as refused:
        await check_out(await world.reader("x"), barcode, world.desk("EAST-B1"), world.clock)
    assert refused.value.code == "item-not-available"
    world.clock.advance(days=30)
    found = await check_in(barcode, world.desk("EAST-B1"), world.clock)
    assert found.fine == Decimal("0.00") and found.refund_due == Decimal("0.00")
    assert await _owed(world, card) == Decimal("5.60")  # fine + processing stay
    assert (await item_row(barcode))["status"] == "available"


async def test_paying_a_lost_copy_settles_the_loan_and_a_later_find_refunds(world: World):
    card = await world.reader()
    record = await make_record()
    [barcode] = await make_items(record, "EAST-B1")  # no price: default 30.00
    await check_out(card, barcode, world.desk("EAST-B1"), world.clock)
    await declare_lost(barcode, world.desk("EAST-B1"), world.clock)
    await pay_fines(card, "35.00", world.desk("EAST-B1"), world.clock)
    [loan] = await rows("SELECT state FROM loan")
    assert loan["state"] == "closed"
    found = await check_in(barcode, world.desk("EAST-B1"), world.clock)
    assert found.refund_due == Decimal("0.00")  # the loan was settled: nothing to reverse
    assert (await item_row(barcode))["status"] == "available"


async def test_claims_returned_then_accepted_or_rejected(world: World):
    card = await world.reader()
    record = await make_record()
    first, second = await make_items(record, "EAST-B1", 2)
    await check_out(card, first, world.desk("EAST-B1"), world.clock)
    await check_out(card, second, world.desk("EAST-B1"), world.clock)
    world.clock.current = datetime.fromisoformat("2026-11-20T02:00:00+00:00")
    claimed = await claim_returned(first, world.desk("EAST-B1"), world.clock)
    assert (claimed.item_status, claimed.fine) == ("claims_returned", Decimal("0.40"))
    accepted = await resolve_claim(first, True, world.desk("EAST-B1"), world.clock)
    assert accepted.item_status == "missing"
    with pytest.raises(RuleViolation) as no_claim:
        await resolve_claim(second, True, world.desk("EAST-B1"), world.clock)
    assert no_claim.value.code == "no-claim"
    await claim_returned(second, world.desk("EAST-B1"), world.clock)
    rejected = await resolve_claim(second, False, world.desk("EAST-B1"), world.clock)
    assert (rejected.item_status, rejected.fees) == ("lost", Decimal("35.00"))
    assert await _owed(world, card) == Decimal("35.80")


async def test_damaged_on_return_and_on_the_shelf(world: World):
    card = await world.reader()
    record = await make_record()
    lent, shelved = await make_items(record, "EAST-B1", 2)
    await check_out(card, lent, world.desk("EAST-B1"), world.clock)
    damaged = await mark_damaged(lent, world.desk("EAST-B1"), world.clock, repair_cost="8")
    assert (damaged.item_status, damaged.fees, damaged.loan_state) == ("damaged",
                                                                     Decimal("8.00"), "closed")
    with pytest.raises(RuleViolation):
        await check_in(lent, world.desk("EAST-B1"), world.clock)
    waiting = await world.reader("等")
    hold = await place_hold(staff_asks(world.network.admin), "EAST-B1", world.clock,
                            record_id=record, card_number=waiting)
    await check_in(shelved, world.desk("EAST-B1"), world.clock)  # captured
    released = await mark_damaged(shelved, world.desk("EAST-B1"), world.clock)
    assert released.released_hold == hold.id and released.fees == Decimal("0.00")
    [line] = await list_holds(world.clock, record_id=record)
    assert (line.state, line.wait) == ("waiting", "no-holdable-copy")
    repaired = await repair(lent, world.desk("EAST-B1"), world.clock)
    assert repaired.item_status == "available"
    [line] = await list_holds(world.clock, record_id=record)
    assert line.target_barcode == lent


async def test_missing_copies(world: World):
    card = await world.reader()
    record = await make_record()
    [barcode] = await make_items(record, "EAST-B1")
    await check_out(card, barcode, world.desk("EAST-B1"), world.clock)
    with pytest.raises(RuleViolation) as on_loan:
        await declare_missing(barcode, world.desk("EAST-B1"), world.clock)
    assert on_loan.value.code == "item-on-loan"
    await check_in(barcode, world.desk("EAST-B1"), world.clock)
    missing = await declare_missing(barcode, world.desk("EAST-B1"), world.clock)
    assert missing.item_status == "missing"
    found = await check_in(barcode, world.desk("EAST-B1"), world.clock)
    assert found.action == "shelve"
    events = [r["action"] for r in await rows("SELECT action FROM event ORDER BY id")]
    assert "item.found" in events
    with pytest.raises(NotFound):
        await declare_lost(barcode, world.desk("EAST-B1"), world.clock)
