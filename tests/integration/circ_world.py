"""Circulation test world: records and items written straight into the catalogue tables (the
catalogue import is someone else's), readers registered without a PIN, desks per branch."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from tests.integration.conftest import Network
from unicard.bulk import execute_many, fetch
from unicard.circulation import network_cache
from unicard.circulation.common import Desk
from unicard.clock import FixedClock
from unicard.counters import next_values
from unicard.db import read_transaction, write_transaction
from unicard.readers.card_numbers import format_item_barcode
from unicard.readers.id_numbers import check_character
from unicard.readers.services import Registration, register_reader
from unicard.settings import Settings

_ids = itertools.count(1)


def id_number(seq: int) -> str:
    body = f"33070219850101{seq % 1000:03d}"
    return body + check_character(body)


async def make_record(title: str = "测试书") -> int:
    async with write_transaction():
        record_id = (await next_values("bib_record_id"))[0]
        clock = FixedClock()
        await execute_many(
            "INSERT INTO bib_record (id, marc_format, marc, title, responsibility, authors, "
            "publisher, place, isbns, invalid_isbns, issn, language, edition, series, "
            "physical_description, summary, subjects, clc, material_type, title_pinyin, "
            "author_pinyin, richness, created_at, updated_at) VALUES (?, 'marc21', ?, ?, '', "
            "'[]', '', '', '[]', '[]', '', 'chi', '', '', '', '', '[]', '', 'book', '', '', 0, "
            "?, ?)",
            [(record_id, b"", title, clock.now(), clock.now())])
    return record_id


async def make_items(record_id: int, home: str, count: int = 1, *, current: str | None = None,
                     item_type: str = "book", status: str = "available",
                     price: Decimal | None = None, not_for_loan: bool = False) -> list[str]:
    """`count` copies of the record owned by `home` (on the shelf at `current`)."""
    async with write_transaction():
        orgs = {r["code"]: r["id"] for r in await fetch("SELECT id, code FROM org")}
        ids = await next_values("item_id", count)
        serials = await next_values("item_barcode_serial", count)
        now = FixedClock().now()
        barcodes = [format_item_barcode(s) for s in serials]
        await execute_many(
            "INSERT INTO item (id, barcode, record, call_number, call_number_sort, home_org, "
            "current_org, shelving_location, item_type, status, not_for_loan, price, currency, "
            "copy_number, created_at, updated_at) VALUES (?, ?, ?, 'I247/1', 'I247/1', ?, ?, "
            "'', ?, ?, ?, ?, 'CNY', '', ?, ?)",
            [(i, b, record_id, orgs[home], orgs[current or home], item_type, status,
              not_for_loan, price, now, now) for i, b in zip(ids, barcodes, strict=True)])
    return barcodes


async def item_row(barcode: str) -> dict:
    async with read_transaction():
        rows = await fetch(
            "SELECT i.id, i.status, h.code AS home, c.code AS current FROM item i "
            "JOIN org h ON h.id = i.home_org JOIN org c ON c.id = i.current_org "
            "WHERE i.barcode = ?", [barcode])
    return rows[0]


async def rows(sql: str, args: list | None = None) -> list[dict]:
    async with read_transaction():
        return await fetch(sql, args or [])


@dataclass
class World:
    network: Network
    clock: FixedClock
    settings: Settings
    readers: dict[str, str] = field(default_factory=dict)

    def desk(self, org: str, staff: str = "admin") -> Desk:
        principal = {"admin": self.network.admin, "east": self.network.east_librarian,
                     "west": self.network.west_librarian, "hall": self.network.hall_staff}[staff]
        return Desk(principal, org)

    async def reader(self, name: str = "读者", category: str = "adult",
                     home: str = "EAST-B1") -> str:
        record = await register_reader(
            Registration(name, id_number(next(_ids)), category, home),
            self.network.admin, self.settings, self.clock)
        self.readers[name] = record.card_number
        return record.card_number

    async def reader_id(self, card: str) -> int:
        return int((await rows("SELECT reader FROM card WHERE number = ?", [card]))[0]["reader"])


@pytest.fixture
async def world(network: Network, clock: FixedClock, settings: Settings) -> World:
    network_cache.invalidate()
    return World(network, clock, settings)
