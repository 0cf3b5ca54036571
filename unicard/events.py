"""The append-only event log and the search outbox, shared by every domain package."""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, Integer, Timestamptz, Varchar
from piccolo.table import Table

__all__ = ["Event", "Outbox"]


class Event(Table, tablename="event"):
    """Who did what, where, when. Feeds audit and statistics; rows are never updated.

    Indexed by time only: every desk action appends one or two rows, and each index costs
    every append a page write (the org and action indexes were a third of a check-out's
    SQL time and read by nothing). A report that needs more adds the index it reads with."""

    at = Timestamptz(index=True)
    actor_kind = Varchar(length=16)  # staff | reader | system
    actor_id = BigInt(null=True, default=None)
    org_code = Varchar(length=32, default="")
    action = Varchar(length=48)
    subject_kind = Varchar(length=24, default="")
    subject_id = Varchar(length=64, default="")
    data = JSON(default="{}")


class Outbox(Table, tablename="outbox"):
    """Changes the search engine must see, written in the same transaction as the change.

    The pending rows are found by a partial index (`outbox_pending`: ids of the rows not yet
    processed, migration 2026-11-22T20:45), which stays as small as the backlog."""

    # "record": rebuild the whole document; "availability": only where its copies are
    topic = Varchar(length=32)
    key = Varchar(length=64)
    created_at = Timestamptz()
    attempts = Integer(default=0)
    processed_at = Timestamptz(null=True, default=None)
