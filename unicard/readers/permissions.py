"""Who may do what, where: roles grant actions, a scope (an org subtree) limits where.

Pure: the service passes the target org's path, so no query happens here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from unicard.errors import Forbidden

__all__ = ["Action", "Role", "StaffPrincipal", "ensure_allowed", "role_allows"]


class Role(StrEnum):
    NETWORK_ADMIN = "network_admin"
    BRANCH_LIBRARIAN = "branch_librarian"
    HALL_STAFF = "hall_staff"


class Action(StrEnum):
    MANAGE_ORGS = "manage_orgs"
    MANAGE_POLICIES = "manage_policies"
    MANAGE_STAFF = "manage_staff"
    REGISTER_READER = "register_reader"
    VIEW_READER = "view_reader"
    EDIT_READER = "edit_reader"
    BLOCK_READER = "block_reader"
    REPLACE_CARD = "replace_card"
    CIRCULATE = "circulate"
    CATALOGUE = "catalogue"
    PRINT_CARDS = "print_cards"
    MANAGE_ROOMS = "manage_rooms"


_LIBRARIAN = frozenset(
    {
        Action.REGISTER_READER,
        Action.VIEW_READER,
        Action.EDIT_READER,
        Action.BLOCK_READER,
        Action.REPLACE_CARD,
        Action.CIRCULATE,
        Action.CATALOGUE,
        Action.PRINT_CARDS,
        Action.MANAGE_ROOMS,
    }
)
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.NETWORK_ADMIN: frozenset(Action),
    Role.BRANCH_LIBRARIAN: _LIBRARIAN,
    Role.HALL_STAFF: frozenset({Action.VIEW_READER, Action.MANAGE_ROOMS}),
}


@dataclass(frozen=True)
class StaffPrincipal:
    staff_id: int
    username: str
    role: Role
    scope_org: str


def role_allows(role: Role, action: Action) -> bool:
    return action in ROLE_ACTIONS[role]


def ensure_allowed(staff: StaffPrincipal, action: Action, target_path: Sequence[str]) -> None:
    """Refuse unless the role grants `action` and the target org lies in the staff's subtree.

    `target_path` is the target org's path, node first and root last.
    """
    if not role_allows(staff.role, action):
        raise Forbidden(
            f"role {staff.role} may not {action}",
            code="role-forbidden",
            role=str(staff.role),
            action=str(action),
        )
    if staff.scope_org not in target_path:
        raise Forbidden(
            f"{target_path[0] if target_path else '?'} is outside the scope {staff.scope_org} "
            f"of {staff.username}",
            code="out-of-scope",
            target_org=target_path[0] if target_path else None,
            scope_org=staff.scope_org,
        )
