"""Circulation policy lookup: the effective rule for a desk, field by field up the org tree.

A rule row is keyed by (org, reader category, item type); category and item type may be the
wildcard "*". Any field of a row may be left unset (None) so that a branch can override only
the loan days and inherit everything else. The lookup is node-major, like Koha's: at the desk's
own node the most specific key wins, then its parent's rows are consulted, up to the root.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from enum import StrEnum
from typing import Any

__all__ = [
    "ANY",
    "POLICY_FIELDS",
    "FieldSource",
    "Policy",
    "PolicyExplanation",
    "PolicyIncomplete",
    "ReturnMode",
    "RuleRow",
    "effective_policy",
    "explain_policy",
]

ANY = "*"


class ReturnMode(StrEnum):
    """What a copy returned away from home does: go back home, or stay where it was returned."""

    HOME = "home"
    FLOAT = "float"


@dataclass(frozen=True)
class Policy:
    """The effective circulation rule for one (desk, reader category, item type)."""

    loan_days: int
    max_loans: int
    renewals: int
    fine_per_day: Decimal
    max_fine: Decimal
    holds_allowed: bool
    max_holds: int
    hold_shelf_days: int
    # Overdue days on which the checkout branch is closed are not charged when True.
    fines_skip_closed_days: bool
    # Outstanding fines at or above this block borrowing.
    block_fine_threshold: Decimal
    return_mode: ReturnMode
    # Org code whose subtree a floating collection may float within; None = anywhere.
    float_scope: str | None


POLICY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Policy))
# Fields that may legitimately resolve to None (everything else must be set somewhere).
_NULLABLE = frozenset({"float_scope"})


@dataclass(frozen=True)
class RuleRow:
    """One stored rule; unset fields are None and inherit."""

    org_code: str
    reader_category: str
    item_type: str
    values: Mapping[str, Any]


@dataclass(frozen=True)
class FieldSource:
    """Which rule supplied one field: the answer to "why is this due then?"."""

    field: str
    value: Any
    org_code: str | None
    reader_category: str | None
    item_type: str | None


@dataclass(frozen=True)
class PolicyExplanation:
    policy: Policy
    sources: tuple[FieldSource, ...]


class PolicyIncomplete(LookupError):
    """No rule up the tree sets these fields: the network's root rule is missing them."""

    def __init__(self, missing: Sequence[str], org_code: str) -> None:
        super().__init__(f"no rule sets {', '.join(missing)} for org {org_code} or its ancestors")
        self.missing = tuple(missing)
        self.org_code = org_code


def _specificity_order(category: str, item_type: str) -> tuple[tuple[str, str], ...]:
    return ((category, item_type), (category, ANY), (ANY, item_type), (ANY, ANY))


def explain_policy(
    path: Sequence[str],
    rules: Iterable[RuleRow],
    reader_category: str,
    item_type: str,
) -> PolicyExplanation:
    """Resolve every field for a desk whose org path is `path` (desk first, root last)."""
    by_key: dict[tuple[str, str, str], RuleRow] = {
        (r.org_code, r.reader_category, r.item_type): r for r in rules
    }
    order = _specificity_order(reader_category, item_type)
    resolved: dict[str, FieldSource] = {}
    for org in path:
        for category, itype in order:
            row = by_key.get((org, category, itype))
            if row is None:
                continue
            for name in POLICY_FIELDS:
                if name not in resolved and row.values.get(name) is not None:
                    resolved[name] = FieldSource(name, row.values[name], org, category, itype)
        if len(resolved) == len(POLICY_FIELDS):
            break
    for name in _NULLABLE:
        resolved.setdefault(name, FieldSource(name, None, None, None, None))
    missing = [name for name in POLICY_FIELDS if name not in resolved]
    if missing:
        raise PolicyIncomplete(missing, path[0] if path else "?")
    values = {name: resolved[name].value for name in POLICY_FIELDS}
    policy = Policy(
        loan_days=int(values["loan_days"]),
        max_loans=int(values["max_loans"]),
        renewals=int(values["renewals"]),
        fine_per_day=Decimal(str(values["fine_per_day"])),
        max_fine=Decimal(str(values["max_fine"])),
        holds_allowed=bool(values["holds_allowed"]),
        max_holds=int(values["max_holds"]),
        hold_shelf_days=int(values["hold_shelf_days"]),
        fines_skip_closed_days=bool(values["fines_skip_closed_days"]),
        block_fine_threshold=Decimal(str(values["block_fine_threshold"])),
        return_mode=ReturnMode(values["return_mode"]),
        float_scope=values["float_scope"],
    )
    return PolicyExplanation(policy, tuple(resolved[name] for name in POLICY_FIELDS))


def effective_policy(
    path: Sequence[str], rules: Iterable[RuleRow], reader_category: str, item_type: str
) -> Policy:
    return explain_policy(path, rules, reader_category, item_type).policy
