"""Guards the ORM cannot declare: no double booking, no overlapping enrolments, no session
over capacity, arrival order unique per session, one open task per demand group.

PostgreSQL gets exclusion constraints on the time ranges (btree_gist for the `=` part) and a
CHECK; SQLite gets triggers that refuse the same rows. On SQLite the write transaction
(BEGIN IMMEDIATE) already serialises every check-then-insert, across processes too; the
triggers make the database itself refuse a second holder whatever code path inserts it.
"""

from unicard.raw_migrations import raw_sql_manager

ID = "2026-11-22T14:59:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "booking and enrolment overlap guards, seat check, partial unique indexes"

# Must match unicard.rooms.states.SLOT_HOLDING_STATES and HOLDING_ENROLMENT_STATES.
HOLDING_BOOKING = "('pending_approval', 'confirmed', 'checked_in')"
HOLDING_ENROLMENT = "('enrolled', 'waitlisted')"

BOTH = (
    "CREATE INDEX booking_room_time ON booking (room, starts_at)",
    "CREATE INDEX booking_state_time ON booking (state, starts_at)",
    "CREATE INDEX enrolment_reader_time ON enrolment (reader, starts_at)",
    "CREATE UNIQUE INDEX enrolment_arrival ON enrolment (session, arrival)",
    "CREATE UNIQUE INDEX enrolment_one_place ON enrolment (session, reader) "
    f"WHERE state IN {HOLDING_ENROLMENT}",
    "CREATE INDEX class_session_state_time ON class_session (state, starts_at)",
    "CREATE UNIQUE INDEX room_name_per_org ON room (org, name)",
    "CREATE UNIQUE INDEX teacher_one_per_staff ON teacher (staff) WHERE staff IS NOT NULL",
    "CREATE UNIQUE INDEX staff_task_one_open ON staff_task (kind, group_key) "
    "WHERE state = 'open'",
    "CREATE UNIQUE INDEX demand_one_open_per_reader ON demand_request (reader, group_key) "
    "WHERE state = 'open'",
    "CREATE INDEX demand_open_groups ON demand_request (state, group_key)",
    "CREATE INDEX booking_suspension_until ON booking_suspension (reader, ends_at)",
)

POSTGRES = (
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist "
    "(room WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
    f"WHERE (state IN {HOLDING_BOOKING})",
    "ALTER TABLE booking ADD CONSTRAINT booking_times CHECK (ends_at > starts_at)",
    "ALTER TABLE enrolment ADD CONSTRAINT enrolment_no_overlap EXCLUDE USING gist "
    "(reader WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
    f"WHERE (state IN {HOLDING_ENROLMENT})",
    "ALTER TABLE class_session ADD CONSTRAINT class_session_seats CHECK "
    "(enrolled >= 0 AND enrolled <= capacity AND waiting >= 0)",
)


def _overlap_trigger(name: str, table: str, key: str, states: str, event: str,
                     exclude_self: bool) -> str:
    """A trigger raising `name` when a holding row overlaps another holding row of the same
    key. Timestamps are stored as UTC text of one format, so text order is time order; no
    booking or session lasts longer than a day, which bounds the index range scanned."""
    self_clause = " AND other.id <> NEW.id" if exclude_self else ""
    return (
        f"CREATE TRIGGER {name}_{event.split()[0].lower()} BEFORE {event} ON {table} "
        f"WHEN NEW.state IN {states} BEGIN "
        f"SELECT RAISE(ABORT, '{name}') WHERE EXISTS (SELECT 1 FROM {table} other "
        f"WHERE other.{key} = NEW.{key} AND other.state IN {states} "
        f"AND other.starts_at < NEW.ends_at AND NEW.starts_at < other.ends_at "
        f"AND other.starts_at > datetime(NEW.starts_at, '-1 day'){self_clause}); "
        "END"
    )


SQLITE = (
    _overlap_trigger("booking_no_overlap", "booking", "room", HOLDING_BOOKING, "INSERT", False),
    _overlap_trigger("booking_no_overlap", "booking", "room", HOLDING_BOOKING,
                     "UPDATE OF state, room, starts_at, ends_at", True),
    "CREATE TRIGGER booking_times BEFORE INSERT ON booking "
    "WHEN NEW.ends_at <= NEW.starts_at BEGIN SELECT RAISE(ABORT, 'booking_times'); END",
    _overlap_trigger("enrolment_no_overlap", "enrolment", "reader", HOLDING_ENROLMENT,
                     "INSERT", False),
    _overlap_trigger("enrolment_no_overlap", "enrolment", "reader", HOLDING_ENROLMENT,
                     "UPDATE OF state, reader, starts_at, ends_at", True),
    "CREATE TRIGGER class_session_seats BEFORE UPDATE OF enrolled, waiting, capacity "
    "ON class_session WHEN NEW.enrolled < 0 OR NEW.enrolled > NEW.capacity OR NEW.waiting < 0 "
    "BEGIN SELECT RAISE(ABORT, 'class_session_seats'); END",
)


async def forwards():
    return raw_sql_manager(ID, "rooms", DESCRIPTION, both=BOTH, postgres=POSTGRES,
                           sqlite=SQLITE)
