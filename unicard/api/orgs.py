"""The network: org tree, nodes, policies with explain."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from litestar import Controller, get, patch, post, put
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter

from unicard.api.auth import current_staff
from unicard.api.schemas import (
    OrgIn,
    OrgOut,
    OrgPatch,
    PolicyFieldOut,
    PolicyOut,
    PolicyRuleIn,
    set_fields,
)
from unicard.network import services
from unicard.network.policy import ANY
from unicard.network.tree import NetworkTree
from unicard.readers.permissions import StaffPrincipal

__all__ = ["OrgController"]


def org_out(tree: NetworkTree, code: str, with_children: bool = False) -> OrgOut:
    node = tree.node(code)
    calendar = tree.calendar(code)
    hours_from, closed_from = tree.calendar_source(code)
    closed = next((tree.node(c).closed_days for c in tree.path(code)
                   if tree.node(c).closed_days is not None), ())
    return OrgOut(
        code=node.code, parent_code=node.parent_code, kind=node.kind.value,
        name_zh=node.name_zh, name_en=node.name_en, path=list(reversed(tree.path(code))),
        accepts_holds=node.accepts_holds, latitude=node.latitude, longitude=node.longitude,
        hours=calendar.hours.to_json(), hours_from=hours_from,
        closed_days=list(closed or ()), closed_days_from=closed_from,
        children=[org_out(tree, child, True) for child in sorted(tree.children(code))]
        if with_children else [],
    )


class OrgController(Controller):
    path = "/api/orgs"
    tags = ["network"]
    dependencies = {"staff": Provide(current_staff)}

    @get("/tree", summary="The whole network as a tree")
    async def tree(self, staff: StaffPrincipal) -> list[OrgOut]:
        tree = await services.get_tree()
        return [org_out(tree, root, True) for root in sorted(tree.children(None))]

    @get("/{code:str}", summary="One node with its effective hours and closed days")
    async def node(self, code: str, staff: StaffPrincipal) -> OrgOut:
        tree = await services.get_tree()
        services.require_org(tree, code)
        return org_out(tree, code)

    @post("/", summary="Add a node under a parent in your scope")
    async def create(self, data: OrgIn, staff: StaffPrincipal, state: State) -> OrgOut:
        await services.create_org(services.NewOrg(**{f: getattr(data, f) for f in
                                                     data.__struct_fields__}),
                                  staff, state.clock)
        return org_out(await services.get_tree(), data.code)

    @patch("/{code:str}", summary="Change names, address, hours, closed days")
    async def update(self, code: str, data: OrgPatch, staff: StaffPrincipal,
                     state: State) -> OrgOut:
        await services.update_org(code, set_fields(data), staff, state.clock)
        return org_out(await services.get_tree(), code)

    @put("/{code:str}/policies", summary="Set one rule row; omitted or null fields inherit")
    async def set_policy(self, code: str, data: PolicyRuleIn, staff: StaffPrincipal,
                         state: State) -> PolicyOut:
        values = {k: v for k, v in set_fields(data).items()
                  if k not in ("reader_category", "item_type")}
        await services.set_policy_rule(code, data.reader_category, data.item_type, values,
                                       staff, state.clock)
        return await self._policy(code, data.reader_category, data.item_type, True)

    @get("/{code:str}/policy", summary="Effective policy at a desk, with explain")
    async def policy(
        self,
        code: str,
        staff: StaffPrincipal,
        reader_category: Annotated[str, Parameter(query="category")] = ANY,
        item_type: str = ANY,
        explain: bool = False,
    ) -> PolicyOut:
        return await self._policy(code, reader_category, item_type, explain)

    async def _policy(self, code: str, category: str, item_type: str,
                      explain: bool) -> PolicyOut:
        result = await services.explain_effective_policy(code, category, item_type)
        policy: dict[str, Any] = {k: _plain(v) for k, v in asdict(result.policy).items()}
        sources = [PolicyFieldOut(s.field, _plain(s.value), s.org_code, s.reader_category,
                                  s.item_type) for s in result.sources] if explain else None
        return PolicyOut(code, category, item_type, policy, sources)


def _plain(value: Any) -> Any:
    from decimal import Decimal
    from enum import Enum

    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value
