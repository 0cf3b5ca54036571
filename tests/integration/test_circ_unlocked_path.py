"""PostgreSQL's two-round-trip check-out and check-in: the read takes no lock, the one write
is guarded by the versions of the rows it updates, and anything it cannot do alone goes back
to the locking path (`sql.LockNeeded`) with nothing written."""

from __future__ import annotations

import pytest

from tests.integration.circ_world import World, item_row, make_items, make_record, rows, world
from unicard.bulk import execute
from unicard.circulation.holds import place_hold, staff_asks
from unicard.circulation.services import _check_in, _check_out, check_in, check_out
from unicard.circulation.sql import LockNeeded, WriteBatch, fetch
from unicard.db import single_statements, write_transaction

__all__ = ["world"]


@pytest.fixture(autouse=True)
def postgres_only(db: str) -> None:
    if db != "postgres":
        pytest.skip("SQLite runs its writers one at a time: it never reads without the lock")


async def test_a_plain_check_out_and_check_in_take_the_unlocked_path(world: World):
    card = await world.reader("张三")
    record = await make_record("红楼梦")
    [barcode] = await make_items(record, "EAST-B1")
    desk = world.desk("EAST-B1")
    async with single_statements():
        receipt = await _check_out(card, barcode, desk, world.clock, locked=False)
    assert (await item_row(barcode))["status"] == "on_loan"
    assert receipt.loan_id == (await rows("SELECT id FROM loan"))[0]["id"]
    async with single_statements():
        back = await _check_in(barcode, desk, world.clock, locked=False)
    assert back.action == "shelve" and back.loan_id == receipt.loan_id
    assert (await item_row(barcode))["status"] == "available"
    events = await rows("SELECT action FROM event WHERE action LIKE 'loan.%' "
                        "OR action LIKE 'item.%' ORDER BY id")
    actions = [r["action"] for r in events]
    assert actions == ["loan.checked_out", "loan.checked_in", "item.routed"]


async def test_a_row_changed_since_the_read_writes_nothing(world: World):
    record = await make_record("围城")
    [barcode] = await make_items(record, "EAST-B1")
    async with single_statements():
        [row] = await fetch("SELECT id, xmin::text AS version FROM item WHERE barcode = ?",
                            [barcode])
    async with write_transaction():  # another desk, in between
        await execute("UPDATE item SET status = 'missing' WHERE id = ?", [row["id"]])
    async with single_statements():
        batch = WriteBatch()
        batch.add("INSERT INTO event (at, actor_kind, org_code, action, subject_kind, "
                  "subject_id, data) VALUES (now(), 'system', '', 'probe', 'item', ?, '{}')",
                  [str(row["id"])])
        batch.add("UPDATE item SET status = 'on_loan' WHERE id = ?", [row["id"]])
        batch.guard("item", row["id"], row["version"])
        with pytest.raises(LockNeeded):
            await batch.run()
    assert (await item_row(barcode))["status"] == "missing"
    assert await rows("SELECT id FROM event WHERE action = 'probe'") == []


async def test_a_guard_on_a_row_the_batch_does_not_update_refuses_to_run(world: World):
    record = await make_record("围城")
    [barcode] = await make_items(record, "EAST-B1")
    async with single_statements():
        [row] = await fetch("SELECT id, xmin::text AS version FROM item WHERE barcode = ?",
                            [barcode])
        batch = WriteBatch()
        batch.add("UPDATE item SET status = 'missing' WHERE id = ?", [row["id"]])
        batch.guard("loan", 1, "1")
        with pytest.raises(LockNeeded):
            await batch.run()
    assert (await item_row(barcode))["status"] == "available"


async def test_no_transaction_opens_inside_single_statements(world: World):
    """Piccolo would take the unit for a transaction and join it: writes meant to be one
    transaction would each commit on their own."""
    async with single_statements():
        with pytest.raises(RuntimeError, match="inside single_statements"):
            async with write_transaction():
                pass


async def test_cases_with_holds_go_to_the_locking_path_and_still_succeed(world: World):
    waiting, borrower = await world.reader("等候"), await world.reader("借书")
    record = await make_record("三体")
    [barcode] = await make_items(record, "EAST-B1")
    desk = world.desk("EAST-B1")
    await check_out(borrower, barcode, desk, world.clock)
    await place_hold(staff_asks(world.network.admin), "EAST-B1", world.clock,
                     record_id=record, card_number=waiting)
    async with single_statements():
        with pytest.raises(LockNeeded):
            await _check_in(barcode, desk, world.clock, locked=False)
    assert (await item_row(barcode))["status"] == "on_loan"  # nothing written
    receipt = await check_in(barcode, desk, world.clock)
    assert receipt.action == "hold_shelf" and receipt.hold_card_number == waiting


async def test_a_branch_with_loans_cannot_be_removed_or_renumbered(world: World):
    """The loan's branch columns carry no key on PostgreSQL (it locked the branch's row at
    every scan); `org` guards them instead."""
    card = await world.reader("王五")
    record = await make_record("边城")
    [barcode] = await make_items(record, "EAST-B1")
    await check_out(card, barcode, world.desk("EAST-B1"), world.clock)
    [org] = await rows("SELECT id FROM org WHERE code = 'EAST-B1'")
    for sql in ("DELETE FROM org WHERE id = ?", "UPDATE org SET id = id + 100000 WHERE id = ?"):
        with pytest.raises(Exception, match="has loans"):
            async with write_transaction():
                await execute(sql, [org["id"]])
    assert await rows("SELECT id FROM org WHERE code = 'EAST-B1'") == [org]
    async with write_transaction():  # a branch without loans may still be renamed
        await execute("UPDATE org SET name_en = 'East' WHERE id = ?", [org["id"]])
    keys = await rows("SELECT conname FROM pg_constraint WHERE conrelid = 'loan'::regclass "
                      "AND contype = 'f' ORDER BY conname")
    assert [k["conname"] for k in keys] == ["loan_item_fkey", "loan_reader_fkey"]
