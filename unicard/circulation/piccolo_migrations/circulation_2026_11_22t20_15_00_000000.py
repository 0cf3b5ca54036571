"""A guarded write fails as a whole on PostgreSQL.

The common check-out and check-in on PostgreSQL read without a lock and write with one
statement, each its own transaction (two round trips instead of four, see
`circulation.services`). The write carries a guard: the rows it updates must still be the
versions the read saw. `unicard_require(ok, what)` raises a serialization failure (SQLSTATE
40001) when a guard did not hold, so the whole statement is rolled back and the use case is
run again the locking way. SQLite never takes this path (its writers run one at a time).
"""

from unicard.raw_migrations import raw_sql_manager

ID = "2026-11-22T20:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unicard_require: a failed guard aborts its statement"

POSTGRES = (
    "CREATE OR REPLACE FUNCTION unicard_require(ok boolean, what text) RETURNS boolean AS $$ "
    "BEGIN "
    "  IF ok IS NOT TRUE THEN "
    "    RAISE EXCEPTION 'guard failed: %', what USING ERRCODE = 'serialization_failure'; "
    "  END IF; "
    "  RETURN true; "
    "END $$ LANGUAGE plpgsql",
)


async def forwards():
    return raw_sql_manager(ID, "circulation", DESCRIPTION, postgres=POSTGRES)
