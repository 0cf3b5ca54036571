"""The single Piccolo app that owns every table and the checked-in migrations."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from unicard.events import Event, Outbox
from unicard.network.tables import Org, PolicyRule, ReaderCategory
from unicard.readers.tables import Card, Counter, Reader, Session, Staff

TABLES = [Org, ReaderCategory, PolicyRule, Reader, Card, Staff, Session, Counter, Event, Outbox]

APP_CONFIG = AppConfig(
    app_name="unicard",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=TABLES,
)
