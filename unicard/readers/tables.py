"""Piccolo tables of readers, their cards, staff accounts and sign-in sessions."""

from __future__ import annotations

from decimal import Decimal

from piccolo.columns import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from unicard.network.tables import Org

__all__ = ["Card", "Counter", "Reader", "Session", "Staff"]


class Reader(Table, tablename="reader"):
    """One account under the one card. The full ID number is never stored: a keyed hash finds
    duplicates, the masked form is what people see."""

    card_number = Varchar(length=32, unique=True)
    name = Varchar(length=100)
    id_number_hash = Varchar(length=64, unique=True)
    id_number_masked = Varchar(length=24)
    birth_date = Date(null=True, default=None)
    sex = Varchar(length=1, default="")
    phone = Varchar(length=32, default="")
    email = Varchar(length=200, default="")
    category = Varchar(length=24)
    home_org = ForeignKey(Org, index=True)
    registered_at = Timestamptz()
    expires_on = Date()
    status = Varchar(length=16, default="active")
    block_reason = Varchar(length=400, default="")
    fines_owed = Numeric(digits=(10, 2), default=Decimal("0"))
    pin_hash = Varchar(length=200, default="")
    pin_failures = Integer(default=0)
    pin_locked_until = Timestamptz(null=True, default=None)
    updated_at = Timestamptz()


class Card(Table, tablename="card"):
    """Every card number ever issued, so an old number is recognised and refused as lost."""

    number = Varchar(length=32, unique=True)
    reader = ForeignKey(Reader, index=True)
    state = Varchar(length=16, default="current")  # current | lost | replaced
    issued_at = Timestamptz()
    issued_by_org = ForeignKey(Org, null=True, default=None)
    retired_at = Timestamptz(null=True, default=None)


class Staff(Table, tablename="staff"):
    username = Varchar(length=64, unique=True)
    display_name = Varchar(length=100)
    password_hash = Varchar(length=200)
    role = Varchar(length=24)
    scope_org = ForeignKey(Org)
    active = Boolean(default=True)
    created_at = Timestamptz()


class Session(Table, tablename="auth_session"):
    """A sign-in of a staff member or a reader; only a hash of the token is stored."""

    token_hash = Varchar(length=64, unique=True)
    staff = ForeignKey(Staff, null=True, default=None, index=True)
    reader = ForeignKey(Reader, null=True, default=None, index=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()


class Counter(Table, tablename="counter"):
    """Named number series (card serials, item barcode serials) that work on both databases."""

    name = Varchar(length=64, unique=True)
    value = Integer(default=0)
