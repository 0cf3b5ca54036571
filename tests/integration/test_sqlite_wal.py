"""SQLite's WAL starts over while the desks never pause, instead of growing all day.

SQLite reuses the WAL from its start only when a checkpoint found it complete before the next
commit; under a steady stream of commits that never happens by itself (see
`UnicardSQLiteEngine._run_checkpoint`)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import pytest

from unicard import db

PAGE_FRAME = 4096 + 24  # one WAL frame: a page and its header


async def busy_desks(engine: db.UnicardSQLiteEngine, desks: int = 8, each: int = 250) -> None:
    """`desks` writers committing back to back, each commit a few new pages."""

    async def desk(number: int) -> None:
        for _ in range(each):
            async with engine.write_unit() as unit:
                raw = unit.connection.raw
                raw.executemany("INSERT INTO note (desk, body) VALUES (?, ?)",
                                [(number, os.urandom(3000)) for _ in range(3)])
                raw.execute("DELETE FROM note WHERE id < (SELECT max(id) - 200 FROM note)")

    await asyncio.gather(*(desk(n) for n in range(desks)))


def new_database(path: Path) -> db.UnicardSQLiteEngine:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, desk INTEGER, body BLOB)")
    engine = db.UnicardSQLiteEngine(path=str(path))
    engine.enable_wal()
    return engine


async def run_desks(path: Path) -> int:
    """Run the desks on a new database; the WAL's size at the end, in frames."""
    engine = new_database(path)
    try:
        await busy_desks(engine)
        wal_frames = Path(f"{path}-wal").stat().st_size // PAGE_FRAME
    finally:
        await engine.close_pool()
    with sqlite3.connect(path) as connection:  # every commit landed, none twice
        assert connection.execute("SELECT max(id) FROM note").fetchone() == (8 * 250 * 3,)
    return wal_frames


async def test_the_wal_starts_over_under_steady_commits(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "_CHECKPOINT_EVERY", 20)
    monkeypatch.setattr(db, "_WAL_RESTART_FRAMES", 200)
    # About 9,400 frames are written; measured: 700-1,200 left in the WAL.
    assert await run_desks(tmp_path / "desk.sqlite3") < 3000


async def test_without_starting_over_the_wal_holds_every_commit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Why the test above means something: checkpoints alone never let the WAL start over.
    monkeypatch.setattr(db, "_CHECKPOINT_EVERY", 20)
    monkeypatch.setattr(db, "_WAL_RESTART_FRAMES", 10**9)
    assert await run_desks(tmp_path / "desk.sqlite3") > 8000
