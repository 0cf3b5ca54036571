"""Scope checks for each role: the org subtree a staff member may act on."""

import pytest

from unicard.errors import Forbidden
from unicard.readers.permissions import Action, Role, StaffPrincipal, ensure_allowed

EAST_BRANCH = ("EAST-B1", "EAST", "NET")
WEST_BRANCH = ("WEST-B1", "WEST", "NET")
EAST_HALL = ("EAST-HALL", "EAST", "NET")

admin = StaffPrincipal(1, "admin", Role.NETWORK_ADMIN, "NET")
east = StaffPrincipal(2, "east", Role.BRANCH_LIBRARIAN, "EAST")
hall = StaffPrincipal(3, "hall", Role.HALL_STAFF, "EAST-HALL")


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("target", [EAST_BRANCH, WEST_BRANCH, EAST_HALL])
def test_network_admin_may_do_anything_anywhere(action: Action, target: tuple) -> None:
    ensure_allowed(admin, action, target)


def test_county_librarian_cannot_block_at_another_county() -> None:
    ensure_allowed(east, Action.BLOCK_READER, EAST_BRANCH)
    with pytest.raises(Forbidden) as refused:
        ensure_allowed(east, Action.BLOCK_READER, WEST_BRANCH)
    assert refused.value.code == "out-of-scope"
    assert refused.value.context["target_org"] == "WEST-B1"


@pytest.mark.parametrize("action", [Action.MANAGE_ORGS, Action.MANAGE_POLICIES,
                                    Action.MANAGE_STAFF])
def test_librarian_cannot_administer_the_network(action: Action) -> None:
    with pytest.raises(Forbidden) as refused:
        ensure_allowed(east, action, EAST_BRANCH)
    assert refused.value.code == "role-forbidden"


def test_hall_staff_manage_rooms_in_their_hall_only() -> None:
    ensure_allowed(hall, Action.MANAGE_ROOMS, EAST_HALL)
    with pytest.raises(Forbidden, match="outside the scope"):
        ensure_allowed(hall, Action.MANAGE_ROOMS, EAST_BRANCH)
    with pytest.raises(Forbidden) as refused:
        ensure_allowed(hall, Action.BLOCK_READER, EAST_HALL)
    assert refused.value.code == "role-forbidden"
