"""`unicard search …`: drain the outbox, rebuild the index, query from the shell."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import click
import msgspec
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from unicard.clock import SystemClock

__all__ = ["search"]

console = Console(stderr=True)


@click.group()
def search() -> None:
    """The search index: sync, reindex, query."""


def _with_engine(work: Any) -> Any:
    from unicard.cli import _run_reporting
    from unicard.search.engine import open_search_engine
    from unicard.settings import get_settings

    settings = get_settings()

    async def run() -> Any:
        engine = open_search_engine(settings)
        try:
            return await work(engine)
        finally:
            engine.close()

    return _run_reporting(settings, run)


@search.command("sync")
def sync_command() -> None:
    """Deliver every pending outbox entry to the search engine, then stop."""
    from unicard.search.indexer import InlineIndexer
    from unicard.search.sync import drain_outbox, outbox_backlog

    async def work(engine: Any) -> int:
        done = 0
        while True:
            count = await drain_outbox(InlineIndexer(engine), SystemClock())
            if not count:
                return done
            done += count

    async def run(engine: Any) -> tuple[int, int]:
        return await work(engine), await outbox_backlog()

    done, left = _with_engine(run)
    console.print(f"[green]{done} outbox entries delivered[/], {left} pending")


@search.command("reindex")
def reindex_command() -> None:
    """Rebuild the whole index from the database, without downtime (build aside, swap)."""
    from unicard.bulk import fetch
    from unicard.db import read_transaction
    from unicard.search.sync import reindex

    async def work(engine: Any) -> int:
        async with read_transaction():
            total = (await fetch("SELECT COUNT(*) AS n FROM bib_record"))[0]["n"]
        with Progress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), console=console) as bar:
            task = bar.add_task("indexing records", total=total)
            loop = asyncio.get_running_loop()

            def progress(n: int) -> None:  # called from the engine's thread
                loop.call_soon_threadsafe(lambda: bar.update(task, completed=n))

            return await reindex(engine, progress)

    count = _with_engine(work)
    console.print(f"[green]{count} records indexed[/]")


@search.command("query")
@click.argument("text", nargs=-1)
@click.option("--available-at", default=None, help="Only records on the shelf at this org.")
@click.option("--held-by", default=None, help="Only records held in this org's subtree.")
@click.option("--per-page", default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def query_command(text: tuple[str, ...], available_at: str | None, held_by: str | None,
                  per_page: int, as_json: bool) -> None:
    """Search like the OPAC does and print the hits."""
    from search_index import Facet, Query

    query = Query(text=" ".join(text), available_at=available_at, held_by=held_by,
                  per_page=per_page, facets=(Facet.MATERIAL_TYPE, Facet.LANGUAGE))

    async def work(engine: Any) -> Any:
        return await asyncio.to_thread(engine.search, query)

    result = _with_engine(work)
    if as_json:
        from unicard.api.search import result_out

        click.echo(json.dumps(result_out(result), ensure_ascii=False, indent=2,
                              default=msgspec.to_builtins))
        return
    Console().print(f"{result.total} found")
    for hit in result.hits:
        doc = hit.document
        shelves = ", ".join(f"{b} {c.available}/{c.total}" for b, c in doc.availability.items())
        Console().print(f"[bold]{doc.title}[/] — {'; '.join(doc.authors)} ({doc.year or '?'}) "
                        f"[dim]{shelves}[/]")
