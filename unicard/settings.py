"""Settings read once from the environment at start-up; everything else receives them."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["SQLITE_SYNCHRONOUS", "Settings", "get_settings"]

SQLITE_SYNCHRONOUS = ("normal", "full")


@dataclass(frozen=True)
class Settings:
    """What differs between a laptop, CI and a production network."""

    data_dir: Path = Path("data")
    # Empty: SQLite file in data_dir. A postgresql:// DSN selects PostgreSQL.
    database_url: str = ""
    # Connections the server keeps to PostgreSQL. More than a few per database core only
    # makes the backends take turns on the CPU (on a 2-core machine 6 beat 20).
    database_pool_size: int = 8
    # Empty: the embedded SQLite FTS5 engine in data_dir. An http(s) URL selects Meilisearch.
    search_url: str = ""
    search_key: str = ""
    # "process": `serve` builds search documents in a child process (on another core than the
    # desks); "inline": in the server process itself.
    search_worker: str = "process"
    secret_key: str = field(default="", repr=False)
    cjk_font: str = ""
    # Reader sign-in: this many wrong PINs in a row lock the card for lockout_minutes.
    pin_max_failures: int = 5
    pin_lockout_minutes: int = 15
    session_hours: int = 12
    timezone: str = "Asia/Shanghai"
    # SQLite's commit (WAL mode): "normal" writes it to the operating system, which keeps it
    # through a crash of the server but not through a power cut; "full" also waits for the
    # disk, as PostgreSQL's default does.
    sqlite_synchronous: str = "normal"

    def __post_init__(self) -> None:
        if self.search_worker not in ("process", "inline"):
            raise ValueError(f"UNICARD_SEARCH_WORKER must be 'process' or 'inline', not "
                             f"{self.search_worker!r}")
        if self.sqlite_synchronous not in SQLITE_SYNCHRONOUS:
            raise ValueError(f"UNICARD_SQLITE_SYNCHRONOUS must be 'normal' or 'full', not "
                             f"{self.sqlite_synchronous!r}")

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "unicard.sqlite3"

    @property
    def search_index_path(self) -> Path:
        return self.data_dir / "search.sqlite3"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get(_ENV["data_dir"], "data")).expanduser()
        values: dict[str, Any] = {"data_dir": data_dir}
        for name, variable in _ENV.items():
            if name != "data_dir" and variable in env:
                kind = type(getattr(_DEFAULTS, name))
                values[name] = kind(env[variable])
        values["secret_key"] = values.get("secret_key") or _local_secret(data_dir)
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The environment that `from_env` reads back as these settings (for child
        processes such as the search indexer)."""
        return {variable: str(getattr(self, name)) for name, variable in _ENV.items()}


# Each setting and the environment variable it is read from.
_ENV = {
    "data_dir": "UNICARD_DATA_DIR",
    "database_url": "UNICARD_DATABASE_URL",
    "database_pool_size": "UNICARD_DATABASE_POOL_SIZE",
    "search_url": "UNICARD_SEARCH_URL",
    "search_key": "UNICARD_SEARCH_KEY",
    "search_worker": "UNICARD_SEARCH_WORKER",
    "secret_key": "UNICARD_SECRET_KEY",
    "cjk_font": "UNICARD_CJK_FONT",
    "pin_max_failures": "UNICARD_PIN_MAX_FAILURES",
    "pin_lockout_minutes": "UNICARD_PIN_LOCKOUT_MINUTES",
    "session_hours": "UNICARD_SESSION_HOURS",
    "timezone": "UNICARD_TIMEZONE",
    "sqlite_synchronous": "UNICARD_SQLITE_SYNCHRONOUS",
}
_DEFAULTS = Settings()


def _local_secret(data_dir: Path) -> str:
    """A development secret kept in the data directory so sessions survive restarts."""
    path = data_dir / "secret.key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        data_dir.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(32)
        path.write_text(value)
        path.chmod(0o600)
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
