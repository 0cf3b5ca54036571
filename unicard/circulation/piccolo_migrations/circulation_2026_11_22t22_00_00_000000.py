"""A loan's branches are checked where branches change, not at every loan (PostgreSQL).

A foreign key from `loan.checkout_org` / `loan.checkin_org` to `org` makes every check-out
and check-in lock its branch's `org` row (FOR KEY SHARE, written to the WAL). A branch's
desks all lock the same row at once, so PostgreSQL shares the lock through a multixact, and
the busiest desks pay for it on every scan: paired runs of the same check-out/check-in load
on two databases, one with these two keys and one without, spent 3–10 % more PostgreSQL CPU
per operation with them.

The desk's branch is already one of the network's (`Desk.at_org` is resolved through the
network snapshot before anything is written), and branches are never removed by the
application. What the keys still guarded, a branch deleted under its loans by hand, is now
refused by a trigger on `org` itself, on the rare path. SQLite keeps its keys (they cost it
nothing measurable: no row locks).
"""

from unicard.raw_migrations import raw_sql_manager

ID = "2026-11-22T22:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "loan's branch keys replaced by a delete guard on org (PostgreSQL)"

POSTGRES = (
    "ALTER TABLE loan DROP CONSTRAINT IF EXISTS loan_checkout_org_fkey",
    "ALTER TABLE loan DROP CONSTRAINT IF EXISTS loan_checkin_org_fkey",
    "CREATE OR REPLACE FUNCTION unicard_org_without_loans() RETURNS trigger AS $$ "
    "BEGIN "
    "  IF (TG_OP = 'DELETE' OR NEW.id IS DISTINCT FROM OLD.id) AND EXISTS ("
    "      SELECT 1 FROM loan WHERE checkout_org = OLD.id OR checkin_org = OLD.id) THEN "
    "    RAISE EXCEPTION 'org % has loans; it cannot be removed or renumbered', OLD.code "
    "      USING ERRCODE = 'foreign_key_violation'; "
    "  END IF; "
    "  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; "
    "  RETURN NEW; "
    "END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER org_without_loans BEFORE DELETE OR UPDATE OF id ON org "
    "FOR EACH ROW EXECUTE FUNCTION unicard_org_without_loans()",
)


async def forwards():
    return raw_sql_manager(ID, "circulation", DESCRIPTION, postgres=POSTGRES)
