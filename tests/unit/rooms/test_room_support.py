"""The small pure pieces the rooms services share: the calendar of a room's node from its
ancestors' rows (as the org tree computes it), the rooms policy up the tree, refusals as
domain errors, and room rows as the rules see them."""

from __future__ import annotations

import json
from datetime import date

import pytest

from unicard.errors import Conflict, RuleViolation
from unicard.network.tree import NetworkTree, OrgKind, OrgNode
from unicard.rooms.no_shows import NoShowPolicy
from unicard.rooms.refusals import Refusal, RefusalCode
from unicard.rooms.support import (
    DEFAULT_DEMAND_THRESHOLD,
    calendar_from_json,
    raise_refusal,
    resolve_rooms_policy,
    room_config,
)

NET_HOURS = {"mon": ["09:00-17:00"], "sat": ["10:00-12:00"]}
HALL_HOURS = {"tue": ["14:00-21:00"]}


def node(code, parent, hours=None, closed=None):
    return OrgNode(code, parent, OrgKind.BRANCH, code, "", hours,
                   None if closed is None else tuple(closed))


@pytest.mark.parametrize(
    ("hall_hours", "hall_closed"),
    [(None, None), (HALL_HOURS, None), ({}, []), (HALL_HOURS, ["2026-06-02"]), (None, [])],
)
def test_calendar_from_ancestor_rows_matches_the_org_tree(hall_hours, hall_closed):
    tree = NetworkTree([node("NET", None, NET_HOURS, ["2026-06-01"]), node("SYS", "NET"),
                    node("HALL", "SYS", hall_hours, hall_closed)])
    rows = [  # in any order, as the database returns them
        {"depth": 2, "hours": None if hall_hours is None else json.dumps(hall_hours),
         "closed_days": None if hall_closed is None else json.dumps(hall_closed)},
        {"depth": 0, "hours": json.dumps(NET_HOURS), "closed_days": json.dumps(["2026-06-01"])},
        {"depth": 1, "hours": None, "closed_days": None},
    ]
    assert calendar_from_json(rows) == tree.calendar("HALL")


def test_rooms_policy_fields_come_from_the_nearest_node_that_sets_them():
    rows = {"NET": {"demand_threshold": 20, "no_show_max": 5, "no_show_window_days": None,
                    "suspension_days": 7},
            "HALL": {"demand_threshold": 10, "no_show_max": None, "no_show_window_days": None,
                     "suspension_days": None}}
    policy = resolve_rooms_policy(("HALL", "SYS", "NET"), rows)
    assert policy.demand_threshold == 10
    assert policy.no_show == NoShowPolicy(max_no_shows=5, window_days=30, suspension_days=7)
    assert resolve_rooms_policy(("X",), {}).demand_threshold == DEFAULT_DEMAND_THRESHOLD == 15


@pytest.mark.parametrize(
    ("code", "error"),
    [(RefusalCode.SLOT_TAKEN, Conflict), (RefusalCode.ENROLMENT_OVERLAP, Conflict),
     (RefusalCode.ALREADY_ENROLLED, Conflict), (RefusalCode.OUTSIDE_OPENING_HOURS, RuleViolation),
     (RefusalCode.BOOKING_SUSPENDED, RuleViolation), (RefusalCode.ENROLMENT_CLOSED, RuleViolation)],
)
def test_refusals_become_domain_errors_with_their_code_and_context(code, error):
    with pytest.raises(error) as raised:
        raise_refusal(Refusal(code, "no", {"day": date(2026, 6, 1).isoformat()}))
    assert raised.value.code == code.value and raised.value.context == {"day": "2026-06-01"}


def test_room_rows_become_room_configs_and_identical_rows_share_one():
    row = {"capacity": 8, "features": '["screen"]', "bookable_hours": '{"mon": ["10:00-12:00"]}',
           "min_minutes": 30, "max_minutes": 120, "max_days_ahead": 7, "slot_minutes": 15,
           "approval_needed": True, "cancel_deadline_minutes": 30,
           "check_in_opens_minutes": 10, "check_in_grace_minutes": 5}
    config = room_config(row)
    assert config.features == frozenset({"screen"}) and config.slot_minutes == 15
    assert config.bookable_hours is not None and config.check_in.grace_minutes == 5
    assert room_config(dict(row)) is config
    assert room_config({**row, "bookable_hours": "{}"}).bookable_hours is None
