"""Piccolo app of rooms and classes: its tables and migrations."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from unicard.rooms.tables import (
    Booking,
    BookingSuspension,
    ClassSeries,
    ClassSession,
    DemandRequest,
    Enrolment,
    NoShow,
    Notification,
    Room,
    RoomsPolicy,
    StaffTask,
    Teacher,
)

APP_CONFIG = AppConfig(
    app_name="rooms",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[RoomsPolicy, Room, Teacher, ClassSeries, ClassSession, Booking, Enrolment,
                   DemandRequest, StaffTask, Notification, NoShow, BookingSuspension],
    migration_dependencies=["unicard.piccolo_app"],
)
