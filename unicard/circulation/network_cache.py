"""The network as circulation reads it on every request: the org tree with its ids, the policy
rules and the calendars, kept in memory and checked against `counter.network_version`.

The version is bumped by database triggers on every change to `org` or `policy_rule` (see the
circulation migrations), so a change made by any process, by any code path, is seen by the next
request of every process. A request reads the version in the same query as its first row
(`VERSION_SQL`), so the check costs no round trip; a changed version reloads the snapshot inside
the request's own transaction. Policies and calendars are resolved lazily and memoised per
snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from unicard.circulation.sql import fetch
from unicard.db import current_engine
from unicard.errors import InvalidInput, NotFound
from unicard.network.calendar import Calendar
from unicard.network.policy import POLICY_FIELDS, Policy, PolicyIncomplete, RuleRow, explain_policy
from unicard.network.services import NETWORK_VERSION_SQL, load_tree
from unicard.network.tree import NetworkTree

__all__ = ["VERSION_SQL", "NetworkSnapshot", "invalidate", "snapshot"]

VERSION_SQL = NETWORK_VERSION_SQL


@dataclass
class NetworkSnapshot:
    version: int
    tree: NetworkTree
    ids: dict[str, int]
    codes: dict[int, str]
    rules: tuple[RuleRow, ...]
    _policies: dict[tuple[str, str, str], Policy] = field(default_factory=dict)
    _calendars: dict[str, Calendar] = field(default_factory=dict)
    _rules_by_org: dict[str, tuple[RuleRow, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        by_org: dict[str, list[RuleRow]] = {}
        for rule in self.rules:
            by_org.setdefault(rule.org_code, []).append(rule)
        self._rules_by_org = {code: tuple(rows) for code, rows in by_org.items()}

    def org_id(self, code: str, where: str = "org") -> int:
        try:
            return self.ids[code]
        except KeyError:
            raise NotFound(f"no org with code {code!r} ({where})", code="org-not-found",
                           org=code) from None

    def code(self, org_id: int) -> str:
        return self.codes[org_id]

    def policy(self, org_code: str, reader_category: str, item_type: str) -> Policy:
        """The effective policy at `org_code` (memoised: a few dozen keys in practice)."""
        key = (org_code, reader_category, item_type)
        found = self._policies.get(key)
        if found is None:
            path = self.tree.path(org_code)
            rules = [rule for org in path for rule in self._rules_by_org.get(org, ())]
            try:
                found = explain_policy(path, rules, reader_category, item_type).policy
            except PolicyIncomplete as exc:
                raise NotFound(str(exc), code="policy-incomplete",
                               missing=list(exc.missing)) from None
            self._policies[key] = found
        return found

    def calendar(self, org_code: str) -> Calendar:
        found = self._calendars.get(org_code)
        if found is None:
            found = self._calendars[org_code] = self.tree.calendar(org_code)
        return found

    def require(self, code: str, where: str = "org") -> str:
        if code not in self.ids:
            raise NotFound(f"no org with code {code!r} ({where})", code="org-not-found",
                           org=code)
        return code

    def require_service_point(self, code: str, where: str = "at_org") -> str:
        """Circulation happens at a desk that belongs to a library system, not at the root."""
        self.require(code, where)
        if self.tree.system_of(code) is None:
            raise InvalidInput(f"{code} is the network itself; give a branch or service point",
                               code="org-not-a-desk", org=code)
        return code


@dataclass
class _Cache:
    engine: Any = None
    snapshot: NetworkSnapshot | None = None


_cache = _Cache()


def invalidate() -> None:
    """Forget the snapshot (tests that reuse one PostgreSQL database after TRUNCATE)."""
    _cache.engine, _cache.snapshot = None, None


def _as_version(value: Any) -> int:
    return int(value) if value is not None else 0


async def snapshot(version: Any = ...) -> NetworkSnapshot:
    """The current snapshot; `version` is the value the caller's first query read (omit it to
    read it here). Must run inside a transaction."""
    engine = current_engine()
    if version is ...:
        rows = await fetch(f"SELECT {VERSION_SQL} AS v")
        version = rows[0]["v"]
    wanted = _as_version(version)
    cached = _cache.snapshot
    if cached is not None and cached.version == wanted and _cache.engine is engine:
        return cached
    fresh = await _load(wanted)
    _cache.engine, _cache.snapshot = engine, fresh
    return fresh


async def _load(version: int) -> NetworkSnapshot:
    tree = await load_tree()
    orgs = await fetch("SELECT id, code FROM org")
    ids = {row["code"]: int(row["id"]) for row in orgs}
    columns = ", ".join(f"p.{name}" for name in POLICY_FIELDS)
    rows = await fetch(
        f"SELECT o.code AS org_code, p.reader_category, p.item_type, {columns} "
        "FROM policy_rule p JOIN org o ON o.id = p.org"
    )
    rules = tuple(
        RuleRow(row["org_code"], row["reader_category"], row["item_type"],
                {name: _bool_fix(name, row[name]) for name in POLICY_FIELDS})
        for row in rows
    )
    return NetworkSnapshot(version, tree, ids, {v: k for k, v in ids.items()}, rules)


def _bool_fix(name: str, value: Any) -> Any:
    """SQLite hands booleans back as 0/1 and money as floats when read with plain SQL."""
    if value is None:
        return None
    if name in ("holds_allowed", "fines_skip_closed_days"):
        return bool(value)
    if name in ("fine_per_day", "max_fine", "block_fine_threshold"):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    return value
