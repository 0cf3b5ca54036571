"""Settings read once from the environment at start-up; everything else receives them."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = ["Settings", "get_settings"]


@dataclass(frozen=True)
class Settings:
    """What differs between a laptop, CI and a production network."""

    data_dir: Path = Path("data")
    # Empty: SQLite file in data_dir. A postgresql:// DSN selects PostgreSQL.
    database_url: str = ""
    # Empty: the embedded SQLite FTS5 engine in data_dir. An http(s) URL selects Meilisearch.
    search_url: str = ""
    search_key: str = ""
    secret_key: str = field(default="", repr=False)
    cjk_font: str = ""
    # Reader sign-in: this many wrong PINs in a row lock the card for lockout_minutes.
    pin_max_failures: int = 5
    pin_lockout_minutes: int = 15
    session_hours: int = 12
    timezone: str = "Asia/Shanghai"

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
        data_dir = Path(env.get("UNICARD_DATA_DIR", "data")).expanduser()
        secret = env.get("UNICARD_SECRET_KEY", "") or _local_secret(data_dir)
        return cls(
            data_dir=data_dir,
            database_url=env.get("UNICARD_DATABASE_URL", ""),
            search_url=env.get("UNICARD_SEARCH_URL", ""),
            search_key=env.get("UNICARD_SEARCH_KEY", ""),
            secret_key=secret,
            cjk_font=env.get("UNICARD_CJK_FONT", ""),
            pin_max_failures=int(env.get("UNICARD_PIN_MAX_FAILURES", "5")),
            pin_lockout_minutes=int(env.get("UNICARD_PIN_LOCKOUT_MINUTES", "15")),
            session_hours=int(env.get("UNICARD_SESSION_HOURS", "12")),
            timezone=env.get("UNICARD_TIMEZONE", "Asia/Shanghai"),
        )


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
