"""`unicard catalogue …`: import, export and the merge log from the command line."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table as RichTable

from unicard.clock import SystemClock

__all__ = ["catalogue"]

console = Console(stderr=True)


@click.group()
def catalogue() -> None:
    """The union catalogue: MARC import and export, merges."""


@catalogue.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--branch", required=True, help="Branch that owns copies without a branch code.")
@click.option("--format", "flavour", type=click.Choice(["marc21", "unimarc", "cnmarc"]),
              default=None, help="Force the MARC format (default: detect per record).")
@click.option("--encoding", default=None,
              help="Force the character set: utf-8, marc-8, gb18030, gbk … (default: detect).")
@click.option("--source", default=None, help="Source name for idempotency (default: 003/801).")
@click.option("--batch-size", default=500, show_default=True, help="Records per transaction.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
def import_command(files: tuple[str, ...], branch: str, flavour: str | None,
                   encoding: str | None, source: str | None, batch_size: int,
                   as_json: bool) -> None:
    """Import ISO 2709 or MARCXML files (MARC 21, UNIMARC/CNMARC); re-running is a no-op."""
    from unicard.catalogue.importer import ImportOptions, import_files
    from unicard.cli import _run_reporting
    from unicard.settings import get_settings

    options = ImportOptions(branch=branch, flavour=flavour, encoding=encoding, source=source,
                            batch_size=batch_size)
    total = sum(os.path.getsize(f) for f in files)

    async def work() -> Any:
        with Progress(TextColumn("importing"), BarColumn(), DownloadColumn(),
                      TextColumn("{task.fields[records]} records, {task.fields[rate]}/s"),
                      TimeElapsedColumn(), console=console, disable=not sys.stderr.isatty()
                      and as_json) as bar:
            task = bar.add_task("import", total=total, records=0, rate="-")
            def progress(records: int, position: int) -> None:
                elapsed = bar.tasks[0].elapsed or 1e-9
                bar.update(task, completed=position, records=records,
                           rate=f"{records / elapsed:,.0f}")

            return await import_files(files, options, SystemClock(), progress)

    summary = _run_reporting(get_settings(), work)
    if as_json:
        click.echo(json.dumps(summary.to_json(), ensure_ascii=False, indent=2, default=str))
        return
    table = RichTable(title="import summary")
    for column in ("read", "imported", "merged", "unchanged", "repaired", "rejected",
                   "copies added", "records/s"):
        table.add_column(column, justify="right")
    table.add_row(*(str(v) for v in (summary.read, summary.imported, summary.merged,
                                     summary.unchanged, summary.repaired, summary.rejected,
                                     summary.items_added)),
                  f"{summary.records_per_second:,.0f}")
    Console().print(table)
    for report in summary.reports[:50]:
        where = f"{Path(report['file']).name}"
        if "index" in report:
            where += f" record {report['index'] + 1:,} (byte {report['offset']:,})"
        Console().print(f"[yellow]{report['status']}[/] {where}: {'; '.join(report['reasons'])}")
    if len(summary.reports) > 50:
        Console().print(f"… and {len(summary.reports) - 50} more (use --json for all)")


@catalogue.command("export")
@click.option("--format", "syntax", type=click.Choice(["marc21", "marcxml"]), default="marc21",
              show_default=True, help="marc21 = ISO 2709 (UTF-8); marcxml = MARCXML.")
@click.option("--branch", default=None, help="Only records with copies in this subtree.")
@click.option("--out", type=click.Path(dir_okay=False), default="-", show_default=True)
def export_command(syntax: str, branch: str | None, out: str) -> None:
    """Export records with their copies as holdings fields (952 / 905)."""
    from unicard.catalogue.exporter import export_catalogue
    from unicard.cli import _run_reporting
    from unicard.settings import get_settings

    async def work() -> Any:
        stream = sys.stdout.buffer if out == "-" else open(out, "wb")  # noqa: SIM115
        try:
            return await export_catalogue(
                stream, "marcxml" if syntax == "marcxml" else "iso2709", branch)
        finally:
            if out != "-":
                stream.close()

    result = _run_reporting(get_settings(), work)
    console.print(f"[green]{result.records} records, {result.items} copies exported[/]")


@catalogue.command("merges")
@click.option("--limit", default=50, show_default=True)
def merges_command(limit: int) -> None:
    """List the latest union-catalogue merges."""
    from unicard.catalogue.services import list_merges
    from unicard.cli import _run_reporting
    from unicard.settings import get_settings

    rows = _run_reporting(get_settings(), lambda: list_merges(limit=limit))
    table = RichTable(title="merges")
    for column in ("at", "record", "matched by", "source", "control number", "branch", "kept",
                   "copies"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row["at"])[:19], str(row["record"]), row["match_key"],
                      row["incoming_source"], row["incoming_control_number"],
                      row["branch_code"], row["kept"], str(row["items_attached"]))
    Console().print(table)
