"""The Litestar application: routes, problem details, database lifecycle."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig

from unicard.api.catalogue import CatalogueController
from unicard.api.circulation import CirculationController, ReaderCirculationController
from unicard.api.orgs import OrgController
from unicard.api.printing import PrintController
from unicard.api.problems import exception_handlers
from unicard.api.readers import ReaderController, ScanController
from unicard.api.rooms import ROOM_CONTROLLERS
from unicard.api.search import SearchController
from unicard.api.sessions import ReaderSessionController, StaffController
from unicard.circulation.jobs import job_interval, run_periodically
from unicard.clock import Clock, SystemClock
from unicard.db import bind, close_pools, current_engine, engine_from_settings, open_pools
from unicard.lease import BackgroundLease
from unicard.search.engine import open_search_engine
from unicard.search.indexer import ChildIndexer, Indexer, InlineIndexer
from unicard.search.sync import run_outbox_worker
from unicard.settings import Settings, get_settings

__all__ = ["create_app"]

log = logging.getLogger("unicard.jobs")


async def _settle_rooms_periodically(clock: Clock, interval: float, stop: asyncio.Event) -> None:
    """Room bookings and class sessions that are over: no-shows recorded, suspensions set."""
    from unicard.rooms.settlement import settle_due

    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
            return
        try:
            while (await settle_due(clock)).more and not stop.is_set():
                pass
        except Exception:  # a job failure must not stop the server
            log.exception("rooms settlement failed")


@get("/api/health", tags=["system"], summary="Liveness: answers without touching the database")
async def health() -> dict[str, str]:
    return {"status": "ok"}


async def _run_background(app: Litestar, settings: Settings, stop: asyncio.Event) -> None:
    """Wait for the background lease, then run the background work until `stop`."""
    lease = BackgroundLease(settings.data_dir / "background.lock")
    if not await lease.wait(stop):
        return
    indexer: Indexer
    try:
        if settings.search_worker == "process":
            indexer = ChildIndexer(settings)
            try:
                await indexer.start()
            except OSError:  # tried again at every batch; the outbox keeps the changes
                log.exception("the search indexer process did not start")
        else:
            indexer = InlineIndexer(app.state.search)
        clock: Clock = app.state.clock
        tasks = [asyncio.create_task(run_outbox_worker(indexer, clock, stop))]
        interval = job_interval()
        if interval > 0:
            tasks += [asyncio.create_task(run_periodically(clock, interval, stop)),
                      asyncio.create_task(_settle_rooms_periodically(clock, interval, stop))]
        await stop.wait()
        for task in tasks:
            await task
        await indexer.close()
    finally:
        lease.release()


def create_app(settings: Settings | None = None, clock: Clock | None = None,
               bind_engine: bool = True) -> Litestar:
    settings = settings or get_settings()

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncIterator[None]:
        if bind_engine:
            bind(engine_from_settings(settings))
        engine = current_engine()
        await open_pools(engine, size=settings.database_pool_size)
        try:
            yield
        finally:
            await close_pools(engine)

    @asynccontextmanager
    async def search(app: Litestar) -> AsyncIterator[None]:
        """The search engine that answers queries (opened lazily)."""
        app.state.search = open_search_engine(settings)
        try:
            yield
        finally:
            app.state.search.close()

    @asynccontextmanager
    async def background(app: Litestar) -> AsyncIterator[None]:
        """The outbox worker (documents built in a child process unless the settings ask for
        this one), the circulation jobs and the settlement of room bookings, run by the one
        server process on this machine that holds the background lease."""
        # Everything loaded at start-up (the app, the search analysers' dictionaries) leaves
        # the collector's sight: full collections walked it in 100 ms pauses under load.
        gc.collect()
        gc.freeze()
        stop = asyncio.Event()
        supervisor = asyncio.create_task(_run_background(app, settings, stop))
        try:
            yield
        finally:
            stop.set()
            await supervisor

    return Litestar(
        route_handlers=[health, OrgController, ReaderController, ScanController,
                        StaffController, ReaderSessionController, PrintController,
                        CatalogueController, SearchController, CirculationController,
                        ReaderCirculationController, *ROOM_CONTROLLERS],
        exception_handlers=exception_handlers,
        lifespan=[database, search, background],
        state=State({"settings": settings, "clock": clock or SystemClock()}),
        openapi_config=OpenAPIConfig(title="unicard", version="0.1.0",
                                     description="One card for a library and culture network"),
    )
