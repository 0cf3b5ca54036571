"""Read-side lists of circulation: transits per branch, a reader's loans, overdue loans, and
the dispatch of outgoing transits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from unicard.circulation.common import Changes, as_utc, local, money, staff_actor
from unicard.circulation.network_cache import snapshot
from unicard.circulation.sql import fetch
from unicard.clock import Clock
from unicard.db import read_transaction, write_transaction
from unicard.errors import NotFound
from unicard.readers.permissions import Action, StaffPrincipal, ensure_allowed

__all__ = [
    "LoanLine",
    "TransitLine",
    "TransitLists",
    "dispatch_transits",
    "overdue_loans",
    "reader_loans",
    "transit_lists",
]

# A transit not received after this many days is listed as overdue.
TRANSIT_OVERDUE_DAYS = 5


@dataclass(frozen=True)
class TransitLine:
    id: int
    barcode: str
    title: str
    from_org: str
    to_org: str
    reason: str
    hold_id: int | None
    created_at: datetime
    dispatched_at: datetime | None


@dataclass(frozen=True)
class TransitLists:
    """One branch's transit work: the outgoing bin, what is coming, what is late."""

    org: str
    to_send: list[TransitLine]
    on_the_way: list[TransitLine]
    overdue: list[TransitLine]


_TRANSIT = (
    "SELECT t.id, t.from_org, t.to_org, t.reason, t.hold, t.created_at, t.dispatched_at, "
    "i.barcode, b.title FROM transit t JOIN item i ON i.id = t.item "
    "JOIN bib_record b ON b.id = i.record WHERE t.state = 'open' AND "
)


def _line(row: dict, codes: dict[int, str]) -> TransitLine:
    return TransitLine(int(row["id"]), row["barcode"], row["title"], codes[row["from_org"]],
                       codes[row["to_org"]], row["reason"], row["hold"],
                       as_utc(row["created_at"]), as_utc(row["dispatched_at"]))  # type: ignore[arg-type]


async def transit_lists(org: str, clock: Clock, staff: StaffPrincipal | None = None,
                        overdue_days: int = TRANSIT_OVERDUE_DAYS,
                        limit: int = 1000) -> TransitLists:
    """To send: copies in this branch's outgoing bin not yet dispatched. On the way: copies
    travelling here. Overdue: copies to or from here not received after `overdue_days`."""
    cutoff = clock.now() - timedelta(days=overdue_days)
    async with read_transaction():
        net = await snapshot()
        org_id = net.org_id(org)
        if staff is not None:
            ensure_allowed(staff, Action.CIRCULATE, net.tree.path(org))
        to_send = await fetch(_TRANSIT + "t.from_org = ? AND t.dispatched_at IS NULL "
                              f"ORDER BY t.to_org, t.id LIMIT {int(limit)}", [org_id])
        coming = await fetch(_TRANSIT + f"t.to_org = ? ORDER BY t.id LIMIT {int(limit)}",
                             [org_id])
        late = await fetch(_TRANSIT + "(t.to_org = ? OR t.from_org = ?) AND t.created_at < ? "
                           f"ORDER BY t.created_at, t.id LIMIT {int(limit)}",
                           [org_id, org_id, cutoff])
    return TransitLists(org, [_line(r, net.codes) for r in to_send],
                        [_line(r, net.codes) for r in coming],
                        [_line(r, net.codes) for r in late])


async def dispatch_transits(org: str, staff: StaffPrincipal, clock: Clock,
                            barcodes: list[str] | None = None) -> int:
    """The van took the outgoing bin (or the listed copies): they are on their way."""
    now = clock.now()
    async with write_transaction():
        net = await snapshot()
        org_id = net.org_id(org)
        ensure_allowed(staff, Action.CIRCULATE, net.tree.path(org))
        sql = ("UPDATE transit SET dispatched_at = ? WHERE state = 'open' AND from_org = ? "
               "AND dispatched_at IS NULL")
        args: list = [now, org_id]
        if barcodes:
            marks = ", ".join("?" for _ in barcodes)
            sql += f" AND item IN (SELECT id FROM item WHERE barcode IN ({marks}))"
            args += [b.strip() for b in barcodes]
        rows = await fetch(sql + " RETURNING id, item", args)
        changes = Changes(staff_actor(staff), now, org)
        for row in rows:
            changes.event("transit.dispatched", "item", row["item"], {"transit_id": row["id"]})
        await changes.flush()
    return len(rows)


