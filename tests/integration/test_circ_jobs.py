"""The scheduled jobs: hold shelf expiry, periodic targeting and the overdue list."""

from __future__ import annotations

from datetime import datetime

from tests.integration.circ_world import World, make_items, make_record, rows, world
from unicard.circulation.holds import list_holds, place_hold, staff_asks
from unicard.circulation.jobs import run_jobs_once
from unicard.circulation.lists import overdue_loans, reader_loans
from unicard.circulation.services import check_in, check_out

__all__ = ["world"]


async def test_one_run_of_the_jobs(world: World):
    record = await make_record()
    [lent] = await make_items(record, "EAST-B1")
    [held] = await make_items(record, "WEST-B1")
    late = await world.reader("迟还")
    waiting = await world.reader("等书")
    await check_out(late, lent, world.desk("EAST-B1"), world.clock)
    hold = await place_hold(staff_asks(world.network.admin), "WEST-B1", world.clock,
                            record_id=record, card_number=waiting)
    await check_in(held, world.desk("WEST-B1"), world.clock)  # onto the hold shelf
    # A copy comes back to a shelf without passing a desk (an import, a repair elsewhere):
    # only the periodic targeting notices it.
    other = await make_record()
    [out] = await make_items(other, "EAST-B1")
    [quiet] = await make_items(other, "EAST-B1", status="missing")
    await check_out(waiting, out, world.desk("EAST-B1"), world.clock)
    second = await place_hold(staff_asks(world.network.admin), "EAST-B1", world.clock,
                              record_id=other, card_number=late)
    from unicard.bulk import execute
    from unicard.db import write_transaction

    async with write_transaction():
        await execute("UPDATE item SET status = 'available' WHERE barcode = ?", [quiet])
    world.clock.current = datetime.fromisoformat("2026-12-20T02:00:00+00:00")
    report = await run_jobs_once(world.clock)
    assert report.expired_holds == 1 and report.records_targeted == 1
    assert report.overdue_loans == 2
    [expired] = await list_holds(world.clock, record_id=record, open_only=False)
    assert (expired.id, expired.state) == (hold.id, "expired")
    [targeted] = await list_holds(world.clock, record_id=other)
    assert (targeted.id, targeted.target_barcode) == (second.id, quiet)
    overdue = {loan.barcode: loan for loan in await overdue_loans(world.clock, org="EAST")}
    assert set(overdue) == {lent, out} and overdue[lent].overdue_days == 34
    assert await overdue_loans(world.clock, org="WEST") == []
    [mine] = await reader_loans(world.clock, card_number=late)
    assert mine.fine_so_far == "3.40"  # 34 days, Christmas not yet
    assert [r["action"] for r in await rows(
        "SELECT action FROM event WHERE action = 'loans.overdue_listed'")] == [
        "loans.overdue_listed"]
