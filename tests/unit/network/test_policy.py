"""Policy lookup up the org tree, field by field, with explain."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unicard.network.policy import (
    POLICY_FIELDS,
    PolicyIncomplete,
    ReturnMode,
    RuleRow,
    explain_policy,
)

ROOT_VALUES = {
    "loan_days": 30, "max_loans": 10, "renewals": 1, "fine_per_day": Decimal("0.10"),
    "max_fine": Decimal("20"), "holds_allowed": True, "max_holds": 5, "hold_shelf_days": 7,
    "fines_skip_closed_days": True, "block_fine_threshold": Decimal("10"),
    "return_mode": "home", "float_scope": None,
}
FIELD_VALUES = {
    "loan_days": st.integers(0, 90), "max_loans": st.integers(0, 50), "renewals": st.integers(0, 5),
    "fine_per_day": st.decimals(0, 5, places=2), "max_fine": st.decimals(0, 100, places=2),
    "holds_allowed": st.booleans(), "max_holds": st.integers(0, 20),
    "hold_shelf_days": st.integers(1, 14), "fines_skip_closed_days": st.booleans(),
    "block_fine_threshold": st.decimals(0, 100, places=2),
    "return_mode": st.sampled_from(["home", "float"]), "float_scope": st.sampled_from(["N0", "N1"]),
}


@st.composite
def trees_with_rules(draw: st.DrawFn) -> tuple[dict[str, str | None], list[RuleRow]]:
    size = draw(st.integers(1, 12))
    parents: dict[str, str | None] = {"N0": None}
    for i in range(1, size):
        parents[f"N{i}"] = f"N{draw(st.integers(0, i - 1))}"
    rules = [RuleRow("N0", "*", "*", ROOT_VALUES)]
    for code in list(parents)[1:]:
        if draw(st.booleans()):
            chosen = draw(st.sets(st.sampled_from(POLICY_FIELDS), max_size=4))
            rules.append(RuleRow(code, "*", "*", {f: draw(FIELD_VALUES[f]) for f in chosen}))
    return parents, rules


def path_of(parents: dict[str, str | None], code: str) -> tuple[str, ...]:
    chain: list[str] = []
    node: str | None = code
    while node is not None:
        chain.append(node)
        node = parents[node]
    return tuple(chain)


@given(trees_with_rules())
def test_a_field_set_at_a_node_is_seen_below_unless_overridden(case) -> None:
    parents, rules = case
    by_org = {rule.org_code: rule.values for rule in rules}
    for code in parents:
        path = path_of(parents, code)
        explanation = explain_policy(path, rules, "adult", "book")
        for source in explanation.sources:
            setter = next((org for org in path if by_org.get(org, {}).get(source.field)
                           is not None), None)
            assert source.org_code == setter
            expected = by_org[setter][source.field] if setter else None
            if source.field == "return_mode":
                expected = ReturnMode(expected)
            assert getattr(explanation.policy, source.field) == expected


def test_branch_overrides_only_loan_days_and_explain_names_each_source() -> None:
    rules = [RuleRow("NET", "*", "*", ROOT_VALUES),
             RuleRow("BR", "*", "*", {"loan_days": 14, "max_loans": None})]
    explanation = explain_policy(("BR", "SYS", "NET"), rules, "adult", "book")
    assert explanation.policy.loan_days == 14
    assert explanation.policy.max_loans == 10
    sources = {s.field: s.org_code for s in explanation.sources}
    assert sources["loan_days"] == "BR"
    assert sources["max_loans"] == "NET"


def test_more_specific_key_wins_at_the_same_node_but_nearer_node_wins_overall() -> None:
    rules = [RuleRow("NET", "*", "*", ROOT_VALUES),
             RuleRow("NET", "child", "*", {"max_loans": 5, "loan_days": 21}),
             RuleRow("NET", "child", "dvd", {"loan_days": 7}),
             RuleRow("BR", "*", "*", {"loan_days": 45})]
    at_root = explain_policy(("NET",), rules, "child", "dvd").policy
    assert (at_root.loan_days, at_root.max_loans) == (7, 5)
    at_branch = explain_policy(("BR", "NET"), rules, "child", "dvd").policy
    assert (at_branch.loan_days, at_branch.max_loans) == (45, 5)


def test_missing_fields_are_named() -> None:
    with pytest.raises(PolicyIncomplete, match="loan_days"):
        explain_policy(("NET",), [RuleRow("NET", "*", "*", {"max_loans": 3})], "adult", "book")
