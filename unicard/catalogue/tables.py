"""Piccolo tables of the union catalogue: records, their match keys, items, merges, ranges.

Record and item ids are allocated from counters (`unicard.counters`) rather than by the
database, so bulk imports can insert parents and children in one round trip each on both
SQLite and PostgreSQL. Every insert into `bib_record` and `item` goes through
`catalogue.repository`, which allocates them.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    Numeric,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from unicard.network.tables import Org

__all__ = ["BarcodeRange", "BibRecord", "Item", "MergeLog", "RecordIsbn", "RecordSource"]


class BibRecord(Table, tablename="bib_record"):
    """One description of a work in the union catalogue; `marc` keeps the whole record as
    ISO 2709 (UTF-8) so that export loses nothing the system does not read."""

    id = BigInt(primary_key=True)
    marc_format = Varchar(length=8)  # marc21 | unimarc
    marc = Bytea()
    title = Text(default="")
    responsibility = Text(default="")
    authors = JSON(default="[]")
    publisher = Varchar(length=400, default="")
    place = Varchar(length=200, default="")
    year = Integer(null=True, default=None)
    isbns = JSON(default="[]")
    invalid_isbns = JSON(default="[]")
    issn = Varchar(length=20, default="")
    language = Varchar(length=8, default="")
    edition = Varchar(length=200, default="")
    series = Text(default="")
    physical_description = Text(default="")
    summary = Text(default="")
    subjects = JSON(default="[]")
    clc = Varchar(length=64, default="", index=True)
    material_type = Varchar(length=16, default="book")
    title_pinyin = Text(default="")
    author_pinyin = Text(default="")
    # How complete the description is (catalogue.mapping.richness); merges keep the richer.
    richness = Integer(default=0)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class RecordIsbn(Table, tablename="record_isbn"):
    """Match key for the union catalogue: one ISBN-13 belongs to one record."""

    isbn = Varchar(length=13, unique=True)
    record = ForeignKey(BibRecord, index=True)


class RecordSource(Table, tablename="record_source"):
    """Where a record came from: re-importing the same (source, control number) is a no-op."""

    source = Varchar(length=64)
    control_number = Varchar(length=64)
    record = ForeignKey(BibRecord, index=True)
    imported_at = Timestamptz()


class Item(Table, tablename="item"):
    """A copy on a shelf somewhere in the network; barcodes are unique network-wide."""

    id = BigInt(primary_key=True)
    barcode = Varchar(length=32, unique=True)
    record = ForeignKey(BibRecord, index=True)
    call_number = Varchar(length=64, default="")
    # Shelf order key from catalogue.call_numbers; never sort call numbers as plain strings.
    call_number_sort = Varchar(length=200, default="", index=True)
    home_org = ForeignKey(Org, index=True)
    current_org = ForeignKey(Org, index=True)
    shelving_location = Varchar(length=64, default="")
    item_type = Varchar(length=24, default="book")
    status = Varchar(length=20, default="available")
    not_for_loan = Boolean(default=False)
    price = Numeric(digits=(12, 2), null=True, default=None)
    currency = Varchar(length=3, default="CNY")
    copy_number = Varchar(length=16, default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class MergeLog(Table, tablename="merge_log"):
    """Each union-catalogue merge: which incoming record joined which, by what key, and
    whose description was kept."""

    at = Timestamptz(index=True)
    record = ForeignKey(BibRecord, index=True)
    match_key = Varchar(length=100)
    incoming_source = Varchar(length=64)
    incoming_control_number = Varchar(length=64)
    branch_code = Varchar(length=32, default="")
    kept = Varchar(length=16)  # existing | incoming
    items_attached = Integer(default=0)


class BarcodeRange(Table, tablename="barcode_range"):
    """A block of item barcode serials reserved for one branch's labels."""

    org = ForeignKey(Org, index=True)
    first_serial = BigInt()
    last_serial = BigInt()
    next_serial = BigInt()
    created_at = Timestamptz()
