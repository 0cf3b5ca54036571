"""Scheduled jobs of circulation: hold shelf expiry, periodic targeting, the overdue list.

Each is a plain async function (also a CLI command, `unicard circulation …`); `run_periodically`
is what `unicard serve` starts in the background. Every job is bounded in the work it does per
run and safe to run in several processes at once (row locks and conditional updates).
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass

from unicard.audit import SYSTEM
from unicard.circulation.common import Changes
from unicard.circulation.holds import expire_hold_shelf, retarget_all
from unicard.circulation.lists import overdue_loans
from unicard.clock import Clock
from unicard.db import write_transaction

__all__ = ["JobsReport", "job_interval", "run_jobs_once", "run_periodically"]

log = logging.getLogger("unicard.circulation.jobs")

# Seconds between runs inside `unicard serve`; 0 turns the background jobs off.
DEFAULT_INTERVAL = 300


def job_interval() -> float:
    return float(os.environ.get("UNICARD_CIRCULATION_JOBS_SECONDS", DEFAULT_INTERVAL))


@dataclass(frozen=True)
class JobsReport:
    expired_holds: int
    records_targeted: int
    overdue_loans: int


async def record_overdue(clock: Clock, limit: int = 100_000) -> int:
    """The overdue list: counted and noted in the event log once per run (notices are sent
    from it; the list itself is `lists.overdue_loans`)."""
    loans = await overdue_loans(clock, limit=limit)
    async with write_transaction():
        changes = Changes(SYSTEM, clock.now())
        changes.event("loans.overdue_listed", "network", "", {"count": len(loans)})
        await changes.flush()
    return len(loans)


async def run_jobs_once(clock: Clock) -> JobsReport:
    expired = await expire_hold_shelf(clock)
    targeted = await retarget_all(clock)
    overdue = await record_overdue(clock)
    return JobsReport(expired, targeted, overdue)


async def run_periodically(clock: Clock, interval: float, stop: asyncio.Event) -> None:
    """Run the jobs every `interval` seconds until `stop` is set; a failing run is logged and
    retried at the next interval (the desk must never depend on it)."""
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
            return
        except TimeoutError:
            pass
        try:
            report = await run_jobs_once(clock)
            log.info("circulation jobs: %s", report)
        except Exception:  # a job failure must not stop the server
            log.exception("circulation jobs failed")
