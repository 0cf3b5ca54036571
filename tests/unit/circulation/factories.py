"""Builders for circulation rule tests: a small network, calendars, policies, views."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from unicard.circulation.rules import HoldState, HoldView, ItemStatus, ItemView, OrgTree
from unicard.network.calendar import Calendar, parse_closed_days, parse_weekly_hours
from unicard.network.policy import Policy, ReturnMode

# NET ─┬─ SYS-A (总馆 A) ─┬─ A1 ── A1-T (township) ── A1-T-V (village book room)
#      │                  └─ A2
#      └─ SYS-B ─┬─ B1
#                └─ B2
PARENTS: dict[str, str | None] = {
    "NET": None,
    "SYS-A": "NET",
    "A1": "SYS-A",
    "A1-T": "A1",
    "A1-T-V": "A1-T",
    "A2": "SYS-A",
    "SYS-B": "NET",
    "B1": "SYS-B",
    "B2": "SYS-B",
}
TREE = OrgTree(PARENTS)

# Closed on Mondays (周一闭馆), open 09:00-17:00 weekdays and 09:00-20:30 at weekends.
WEEKLY = {
    "tue": ["09:00-17:00"],
    "wed": ["09:00-17:00"],
    "thu": ["09:00-12:00", "14:00-17:00"],
    "fri": ["09:00-17:00"],
    "sat": ["09:00-20:30"],
    "sun": ["09:00-20:30"],
}


def calendar(closed: tuple[str, ...] = (), hours: dict[str, list[str]] | None = None) -> Calendar:
    return Calendar(
        parse_weekly_hours(WEEKLY if hours is None else hours), parse_closed_days(closed)
    )


ALWAYS_OPEN = calendar(hours={day: ["00:00-24:00"] for day in WEEKLY} | {"mon": ["00:00-24:00"]})


def policy(**overrides: Any) -> Policy:
    values: dict[str, Any] = {
        "loan_days": 30,
        "max_loans": 10,
        "renewals": 2,
        "fine_per_day": Decimal("0.10"),
        "max_fine": Decimal("10.00"),
        "holds_allowed": True,
        "max_holds": 5,
        "hold_shelf_days": 7,
        "fines_skip_closed_days": False,
        "block_fine_threshold": Decimal("10.00"),
        "return_mode": ReturnMode.HOME,
        "float_scope": None,
    }
    values.update(overrides)
    return Policy(**values)


def item(
    id: int = 1,
    *,
    record_id: int = 100,
    status: ItemStatus = ItemStatus.AVAILABLE,
    branch: str = "A1",
    home_branch: str | None = None,
    **extra: Any,
) -> ItemView:
    return ItemView(
        id=id,
        record_id=record_id,
        status=status,
        branch=branch,
        home_branch=branch if home_branch is None else home_branch,
        **extra,
    )


EPOCH = datetime(2026, 3, 1, 8, 0)


def hold(
    id: int,
    *,
    pickup: str = "A1",
    record_id: int = 100,
    placed: int | datetime = 0,
    reader_id: int | None = None,
    item_id: int | None = None,
    state: HoldState = HoldState.WAITING,
    suspended_until: date | None = None,
) -> HoldView:
    """`placed` as an int is minutes after 2026-03-01 08:00 (queue order made obvious)."""
    placed_at = placed if isinstance(placed, datetime) else EPOCH + timedelta(minutes=placed)
    return HoldView(
        id=id,
        reader_id=1000 + id if reader_id is None else reader_id,
        record_id=record_id,
        pickup_branch=pickup,
        placed_at=placed_at,
        item_id=item_id,
        state=state,
        suspended_until=suspended_until,
    )


TODAY = date(2026, 3, 10)
