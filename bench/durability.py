"""Which durability the benches ran with: how far a commit goes before the desk is answered
differs between the engines' defaults (SQLite: to the operating system; PostgreSQL: to the
disk), and on a slow disk that difference is most of a write's worst case. Printed with
every run so that figures are compared like for like."""

from __future__ import annotations

import asyncio
import os

__all__ = ["describe"]


def _postgres_setting(admin_url: str) -> str:
    async def show() -> str:
        import asyncpg

        from unicard.db import postgres_config  # TLS off on the loopback, as the server

        connection = await asyncpg.connect(**postgres_config(admin_url))
        try:
            return str(await connection.fetchval("SHOW synchronous_commit"))
        finally:
            await connection.close()

    try:
        return asyncio.run(show())
    except Exception as exc:  # no server: say so rather than fail the bench
        return f"unknown ({type(exc).__name__})"


def describe(admin_url: str) -> str:
    """One line: SQLite's `synchronous` and PostgreSQL's `synchronous_commit` as the bench's
    connections see them (a DSN may set the latter: `?synchronous_commit=off`)."""
    sqlite = os.environ.get("UNICARD_SQLITE_SYNCHRONOUS", "normal")
    return (f"durability: SQLite synchronous={sqlite} (commit reaches the OS"
            f"{'' if sqlite == 'normal' else ' and the disk'}), PostgreSQL synchronous_commit="
            f"{_postgres_setting(admin_url)}")
