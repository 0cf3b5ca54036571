"""Synthetic copies and readers in bulk, for benchmarks and end-to-end tests (not for a real
network): plain multi-row inserts, no PIN hashing, ids from the same counters the catalogue
and the reader services use, so real data can be added afterwards.

    python -m unicard.circulation.synthetic --items 100000 --readers 20000 --out load.json

uses the database of the environment (UNICARD_DATA_DIR / UNICARD_DATABASE_URL) and writes the
barcodes (with their home branches) and card numbers it created as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime

from unicard.bulk import execute_many, fetch
from unicard.counters import next_values
from unicard.db import (
    bind,
    close_pools,
    current_engine,
    engine_from_settings,
    open_pools,
    write_transaction,
)
from unicard.readers.card_numbers import format_card_number, format_item_barcode
from unicard.settings import get_settings

__all__ = ["load_items", "load_readers"]

_BATCH = 2000
_NOW = datetime(2026, 11, 1, tzinfo=UTC)


async def _org_ids(codes: Sequence[str] | None) -> dict[str, int]:
    rows = await fetch("SELECT id, code, kind FROM org")
    if codes:
        return {r["code"]: int(r["id"]) for r in rows if r["code"] in codes}
    return {r["code"]: int(r["id"]) for r in rows
            if r["kind"] in ("system", "branch", "service_point")}


async def load_items(count: int, *, copies_per_record: int = 2,
                     branches: Sequence[str] | None = None,
                     seed: int = 1) -> list[tuple[str, str, int]]:
    """`count` copies, `copies_per_record` per title, homes spread over the branches.
    Returns (barcode, home branch, record id) per copy."""
    rng = random.Random(seed)
    created: list[tuple[str, str, int]] = []
    async with write_transaction():
        orgs = await _org_ids(branches)
    codes = sorted(orgs)
    done = 0
    while done < count:
        size = min(_BATCH, count - done)
        async with write_transaction():
            records = (size + copies_per_record - 1) // copies_per_record
            record_ids = list(await next_values("bib_record_id", records))
            item_ids = list(await next_values("item_id", size))
            serials = list(await next_values("item_barcode_serial", size))
            await execute_many(
                "INSERT INTO bib_record (id, marc_format, marc, title, responsibility, authors, "
                "publisher, place, isbns, invalid_isbns, issn, language, edition, series, "
                "physical_description, summary, subjects, clc, material_type, title_pinyin, "
                "author_pinyin, richness, created_at, updated_at) VALUES (?, 'marc21', ?, ?, "
                "'', '[]', '', '', '[]', '[]', '', 'chi', '', '', '', '', '[]', '', 'book', "
                "'', '', 0, ?, ?)",
                [(rid, b"", f"合成书目 {rid}", _NOW, _NOW) for rid in record_ids])
            rows = []
            for n, (item_id, serial) in enumerate(zip(item_ids, serials, strict=True)):
                home = codes[rng.randrange(len(codes))]
                record = record_ids[n // copies_per_record]
                barcode = format_item_barcode(serial)
                rows.append((item_id, barcode, record, orgs[home], orgs[home], _NOW, _NOW))
                created.append((barcode, home, record))
            await execute_many(
                "INSERT INTO item (id, barcode, record, call_number, call_number_sort, "
                "home_org, current_org, shelving_location, item_type, status, not_for_loan, "
                "price, currency, copy_number, created_at, updated_at) VALUES (?, ?, ?, '', '', "
                "?, ?, '', 'book', 'available', false, NULL, 'CNY', '', ?, ?)", rows)
        done += size
    return created


async def load_readers(count: int, *, category: str = "adult",
                       branches: Sequence[str] | None = None, seed: int = 2) -> list[str]:
    """`count` active adult readers without a PIN (they cannot sign in online); returns
    their card numbers."""
    rng = random.Random(seed)
    cards: list[str] = []
    async with write_transaction():
        orgs = await _org_ids(branches)
    codes = sorted(orgs)
    done = 0
    while done < count:
        size = min(_BATCH, count - done)
        async with write_transaction():
            serials = list(await next_values("card_serial", size))
            numbers = [format_card_number(s) for s in serials]
            start = await fetch("SELECT COALESCE(MAX(id), 0) AS n FROM reader")
            first = int(start[0]["n"]) + 1
            readers, card_rows = [], []
            for n, number in enumerate(numbers):
                reader_id = first + n
                home = orgs[codes[rng.randrange(len(codes))]]
                digest = hashlib.sha256(f"synthetic-{number}".encode()).hexdigest()
                readers.append((reader_id, number, f"读者{number[-6:]}", digest,
                                "3307**********0000", category, home, _NOW,
                                date(2036, 1, 1), _NOW))
                card_rows.append((number, reader_id, _NOW, home))
            await execute_many(
                "INSERT INTO reader (id, card_number, name, id_number_hash, id_number_masked, "
                "birth_date, sex, phone, email, category, home_org, registered_at, expires_on, "
                "status, block_reason, fines_owed, pin_hash, pin_failures, updated_at) VALUES "
                "(?, ?, ?, ?, ?, NULL, '', '', '', ?, ?, ?, ?, 'active', '', 0, '', 0, ?)",
                readers)
            await execute_many(
                "INSERT INTO card (number, reader, state, issued_at, issued_by_org) "
                "VALUES (?, ?, 'current', ?, ?)", card_rows)
            cards.extend(numbers)
        done += size
    if not _is_sqlite():
        async with write_transaction():
            await fetch("SELECT setval(pg_get_serial_sequence('reader', 'id'), "
                        "(SELECT MAX(id) FROM reader))")
    return cards


def _is_sqlite() -> bool:
    from unicard.db import is_sqlite

    return is_sqlite()


async def _main(items: int, readers: int, copies: int, branches: list[str] | None) -> dict:
    bind(engine_from_settings(get_settings()))
    engine = current_engine()
    await open_pools(engine, size=2)
    try:
        made = await load_items(items, copies_per_record=copies, branches=branches)
        cards = await load_readers(readers, branches=branches)
    finally:
        await close_pools(engine)
    return {"items": [{"barcode": b, "home": h, "record": r} for b, h, r in made],
            "cards": cards}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=0)
    parser.add_argument("--readers", type=int, default=0)
    parser.add_argument("--copies-per-record", type=int, default=2)
    parser.add_argument("--branch", action="append", default=None,
                        help="Only these branches (repeat); default every library node.")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    result = asyncio.run(_main(args.items, args.readers, args.copies_per_record, args.branch))
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(result, out, ensure_ascii=False)


if __name__ == "__main__":
    main()
