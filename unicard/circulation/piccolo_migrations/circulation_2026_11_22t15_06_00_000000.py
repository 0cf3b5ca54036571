"""Constraints and indexes of circulation the ORM cannot declare, and the network version.

The unique partial indexes back the locks of the services: one open loan per item, one
transit or hold-shelf assignment per copy, one open hold per reader and title, one open
transit per copy. The triggers count every change to the org tree and the policy rules in
`counter.network_version`, which circulation compares per request to keep its in-memory
copy of the tree and the policies current.
"""

from unicard.raw_migrations import raw_sql_manager

ID = "2026-11-22T15:06:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "circulation constraints; network version triggers"

_VERSION_UPSERT = (
    "INSERT INTO counter (name, value) VALUES ('network_version', 1) "
    "ON CONFLICT (name) DO UPDATE SET value = counter.value + 1"
)

BOTH = (
    "CREATE UNIQUE INDEX loan_one_open_per_item ON loan (item) WHERE state <> 'closed'",
    "CREATE INDEX loan_open_by_reader ON loan (reader) WHERE state = 'open'",
    "CREATE INDEX loan_open_by_due ON loan (due_at) WHERE state = 'open'",
    "CREATE UNIQUE INDEX hold_one_assignment_per_copy ON hold (assigned_item) "
    "WHERE state IN ('in_transit', 'ready')",
    "CREATE UNIQUE INDEX hold_one_open_per_reader_record ON hold (reader, record) "
    "WHERE state IN ('waiting', 'suspended', 'in_transit', 'ready')",
    "CREATE INDEX hold_queue ON hold (record, placed_at) WHERE state IN ('waiting', 'suspended')",
    "CREATE INDEX hold_on_shelf ON hold (pickup_org, expires_on) WHERE state = 'ready'",
    "CREATE UNIQUE INDEX transit_one_open_per_item ON transit (item) WHERE state = 'open'",
    "CREATE INDEX fee_open_by_reader ON fee (reader, created_at) WHERE state = 'open'",
)

POSTGRES = (
    "CREATE OR REPLACE FUNCTION unicard_bump_network_version() RETURNS trigger AS $$ "
    f"BEGIN {_VERSION_UPSERT}; RETURN NULL; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER org_network_version AFTER INSERT OR UPDATE OR DELETE ON org "
    "FOR EACH STATEMENT EXECUTE FUNCTION unicard_bump_network_version()",
    "CREATE TRIGGER policy_rule_network_version AFTER INSERT OR UPDATE OR DELETE ON policy_rule "
    "FOR EACH STATEMENT EXECUTE FUNCTION unicard_bump_network_version()",
)

SQLITE = tuple(
    f"CREATE TRIGGER {table}_network_version_{event.lower()} AFTER {event} ON {table} "
    f"BEGIN {_VERSION_UPSERT}; END"
    for table in ("org", "policy_rule")
    for event in ("INSERT", "UPDATE", "DELETE")
)


async def forwards():
    return raw_sql_manager(ID, "circulation", DESCRIPTION, both=BOTH, postgres=POSTGRES,
                           sqlite=SQLITE)
