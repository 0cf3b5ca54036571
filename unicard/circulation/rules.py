"""The pure rules of circulation in one import: no database, no settings, no clock.

Services import from here; the rules live in small modules next to it (states, tree, views,
due_dates, fines, guards, routing, targeting), each with its own docstring stating the rule.
"""

from __future__ import annotations

from unicard.circulation.due_dates import (
    due_date,
    hold_shelf_expired,
    hold_shelf_expires_on,
    renewal_due_date,
)
from unicard.circulation.fines import (
    FeeSchedule,
    overdue_days,
    overdue_fine,
    refund_when_found,
    replacement_charge,
    status_fee,
)
from unicard.circulation.guards import (
    Refusal,
    RefusalCode,
    fines_block,
    reader_expired,
    why_cannot_borrow,
    why_cannot_hold,
    why_cannot_renew,
)
from unicard.circulation.routing import DeskAction, Routing, may_float_to, route_return
from unicard.circulation.states import (
    HOLD_TRANSITIONS,
    ITEM_TRANSITIONS,
    LOAN_TRANSITIONS,
    TRANSITIONS,
    UNAVAILABLE_STATUSES,
    HoldAction,
    HoldState,
    InvalidTransition,
    ItemAction,
    ItemStatus,
    LoanAction,
    LoanState,
    advance,
    allowed_actions,
)
from unicard.circulation.targeting import (
    HoldWait,
    can_serve,
    capture_at_checkin,
    copy_needed_for_holds,
    is_candidate,
    target_holds,
    why_hold_not_filled,
)
from unicard.circulation.views import (
    HoldPlacement,
    HoldView,
    ItemView,
    LoanView,
    ReaderView,
    is_hold_active,
)
from unicard.network.topology import CROSS_SYSTEM_COST, OrgTree, OrgTreeError, UnknownOrg

__all__ = [
    "CROSS_SYSTEM_COST",
    "HOLD_TRANSITIONS",
    "ITEM_TRANSITIONS",
    "LOAN_TRANSITIONS",
    "TRANSITIONS",
    "UNAVAILABLE_STATUSES",
    "DeskAction",
    "FeeSchedule",
    "HoldAction",
    "HoldPlacement",
    "HoldState",
    "HoldView",
    "HoldWait",
    "InvalidTransition",
    "ItemAction",
    "ItemStatus",
    "ItemView",
    "LoanAction",
    "LoanState",
    "LoanView",
    "OrgTree",
    "OrgTreeError",
    "ReaderView",
    "Refusal",
    "RefusalCode",
    "Routing",
    "UnknownOrg",
    "advance",
    "allowed_actions",
    "can_serve",
    "capture_at_checkin",
    "copy_needed_for_holds",
    "due_date",
    "fines_block",
    "hold_shelf_expired",
    "hold_shelf_expires_on",
    "is_candidate",
    "is_hold_active",
    "may_float_to",
    "overdue_days",
    "overdue_fine",
    "reader_expired",
    "refund_when_found",
    "renewal_due_date",
    "replacement_charge",
    "route_return",
    "status_fee",
    "target_holds",
    "why_cannot_borrow",
    "why_cannot_hold",
    "why_cannot_renew",
    "why_hold_not_filled",
]
