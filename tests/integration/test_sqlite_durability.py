"""How far a SQLite commit goes before it returns is the operator's choice
(`UNICARD_SQLITE_SYNCHRONOUS`): to the operating system by default, or to the disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from unicard.db import engine_from_settings
from unicard.settings import Settings

_LEVEL = {0: "off", 1: "normal", 2: "full", 3: "extra"}


async def synchronous_of(settings: Settings) -> str:
    engine = engine_from_settings(settings)
    connection = await engine.get_connection()
    try:
        cursor = await connection.execute("PRAGMA synchronous")
        row = await cursor.fetchone()
        return _LEVEL[int(next(iter(row.values())))]
    finally:
        await connection.close()


async def test_commits_reach_the_operating_system_by_default(tmp_path: Path):
    settings = Settings.from_env({"UNICARD_DATA_DIR": str(tmp_path)})
    assert await synchronous_of(settings) == "normal"


async def test_full_makes_every_commit_wait_for_the_disk(tmp_path: Path):
    settings = Settings.from_env({"UNICARD_DATA_DIR": str(tmp_path),
                                  "UNICARD_SQLITE_SYNCHRONOUS": "full"})
    assert await synchronous_of(settings) == "full"


def test_an_unknown_level_is_refused_by_name(tmp_path: Path):
    with pytest.raises(ValueError, match="UNICARD_SQLITE_SYNCHRONOUS must be 'normal' or "
                                         "'full', not 'off'"):
        Settings.from_env({"UNICARD_DATA_DIR": str(tmp_path),
                           "UNICARD_SQLITE_SYNCHRONOUS": "off"})
