"""A small network seeded through the services, on each backend."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from unicard.clock import FixedClock
from unicard.network.services import NewOrg, create_org, set_policy_rule
from unicard.network.tables import ReaderCategory
from unicard.readers.permissions import StaffPrincipal
from unicard.readers.staff import NewStaff, create_staff

WEEKDAYS = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@dataclass
class Network:
    admin: StaffPrincipal
    east_librarian: StaffPrincipal  # scope EAST
    west_librarian: StaffPrincipal  # scope WEST
    hall_staff: StaffPrincipal  # scope EAST-HALL


async def seed_network(clock: FixedClock) -> Network:
    for code, minimum, maximum in (("adult", 18, None), ("child", None, 14),
                                   ("senior", 60, None)):
        await ReaderCategory.insert(ReaderCategory(code=code, name_zh=code, min_age=minimum,
                                                   max_age=maximum, validity_months=36))
    orgs = [
        NewOrg("NET", "network", "测试网络", None, hours=WEEKDAYS, closed_days=["2026-12-25"]),
        NewOrg("EAST", "system", "东区图书馆", "NET"),
        NewOrg("EAST-B1", "branch", "东区一分馆", "EAST"),
        NewOrg("EAST-HALL", "hall", "东区文化馆", "EAST"),
        NewOrg("WEST", "system", "西区图书馆", "NET"),
        NewOrg("WEST-B1", "branch", "西区一分馆", "WEST",
               hours={"sat": ["10:00-16:00"], "sun": ["10:00-16:00"]}),
    ]
    for org in orgs:
        await create_org(org, None, clock)
    await set_policy_rule("NET", "*", "*", {
        "loan_days": 30, "max_loans": 10, "renewals": 2, "fine_per_day": "0.10",
        "max_fine": "20.00", "holds_allowed": True, "max_holds": 5, "hold_shelf_days": 7,
        "fines_skip_closed_days": True, "block_fine_threshold": "10.00", "return_mode": "home",
    }, None, clock)
    await set_policy_rule("NET", "child", "*", {"max_loans": 5}, None, clock)
    await set_policy_rule("EAST-B1", "*", "*", {"loan_days": 14}, None, clock)
    staff = {}
    for username, role, scope in (("admin", "network_admin", "NET"),
                                  ("east.desk", "branch_librarian", "EAST"),
                                  ("west.desk", "branch_librarian", "WEST"),
                                  ("hall.staff", "hall_staff", "EAST-HALL")):
        staff[username] = await create_staff(
            NewStaff(username, username, f"{username}-password", role, scope), None, clock)
    return Network(staff["admin"], staff["east.desk"], staff["west.desk"], staff["hall.staff"])


@pytest.fixture
async def network(db: str, clock: FixedClock) -> Network:
    return await seed_network(clock)
