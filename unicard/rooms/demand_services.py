"""Use cases of demand (点单/点将): readers ask for a class or a teacher; when the distinct
readers of a group (subject + org) reach the network's threshold, one task is raised for the
org's staff; scheduling a session from it tells everyone who asked and lets them enrol first.
Also the readers' notifications and the rooms policy (threshold, no-show rule) per org.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from unicard.clock import Clock
from unicard.db import is_sqlite, read_transaction, write_transaction
from unicard.errors import Conflict, InvalidInput, NotFound
from unicard.network.services import load_tree, require_org
from unicard.readers.permissions import Action, StaffPrincipal, ensure_allowed
from unicard.rooms.class_services import (
    NewSeries,
    NewSession,
    create_series_in_transaction,
    create_session_in_transaction,
)
from unicard.rooms.demand import (
    DemandRequest,
    GroupKey,
    Subject,
    TimePreference,
    group_key,
    group_requests,
    groups_reaching_threshold,
)
from unicard.rooms.filters import PartOfDay
from unicard.rooms.sql import execute, fetch, fetchrow, utc
from unicard.rooms.support import (
    actor_of_reader,
    actor_of_staff,
    ensure_reader_in_good_standing,
    json_list,
    local,
    network_tz,
    notify,
    org_id,
    record_event,
    rooms_policy_for,
    translate_db_refusals,
)

__all__ = [
    "AskForClass",
    "DemandGroupRecord",
    "DemandRecord",
    "NotificationRecord",
    "ScheduleResult",
    "TaskRecord",
    "ask_for_class",
    "demand_groups",
    "dismiss_task",
    "group_key_text",
    "list_tasks",
    "mark_notifications_read",
    "my_notifications",
    "my_requests",
    "schedule_from_task",
    "set_rooms_policy",
    "withdraw_request",
]

TASK_KIND = "demand-threshold"


@dataclass(frozen=True)
class AskForClass:
    """A class in a category (点单) or a named teacher (点将), at the org the reader wants."""

    org: str
    category: str | None = None
    teacher_id: int | None = None
    text: str = ""
    preferred_times: tuple[TimePreference, ...] = ()


@dataclass(frozen=True)
class DemandRecord:
    id: int
    reader_id: int
    org: str
    kind: str
    category: str
    teacher_id: int | None
    text: str
    preferred_times: tuple[TimePreference, ...]
    state: str
    session_id: int | None
    created_at: datetime
    group_key: str
    group_size: int = 0
    threshold: int = 0
    task_raised: bool = False


@dataclass(frozen=True)
class TaskRecord:
    id: int
    kind: str
    org: str
    group_key: str
    title: str
    data: dict[str, Any]
    state: str
    session_id: int | None
    created_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class DemandGroupRecord:
    group_key: str
    kind: str
    subject: str
    org: str
    readers: int
    threshold: int
    preferred_times: tuple[tuple[TimePreference, int], ...]
    task_id: int | None


@dataclass(frozen=True)
class ScheduleResult:
    task: TaskRecord
    session_ids: tuple[int, ...]
    readers_told: int
    skipped: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class NotificationRecord:
    id: int
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


def group_key_text(key: GroupKey) -> str:
    return f"{key.kind.value}:{key.subject}:{key.org_code}"


def _prefs_json(prefs: tuple[TimePreference, ...]) -> str:
    return json.dumps([{"weekday": p.weekday, "part_of_day": None if p.part_of_day is None
                        else p.part_of_day.value} for p in prefs])


def _prefs(raw: Any) -> tuple[TimePreference, ...]:
    return tuple(TimePreference(p.get("weekday"), None if p.get("part_of_day") is None
                                else PartOfDay(p["part_of_day"])) for p in json_list(raw))


def _request(row: dict[str, Any]) -> DemandRequest:
    return DemandRequest(int(row["id"]), int(row["reader"]), row["org_code"],
                         utc(row["created_at"]),  # type: ignore[arg-type]
                         category=row["category"] or None, teacher_id=row["teacher"],
                         text=row["text"], preferred_times=_prefs(row["preferred_times"]))


_REQUEST_SELECT = (
    "SELECT d.*, o.code AS org_code FROM demand_request d JOIN org o ON o.id = d.org"
)


async def ask_for_class(reader_id: int, cmd: AskForClass, clock: Clock) -> DemandRecord:
    """Record the request; if it brings its group to the threshold, raise the group's task
    (once: an open task per group, backed by a partial unique index). Requests of one group
    are serialised (an advisory lock on PostgreSQL) so the count that reaches the threshold
    is never missed by two readers asking at the same moment."""
    now = clock.now()
    tz = network_tz(clock)
    category = (cmd.category or "").strip().casefold() or None
    for pref in cmd.preferred_times:
        if pref.weekday is not None and not 0 <= pref.weekday <= 6:
            raise InvalidInput("weekday is 0 (Monday) .. 6 (Sunday)", code="weekday-invalid")
    try:
        asked = DemandRequest(0, reader_id, cmd.org, now, category=category,
                              teacher_id=cmd.teacher_id, text=cmd.text.strip(),
                              preferred_times=cmd.preferred_times)
    except ValueError:
        raise InvalidInput("ask for a category of class or a teacher",
                           code="demand-subject-missing") from None
    key = group_key(asked)
    key_text = group_key_text(key)
    with translate_db_refusals():
        async with write_transaction():
            tree = await load_tree()
            require_org(tree, cmd.org)
            reader = await fetchrow("SELECT status, expires_on FROM reader WHERE id = $1",
                                    reader_id)
            if reader is None:
                raise NotFound("reader not found", code="reader-not-found")
            ensure_reader_in_good_standing(reader, clock.today())
            if cmd.teacher_id is not None:
                teacher = await fetchrow("SELECT id FROM teacher WHERE id = $1 AND active = $2",
                                         cmd.teacher_id, True)
                if teacher is None:
                    raise NotFound(f"no teacher {cmd.teacher_id}", code="teacher-not-found")
            if not is_sqlite():
                await execute("SELECT pg_advisory_xact_lock(hashtext($1))", key_text)
            if await fetchrow("SELECT id FROM demand_request WHERE reader = $1 AND "
                              "group_key = $2 AND state = $3", reader_id, key_text, "open"):
                raise Conflict("You have already asked for this; we will tell you when it is "
                               "scheduled.", code="demand-already-asked", group=key_text)
            row = await fetchrow(
                "INSERT INTO demand_request (reader, org, kind, category, teacher, group_key, "
                "text, preferred_times, state, created_at, updated_at) VALUES ($1, $2, $3, $4, "
                "$5, $6, $7, $8, $9, $10, $11) RETURNING id",
                reader_id, await org_id(cmd.org), key.kind.value, category or "", cmd.teacher_id,
                key_text, asked.text, _prefs_json(cmd.preferred_times), "open", now, now)
            assert row is not None
            await record_event(actor_of_reader(reader_id), "demand.requested", now,
                               org_code=cmd.org, subject_kind="demand", subject_id=row["id"],
                               data={"group": key_text})
            rows = await fetch(f"{_REQUEST_SELECT} WHERE d.group_key = $1 AND d.state = $2",
                               key_text, "open")
            requests = [_request(r) for r in rows]
            policy = await rooms_policy_for(tree.path(cmd.org))
            open_task = await fetchrow("SELECT id FROM staff_task WHERE kind = $1 AND "
                                       "group_key = $2 AND state = $3",
                                       TASK_KIND, key_text, "open")
            ready = groups_reaching_threshold(requests, policy.demand_threshold,
                                              tasked={key} if open_task else frozenset())
            raised = False
            if ready:
                group = ready[0]
                subject = await _subject_label(key)
                where = tree.node(cmd.org).name_zh
                title = (f"{group.reader_count} 位读者点单：{subject} @ {where} / "
                         f"{group.reader_count} readers asked for {subject}")
                data = {"kind": key.kind.value, "subject": key.subject, "org": cmd.org,
                        "readers": group.reader_count, "threshold": policy.demand_threshold,
                        "preferred_times": [
                            {"weekday": p.weekday,
                             "part_of_day": None if p.part_of_day is None else p.part_of_day.value,
                             "readers": n} for p, n in group.preferred_times()[:5]]}
                task = await fetchrow(
                    "INSERT INTO staff_task (kind, org, group_key, title, data, state, "
                    "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    TASK_KIND, await org_id(cmd.org), key_text, title,
                    json.dumps(data, ensure_ascii=False), "open", now)
                assert task is not None
                await record_event(actor_of_reader(reader_id), "demand.threshold_reached", now,
                                   org_code=cmd.org, subject_kind="task",
                                   subject_id=task["id"], data=data)
                raised = True
    readers = len({r.reader_id for r in requests})
    return DemandRecord(int(row["id"]), reader_id, cmd.org, key.kind.value, category or "",
                        cmd.teacher_id, asked.text, cmd.preferred_times, "open", None,
                        local(now, tz), key_text, readers, policy.demand_threshold,
                        raised or open_task is not None)


async def _subject_label(key: GroupKey) -> str:
    if key.kind is Subject.TEACHER:
        row = await fetchrow("SELECT name FROM teacher WHERE id = $1", int(key.subject))
        return f"teacher {row['name']}" if row else f"teacher {key.subject}"
    return key.subject


def _demand_record(row: dict[str, Any], tz: Any) -> DemandRecord:
    return DemandRecord(int(row["id"]), int(row["reader"]), row["org_code"], row["kind"],
                        row["category"], row["teacher"], row["text"],
                        _prefs(row["preferred_times"]), row["state"], row["session"],
                        local(utc(row["created_at"]), tz),  # type: ignore[arg-type]
                        row["group_key"])


async def my_requests(reader_id: int, clock: Clock) -> list[DemandRecord]:
    rows = await fetch(f"{_REQUEST_SELECT} WHERE d.reader = $1 ORDER BY d.created_at DESC "
                       "LIMIT 200", reader_id)
    return [_demand_record(row, network_tz(clock)) for row in rows]


async def withdraw_request(reader_id: int, request_id: int, clock: Clock) -> DemandRecord:
    now = clock.now()
    async with write_transaction():
        row = await fetchrow(f"{_REQUEST_SELECT} WHERE d.id = $1", request_id)
        if row is None or row["reader"] != reader_id:
            raise NotFound(f"no request {request_id}", code="demand-not-found")
        if row["state"] != "open":
            raise Conflict("the request is already scheduled or withdrawn",
                           code="demand-not-open", state=row["state"])
        await execute("UPDATE demand_request SET state = $1, updated_at = $2 WHERE id = $3",
                      "withdrawn", now, request_id)
        await record_event(actor_of_reader(reader_id), "demand.withdrawn", now,
                           org_code=row["org_code"], subject_kind="demand",
                           subject_id=request_id)
    return _demand_record({**row, "state": "withdrawn"}, network_tz(clock))


_TASK_SELECT = "SELECT t.*, o.code AS org_code FROM staff_task t JOIN org o ON o.id = t.org"


def _task_record(row: dict[str, Any], tz: Any) -> TaskRecord:
    data = row["data"]
    closed = utc(row["closed_at"])
    return TaskRecord(int(row["id"]), row["kind"], row["org_code"], row["group_key"],
                      row["title"], json.loads(data) if isinstance(data, str) else data,
                      row["state"], row["session"],
                      local(utc(row["created_at"]), tz),  # type: ignore[arg-type]
                      None if closed is None else local(closed, tz))


async def list_tasks(staff: StaffPrincipal, clock: Clock, state: str | None = "open"
                     ) -> list[TaskRecord]:
    """Tasks of the orgs in the staff member's scope, oldest first."""
    tz = network_tz(clock)
    async with read_transaction():
        tree = await load_tree()
        if state is None:
            rows = await fetch(f"{_TASK_SELECT} ORDER BY t.created_at LIMIT 500")
        else:
            rows = await fetch(f"{_TASK_SELECT} WHERE t.state = $1 ORDER BY t.created_at "
                               "LIMIT 500", state)
    return [_task_record(r, tz) for r in rows
            if r["org_code"] in tree and tree.is_within(r["org_code"], staff.scope_org)]


