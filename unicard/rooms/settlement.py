"""What the clock does to bookings and sessions: unapproved bookings are rejected at their
start, bookings and seats not checked in by the end of the check-in window become no-shows,
checked-in bookings complete; repeated room no-shows suspend a reader's booking rights.

Run by staff (or a scheduler) through `settle_due`; it is idempotent, and each call handles a
bounded batch in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from unicard.audit import SYSTEM, Actor
from unicard.clock import Clock
from unicard.db import write_transaction
from unicard.readers.permissions import Action, StaffPrincipal, ensure_allowed
from unicard.rooms.booking_rules import settle_booking
from unicard.rooms.checkin import CheckInWindow
from unicard.rooms.class_services import SCHEDULED, _lock_session
from unicard.rooms.enrolment_rules import settle_enrolment
from unicard.rooms.no_shows import booking_suspended_until
from unicard.rooms.room_services import load_room_context
from unicard.rooms.sql import execute, fetch, fetchrow, utc
from unicard.rooms.states import (
    BookingAction,
    BookingState,
    EnrolmentAction,
    EnrolmentState,
    next_booking_state,
    next_enrolment_state,
)
from unicard.rooms.support import (
    actor_of_staff,
    local,
    network_tz,
    notify,
    record_event,
    rooms_policy_for,
)

__all__ = ["SettleResult", "settle_due"]

# No-shows older than this never count towards a suspension (policies use weeks, not years).
_NO_SHOW_LOOKBACK = timedelta(days=366)


@dataclass(frozen=True)
class SettleResult:
    bookings_rejected: int = 0
    bookings_no_show: int = 0
    bookings_completed: int = 0
    sessions_settled: int = 0
    enrolments_no_show: int = 0
    suspensions: int = 0
    more: bool = False


async def settle_due(clock: Clock, staff: StaffPrincipal | None = None,
                     limit: int = 500) -> SettleResult:
    """Settle up to `limit` due bookings and sessions network-wide; `more` says call again.
    Staff need the rooms right at the network root (this touches every node)."""
    now = clock.now()
    tz = network_tz(clock)
    actor: Actor = SYSTEM if staff is None else actor_of_staff(staff)
    counts = {"reject": 0, "mark_no_show": 0, "complete": 0}
    sessions_settled = enrolment_no_shows = suspensions = 0
    async with write_transaction():
        if staff is not None:
            root = await fetchrow("SELECT code FROM org WHERE parent IS NULL ORDER BY id LIMIT 1")
            ensure_allowed(staff, Action.MANAGE_ROOMS, (root["code"],) if root else ())
        due = await fetch(
            "SELECT id, room, reader, state, starts_at, ends_at FROM booking "
            "WHERE session IS NULL AND ((state IN ('pending_approval', 'confirmed') "
            "AND starts_at <= $1) OR (state = 'checked_in' AND ends_at <= $1)) "
            f"ORDER BY starts_at LIMIT {int(limit) + 1}", now)
        more = len(due) > limit
        rooms: dict[int, Any] = {}
        missed_by: dict[int, int] = {}  # reader -> room of the latest no-show
        for row in due[:limit]:
            room_id = int(row["room"])
            if room_id not in rooms:
                rooms[room_id] = await load_room_context(room_id)
            room = rooms[room_id]
            start, end = utc(row["starts_at"]), utc(row["ends_at"])
            assert start is not None and end is not None
            action = settle_booking(BookingState(row["state"]), start, end, room.config, now)
            if action is None:
                continue
            state = next_booking_state(BookingState(row["state"]), action)
            await execute("UPDATE booking SET state = $1, updated_at = $2 WHERE id = $3",
                          state.value, now, row["id"])
            await record_event(actor, f"booking.{action.value}", now, org_code=room.org,
                               subject_kind="booking", subject_id=row["id"],
                               data={"from": row["state"], "to": state.value, "by": "clock"})
            counts[action.value] += 1
            if action is BookingAction.MARK_NO_SHOW and row["reader"] is not None:
                await execute(
                    "INSERT INTO no_show (reader, kind, booking, org, missed_at, recorded_at) "
                    "VALUES ($1, $2, $3, (SELECT org FROM room WHERE id = $4), $5, $6)",
                    row["reader"], "booking", row["id"], room_id, start, now)
                missed_by[int(row["reader"])] = room_id
        for reader_id, room_id in missed_by.items():
            suspensions += await _suspend_if_due(reader_id, rooms[room_id], actor, now, tz)

        sessions = await fetch(
            "SELECT id FROM class_session WHERE state = $1 AND starts_at <= $2 "
            f"ORDER BY starts_at LIMIT {int(limit) + 1}", SCHEDULED, now)
        more = more or len(sessions) > limit
        for entry in sessions[:limit]:
            session = await _lock_session(int(entry["id"]))
            start = utc(session["starts_at"])
            assert start is not None
            window = CheckInWindow(int(session["check_in_opens_minutes"]),
                                   int(session["check_in_grace_minutes"]))
            if settle_enrolment(EnrolmentState.ENROLLED, start, window, now) is None:
                continue  # the door is still open
            places = await fetch("SELECT id, reader FROM enrolment WHERE session = $1 AND "
                                 "state = $2", session["id"], EnrolmentState.ENROLLED.value)
            missed = next_enrolment_state(EnrolmentState.ENROLLED,
                                          EnrolmentAction.MARK_NO_SHOW)
            for place in places:
                await execute("UPDATE enrolment SET state = $1, updated_at = $2 WHERE id = $3",
                              missed.value, now, place["id"])
                await execute(
                    "INSERT INTO no_show (reader, kind, enrolment, org, missed_at, recorded_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6)",
                    place["reader"], "session", place["id"], session["org"], start, now)
            await execute("UPDATE class_session SET state = $1, updated_at = $2 WHERE id = $3",
                          "settled", now, session["id"])
            await record_event(actor, "session.settled", now, subject_kind="session",
                               subject_id=session["id"], data={"no_shows": len(places)})
            sessions_settled += 1
            enrolment_no_shows += len(places)
    return SettleResult(counts["reject"], counts["mark_no_show"], counts["complete"],
                        sessions_settled, enrolment_no_shows, suspensions, more)


async def _suspend_if_due(reader_id: int, room: Any, actor: Actor, now: datetime,
                          tz: Any) -> int:
    """Apply the no-show policy of the room's node to the reader's room no-shows."""
    policy = (await rooms_policy_for(room.path)).no_show
    rows = await fetch("SELECT missed_at FROM no_show WHERE reader = $1 AND kind = $2 "
                       "AND missed_at > $3", reader_id, "booking", now - _NO_SHOW_LOOKBACK)
    moments = [m for m in (utc(r["missed_at"]) for r in rows) if m is not None]
    until = booking_suspended_until(moments, policy, now)
    if until is None:
        return 0
    current = await fetchrow("SELECT max(ends_at) AS ends_at FROM booking_suspension "
                             "WHERE reader = $1", reader_id)
    latest = utc(current["ends_at"]) if current else None
    if latest is not None and latest >= until:
        return 0
    reason = (f"{policy.max_no_shows} no-shows within {policy.window_days} days")
    await execute("INSERT INTO booking_suspension (reader, starts_at, ends_at, reason, "
                  "created_at) VALUES ($1, $2, $3, $4, $5)", reader_id, now, until, reason, now)
    await notify(reader_id, "booking-suspended", "预约权限暂停 / Room booking suspended",
                 f"After {reason}, you cannot book rooms until "
                 f"{local(until, tz):%Y-%m-%d %H:%M}.", now, {"until": until})
    await record_event(actor, "reader.booking_suspended", now, org_code=room.org,
                       subject_kind="reader", subject_id=reader_id,
                       data={"until": until, "reason": reason})
    return 1
