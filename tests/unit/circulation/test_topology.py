"""The org tree over plain data: paths, ancestry, distance, library systems."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unicard.network.topology import CROSS_SYSTEM_COST, OrgTree, OrgTreeError, UnknownOrg

from .factories import PARENTS, TREE


def test_path_runs_from_the_node_to_the_root() -> None:
    assert TREE.path("A1-T-V") == ("A1-T-V", "A1-T", "A1", "SYS-A", "NET")
    assert TREE.path("NET") == ("NET",)
    assert TREE.root == "NET"
    assert TREE.depth("NET") == 0
    assert TREE.depth("B2") == 2
    assert TREE.parent("A1") == "SYS-A"
    assert TREE.parent("NET") is None


@pytest.mark.parametrize(
    ("code", "ancestor", "expected"),
    [
        ("A1-T-V", "A1", True),
        ("A1", "A1", True),
        ("A1", "A1-T", False),
        ("A2", "A1", False),
        ("B1", "SYS-A", False),
        ("B1", "NET", True),
    ],
)
def test_is_within(code: str, ancestor: str, expected: bool) -> None:
    assert TREE.is_within(code, ancestor) is expected


@pytest.mark.parametrize(
    ("a", "b", "hops", "common"),
    [
        ("A1", "A1", 0, "A1"),
        ("A1", "A2", 2, "SYS-A"),
        ("A1-T-V", "A1", 2, "A1"),
        ("A1-T-V", "A2", 4, "SYS-A"),
        ("A1", "B1", 4, "NET"),
        ("A1-T-V", "B2", 6, "NET"),
        ("SYS-A", "NET", 1, "NET"),
    ],
)
def test_distance_goes_through_the_lowest_common_ancestor(
    a: str, b: str, hops: int, common: str
) -> None:
    assert TREE.common_ancestor(a, b) == common
    assert TREE.distance(a, b) == hops
    assert TREE.distance(b, a) == hops


def test_library_systems_are_the_level_one_nodes() -> None:
    assert TREE.system_of("A1-T-V") == "SYS-A"
    assert TREE.system_of("SYS-B") == "SYS-B"
    assert TREE.system_of("NET") is None
    assert TREE.same_system("A1-T-V", "A2")
    assert not TREE.same_system("A1", "B1")
    assert not TREE.same_system("NET", "NET")


def test_transit_cost_puts_every_system_before_any_other_system() -> None:
    assert TREE.transit_cost("A1", "A1") == 0
    assert TREE.transit_cost("A1", "A2") == 2
    assert TREE.transit_cost("A1-T-V", "A2") == 4
    assert TREE.transit_cost("A1", "B1") == 2 + 2 * CROSS_SYSTEM_COST
    assert TREE.transit_cost("A1-T-V", "A2") < TREE.transit_cost("A1", "B1")
    assert TREE.edge_cost("NET") == 0
    assert TREE.edge_cost("SYS-A") == CROSS_SYSTEM_COST
    assert TREE.edge_cost("A1-T") == 1


def test_unknown_codes_raise_unknown_org() -> None:
    with pytest.raises(UnknownOrg, match="'X9'"):
        TREE.path("X9")
    with pytest.raises(UnknownOrg):
        TREE.is_within("A1", "X9")
    with pytest.raises(UnknownOrg):
        TREE.distance("A1", "X9")
    assert "X9" not in TREE
    assert "A1" in TREE
    assert len(TREE) == len(PARENTS)


@pytest.mark.parametrize(
    ("parents", "message"),
    [
        ({"N": None, "M": None}, "exactly one root"),
        ({"N": None, "A": "Z"}, "'Z' is not in the tree"),
        ({"N": None, "A": "B", "B": "A"}, "loops"),
    ],
)
def test_a_broken_parent_map_is_refused(parents: dict[str, str | None], message: str) -> None:
    with pytest.raises(OrgTreeError, match=message):
        OrgTree(parents)


@st.composite
def trees(draw: st.DrawFn) -> OrgTree:
    size = draw(st.integers(1, 25))
    parents: dict[str, str | None] = {"n0": None}
    for i in range(1, size):
        parents[f"n{i}"] = f"n{draw(st.integers(0, i - 1))}"
    return OrgTree(parents)


@given(st.data())
def test_distance_is_a_tree_metric(data: st.DataObject) -> None:
    tree = data.draw(trees())
    codes = st.sampled_from(tree.codes())
    a, b, c = data.draw(codes), data.draw(codes), data.draw(codes)
    assert tree.distance(a, a) == 0
    assert tree.distance(a, b) == tree.distance(b, a)
    assert tree.distance(a, c) <= tree.distance(a, b) + tree.distance(b, c)
    assert tree.transit_cost(a, c) <= tree.transit_cost(a, b) + tree.transit_cost(b, c)
    assert tree.is_within(a, tree.common_ancestor(a, b))
    assert tree.is_within(b, tree.common_ancestor(a, b))
    if tree.root not in (a, b):
        assert tree.same_system(a, b) == (tree.transit_cost(a, b) < CROSS_SYSTEM_COST)
    assert tree.path(a)[-1] == tree.root


def test_an_empty_tree_is_a_network_not_yet_created() -> None:
    assert len(OrgTree({})) == 0