async def demand_groups(staff: StaffPrincipal, clock: Clock) -> list[DemandGroupRecord]:
    """Open requests grouped by subject and org, in the staff member's scope, largest first:
    what readers are asking for even before a group reaches the threshold."""
    async with read_transaction():
        tree = await load_tree()
        rows = await fetch(f"{_REQUEST_SELECT} WHERE d.state = $1", "open")
        tasks = await fetch("SELECT id, group_key FROM staff_task WHERE kind = $1 AND "
                            "state = $2", TASK_KIND, "open")
        rows = [r for r in rows if r["org_code"] in tree
                and tree.is_within(r["org_code"], staff.scope_org)]
        groups = group_requests(_request(r) for r in rows)
        thresholds = {}
        for key in groups:
            if key.org_code not in thresholds:
                policy = await rooms_policy_for(tree.path(key.org_code))
                thresholds[key.org_code] = policy.demand_threshold
    task_of = {t["group_key"]: int(t["id"]) for t in tasks}
    result = [
        DemandGroupRecord(group_key_text(key), key.kind.value, key.subject, key.org_code,
                          group.reader_count, thresholds[key.org_code],
                          tuple(group.preferred_times()[:5]),
                          task_of.get(group_key_text(key)))
        for key, group in groups.items()
    ]
    return sorted(result, key=lambda g: (-g.readers, g.group_key))


