"""Hand-written migration steps for what the ORM cannot declare: composite and partial unique
indexes, PostgreSQL exclusion constraints. Used by the checked-in migration files."""

from __future__ import annotations

from collections.abc import Sequence

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

__all__ = ["add_raw_sql", "raw_sql_manager"]


def raw_sql_manager(
    migration_id: str,
    app_name: str,
    description: str,
    both: Sequence[str] = (),
    postgres: Sequence[str] = (),
    sqlite: Sequence[str] = (),
) -> MigrationManager:
    """A migration that runs `both` on every engine, then the engine-specific statements."""
    manager = MigrationManager(migration_id=migration_id, app_name=app_name,
                               description=description)

    add_raw_sql(manager, both=both, postgres=postgres, sqlite=sqlite)
    return manager


def add_raw_sql(manager: MigrationManager, both: Sequence[str] = (),
                postgres: Sequence[str] = (), sqlite: Sequence[str] = ()) -> None:
    """Add hand-written statements to a migration that also declares column changes: `both`
    on every engine, then the engine-specific ones."""

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        specific = postgres if engine.engine_type == "postgres" else sqlite
        for statement in (*both, *specific):
            await engine.run_ddl(statement)

    manager.add_raw(run)
