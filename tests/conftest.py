"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is found at UNICARD_TEST_DATABASE_URL (default: postgres:postgres@127.0.0.1:5432);
when no server answers, the PostgreSQL cases are skipped and the run says so.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from unicard.clock import FixedClock
from unicard.settings import Settings

PG_ADMIN_URL = os.environ.get(
    "UNICARD_TEST_DATABASE_URL", "postgresql://postgres:postgres@127.0.0.1:5432/postgres"
)
SHARED_DATA = Path(
    os.environ.get("UNICARD_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
BACKENDS = ["sqlite", "postgres"]


def _pg_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    import asyncpg

    async def probe() -> None:
        connection = await asyncpg.connect(PG_ADMIN_URL, timeout=3)
        await connection.close()

    try:
        asyncio.run(probe())
    except Exception as exc:  # any failure means: skip with the reason
        return f"PostgreSQL not reachable at {_redact(PG_ADMIN_URL)}: {exc}"
    return None


def _redact(url: str) -> str:
    parsed = urlparse(url)
    return url.replace(f":{parsed.password}@", ":***@") if parsed.password else url


PG_SKIP_REASON = _pg_reachable()


def pg_url(database: str) -> str:
    parsed = urlparse(PG_ADMIN_URL)
    return parsed._replace(path=f"/{database}").geturl()


async def create_pg_database(name: str) -> str:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return pg_url(name)


async def drop_pg_database(name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def pytest_report_header(config: pytest.Config) -> str:
    return PG_SKIP_REASON or f"PostgreSQL tests run against {_redact(PG_ADMIN_URL)}"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    if PG_SKIP_REASON:
        terminalreporter.write_line(f"NOTE: PostgreSQL cases skipped — {PG_SKIP_REASON}",
                                    yellow=True)


def backend_param(name: str) -> object:
    marks = [pytest.mark.postgres] if name == "postgres" else []
    if name == "postgres" and PG_SKIP_REASON:
        marks.append(pytest.mark.skip(reason=PG_SKIP_REASON))
    return pytest.param(name, marks=marks, id=name)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key="test-secret-key")


class _Templates:
    """A migrated database per backend, made once per run and cloned for each test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sqlite_template: Path | None = None
        self.pg_engine: object | None = None
        self.pg_name = f"unicard_test_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Templates]:
    templates = _Templates(tmp_path_factory.mktemp("db-templates"))
    yield templates
    if templates.pg_engine is not None:
        asyncio.run(drop_pg_database(templates.pg_name))


@pytest.fixture(params=[backend_param(b) for b in BACKENDS])
async def db(request: pytest.FixtureRequest, _templates: _Templates,
             tmp_path: Path) -> AsyncIterator[str]:
    """A freshly migrated, empty database bound to every table; yields the backend name."""
    from piccolo.engine.postgres import PostgresEngine

    from unicard import db as database

    backend: str = request.param
    if backend == "sqlite":
        if _templates.sqlite_template is None:
            path = _templates.root / "template.sqlite3"
            template_engine = database.UnicardSQLiteEngine(path=str(path), timeout=10)
            database.bind(template_engine)
            await database.migrate()
            await template_engine.close_pool()  # merges the WAL into the file we copy
            _templates.sqlite_template = path
        target = tmp_path / "unicard.sqlite3"
        shutil.copy(_templates.sqlite_template, target)
        engine = database.UnicardSQLiteEngine(path=str(target), timeout=10)
        database.bind(engine)
        yield backend
        await engine.close_pool()
        return
    if _templates.pg_engine is None:
        url = await create_pg_database(_templates.pg_name)
        engine = database.engine_from_settings(Settings(database_url=url, data_dir=tmp_path))
        database.bind(engine)
        assert isinstance(engine, PostgresEngine)
        await database.open_pools(engine, size=8)
        await database.migrate()
        _templates.pg_engine = engine
    engine = _templates.pg_engine
    assert isinstance(engine, PostgresEngine)
    database.bind(engine)
    await _truncate_all(engine)
    yield backend


async def _truncate_all(engine: object) -> None:
    """Empty every table and restart the id sequences. DELETE with foreign-key triggers off
    takes ~40 ms where TRUNCATE of 30-odd tables takes ~1 s (it syncs new files per table)."""
    from unicard.db import all_tables

    names = [t._meta.tablename for t in all_tables()]
    async with engine.transaction():  # type: ignore[attr-defined]
        await engine.run_ddl("SET LOCAL session_replication_role = replica")  # type: ignore[attr-defined]
        for name in names:
            await engine.run_ddl(f'DELETE FROM "{name}"')  # type: ignore[attr-defined]
            await engine.run_ddl(  # type: ignore[attr-defined]
                f"SELECT setval(seq, 1, false) FROM pg_get_serial_sequence('\"{name}\"', 'id') "
                "AS seq WHERE seq IS NOT NULL")
