"""Importing MARC files into the union catalogue (联合编目), a batch per transaction.

The file is streamed (never loaded whole); every record is parsed, mapped and matched:

* **same source**: (source, control number) was imported before → its record; nothing new
  is written except copies whose barcodes are new. This makes re-importing a file a no-op
  and lets an interrupted import be completed by running it again.
* **same book**: an ISBN-13 already belongs to a record → the incoming record **merges**
  into it: its copies attach there, and its description replaces the stored one only when
  strictly richer (more mapped fields filled, then more MARC fields; a tie keeps what is
  stored). Every merge is logged in `merge_log`.
* otherwise a new record.

One transaction per batch: a crash leaves whole batches only. Rejected and repaired records
are reported with their index, byte offset and reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from unicard.bulk import execute_many, fetch, placeholders
from unicard.catalogue.holdings import HoldingItem
from unicard.catalogue.import_stage import (
    ImportOptions,
    Incoming,
    prepared_chunks,
    record_richness,
)
from unicard.clock import Clock
from unicard.counters import next_values
from unicard.db import write_transaction
from unicard.errors import InvalidInput
from unicard.network.services import load_tree, require_org
from unicard.readers.card_numbers import format_item_barcode, has_card_shape

__all__ = [
    "ITEM_SERIAL",
    "RECORD_ID",
    "ImportOptions",
    "ImportSummary",
    "import_files",
    "record_richness",
]

RECORD_ID = "bib_record_id"
ITEM_ID = "item_id"
ITEM_SERIAL = "item_barcode_serial"
_STATUS_FROM_FLAG = {
    "lost": "lost",
    "withdrawn": "withdrawn",
    "damaged": "damaged",
    "missing": "missing",
}


@dataclass
class ImportSummary:
    files: list[str] = field(default_factory=list)
    read: int = 0
    imported: int = 0
    merged: int = 0
    unchanged: int = 0
    repaired: int = 0
    rejected: int = 0
    items_added: int = 0
    items_skipped: int = 0
    seconds: float = 0.0
    worker_peak_rss_mb: float = 0.0
    reports: list[dict[str, Any]] = field(default_factory=list)

    @property
    def records_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"records_per_second": round(self.records_per_second, 1)}


def _record_row(record_id: int, inc: Incoming, now: Any) -> tuple[Any, ...]:
    return (record_id, *inc.columns, now, now)


_RECORD_COLUMNS = (
    "id, marc_format, marc, title, responsibility, authors, publisher, place, year, isbns, "
    "invalid_isbns, issn, language, edition, series, physical_description, summary, subjects, "
    "clc, material_type, title_pinyin, author_pinyin, richness, created_at, updated_at"
)
_INSERT_RECORD = f"INSERT INTO bib_record ({_RECORD_COLUMNS}) VALUES ({placeholders(25)})"
_REPLACE_RECORD = (
    "UPDATE bib_record SET marc_format = ?, marc = ?, title = ?, responsibility = ?, "
    "authors = ?, publisher = ?, place = ?, year = ?, isbns = ?, invalid_isbns = ?, issn = ?, "
    "language = ?, edition = ?, series = ?, physical_description = ?, summary = ?, "
    "subjects = ?, clc = ?, material_type = ?, title_pinyin = ?, author_pinyin = ?, "
    "richness = ?, updated_at = ? WHERE id = ?"
)
_INSERT_ITEM = (
    "INSERT INTO item (id, barcode, record, call_number, call_number_sort, home_org, "
    "current_org, shelving_location, item_type, status, not_for_loan, price, currency, "
    f"copy_number, created_at, updated_at) VALUES ({placeholders(16)})"
)


class _Batch:
    """Everything one batch writes, collected first and written set-at-a-time."""

    def __init__(self) -> None:
        self.records: list[tuple[Any, ...]] = []
        self.replacements: list[tuple[Any, ...]] = []
        self.isbns: list[tuple[str, int]] = []
        self.sources: list[tuple[str, str, int, Any]] = []
        self.items: list[tuple[Any, ...]] = []
        self.merges: list[tuple[Any, ...]] = []
        self.touched: set[int] = set()


async def _store_batch(
    batch: list[Incoming],
    options: ImportOptions,
    org_ids: dict[str, int],
    summary: ImportSummary,
    clock: Clock,
) -> None:
    now = clock.now()
    controls = sorted({inc.control_number for inc in batch})
    known_sources = {
        (row["source"], row["control_number"]): row["record"]
        for row in await fetch(
            "SELECT source, control_number, record FROM record_source "
            f"WHERE control_number IN ({placeholders(len(controls))})",
            controls,
        )
    }
    isbns = sorted({isbn for inc in batch for isbn in inc.bib.isbns})
    isbn_owner: dict[str, int] = (
        {
            row["isbn"]: row["record"]
            for row in await fetch(
                f"SELECT isbn, record FROM record_isbn WHERE isbn IN ({placeholders(len(isbns))})",
                isbns,
            )
        }
        if isbns
        else {}
    )
    barcodes = sorted({i.barcode for inc in batch for i in inc.items if i.barcode})
    taken_barcodes: dict[str, int] = (
        {
            row["barcode"]: row["record"]
            for row in await fetch(
                "SELECT barcode, record FROM item "
                f"WHERE barcode IN ({placeholders(len(barcodes))})",
                barcodes,
            )
        }
        if barcodes
        else {}
    )
    stored_richness: dict[int, int] = {}
    matched_ids = sorted(set(known_sources.values()) | set(isbn_owner.values()))
    if matched_ids:
        for row in await fetch(
            f"SELECT id, richness FROM bib_record WHERE id IN ({placeholders(len(matched_ids))})",
            matched_ids,
        ):
            stored_richness[row["id"]] = row["richness"]

    new_ids = iter(await next_values(RECORD_ID, len(batch)))
    out = _Batch()
    pending_items: list[tuple[int, Incoming, HoldingItem]] = []
    for inc in batch:
        key = (inc.source, inc.control_number)
        target = known_sources.get(key)
        match_isbn = next((i for i in inc.bib.isbns if i in isbn_owner), None)
        if target is None and match_isbn is not None:
            target = isbn_owner[match_isbn]
            incoming_richness = inc.richness
            kept = "existing"
            if incoming_richness > stored_richness.get(target, 0):
                kept = "incoming"
                stored_richness[target] = incoming_richness
                out.replacements.append((*_record_row(target, inc, now)[1:23], now, target))
            out.merges.append(
                (
                    now,
                    target,
                    f"isbn:{match_isbn}",
                    inc.source,
                    inc.control_number,
                    options.branch,
                    kept,
                    len(inc.items),
                )
            )
            out.sources.append((inc.source, inc.control_number, target, now))
            known_sources[key] = target
            summary.merged += 1
        elif target is None:
            target = next(new_ids)
            out.records.append(_record_row(target, inc, now))
            out.sources.append((inc.source, inc.control_number, target, now))
            known_sources[key] = target
            stored_richness[target] = inc.richness
            summary.imported += 1
        else:
            summary.unchanged += 1
            # Copies without a barcode got one the first time; never allocate them twice.
            pending_items.extend((target, inc, item) for item in inc.items if item.barcode)
            continue
        for isbn in inc.bib.isbns:
            if isbn not in isbn_owner:
                isbn_owner[isbn] = target
                out.isbns.append((isbn, target))
        pending_items.extend((target, inc, item) for item in inc.items)

    await _add_items(pending_items, taken_barcodes, options, org_ids, out, summary, now)
    await execute_many(_INSERT_RECORD, out.records)
    await execute_many(_REPLACE_RECORD, out.replacements)
    await execute_many("INSERT INTO record_isbn (isbn, record) VALUES (?, ?)", out.isbns)
    await execute_many(
        "INSERT INTO record_source (source, control_number, record, imported_at) "
        "VALUES (?, ?, ?, ?)",
        out.sources,
    )
    await execute_many(_INSERT_ITEM, out.items)
    await execute_many(
        "INSERT INTO merge_log (at, record, match_key, incoming_source, "
        "incoming_control_number, branch_code, kept, items_attached) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        out.merges,
    )
    out.touched.update(r[0] for r in out.records)
    out.touched.update(r[-1] for r in out.replacements)
    await execute_many(
        "INSERT INTO outbox (topic, key, created_at, attempts) VALUES ('record', ?, ?, 0)",
        [(str(record_id), now) for record_id in sorted(out.touched)],
    )


async def _add_items(
    pending: list[tuple[int, Incoming, HoldingItem]],
    taken: dict[str, int],
    options: ImportOptions,
    org_ids: dict[str, int],
    out: _Batch,
    summary: ImportSummary,
    now: Any,
) -> None:
    """Copies whose barcodes are new attach to their record; copies without a barcode get
    one allocated; a barcode already used elsewhere is reported and skipped."""
    missing = sum(1 for _, _, item in pending if not item.barcode)
    serials = iter(await next_values(ITEM_SERIAL, missing)) if missing else iter(())
    ids = iter(await next_values(ITEM_ID, len(pending))) if pending else iter(())
    for record_id, inc, item in pending:
        barcode = item.barcode.strip() if item.barcode else format_item_barcode(next(serials))
        where = {"file": inc.file, "index": inc.index, "offset": inc.offset}
        if has_card_shape(barcode):
            summary.items_skipped += 1
            summary.reports.append(
                where
                | {
                    "status": "item-rejected",
                    "reasons": [
                        f"barcode {barcode} has the shape of a card number; "
                        "give the copy a new label"
                    ],
                }
            )
            continue
        if barcode in taken:
            summary.items_skipped += 1
            if taken[barcode] != record_id:
                summary.reports.append(
                    where
                    | {
                        "status": "item-skipped",
                        "reasons": [
                            f"barcode {barcode} already belongs to record {taken[barcode]}"
                        ],
                    }
                )
            continue
        taken[barcode] = record_id
        home = item.branch_code if item.branch_code in org_ids else options.branch
        current = item.holding_branch if item.holding_branch in org_ids else home
        call_number = (item.call_number or "")[:64]
        status = _STATUS_FROM_FLAG.get(item.status or "", "available")
        price = item.price.amount if item.price is not None else None
        out.items.append(
            (
                next(ids),
                barcode[:32],
                record_id,
                call_number,
                inc.shelf_keys.get(call_number, ""),
                org_ids[home],
                org_ids[current],
                (item.shelving_location or "")[:64],
                (item.item_type or "book")[:24],
                status,
                item.status == "not for loan",
                Decimal(price) if price is not None else None,
                ((item.price.currency if item.price is not None else None) or "CNY")[:3],
                (item.copy_number or "")[:16],
                now,
                now,
            )
        )
        out.touched.add(record_id)
        summary.items_added += 1


async def import_files(
    paths: Iterable[str | Path],
    options: ImportOptions,
    clock: Clock,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Import every file; `progress(records_read, bytes_read)` is called after each batch.

    Records are prepared by `import_stage` (in worker processes for ISO 2709) and stored
    here a batch per transaction, in file order.
    """
    if options.batch_size < 1:
        raise InvalidInput("batch size must be at least 1", code="batch-size-invalid")
    async with write_transaction():
        tree = await load_tree()
        require_org(tree, options.branch, "branch")
        org_ids = {row["code"]: row["id"] for row in await fetch("SELECT id, code FROM org")}
    summary = ImportSummary()
    started = time.perf_counter()
    bytes_before = 0
    for path in map(Path, paths):
        summary.files.append(str(path))
        batch: list[Incoming] = []
        try:
            for chunk in prepared_chunks(path, options):
                summary.read += chunk.read
                summary.worker_peak_rss_mb = max(summary.worker_peak_rss_mb, chunk.peak_rss_mb)
                summary.repaired += chunk.repaired
                summary.reports.extend(chunk.reports)
                summary.reports.extend({"file": str(path), "status": "file", "reasons": [p]}
                                       for p in chunk.file_problems)
                for incoming in chunk.incoming:
                    batch.append(incoming)
                    if len(batch) >= options.batch_size:
                        async with write_transaction():
                            await _store_batch(batch, options, org_ids, summary, clock)
                        batch = []
                        if progress:
                            progress(summary.read, bytes_before + chunk.end_offset)
            if batch:
                async with write_transaction():
                    await _store_batch(batch, options, org_ids, summary, clock)
        except ValueError as exc:
            raise InvalidInput(f"{path}: {exc}", code="marc-format-invalid") from None
        bytes_before += path.stat().st_size
        if progress:
            progress(summary.read, bytes_before)
    summary.rejected = sum(1 for r in summary.reports if r.get("status") == "rejected")
    summary.seconds = time.perf_counter() - started
    return summary
