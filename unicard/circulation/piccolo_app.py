"""Piccolo app of circulation: its tables and migrations."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from unicard.circulation.tables import Fee, FeePayment, Hold, Loan, Transit

APP_CONFIG = AppConfig(
    app_name="circulation",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Loan, Hold, Transit, Fee, FeePayment],
    migration_dependencies=["unicard.catalogue.piccolo_app"],
)