async def _locked_task(task_id: int, staff: StaffPrincipal) -> dict[str, Any]:
    lock = "" if is_sqlite() else " FOR NO KEY UPDATE OF t"
    row = await fetchrow(f"{_TASK_SELECT} WHERE t.id = $1{lock}", task_id)
    if row is None:
        raise NotFound(f"no task {task_id}", code="task-not-found")
    tree = await load_tree()
    ensure_allowed(staff, Action.MANAGE_ROOMS, tree.path(row["org_code"]))
    if row["state"] != "open":
        raise Conflict("the task is already closed", code="task-not-open", state=row["state"])
    return row


async def schedule_from_task(task_id: int, staff: StaffPrincipal, clock: Clock, *,
                             session: NewSession | None = None,
                             series: NewSeries | None = None,
                             early_days: int = 2) -> ScheduleResult:
    """Schedule a session (or a weekly series) for a demand group: the readers who asked may
    enrol at once, everyone else `early_days` later; each of them is told in their account."""
    if (session is None) == (series is None):
        raise InvalidInput("give a session or a series to schedule", code="schedule-missing")
    if early_days < 0:
        raise InvalidInput("early_days must not be negative", code="early-days-invalid")
    tz = network_tz(clock)
    now = clock.now()
    with translate_db_refusals():
        async with write_transaction():
            task = await _locked_task(task_id, staff)
            key_text = task["group_key"]
            general = now + timedelta(days=early_days)
            skipped: list[tuple[str, str]] = []
            if session is not None:
                start = local(session.starts_at, tz)
                opens = session.enrol_opens or (general if general < start else now)
                ids = [await create_session_in_transaction(
                    replace(session, enrol_opens=opens), staff, now, tz,
                    demand_group=key_text, early_opens=now)]
            else:
                assert series is not None
                days_before = series.enrol_opens_days_before
                _, ids, skipped_days = await create_series_in_transaction(
                    series, staff, now, tz, demand_group=key_text, early_opens=now)
                skipped = [(d.isoformat(), reason) for d, reason in skipped_days]
                if days_before is None and early_days:
                    # General enrolment `early_days` from now (never after a session starts).
                    await execute(
                        "UPDATE class_session SET enrol_opens = CASE WHEN starts_at > $1 "
                        "THEN $1 ELSE enrol_opens END WHERE series = (SELECT series FROM "
                        "class_session WHERE id = $2)", general, ids[0])
            first = await fetchrow("SELECT title, starts_at FROM class_session WHERE id = $1",
                                   ids[0])
            assert first is not None
            readers = await fetch("SELECT DISTINCT reader FROM demand_request WHERE "
                                  "group_key = $1 AND state = $2", key_text, "open")
            await execute("UPDATE demand_request SET state = $1, session = $2, updated_at = $3 "
                          "WHERE group_key = $4 AND state = $5", "scheduled", ids[0], now,
                          key_text, "open")
            start = local(utc(first["starts_at"]), tz)  # type: ignore[arg-type]
            for reader in readers:
                await notify(int(reader["reader"]), "demand-scheduled",
                             f"你点的课已排课 / The class you asked for is scheduled: "
                             f"{first['title']}",
                             f"You asked for this class; it is scheduled: {first['title']}, "
                             f"first on {start:%Y-%m-%d %H:%M} at {task['org_code']}. "
                             "You may enrol now, before everyone else.", now,
                             {"session": ids[0], "sessions": ids, "group": key_text})
            await execute("UPDATE staff_task SET state = $1, session = $2, closed_at = $3, "
                          "closed_by = $4 WHERE id = $5", "done", ids[0], now, staff.staff_id,
                          task_id)
            await record_event(actor_of_staff(staff), "demand.scheduled", now,
                               org_code=task["org_code"], subject_kind="task",
                               subject_id=task_id,
                               data={"sessions": ids, "readers_told": len(readers)})
            done = await fetchrow(f"{_TASK_SELECT} WHERE t.id = $1", task_id)
    assert done is not None
    return ScheduleResult(_task_record(done, tz), tuple(ids), len(readers), tuple(skipped))


