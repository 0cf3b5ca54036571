"""Exporting the union catalogue as ISO 2709 or MARCXML, with each record's current copies
written as holdings fields (MARC 21: Koha's 952; UNIMARC/CNMARC: 905), streamed in batches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, Literal

from pymarc import Record

from unicard.bulk import fetch, placeholders
from unicard.catalogue.holdings import (
    CNMARC_905,
    KOHA_952,
    HoldingItem,
    HoldingsMapping,
    default_mappings,
    replace_holdings,
)
from unicard.catalogue.marc_flavour import Flavour
from unicard.catalogue.marc_write import MarcWriter
from unicard.catalogue.prices import Price
from unicard.db import read_transaction
from unicard.network.services import load_tree, require_org

__all__ = ["ExportSummary", "export_catalogue", "holdings_layout", "record_from_storage"]

_STATUS_FLAGS = {"lost": "lost", "withdrawn": "withdrawn", "damaged": "damaged"}


@dataclass(frozen=True)
class ExportSummary:
    records: int
    items: int


def holdings_layout(flavour: Flavour) -> HoldingsMapping:
    return CNMARC_905 if flavour is Flavour.UNIMARC else KOHA_952


def record_from_storage(marc: bytes) -> Record:
    """Stored records are always UTF-8 ISO 2709, whatever the leader says."""
    return Record(data=bytes(marc), force_utf8=True, to_unicode=True)


async def export_catalogue(
    out: BinaryIO,
    syntax: Literal["iso2709", "marcxml"] = "iso2709",
    branch: str | None = None,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
) -> ExportSummary:
    records = items = 0
    last_id = 0
    with MarcWriter(out, syntax=syntax) as writer:
        async with read_transaction():
            orgs = {row["id"]: row["code"] for row in await fetch("SELECT id, code FROM org")}
            subtree: list[int] | None = None
            if branch is not None:
                tree = await load_tree()
                require_org(tree, branch, "branch")
                codes = set(tree.subtree(branch))
                subtree = [i for i, code in orgs.items() if code in codes]
        while True:
            async with read_transaction():
                if subtree is None:
                    rows = await fetch(
                        "SELECT id, marc_format, marc FROM bib_record "
                        "WHERE id > ? ORDER BY id LIMIT ?",
                        (last_id, batch_size),
                    )
                else:
                    rows = await fetch(
                        "SELECT id, marc_format, marc FROM bib_record WHERE id > ? AND id IN "
                        "(SELECT record FROM item WHERE home_org IN "
                        f"({placeholders(len(subtree))})) ORDER BY id LIMIT ?",
                        (last_id, *subtree, batch_size),
                    )
                if not rows:
                    break
                ids = [row["id"] for row in rows]
                copies: dict[int, list[HoldingItem]] = {}
                item_rows = await fetch(
                    "SELECT record, barcode, call_number, shelving_location, item_type, status, "
                    "not_for_loan, price, currency, copy_number, home_org, current_org FROM item "
                    f"WHERE record IN ({placeholders(len(ids))}) ORDER BY id",
                    ids,
                )
            for row in item_rows:
                if subtree is not None and row["home_org"] not in subtree:
                    continue
                status = "not for loan" if row["not_for_loan"] else _STATUS_FLAGS.get(row["status"])
                price = (
                    Price(row["currency"] or "CNY", row["price"], None)
                    if row["price"] is not None
                    else None
                )
                copies.setdefault(row["record"], []).append(
                    HoldingItem(
                        barcode=row["barcode"],
                        call_number=row["call_number"] or None,
                        shelving_location=row["shelving_location"] or None,
                        item_type=row["item_type"] or None,
                        price=price,
                        copy_number=row["copy_number"] or None,
                        branch_code=orgs[row["home_org"]],
                        holding_branch=orgs[row["current_org"]],
                        status=status,
                    )
                )
            for row in rows:
                flavour = Flavour(row["marc_format"])
                record = record_from_storage(row["marc"])
                for mapping in default_mappings(flavour):
                    record.remove_fields(mapping.tag)
                own = copies.get(row["id"], [])
                replace_holdings(record, own, holdings_layout(flavour))
                writer.write(record, flavour)
                records += 1
                items += len(own)
            last_id = ids[-1]
            if progress:
                progress(records)
    return ExportSummary(records, items)
