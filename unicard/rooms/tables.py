"""Piccolo tables of rooms and classes: rooms, bookings, teachers, series, sessions, enrolments,
demand requests, staff tasks, reader notifications, no-shows and booking suspensions.

What the ORM cannot declare lives in the hand-written migration next to the generated one:
the no-double-booking guard (a PostgreSQL exclusion constraint on the booking's time range,
SQLite triggers), the no-overlapping-enrolments guard (the same, per reader), the capacity
check on sessions, and the partial unique indexes (one open task per demand group, one
arrival number per session).
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Text,
    Time,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from unicard.network.tables import Org
from unicard.readers.tables import Reader, Staff

__all__ = [
    "Booking",
    "BookingSuspension",
    "ClassSeries",
    "ClassSession",
    "DemandRequest",
    "Enrolment",
    "NoShow",
    "Notification",
    "Room",
    "RoomsPolicy",
    "StaffTask",
    "Teacher",
]


class RoomsPolicy(Table, tablename="rooms_policy"):
    """Rooms-and-classes settings of an org node; unset (None) fields inherit up the tree."""

    org = ForeignKey(Org, unique=True)
    # Distinct readers asking for the same class at the same org before staff are told.
    demand_threshold = Integer(null=True, default=None)
    # `no_show_max` room no-shows within `no_show_window_days` suspend booking rights.
    no_show_max = Integer(null=True, default=None)
    no_show_window_days = Integer(null=True, default=None)
    suspension_days = Integer(null=True, default=None)
    updated_at = Timestamptz()


class Room(Table, tablename="room"):
    """A bookable room at an org node (a reading room, a dance studio, a lecture hall)."""

    org = ForeignKey(Org, index=True)
    name = Varchar(length=100)
    description = Text(default="")
    capacity = Integer()
    features = JSON(default="[]")
    # Own bookable hours ({"mon": ["10:00-12:00"], …}) inside the node's hours; None = node's.
    bookable_hours = JSON(null=True, default=None)
    min_minutes = Integer(default=30)
    max_minutes = Integer(default=240)
    max_days_ahead = Integer(default=14)
    slot_minutes = Integer(default=30)
    approval_needed = Boolean(default=False)
    cancel_deadline_minutes = Integer(default=60)
    check_in_opens_minutes = Integer(default=15)
    check_in_grace_minutes = Integer(default=15)
    active = Boolean(default=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Teacher(Table, tablename="teacher"):
    """Who teaches a class: a staff member, or a registered volunteer with a profile."""

    kind = Varchar(length=16)  # staff | volunteer
    staff = ForeignKey(Staff, null=True, default=None)
    name = Varchar(length=100)
    phone = Varchar(length=32, default="")
    profile = Text(default="")
    categories = JSON(default="[]")
    org = ForeignKey(Org, index=True)
    active = Boolean(default=True)
    created_at = Timestamptz()


class ClassSeries(Table, tablename="class_series"):
    """A weekly class: its definition, expanded into sessions when created."""

    title = Varchar(length=200)
    category = Varchar(length=40)
    level = Varchar(length=24, default="")
    description = Text(default="")
    teacher = ForeignKey(Teacher, null=True, default=None)
    org = ForeignKey(Org, index=True)
    room = ForeignKey(Room, null=True, default=None)
    weekdays = JSON(default="[]")
    start_time = Time()
    duration_minutes = Integer()
    first_day = Date()
    # Exactly one of the two: how many sessions, or the last day (`count` would shadow
    # Piccolo's Table.count).
    occurrences = Integer(null=True, default=None)
    until = Date(null=True, default=None)
    capacity = Integer()
    state = Varchar(length=16, default="active")  # active | cancelled
    created_at = Timestamptz()


class ClassSession(Table, tablename="class_session"):
    """One meeting of a class. `enrolled` counts the seats taken (enrolled, attended, no-show),
    `waiting` the waitlist, `arrivals` every enrolment ever made: the next one's arrival
    number. All three change only under the session's row lock."""

    series = ForeignKey(ClassSeries, null=True, default=None, index=True)
    title = Varchar(length=200)
    category = Varchar(length=40, index=True)
    level = Varchar(length=24, default="")
    description = Text(default="")
    teacher = ForeignKey(Teacher, null=True, default=None, index=True)
    org = ForeignKey(Org, index=True)
    room = ForeignKey(Room, null=True, default=None)
    starts_at = Timestamptz(index=True)
    ends_at = Timestamptz()
    capacity = Integer()
    enrolled = Integer(default=0)
    waiting = Integer(default=0)
    arrivals = Integer(default=0)
    enrol_opens = Timestamptz()
    enrol_closes = Timestamptz()
    # Readers whose request led to this session may enrol from here (None: no early window).
    early_opens = Timestamptz(null=True, default=None)
    min_age = Integer(null=True, default=None)
    max_age = Integer(null=True, default=None)
    # Reader categories admitted; None admits all.
    categories = JSON(null=True, default=None)
    check_in_opens_minutes = Integer(default=30)
    check_in_grace_minutes = Integer(default=15)
    state = Varchar(length=16, default="scheduled")  # scheduled | cancelled | settled
    demand_group = Varchar(length=200, default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Booking(Table, tablename="booking"):
    """A room held for a time: by a reader, by staff for a group, or by a class session."""

    room = ForeignKey(Room)  # indexed with starts_at (booking_room_time)
    reader = ForeignKey(Reader, null=True, default=None, index=True)
    staff = ForeignKey(Staff, null=True, default=None)
    session = ForeignKey(ClassSession, null=True, default=None, index=True)
    group_name = Varchar(length=200, default="")
    group_size = Integer(default=1)
    purpose = Varchar(length=400, default="")
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    state = Varchar(length=20)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    checked_in_at = Timestamptz(null=True, default=None)


class Enrolment(Table, tablename="enrolment"):
    """A reader's place in a session, or on its waitlist. `arrival` orders the waitlist;
    `starts_at`/`ends_at` copy the session's time so the database can refuse overlaps."""

    # Indexed as (session, arrival) and (reader, starts_at): see the rooms migrations.
    session = ForeignKey(ClassSession)
    reader = ForeignKey(Reader)
    state = Varchar(length=16)
    arrival = Integer()
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    early = Boolean(default=False)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    seated_at = Timestamptz(null=True, default=None)
    checked_in_at = Timestamptz(null=True, default=None)


class DemandRequest(Table, tablename="demand_request"):
    """A reader asking for a class (点单: a category) or a teacher (点将) at an org."""

    reader = ForeignKey(Reader, index=True)
    org = ForeignKey(Org, index=True)
    kind = Varchar(length=16)  # category | teacher
    category = Varchar(length=40, default="")
    teacher = ForeignKey(Teacher, null=True, default=None)
    group_key = Varchar(length=200, index=True)
    text = Text(default="")
    preferred_times = JSON(default="[]")
    state = Varchar(length=16, default="open")  # open | scheduled | withdrawn
    session = ForeignKey(ClassSession, null=True, default=None, index=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class StaffTask(Table, tablename="staff_task"):
    """Something staff of an org must act on, e.g. a demand group that reached the threshold."""

    kind = Varchar(length=32)
    org = ForeignKey(Org, index=True)
    group_key = Varchar(length=200, default="")
    title = Varchar(length=400)
    data = JSON(default="{}")
    state = Varchar(length=16, default="open")  # open | done | dismissed
    session = ForeignKey(ClassSession, null=True, default=None)
    created_at = Timestamptz()
    closed_at = Timestamptz(null=True, default=None)
    closed_by = ForeignKey(Staff, null=True, default=None)


class Notification(Table, tablename="notification"):
    """A message to a reader, shown in their account (there is no SMS gateway)."""

    reader = ForeignKey(Reader, index=True)
    kind = Varchar(length=32)
    title = Varchar(length=200)
    body = Text(default="")
    data = JSON(default="{}")
    created_at = Timestamptz()
    read_at = Timestamptz(null=True, default=None)


class NoShow(Table, tablename="no_show"):
    """A booking or an enrolment not checked in by the end of its check-in window."""

    reader = ForeignKey(Reader, index=True)
    kind = Varchar(length=16)  # booking | session
    booking = ForeignKey(Booking, null=True, default=None, unique=True)
    enrolment = ForeignKey(Enrolment, null=True, default=None, unique=True)
    org = ForeignKey(Org, index=True)
    missed_at = Timestamptz()
    recorded_at = Timestamptz()


class BookingSuspension(Table, tablename="booking_suspension"):
    """Booking rights suspended after repeated room no-shows, from `starts_at` to `ends_at`."""

    reader = ForeignKey(Reader, index=True)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    reason = Varchar(length=400, default="")
    created_at = Timestamptz()
