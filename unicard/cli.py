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
    from unicard.api.server import CoalescingHttpProtocol

    settings = get_settings()
    run_with_db(settings, migrate)
    console.print(f"unicard on http://{host}:{port}  (OpenAPI: http://{host}:{port}/schema)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level,
                access_log=False, http=CoalescingHttpProtocol)


def _progress_bar() -> Progress:
    return Progress("[progress.description]{task.description}", BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=console)


def _write_pdf(job: Any, out: str, what: str) -> None:
    from pathlib import Path

    Path(out).write_bytes(job.pdf)
    console.print(f"[green]{job.stats.items} {what}[/] on {job.stats.pages} pages → {out} "
                  f"({len(job.pdf) / 1e6:.2f} MB, {job.stats.per_second:.0f}/s)")
    for key, chars in job.stats.missing_glyphs:
        console.print(f"[yellow]warning:[/] the font cannot draw {chars!r} for {key}")


@main.group()
def cards() -> None:
    """Print reader cards as print-ready PDF."""


@cards.command("print")
@click.option("--branch", required=True, help="Issuing branch (its whole subtree).")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Only cards issued on or after this date.")
@click.option("--reader", "readers", multiple=True, help="Card number; repeat for several.")
@click.option("--layout", type=click.Choice(["sheet", "single"]), default="sheet",
              show_default=True)
@click.option("--back/--no-back", default=False, help="Also print the back side.")
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def cards_print(branch: str, since: Any, readers: tuple[str, ...], layout: str, back: bool,
                out: str) -> None:
    """Print reader cards: 10 up on A4 with crop marks, or one per page for card printers."""
    from unicard.printing import print_reader_cards

    settings = get_settings()

    async def work() -> Any:
        with _progress_bar() as bar:
            task = bar.add_task("rendering cards", total=None)
            return await print_reader_cards(
                None, settings, branch, since=since.date() if since else None,
                card_numbers=readers, layout=layout, with_back=back,  # type: ignore[arg-type]
                on_total=lambda n: bar.update(task, total=n),
                progress=lambda n: bar.update(task, completed=n))

    _write_pdf(_run_reporting(settings, work), out, "cards")


@main.group()
def labels() -> None:
    """Print spine and item barcode labels as print-ready PDF."""


@labels.command("print")
@click.option("--branch", required=True, help="Owning branch (its whole subtree).")
@click.option("--kind", type=click.Choice(["barcode", "spine"]), default="barcode",
              show_default=True)
@click.option("--sheet", default="a4-3x8", show_default=True,
              help="Label sheet layout (a4-3x8, a4-5x13).")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Only items added on or after this date.")
@click.option("--barcode", "barcodes", multiple=True, help="Item barcode; repeat for several.")
@click.option("--skip", default=0, show_default=True, help="Cells already used on sheet 1.")
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def labels_print(branch: str, kind: str, sheet: str, since: Any, barcodes: tuple[str, ...],
                 skip: int, out: str) -> None:
    """Print spine labels (call number in shelf lines) or item barcode labels."""
    from unicard.printing import print_item_labels

    settings = get_settings()

    async def work() -> Any:
        with _progress_bar() as bar:
            task = bar.add_task("rendering labels", total=None)
            return await print_item_labels(
                None, settings, branch, kind=kind, sheet=sheet,  # type: ignore[arg-type]
                since=since.date() if since else None, barcodes=barcodes, skip=skip,
                on_total=lambda n: bar.update(task, total=n),
                progress=lambda n: bar.update(task, completed=n))

    _write_pdf(_run_reporting(settings, work), out, "labels")


def _run_reporting(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run a job and turn a refusal into a one-line error with its code, exit status 1."""
    from unicard.errors import UnicardError

    try:
        return run_with_db(settings, work)
    except UnicardError as exc:
        console.print(f"[red]error ({exc.code}):[/] {exc.message}")
        raise SystemExit(1) from None


def _register_domain_commands() -> None:
    from unicard.catalogue.cli import catalogue
    from unicard.search.cli import search

    main.add_command(catalogue)
    main.add_command(search)
    from unicard.circulation.cli import circulation

    main.add_command(circulation)


_register_domain_commands()

if __name__ == "__main__":
    main()
