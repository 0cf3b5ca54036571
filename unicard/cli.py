"""The `unicard` command: init, demo, serve (and the domain commands as they arrive)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table as RichTable

from unicard.clock import SystemClock
from unicard.db import (
    bind,
    close_pools,
    current_engine,
    engine_from_settings,
    migrate,
    open_pools,
)
from unicard.settings import Settings, get_settings

__all__ = ["main"]

console = Console()
T = TypeVar("T")


def run_with_db(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Bind the configured database, run one async job, close pools."""

    async def runner() -> T:
        bind(engine_from_settings(settings))
        engine = current_engine()
        await open_pools(engine, size=4)
        try:
            return await work()
        finally:
            await close_pools(engine)

    return asyncio.run(runner())


@click.group()
def main() -> None:
    """unicard: one reader card for a library and culture network."""


@main.command()
def init() -> None:
    """Create or upgrade the database schema (applies the checked-in migrations)."""
    settings = get_settings()
    run_with_db(settings, migrate)
    where = "PostgreSQL" if settings.is_postgres else str(settings.sqlite_path)
    console.print(f"[green]schema up to date[/] on {where}")


@main.command()
@click.option("--readers", default=300, show_default=True, help="How many demo readers.")
def demo(readers: int) -> None:
    """Load the demo network, policies, readers and staff (runs init first)."""
    from unicard.demo import DEMO_READER_PIN, DEMO_STAFF, load_demo

    settings = get_settings()

    async def work() -> Any:
        await migrate()
        with Progress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), console=console) as bar:
            task = bar.add_task("registering readers", total=readers)
            return await load_demo(settings, SystemClock(), readers,
                                   progress=lambda n: bar.update(task, completed=n))

    try:
        result = run_with_db(settings, work)
    except RuntimeError as exc:
        console.print(f"[yellow]{exc}[/]")
        return
    console.print(f"[green]demo loaded:[/] {result.orgs} service points, {result.readers} readers")
    table = RichTable(title="Staff accounts (demo only — change these passwords)")
    for column in ("username", "password", "role", "scope"):
        table.add_column(column)
    for staff in DEMO_STAFF:
        table.add_row(staff.username, staff.password, staff.role.value, staff.scope_org)
    console.print(table)
    readers_table = RichTable(title=f"Sample reader cards (PIN {DEMO_READER_PIN})")
    for column in ("card number", "name", "category"):
        readers_table.add_column(column)
    for row in result.sample_cards:
        readers_table.add_row(*row)
    console.print(readers_table)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--log-level", default="info", show_default=True)
def serve(host: str, port: int, log_level: str) -> None:
    """Serve the HTTP API (and, as they arrive, the scheduled jobs)."""
    import uvicorn

    from unicard.api.app import create_app

    settings = get_settings()
    run_with_db(settings, migrate)
    console.print(f"unicard on http://{host}:{port}  (OpenAPI: http://{host}:{port}/schema)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level,
                access_log=False)


if __name__ == "__main__":
    main()
