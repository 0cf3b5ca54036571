"""Constraints the ORM cannot declare: composite and partial unique indexes."""

from unicard.raw_migrations import raw_sql_manager

ID = "2026-11-22T14:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "policy rule key unique; one current card per reader"


async def forwards():
    return raw_sql_manager(ID, "unicard", DESCRIPTION, both=(
        "CREATE UNIQUE INDEX policy_rule_key ON policy_rule (org, reader_category, item_type)",
        "CREATE UNIQUE INDEX card_one_current_per_reader ON card (reader) "
        "WHERE state = 'current'",
    ))
