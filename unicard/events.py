"""The append-only event log and the search outbox, shared by every domain package."""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, Integer, Timestamptz, Varchar
from piccolo.table import Table

__all__ = ["Event", "Outbox"]


class Event(Table, tablename="event"):
    """Who did what, where, when. Feeds audit and statistics; rows are never updated."""

    at = Timestamptz(index=True)
    actor_kind = Varchar(length=16)  # staff | reader | system
    actor_id = BigInt(null=True, default=None)
    org_code = Varchar(length=32, default="", index=True)
    action = Varchar(length=48, index=True)
    subject_kind = Varchar(length=24, default="")
    subject_id = Varchar(length=64, default="")
    data = JSON(default="{}")


class Outbox(Table, tablename="outbox"):
    """Changes the search engine must see, written in the same transaction as the change."""

    # "record": rebuild the whole document; "availability": only where its copies are
    topic = Varchar(length=32)
    key = Varchar(length=64)
    created_at = Timestamptz(index=True)
    attempts = Integer(default=0)
    processed_at = Timestamptz(null=True, default=None, index=True)
