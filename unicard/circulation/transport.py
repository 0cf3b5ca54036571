"""Least-transit placement of interchangeable copies on holds, over the org tree.

Problem: every hold must get a distinct copy (there are at least as many copies as holds, all
interchangeable); minimise the summed `OrgTree.transit_cost` between copy and pickup branch.

On a tree the cost of a plan is Σ edge cost × net number of copies crossing the edge, so the
plan is decided by how many copies leave (or enter) each subtree. Three passes:

1. Bottom-up, each subtree's least internal cost as a function of its net export k (copies
   sent up, negative = holds served from outside). It is convex and piecewise linear with
   integer breakpoints, so it is kept as its sorted list of slopes ("slope trick"): a node's
   function is the infimal convolution of its children's (shifted by their edge cost) and its
   own shelf, i.e. the merged slope lists.
2. Top-down, the root exports nothing; each node splits its export among its children and its
   own shelf by taking the smallest slopes, which fixes every edge's flow and how many copies
   of each shelf are used.
3. Bottom-up again, tokens meet: at each node the holds picked up there first take copies on
   its own shelf, then the earliest pending hold takes the cheapest pending copy; what is left
   travels up, exactly as many as the flows from pass 2 say.

Finally, holds with the same pickup branch swap copies so that the earlier hold has the nearer
one (it does not change the total). Cost: O(depth · m log m) for m copies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from unicard.circulation.views import HoldView, ItemView
from unicard.network.topology import OrgTree

__all__ = ["nearest_assignment"]

_OWN = -1  # slope-list tag for the node's own shelf; children are tagged by their position


def nearest_assignment(
    holds: Sequence[HoldView], copies: Sequence[ItemView], tree: OrgTree
) -> dict[int, int]:
    """{hold id: copy id} giving every hold (in queue order) a distinct copy at least total
    transit cost; ties go to earlier holds. Requires len(holds) <= len(copies).
    """
    if not holds:
        return {}
    if len(holds) > len(copies):
        raise ValueError("more holds than copies: choose the served holds first")
    holds_at: dict[str, list[tuple[int, HoldView]]] = defaultdict(list)
    for rank, hold in enumerate(holds):
        holds_at[hold.pickup_branch].append((rank, hold))
    copies_at: dict[str, list[ItemView]] = defaultdict(list)
    for copy in sorted(copies, key=lambda c: c.id):
        copies_at[copy.branch].append(copy)

    nodes: set[str] = set()
    for code in (*holds_at, *copies_at):
        nodes.update(tree.path(code))
    # Deepest first; codes break ties so that the result never depends on set order.
    bottom_up = sorted(nodes, key=lambda code: (-tree.depth(code), code))
    children: dict[str, list[str]] = defaultdict(list)
    for node in bottom_up:
        parent = tree.parent(node)
        if parent is not None:
            children[parent].append(node)

    # Pass 1: least export low[v] (all holds below imported) and the sorted slopes beyond it,
    # each tagged (slope, piece, index within piece) so a prefix is a prefix of every piece.
    low: dict[str, int] = {}
    slopes: dict[str, list[tuple[int, int, int]]] = {}
    for node in bottom_up:
        entries = [(0, _OWN, i) for i in range(len(copies_at.get(node, ())))]
        node_low = -len(holds_at.get(node, ()))
        for position, child in enumerate(children.get(node, ())):
            step, child_low = tree.edge_cost(child), low[child]
            entries.extend(
                (slope + (step if child_low + i >= 0 else -step), position, i)
                for i, (slope, _, _) in enumerate(slopes[child])
            )
            node_low += child_low
        entries.sort()
        low[node], slopes[node] = node_low, entries

    # Pass 2: the root exports nothing; split each node's export by its smallest slopes.
    export = {tree.root: 0}
    own_used: dict[str, int] = {}
    for node in reversed(bottom_up):
        take = export[node] - low[node]
        assert 0 <= take <= len(slopes[node]), "infeasible: fewer copies than holds"
        counts: dict[int, int] = defaultdict(int)
        for _, piece, _ in slopes[node][:take]:
            counts[piece] += 1
        own_used[node] = counts[_OWN]
        for position, child in enumerate(children.get(node, ())):
            export[child] = low[child] + counts[position]

    # Pass 3: holds and copies meet bottom-up, as many travelling up each edge as pass 2 says.
    result: dict[int, int] = {}
    waiting_up: dict[str, list[tuple[int, HoldView]]] = defaultdict(list)
    offered_up: dict[str, list[tuple[int, int, ItemView]]] = defaultdict(list)
    for node in bottom_up:
        here = holds_at.get(node, [])
        shelf = copies_at.get(node, [])[: own_used[node]]
        local = min(len(here), len(shelf))
        for (_, hold), copy in zip(here[:local], shelf[:local], strict=True):
            result[hold.id] = copy.id
        waiting = sorted(here[local:] + waiting_up.pop(node, []), key=lambda pair: pair[0])
        offered = sorted(
            [(0, copy.id, copy) for copy in shelf[local:]] + offered_up.pop(node, []),
            key=lambda entry: (entry[0], entry[1]),
        )
        matched = min(len(waiting), len(offered))
        for (_, hold), (_, _, copy) in zip(waiting[:matched], offered[:matched], strict=True):
            result[hold.id] = copy.id
        waiting, offered = waiting[matched:], offered[matched:]
        parent = tree.parent(node)
        if parent is None:
            assert not waiting, "a hold was left without a copy"
            break
        step = tree.edge_cost(node)
        waiting_up[parent].extend(waiting)
        offered_up[parent].extend((cost + step, cid, copy) for cost, cid, copy in offered)

    return _nearer_copies_to_earlier_holds(holds, copies, result, tree)


def _nearer_copies_to_earlier_holds(
    holds: Sequence[HoldView],
    copies: Sequence[ItemView],
    result: dict[int, int],
    tree: OrgTree,
) -> dict[int, int]:
    """Among holds with one pickup branch, reassign their copies nearest-first in queue order."""
    by_id = {copy.id: copy for copy in copies}
    by_pickup: dict[str, list[HoldView]] = defaultdict(list)
    for hold in holds:  # already in queue order
        by_pickup[hold.pickup_branch].append(hold)
    for pickup, group in by_pickup.items():
        if len(group) < 2:
            continue
        ranked = sorted(
            (by_id[result[hold.id]] for hold in group),
            key=lambda copy: (tree.transit_cost(copy.branch, pickup), copy.id),
        )
        for hold, copy in zip(group, ranked, strict=True):
            result[hold.id] = copy.id
    return result
