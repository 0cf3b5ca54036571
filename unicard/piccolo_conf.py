"""Piccolo's configuration module (PICCOLO_CONF=unicard.piccolo_conf); `unicard.db` sets DB."""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry

from unicard.db import engine_from_settings
from unicard.settings import get_settings

DB = engine_from_settings(get_settings())
# One Piccolo app per domain package with tables, each with its own migrations folder.
APP_REGISTRY = AppRegistry(
    apps=[
        "unicard.piccolo_app",
        "unicard.catalogue.piccolo_app",
        "unicard.rooms.piccolo_app",
        "unicard.circulation.piccolo_app",
    ]
)
