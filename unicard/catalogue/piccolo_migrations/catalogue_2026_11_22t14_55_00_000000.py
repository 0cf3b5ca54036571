"""Union-catalogue keys the ORM cannot declare."""

from unicard.raw_migrations import raw_sql_manager

ID = "2026-11-22T14:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one record per (source, control number)"


async def forwards():
    return raw_sql_manager(ID, "catalogue", DESCRIPTION, both=(
        "CREATE UNIQUE INDEX record_source_key ON record_source (source, control_number)",
    ))
