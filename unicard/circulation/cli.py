"""`unicard circulation …`: the scheduled jobs by hand, and the lists they produce."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.table import Table as RichTable

from unicard.clock import SystemClock

__all__ = ["circulation"]

console = Console()


def _run(work: Any) -> Any:
    from unicard.cli import _run_reporting
    from unicard.settings import get_settings

    return _run_reporting(get_settings(), work)


@click.group()
def circulation() -> None:
    """Circulation jobs: hold shelf expiry, targeting, overdue list (also run by serve)."""


@circulation.command("expire-holds")
@click.option("--limit", default=1000, show_default=True, help="At most this many holds.")
def expire_holds(limit: int) -> None:
    """Expire holds not picked up in time and route their copies to the next reader."""
    from unicard.circulation.holds import expire_hold_shelf

    count = _run(lambda: expire_hold_shelf(SystemClock(), limit=limit))
    console.print(f"[green]{count}[/] holds expired")


@circulation.command("target-holds")
@click.option("--limit", default=100_000, show_default=True, help="At most this many titles.")
def target_holds(limit: int) -> None:
    """Target every title with waiting holds again (the pull lists)."""
    from unicard.circulation.holds import retarget_all

    count = _run(lambda: retarget_all(SystemClock(), limit=limit))
    console.print(f"[green]{count}[/] titles targeted")


@circulation.command("overdue")
@click.option("--org", default=None, help="Only loans lent in this org's subtree.")
@click.option("--limit", default=200, show_default=True)
def overdue(org: str | None, limit: int) -> None:
    """List loans past their due day."""
    from unicard.circulation.lists import overdue_loans

    loans = _run(lambda: overdue_loans(SystemClock(), org=org, limit=limit))
    table = RichTable(title=f"{len(loans)} overdue loans")
    for column in ("due", "days", "barcode", "title", "card", "reader", "lent at"):
        table.add_column(column)
    for loan in loans:
        table.add_row(loan.due_at.date().isoformat(), str(loan.overdue_days), loan.barcode,
                      loan.title[:30], loan.card_number, loan.reader_name, loan.checkout_org)
    console.print(table)


@circulation.command("run-jobs")
def run_jobs() -> None:
    """Run every scheduled job once, as `unicard serve` does periodically."""
    from unicard.circulation.jobs import run_jobs_once

    report = _run(lambda: run_jobs_once(SystemClock()))
    console.print(f"[green]done:[/] {report}")
