"""Constraints the ORM cannot declare: composite and partial unique indexes.

Both SQLite and PostgreSQL accept this SQL unchanged.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T14:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "policy rule key unique; one current card per reader"

_STATEMENTS = (
    "CREATE UNIQUE INDEX policy_rule_key ON policy_rule (org, reader_category, item_type)",
    "CREATE UNIQUE INDEX card_one_current_per_reader ON card (reader) WHERE state = 'current'",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="unicard", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        for statement in _STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager

