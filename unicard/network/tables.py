"""Piccolo tables of the network: org nodes and circulation policy rules."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

__all__ = ["Org", "PolicyRule", "ReaderCategory"]


class Org(Table, tablename="org"):
    """A node of the network tree. `path` (`/CITY/CNTY1/BR1/`) makes subtree queries a prefix
    match; it is maintained by the service that creates or moves nodes."""

    # Piccolo adds the serial primary key; declared so the type checker knows `Org.id`.
    id: Serial
    code = Varchar(length=32, unique=True, index=True)
    parent: ForeignKey[Org] = ForeignKey("self", null=True, default=None)
    path = Varchar(length=512, index=True)
    depth = Integer(default=0)
    kind = Varchar(length=24)
    name_zh = Varchar(length=200)
    name_en = Varchar(length=200, default="")
    address = Varchar(length=400, default="")
    latitude = Float(null=True, default=None)
    longitude = Float(null=True, default=None)
    # None = inherit from the parent; JSON shapes are documented in network/calendar.py.
    hours = JSON(null=True, default=None)
    closed_days = JSON(null=True, default=None)
    accepts_holds = Boolean(default=True)
    active = Boolean(default=True)
    created_at = Timestamptz()


class ReaderCategory(Table, tablename="reader_category"):
    id: Serial
    code = Varchar(length=24, unique=True)
    name_zh = Varchar(length=100)
    name_en = Varchar(length=100, default="")
    min_age = Integer(null=True, default=None)
    max_age = Integer(null=True, default=None)
    # Months a new or renewed registration is valid for.
    validity_months = Integer(default=36)


class PolicyRule(Table, tablename="policy_rule"):
    """One row of the rules keyed by (org, reader category, item type); None fields inherit."""

    id: Serial
    org = ForeignKey(Org, index=True)
    reader_category = Varchar(length=24, default="*")
    item_type = Varchar(length=24, default="*")
    loan_days = Integer(null=True, default=None)
    max_loans = Integer(null=True, default=None)
    renewals = Integer(null=True, default=None)
    fine_per_day = Numeric(digits=(10, 2), null=True, default=None)
    max_fine = Numeric(digits=(10, 2), null=True, default=None)
    holds_allowed = Boolean(null=True, default=None)
    max_holds = Integer(null=True, default=None)
    hold_shelf_days = Integer(null=True, default=None)
    fines_skip_closed_days = Boolean(null=True, default=None)
    block_fine_threshold = Numeric(digits=(10, 2), null=True, default=None)
    return_mode = Varchar(length=8, null=True, default=None)
    float_scope = Varchar(length=32, null=True, default=None)
    updated_at = Timestamptz()


