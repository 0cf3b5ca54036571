"""Renewals at the desk, at a kiosk and online: policy limits, refused when another reader
waits, a new due date counted from the renewal."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.integration.circ_world import World, make_items, make_record, rows, world
from unicard.circulation.holds import place_hold, staff_asks
from unicard.circulation.services import check_out, renew, renew_online
from unicard.errors import Forbidden, NotFound, RuleViolation

__all__ = ["world"]


async def test_desk_renewal_counts_from_today_up_to_the_limit(world: World):
    card = await world.reader()
    record = await make_record()
    [barcode] = await make_items(record, "EAST-B1")
    loan = await check_out(card, barcode, world.desk("EAST-B1"), world.clock)
    world.clock.current = datetime.fromisoformat("2026-11-10T02:00:00+00:00")
    first = await renew(barcode, world.desk("EAST-B1"), world.clock)
    assert first.renewals == 1 and first.due_at.date().isoformat() == "2026-11-24"
    assert first.due_at > loan.due_at
    second = await renew(barcode, world.desk("EAST"), world.clock)  # any desk in scope
    assert second.renewals == 2
    with pytest.raises(RuleViolation) as refused:
        await renew(barcode, world.desk("EAST-B1"), world.clock)
    assert refused.value.code == "renewal-limit"
    events = await rows("SELECT data FROM event WHERE action = 'loan.renewed'")
    assert len(events) == 2


async def test_renewal_refused_when_another_reader_waits(world: World):
    card = await world.reader()
    record = await make_record()
    [barcode] = await make_items(record, "EAST-B1")
    await check_out(card, barcode, world.desk("EAST-B1"), world.clock)
    other = await world.reader("等待者")
    await place_hold(staff_asks(world.network.admin), "EAST-B1", world.clock,
                     record_id=record, card_number=other)
    with pytest.raises(RuleViolation) as refused:
        await renew(barcode, world.desk("EAST-B1"), world.clock)
    assert refused.value.code == "hold-waiting"


async def test_a_copy_on_the_shelf_serves_the_waiting_reader_so_renewal_is_allowed(
        world: World):
    card = await world.reader()
    record = await make_record()
    lent, _spare = await make_items(record, "EAST-B1", 2)
    await check_out(card, lent, world.desk("EAST-B1"), world.clock)
    other = await world.reader("等待者")
    await place_hold(staff_asks(world.network.admin), "EAST-B1", world.clock,
                     record_id=record, card_number=other)
    renewed = await renew(lent, world.desk("EAST-B1"), world.clock)
    assert renewed.renewals == 1


async def test_overdue_loans_and_blocked_readers_cannot_renew(world: World):
    card = await world.reader()
    record = await make_record()
    [barcode] = await make_items(record, "EAST-B1")
    await check_out(card, barcode, world.desk("EAST-B1"), world.clock)
    world.clock.current = datetime.fromisoformat("2026-11-20T02:00:00+00:00")
    with pytest.raises(RuleViolation) as refused:
        await renew(barcode, world.desk("EAST-B1"), world.clock)
    assert refused.value.code == "loan-overdue"


async def test_kiosk_renewal_checks_the_card_and_online_renewal_the_owner(world: World):
    card = await world.reader("本人")
    record = await make_record()
    [barcode] = await make_items(record, "EAST-B1")
    loan = await check_out(card, barcode, world.desk("EAST-B1"), world.clock)
    stranger = await world.reader("路人")
    with pytest.raises(Forbidden) as refused:
        await renew(barcode, world.desk("EAST-B1"), world.clock, channel="kiosk",
                    card_number=stranger)
    assert refused.value.code == "loan-not-yours"
    kiosk = await renew(barcode, world.desk("EAST-B1"), world.clock, channel="kiosk",
                        card_number=card)
    assert kiosk.renewals == 1
    with pytest.raises(NotFound):
        await renew_online(await world.reader_id(stranger), loan.loan_id, world.clock)
    online = await renew_online(await world.reader_id(card), loan.loan_id, world.clock)
    assert online.renewals == 2
    [event] = await rows("SELECT actor_kind, data FROM event WHERE action = 'loan.renewed' "
                         "AND actor_kind = 'reader'")
    assert '"online"' in event["data"]


async def test_nothing_to_renew(world: World):
    record = await make_record()
    [barcode] = await make_items(record, "EAST-B1")
    with pytest.raises(NotFound) as missing:
        await renew(barcode, world.desk("EAST-B1"), world.clock)
    assert missing.value.code == "loan-not-found"