@dataclass(frozen=True)
class LoanLine:
    id: int
    barcode: str
    title: str
    reader_id: int
    card_number: str
    reader_name: str
    checkout_org: str
    checked_out_at: datetime
    due_at: datetime  # network local time
    renewals: int
    state: str
    overdue_days: int
    fine_so_far: str


_LOAN = (
    "SELECT l.id, l.reader, l.checkout_org, l.checked_out_at, l.due_at, l.renewals, l.state, "
    "i.barcode, b.title, r.card_number, r.name FROM loan l JOIN item i ON i.id = l.item "
    "JOIN bib_record b ON b.id = i.record JOIN reader r ON r.id = l.reader "
)


def _loan_lines(rows: list[dict], codes: dict[int, str], clock: Clock,
                fines: dict[int, str]) -> list[LoanLine]:
    today = local(clock.now(), clock).date()
    lines = []
    for row in rows:
        due = local(as_utc(row["due_at"]), clock)  # type: ignore[arg-type]
        lines.append(LoanLine(
            int(row["id"]), row["barcode"], row["title"], int(row["reader"]),
            row["card_number"], row["name"], codes[row["checkout_org"]],
            as_utc(row["checked_out_at"]), due, int(row["renewals"]), row["state"],  # type: ignore[arg-type]
            max(0, (today - due.date()).days), fines.get(int(row["id"]), "0.00")))
    return lines


async def _fines_so_far(rows: list[dict], clock: Clock) -> dict[int, str]:
    """The fine each open loan would cost if returned now (what the reader sees)."""
    from unicard.circulation.services import loan_fine

    net = await snapshot()
    now = clock.now()
    out: dict[int, str] = {}
    for row in rows:
        if row["state"] == "open" and as_utc(row["due_at"]) < now:  # type: ignore[operator]
            out[int(row["id"])] = str(money(loan_fine(net, row, now, clock)))
    return out


async def reader_loans(clock: Clock, *, reader_id: int | None = None,
                       card_number: str | None = None) -> list[LoanLine]:
    """A reader's loans that are not closed, across the whole network, soonest due first."""
    async with read_transaction():
        if reader_id is None:
            found = await fetch("SELECT reader FROM card WHERE number = ?",
                                [(card_number or "").strip()])
            if not found:
                raise NotFound(f"no reader with card number {card_number}",
                               code="reader-not-found")
            reader_id = int(found[0]["reader"])
        rows = await fetch(
            _LOAN.replace("SELECT l.id,", "SELECT l.id, l.id AS loan_id, i.id AS item_id, "
                          "i.item_type, r.category AS reader_category,")
            + "WHERE l.reader = ? AND l.state <> 'closed' ORDER BY l.due_at, l.id",
            [reader_id])
        net = await snapshot()
        fines = await _fines_so_far(rows, clock)
    return _loan_lines(rows, net.codes, clock, fines)


async def overdue_loans(clock: Clock, org: str | None = None, limit: int = 10_000,
                        staff: StaffPrincipal | None = None) -> list[LoanLine]:
    """Open loans past their due day, lent at `org`'s subtree (all when None)."""
    now = clock.now()
    today_start = local(now, clock).replace(hour=0, minute=0, second=0, microsecond=0)
    async with read_transaction():
        net = await snapshot()
        sql = _LOAN + "WHERE l.state = 'open' AND l.due_at < ?"
        args: list[Any] = [today_start]
        if org is not None:
            net.require(org)
            if staff is not None:
                ensure_allowed(staff, Action.CIRCULATE, net.tree.path(org))
            codes = net.tree.subtree(org)
            sql += f" AND l.checkout_org IN ({', '.join('?' for _ in codes)})"
            args += [net.ids[c] for c in codes]
        rows = await fetch(sql + f" ORDER BY l.due_at, l.id LIMIT {int(limit)}", args)
    return _loan_lines(rows, net.codes, clock, {})
