"""The loan limit holds under concurrent check-outs on PostgreSQL.

Check-out counts the reader's open loans in its first read; two desks lending to one reader
at the same instant both saw the count before either committed, and together could pass the
limit. Each loan now records the limit it was lent under (`loan.loan_limit`), and on
PostgreSQL a trigger takes the reader's row lock after the insert and counts again (FOR NO
KEY UPDATE: the loan's foreign key already holds a KEY SHARE lock on the reader, which FOR
UPDATE would wait on, deadlocking two desks that both hold one): the
second desk waits for the first to commit, counts with it, and its statement fails with
`loan-limit-reached` (the whole check-out is rolled back). A plpgsql statement sees what
committed before it started, so the count after the lock is exact. SQLite needs no trigger:
its write transactions run one at a time, so the first read's count is already exact.
"""

from unicard.raw_migrations import raw_sql_manager

ID = "2026-11-22T18:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "loan limit checked again under the reader's row lock"

BOTH = ("ALTER TABLE loan ADD COLUMN loan_limit INTEGER",)

POSTGRES = (
    "CREATE OR REPLACE FUNCTION unicard_check_loan_limit() RETURNS trigger AS $$ "
    "DECLARE open_loans integer; "
    "BEGIN "
    "  PERFORM 1 FROM reader WHERE id = NEW.reader FOR NO KEY UPDATE; "
    "  SELECT count(*) INTO open_loans FROM loan WHERE reader = NEW.reader AND state = 'open'; "
    "  IF open_loans > NEW.loan_limit THEN "
    "    RAISE EXCEPTION 'loan-limit-reached: reader % would have % open loans, the limit is %',"
    "      NEW.reader, open_loans, NEW.loan_limit USING ERRCODE = 'check_violation'; "
    "  END IF; "
    "  RETURN NULL; "
    "END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER loan_limit AFTER INSERT ON loan FOR EACH ROW "
    "WHEN (NEW.state = 'open' AND NEW.loan_limit IS NOT NULL) "
    "EXECUTE FUNCTION unicard_check_loan_limit()",
)


async def forwards():
    return raw_sql_manager(ID, "circulation", DESCRIPTION, both=BOTH, postgres=POSTGRES)
