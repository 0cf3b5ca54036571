"""The PostgreSQL DSN reaches asyncpg whole; TLS is off only where it protects nothing."""

from __future__ import annotations

from unicard.db import postgres_config


def test_a_loopback_dsn_is_passed_whole_with_tls_off() -> None:
    config = postgres_config("postgresql://app:secret@127.0.0.1:5432/unicard")
    assert config == {"dsn": "postgresql://app:secret@127.0.0.1:5432/unicard",
                      "database": "unicard", "ssl": "disable"}


def test_a_unix_socket_dsn_works_and_needs_no_tls() -> None:
    config = postgres_config("postgresql:///unicard?host=/var/run/postgresql")
    assert config["dsn"].endswith("host=/var/run/postgresql")
    assert config["database"] == "unicard"
    assert config["ssl"] == "disable"


def test_a_remote_server_keeps_the_drivers_tls_default_or_what_the_dsn_asks() -> None:
    assert "ssl" not in postgres_config("postgresql://app:s@db.county.example/unicard")
    asked = postgres_config("postgresql://app:s@127.0.0.1/unicard?sslmode=require")
    assert "ssl" not in asked  # sslmode=require in the DSN is asyncpg's to honour
