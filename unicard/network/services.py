"""Use cases of the network: org nodes, their calendars and the circulation policy rules."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from piccolo.columns import Column

from unicard.audit import SYSTEM, Actor, append_event
from unicard.clock import Clock
from unicard.db import read_transaction, write_transaction
from unicard.errors import Conflict, InvalidInput, NotFound
from unicard.network.calendar import CalendarError, parse_closed_days, parse_weekly_hours
from unicard.network.policy import (
    ANY,
    POLICY_FIELDS,
    PolicyExplanation,
    PolicyIncomplete,
    ReturnMode,
    RuleRow,
    explain_policy,
)
from unicard.network.tables import Org, PolicyRule, ReaderCategory
from unicard.network.tree import NetworkTree, OrgKind, OrgNode
from unicard.readers.permissions import Action, StaffPrincipal, ensure_allowed

__all__ = [
    "NETWORK_VERSION_SQL",
    "NewOrg",
    "create_org",
    "ensure_category",
    "explain_effective_policy",
    "get_tree",
    "load_tree",
    "org_id",
    "require_org",
    "set_policy_rule",
    "update_org",
]

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")


@dataclass(frozen=True)
class NewOrg:
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


def _node_from_row(row: dict[str, Any], parent_code: str | None) -> OrgNode:
    hours, closed = row["hours"], row["closed_days"]
    return OrgNode(
        code=row["code"],
        parent_code=parent_code,
        kind=OrgKind(row["kind"]),
        name_zh=row["name_zh"],
        name_en=row["name_en"],
        hours=json.loads(hours) if isinstance(hours, str) else hours,
        closed_days=tuple(json.loads(closed) if isinstance(closed, str) else closed)
        if closed is not None
        else None,
        accepts_holds=bool(row["accepts_holds"]),
        latitude=row["latitude"],
        longitude=row["longitude"],
    )


# The network's version: bumped by database triggers on every change to `org` or `policy_rule`
# (installed by the circulation migrations), whichever process or code path makes it. Read it
# in a use case's first query to know whether an in-memory copy of the tree is still current.
NETWORK_VERSION_SQL = "(SELECT value FROM counter WHERE name = 'network_version')"


async def load_tree() -> NetworkTree:
    """The whole network in memory; callers already inside a transaction join it."""
    rows = await Org.select(
        Org.id, Org.code, Org.parent, Org.kind, Org.name_zh, Org.name_en, Org.hours,
        Org.closed_days, Org.accepts_holds, Org.latitude, Org.longitude,
    )
    code_of = {row["id"]: row["code"] for row in rows}
    return NetworkTree(_node_from_row(row, code_of.get(row["parent"])) for row in rows)


async def get_tree() -> NetworkTree:
    async with read_transaction():
        return await load_tree()


def require_org(tree: NetworkTree, code: str, where: str = "org") -> OrgNode:
    if code not in tree:
        raise NotFound(f"no org with code {code!r} ({where})", code="org-not-found", org=code)
    return tree.node(code)


async def org_id(code: str) -> int:
    """The row id behind an org code; callers have checked the code with `require_org`."""
    row = await Org.select(Org.id).where(Org.code == code).first()
    if row is None:
        raise NotFound(f"no org with code {code!r}", code="org-not-found", org=code)
    return int(row["id"])


def _validate_calendar(hours: Any, closed: Any) -> None:
    try:
        if hours is not None:
            if not isinstance(hours, dict):
                raise CalendarError("expected an object of weekday → intervals", "hours")
            parse_weekly_hours(hours)
        if closed is not None:
            if not isinstance(closed, list):
                raise CalendarError("expected a list of dates or ranges", "closed_days")
            parse_closed_days(closed)
    except CalendarError as exc:
        raise InvalidInput(str(exc), code="calendar-invalid", where=exc.where) from None


def _validate_new_org(cmd: NewOrg, tree: NetworkTree) -> None:
    if not _CODE.match(cmd.code):
        raise InvalidInput(
            f"org code {cmd.code!r} must be 1–32 upper-case letters, digits, '-' or '_'",
            code="org-code-invalid",
        )
    try:
        kind = OrgKind(cmd.kind)
    except ValueError:
        raise InvalidInput(
            f"kind {cmd.kind!r} is not one of {[k.value for k in OrgKind]}", code="org-kind-invalid"
        ) from None
    if not cmd.name_zh.strip():
        raise InvalidInput("name_zh is required", code="org-name-missing")
    if cmd.parent_code is None:
        if kind is not OrgKind.NETWORK or any(True for _ in tree):
            raise InvalidInput("only the first node, the network, may have no parent",
                               code="org-parent-missing")
    else:
        require_org(tree, cmd.parent_code, "parent_code")
        if kind is OrgKind.NETWORK:
            raise InvalidInput("a network node must be the root", code="org-kind-invalid")
    if cmd.code in tree:
        raise Conflict(f"org code {cmd.code} is already used", code="org-code-taken", org=cmd.code)
    _validate_calendar(cmd.hours, cmd.closed_days)


async def create_org(cmd: NewOrg, staff: StaffPrincipal | None, clock: Clock) -> OrgNode:
    async with write_transaction():
        tree = await load_tree()
        _validate_new_org(cmd, tree)
        parent_id, path, depth = None, f"/{cmd.code}/", 0
        if cmd.parent_code is not None:
            if staff is not None:
                ensure_allowed(staff, Action.MANAGE_ORGS, tree.path(cmd.parent_code))
            parent = await Org.select(Org.id, Org.path, Org.depth).where(
                Org.code == cmd.parent_code
            ).first()
            assert parent is not None
            parent_id, path, depth = (
                parent["id"], f"{parent['path']}{cmd.code}/", parent["depth"] + 1
            )
        await Org.insert(
            Org(
                code=cmd.code, parent=parent_id, path=path, depth=depth, kind=cmd.kind,
                name_zh=cmd.name_zh, name_en=cmd.name_en, address=cmd.address,
                latitude=cmd.latitude, longitude=cmd.longitude,
                hours=None if cmd.hours is None else json.dumps(cmd.hours),
                closed_days=None if cmd.closed_days is None else json.dumps(cmd.closed_days),
                accepts_holds=cmd.accepts_holds, created_at=clock.now(),
            )
        )
        await append_event(_actor(staff), "org.created", clock.now(), org_code=cmd.code,
                           subject_kind="org", subject_id=cmd.code)
    return OrgNode(cmd.code, cmd.parent_code, OrgKind(cmd.kind), cmd.name_zh, cmd.name_en,
                   cmd.hours, tuple(cmd.closed_days) if cmd.closed_days is not None else None,
                   cmd.accepts_holds, cmd.latitude, cmd.longitude)


_EDITABLE_ORG_FIELDS = frozenset(
    {"name_zh", "name_en", "address", "latitude", "longitude", "hours", "closed_days",
     "accepts_holds", "active"}
)


async def update_org(code: str, changes: dict[str, Any], staff: StaffPrincipal | None,
                     clock: Clock) -> OrgNode:
    unknown = set(changes) - _EDITABLE_ORG_FIELDS
    if unknown:
        raise InvalidInput(f"fields {sorted(unknown)} cannot be changed", code="field-not-editable")
    _validate_calendar(changes.get("hours"), changes.get("closed_days"))
    async with write_transaction():
        tree = await load_tree()
        require_org(tree, code)
        if staff is not None:
            ensure_allowed(staff, Action.MANAGE_ORGS, tree.path(code))
        values: dict[Column | str, Any] = {
            key: json.dumps(value) if key in ("hours", "closed_days") and value is not None
            else value
            for key, value in changes.items()
        }
        if values:
            await Org.update(values).where(Org.code == code)
        await append_event(_actor(staff), "org.updated", clock.now(), org_code=code,
                           subject_kind="org", subject_id=code, data=changes)
        tree = await load_tree()
    return tree.node(code)


async def ensure_category(code: str) -> None:
    exists = await ReaderCategory.exists().where(ReaderCategory.code == code)
    if not exists:
        known = [r["code"] for r in await ReaderCategory.select(ReaderCategory.code)]
        raise InvalidInput(f"reader category {code!r} is not one of {known}",
                           code="category-unknown", category=code)


async def _rule_rows(path: tuple[str, ...]) -> list[RuleRow]:
    rows = await PolicyRule.select(
        *PolicyRule.all_columns(), PolicyRule.org.code.as_alias("org_code")
    ).where(PolicyRule.org.code.is_in(list(path)))
    return [
        RuleRow(row["org_code"], row["reader_category"], row["item_type"],
                {name: row[name] for name in POLICY_FIELDS})
        for row in rows
    ]


async def explain_effective_policy(org_code: str, reader_category: str,
                                   item_type: str) -> PolicyExplanation:
    async with read_transaction():
        tree = await load_tree()
        require_org(tree, org_code)
        path = tree.path(org_code)
        rows = await _rule_rows(path)
    try:
        return explain_policy(path, rows, reader_category, item_type)
    except PolicyIncomplete as exc:
        raise NotFound(str(exc), code="policy-incomplete", missing=list(exc.missing)) from None


def _clean_rule_values(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown policy fields {sorted(unknown)}", code="policy-field-unknown")
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            clean[name] = None
            continue
        try:
            if name in ("fine_per_day", "max_fine", "block_fine_threshold"):
                amount = Decimal(str(value))
                if amount < 0:
                    raise ValueError
                clean[name] = amount
            elif name in ("holds_allowed", "fines_skip_closed_days"):
                if not isinstance(value, bool):
                    raise ValueError
                clean[name] = value
            elif name == "return_mode":
                clean[name] = ReturnMode(value).value
            elif name == "float_scope":
                clean[name] = str(value)
            else:
                number = int(value)
                if number < 0 or number != value:
                    raise ValueError
                clean[name] = number
        except (ValueError, InvalidOperation, TypeError):
            raise InvalidInput(f"policy field {name} has an invalid value {value!r}",
                               code="policy-value-invalid", field=name) from None
    return clean


async def set_policy_rule(org_code: str, reader_category: str, item_type: str,
                          values: dict[str, Any], staff: StaffPrincipal | None,
                          clock: Clock) -> None:
    """Create or replace the fields of one rule row; unset fields keep inheriting."""
    clean = _clean_rule_values(values)
    async with write_transaction():
        tree = await load_tree()
        require_org(tree, org_code)
        if staff is not None:
            ensure_allowed(staff, Action.MANAGE_POLICIES, tree.path(org_code))
        if reader_category != ANY:
            await ensure_category(reader_category)
        scope = clean.get("float_scope")
        if scope is not None:
            require_org(tree, scope, "float_scope")
        rule_org = await org_id(org_code)
        existing = await PolicyRule.select(PolicyRule.id).where(
            (PolicyRule.org == rule_org)
            & (PolicyRule.reader_category == reader_category)
            & (PolicyRule.item_type == item_type)
        ).first()
        if existing is None:
            await PolicyRule.insert(PolicyRule(org=rule_org, reader_category=reader_category,
                                               item_type=item_type, updated_at=clock.now(),
                                               **clean))
        else:
            await PolicyRule.update(**clean, updated_at=clock.now()).where(
                PolicyRule.id == existing["id"]
            )
        await append_event(_actor(staff), "policy.set", clock.now(), org_code=org_code,
                           subject_kind="policy", subject_id=f"{reader_category}/{item_type}",
                           data={k: str(v) if v is not None else None for k, v in clean.items()})


def _actor(staff: StaffPrincipal | None) -> Actor:
    if staff is None:
        return SYSTEM
    return Actor("staff", staff.staff_id, staff.username)
