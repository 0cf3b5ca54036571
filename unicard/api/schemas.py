"""Request and response bodies (msgspec structs: `…In` for input, `…Out` for output)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from unicard.readers.services import ReaderRecord

__all__ = [
    "CardReplaceIn",
    "OrgIn",
    "OrgOut",
    "OrgPatch",
    "PolicyFieldOut",
    "PolicyOut",
    "PolicyRuleIn",
    "ReaderBlockIn",
    "ReaderPatch",
    "ReaderSignInIn",
    "RegisterIn",
    "ScanOut",
    "SessionOut",
    "StaffIn",
    "StaffLoginIn",
    "StaffOut",
    "set_fields",
]


class _In(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


def set_fields(patch: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH body actually carried."""
    return {k: v for k, v in msgspec.structs.asdict(patch).items() if v is not UNSET}


class OrgIn(_In):
    code: str
    kind: str
    name_zh: str
    parent_code: str | None = None
    name_en: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    hours: dict[str, list[str]] | None = None
    closed_days: list[str] | None = None
    accepts_holds: bool = True


class OrgPatch(_In):
    name_zh: str | UnsetType = UNSET
    name_en: str | UnsetType = UNSET
    address: str | UnsetType = UNSET
    latitude: float | UnsetType | None = UNSET
    longitude: float | UnsetType | None = UNSET
    hours: dict[str, list[str]] | UnsetType | None = UNSET
    closed_days: list[str] | UnsetType | None = UNSET
    accepts_holds: bool | UnsetType = UNSET


class OrgOut(msgspec.Struct, kw_only=True):
    code: str
    parent_code: str | None
    kind: str
    name_zh: str
    name_en: str
    path: list[str]
    accepts_holds: bool
    latitude: float | None = None
    longitude: float | None = None
    hours: dict[str, list[str]]
    hours_from: str | None
    closed_days: list[str]
    closed_days_from: str | None
    children: list[OrgOut] = []


class PolicyRuleIn(_In):
    reader_category: str = "*"
    item_type: str = "*"
    loan_days: int | None = None
    max_loans: int | None = None
    renewals: int | None = None
    fine_per_day: str | None = None
    max_fine: str | None = None
    holds_allowed: bool | None = None
    max_holds: int | None = None
    hold_shelf_days: int | None = None
    fines_skip_closed_days: bool | None = None
    block_fine_threshold: str | None = None
    return_mode: str | None = None
    float_scope: str | None = None


class PolicyFieldOut(msgspec.Struct):
    field: str
    value: Any
    from_org: str | None
    reader_category: str | None
    item_type: str | None


class PolicyOut(msgspec.Struct):
    org: str
    reader_category: str
    item_type: str
    policy: dict[str, Any]
    explain: list[PolicyFieldOut] | None = None


class RegisterIn(_In):
    name: str
    id_number: str
    category: str
    home_org: str
    phone: str = ""
    email: str = ""
    pin: str | None = None
    card_number: str | None = None


class ReaderPatch(_In):
    name: str | UnsetType = UNSET
    phone: str | UnsetType = UNSET
    email: str | UnsetType = UNSET
    category: str | UnsetType = UNSET
    home_org: str | UnsetType = UNSET
    expires_on: str | UnsetType = UNSET
    pin: str | UnsetType = UNSET


class ReaderBlockIn(_In):
    reason: str


class CardReplaceIn(_In):
    at_org: str
    new_card_number: str | None = None


class ScanOut(msgspec.Struct):
    kind: str
    code: str
    reader: ReaderRecord | None = None


class StaffLoginIn(_In):
    username: str
    password: str


class StaffIn(_In):
    username: str
    display_name: str
    password: str
    role: str
    scope_org: str


class StaffOut(msgspec.Struct):
    id: int
    username: str
    role: str
    scope_org: str


class SessionOut(msgspec.Struct):
    token: str
    expires_at: datetime
    staff: StaffOut | None = None
    reader_id: int | None = None
    card_number: str | None = None


class ReaderSignInIn(_In):
    card_number: str
    pin: str