async def dismiss_task(task_id: int, staff: StaffPrincipal, clock: Clock,
                       reason: str = "") -> TaskRecord:
    """Close a task without scheduling. The requests stay open: the next request of the group
    raises a new task, so readers' wishes are not silently dropped."""
    now = clock.now()
    async with write_transaction():
        task = await _locked_task(task_id, staff)
        await execute("UPDATE staff_task SET state = $1, closed_at = $2, closed_by = $3 "
                      "WHERE id = $4", "dismissed", now, staff.staff_id, task_id)
        await record_event(actor_of_staff(staff), "demand.dismissed", now,
                           org_code=task["org_code"], subject_kind="task", subject_id=task_id,
                           data={"reason": reason})
        done = await fetchrow(f"{_TASK_SELECT} WHERE t.id = $1", task_id)
    assert done is not None
    return _task_record(done, network_tz(clock))


async def my_notifications(reader_id: int, clock: Clock, unread_only: bool = False,
                           limit: int = 100) -> list[NotificationRecord]:
    tz = network_tz(clock)
    where = "reader = $1" + (" AND read_at IS NULL" if unread_only else "")
    rows = await fetch(f"SELECT * FROM notification WHERE {where} ORDER BY id DESC "
                       f"LIMIT {int(limit)}", reader_id)
    result = []
    for row in rows:
        read = utc(row["read_at"])
        data = row["data"]
        result.append(NotificationRecord(
            int(row["id"]), row["kind"], row["title"], row["body"],
            json.loads(data) if isinstance(data, str) else data,
            local(utc(row["created_at"]), tz),  # type: ignore[arg-type]
            None if read is None else local(read, tz)))
    return result


