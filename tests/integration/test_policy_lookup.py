"""The effective policy at a desk, read from the database, with explain."""

from __future__ import annotations

import pytest

from unicard.errors import Forbidden, InvalidInput, NotFound
from unicard.network.services import explain_effective_policy, set_policy_rule


async def test_branch_override_and_inheritance(network, clock):
    explanation = await explain_effective_policy("EAST-B1", "child", "book")
    sources = {s.field: (s.value, s.org_code, s.reader_category) for s in explanation.sources}
    assert explanation.policy.loan_days == 14
    assert sources["loan_days"][1] == "EAST-B1"
    assert explanation.policy.max_loans == 5
    assert sources["max_loans"][1:] == ("NET", "child")
    west = await explain_effective_policy("WEST-B1", "adult", "book")
    assert west.policy.loan_days == 30


async def test_policy_changes_are_scoped_and_validated(network, clock):
    with pytest.raises(Forbidden):
        await set_policy_rule("WEST", "*", "*", {"loan_days": 7}, network.east_librarian, clock)
    with pytest.raises(InvalidInput) as refused:
        await set_policy_rule("EAST", "*", "*", {"loan_days": -1}, network.admin, clock)
    assert refused.value.code == "policy-value-invalid"
    with pytest.raises(NotFound):
        await explain_effective_policy("NOWHERE", "adult", "book")
    await set_policy_rule("EAST", "*", "*", {"renewals": 5}, network.admin, clock)
    await set_policy_rule("EAST", "*", "*", {"renewals": 4}, network.admin, clock)
    assert (await explain_effective_policy("EAST-B1", "adult", "book")).policy.renewals == 4
