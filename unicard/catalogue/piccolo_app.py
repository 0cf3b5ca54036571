"""Piccolo app of the union catalogue: its tables and migrations."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from unicard.catalogue.tables import (
    BarcodeRange,
    BibRecord,
    Item,
    MergeLog,
    RecordIsbn,
    RecordSource,
)

APP_CONFIG = AppConfig(
    app_name="catalogue",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[BibRecord, RecordIsbn, RecordSource, Item, MergeLog, BarcodeRange],
    migration_dependencies=["unicard.piccolo_app"],
)