async def mark_notifications_read(reader_id: int, clock: Clock,
                                  ids: list[int] | None = None) -> int:
    """Mark the given notifications (or all) read; returns how many changed."""
    now = clock.now()
    async with write_transaction():
        if ids is None:
            rows = await fetch("UPDATE notification SET read_at = $1 WHERE reader = $2 AND "
                               "read_at IS NULL RETURNING id", now, reader_id)
        else:
            rows = []
            for notification_id in ids[:500]:
                rows += await fetch("UPDATE notification SET read_at = $1 WHERE reader = $2 "
                                    "AND id = $3 AND read_at IS NULL RETURNING id", now,
                                    reader_id, notification_id)
    return len(rows)


_POLICY_FIELDS = ("demand_threshold", "no_show_max", "no_show_window_days", "suspension_days")


async def set_rooms_policy(org: str, values: dict[str, int | None], staff: StaffPrincipal,
                           clock: Clock) -> dict[str, int | None]:
    """Set (or, with None, unset to inherit) the rooms policy fields of a node."""
    unknown = set(values) - set(_POLICY_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown rooms policy fields {sorted(unknown)}",
                           code="policy-field-unknown")
    for name, value in values.items():
        minimum = 0 if name == "suspension_days" else 1
        if value is not None and (not isinstance(value, int) or value < minimum):
            raise InvalidInput(f"{name} must be an integer of at least {minimum}",
                               code="policy-value-invalid", field=name)
    now = clock.now()
    async with write_transaction():
        tree = await load_tree()
        require_org(tree, org)
        ensure_allowed(staff, Action.MANAGE_POLICIES, tree.path(org))
        oid = await org_id(org)
        existing = await fetchrow("SELECT * FROM rooms_policy WHERE org = $1", oid)
        merged = {name: (existing or {}).get(name) for name in _POLICY_FIELDS} | values
        if existing is None:
            await execute("INSERT INTO rooms_policy (org, demand_threshold, no_show_max, "
                          "no_show_window_days, suspension_days, updated_at) VALUES ($1, $2, "
                          "$3, $4, $5, $6)", oid, *[merged[n] for n in _POLICY_FIELDS], now)
        else:
            await execute("UPDATE rooms_policy SET demand_threshold = $1, no_show_max = $2, "
                          "no_show_window_days = $3, suspension_days = $4, updated_at = $5 "
                          "WHERE org = $6", *[merged[n] for n in _POLICY_FIELDS], now, oid)
        await record_event(actor_of_staff(staff), "rooms_policy.set", now, org_code=org,
                           subject_kind="org", subject_id=org, data=values)
    return merged
