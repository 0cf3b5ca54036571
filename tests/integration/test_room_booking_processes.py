"""Several server processes on one SQLite file: BEGIN IMMEDIATE takes the database's write
lock up front, so the check-then-insert of each booking runs alone across processes too, and
the overlap trigger refuses a second holder whatever path writes it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from unicard.rooms import services

from .rooms_world import at, day_after, new_reader, rows, seed_rooms

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 4
SLOTS = 12

_WORKER = textwrap.dedent("""
    import asyncio, json, sys
    from datetime import UTC, datetime, timedelta
    from unicard import db
    from unicard.clock import FixedClock, NETWORK_TZ
    from unicard.rooms import services

    path, room, readers, day = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
    slots = int(sys.argv[5])

    async def main():
        db.bind(db.UnicardSQLiteEngine(path=path, timeout=10))
        clock = FixedClock(datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
        first = datetime.fromisoformat(day).replace(tzinfo=NETWORK_TZ)
        won = []
        async def one(slot, reader):
            start = first + timedelta(hours=9, minutes=30 * slot)
            try:
                booking = await services.book_room(reader, services.BookRoom(
                    room, start, start + timedelta(minutes=30)), clock)
                won.append(booking.id)
            except Exception as exc:
                if getattr(exc, "code", None) != "slot-taken":
                    raise
        await asyncio.gather(*(one(slot, reader) for slot in range(slots) for reader in readers))
        await db.close_pools(db.current_engine())
        print(json.dumps(won))

    asyncio.run(main())
""")


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_processes_racing_on_one_file_book_each_slot_once(db, network, settings, clock,
                                                                tmp_path):
    world = await seed_rooms(network, settings, clock)
    readers = [world.adult.id, world.other.id] + [
        (await new_reader(network, settings, clock)).id for _ in range(2)]
    from unicard.db import close_pools, current_engine

    await close_pools(current_engine())  # the workers open the file themselves
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen([sys.executable, "-c", _WORKER, str(tmp_path / "unicard.sqlite3"),
                          str(world.calligraphy.id), json.dumps(readers),
                          day_after(1).isoformat(), str(SLOTS)], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(PROCESSES)
    ]
    won: list[int] = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err[-2000:]
        won += json.loads(out.strip().splitlines()[-1])
    assert len(won) == SLOTS  # of 4 processes x 4 readers per slot, one booking per slot
    booked = await rows("SELECT starts_at FROM booking WHERE state = 'confirmed'")
    assert len(booked) == SLOTS and len({str(b["starts_at"]) for b in booked}) == SLOTS
    mine = await services.my_bookings(world.adult.id, clock)
    assert all(b.starts_at >= at(day_after(1), "09:00") for b in mine)
