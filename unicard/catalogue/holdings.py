"""Items (copies) from holdings fields, and holdings fields from items for export.

Each source system puts copies in its own field: MARC 21 852, Koha 952 (MARC 21) and
995 (UNIMARC), CNMARC 905 in dp2's and vendors' layouts (REFERENCE.md §1.5). A
`HoldingsMapping` says, per tag, which subfield code holds which item attribute; the
defaults below follow those layouts and can be replaced per source system.

905 specials: one field may hold several copies, either as repeated groups that each start
with $a (`$a1 $bT002267 … $a1 $bT002268 …`) or as repeated $b barcodes sharing one call
number; DT1000 writes an accession range (`0010201-10`) in $b, expanded here to one item
per number. The call number is $s, else $d/$e (class / book number).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pymarc import Field, Record

from unicard.catalogue.marc_flavour import Flavour
from unicard.catalogue.prices import Price, format_price, parse_price
from unicard.catalogue.record_build import data_field, indicators, subfield

__all__ = [
    "CNMARC_905",
    "KOHA_952",
    "KOHA_995",
    "MARC21_852",
    "VENDOR_985",
    "HoldingItem",
    "HoldingsMapping",
    "default_mappings",
    "expand_accession_range",
    "extract_items",
    "items_to_fields",
    "replace_holdings",
]

ATTRIBUTES = frozenset(
    {
        "barcode",
        "call_number",
        "class_number",
        "book_number",
        "shelving_location",
        "item_type",
        "price",
        "copy_number",
        "branch_code",
        "holding_branch",
        "withdrawn",
        "lost",
        "damaged",
        "not_for_loan",
    }
)
_FLAGS = ("lost", "withdrawn", "damaged", "not_for_loan")
MAX_RANGE = 1000
_RANGE = re.compile(r"^([A-Za-z]*)(\d+)-(\d+)$")


@dataclass(frozen=True, slots=True)
class HoldingsMapping:
    """Which subfield of `tag` holds which item attribute (codes are case-sensitive).

    `group_start`: a code whose repetition starts the next copy inside one field.
    `joiner`: joins class number and book number when there is no full call number.
    """

    tag: str
    subfields: Mapping[str, str]
    group_start: str | None = None
    joiner: str = "/"

    def __post_init__(self) -> None:
        unknown = set(self.subfields.values()) - ATTRIBUTES
        if unknown:
            raise ValueError(f"unknown item attributes {sorted(unknown)} for {self.tag}")

    def code_for(self, attribute: str) -> str | None:
        """The first code mapped to `attribute`, for writing."""
        return next((c for c, a in self.subfields.items() if a == attribute), None)


MARC21_852 = HoldingsMapping(
    "852",
    {
        "b": "branch_code",
        "c": "shelving_location",
        "h": "class_number",
        "i": "book_number",
        "p": "barcode",
        "t": "copy_number",
        "9": "price",
    },
    joiner=" ",
)
KOHA_952 = HoldingsMapping(
    "952",
    {
        "a": "branch_code",
        "b": "holding_branch",
        "c": "shelving_location",
        "o": "call_number",
        "p": "barcode",
        "y": "item_type",
        "g": "price",
        "t": "copy_number",
        "0": "withdrawn",
        "1": "lost",
        "4": "damaged",
        "7": "not_for_loan",
    },
)
KOHA_995 = HoldingsMapping(
    "995",
    {
        "b": "branch_code",
        "c": "holding_branch",
        "e": "shelving_location",
        "f": "barcode",
        "k": "call_number",
        "r": "item_type",
        "p": "price",
        "6": "copy_number",
        "0": "withdrawn",
        "1": "damaged",
        "2": "lost",
        "o": "not_for_loan",
    },
)
CNMARC_905 = HoldingsMapping(
    "905",
    {
        "a": "branch_code",
        "b": "barcode",
        "c": "shelving_location",
        "d": "class_number",
        "e": "book_number",
        "s": "call_number",
        "z": "copy_number",
    },
    group_start="a",
)
VENDOR_985 = HoldingsMapping("985", {"a": "barcode", "b": "shelving_location", "d": "price"})


def default_mappings(flavour: Flavour | str) -> tuple[HoldingsMapping, ...]:
    """852 and 952 for MARC 21; 905 and 995 for UNIMARC/CNMARC."""
    if Flavour(flavour) is Flavour.UNIMARC:
        return (CNMARC_905, KOHA_995)
    return (MARC21_852, KOHA_952)


@dataclass(frozen=True, slots=True)
class HoldingItem:
    """One copy as the source system described it; `status` is None (available) unless a
    flag said lost, withdrawn, damaged or not for loan."""

    barcode: str | None = None
    call_number: str | None = None
    shelving_location: str | None = None
    item_type: str | None = None
    price: Price | None = None
    copy_number: str | None = None
    branch_code: str | None = None
    holding_branch: str | None = None
    status: str | None = None
    source_tag: str | None = field(default=None, compare=False)


def expand_accession_range(value: str) -> list[str]:
    """`0010201-10` → 0010201 … 0010210 (the end replaces the last digits); anything that
    is not a short increasing range is returned as one barcode."""
    found = _RANGE.match(value.strip())
    if found is None:
        return [value.strip()]
    prefix, start, end = found.groups()
    if len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    first, last = int(start), int(end)
    if not first <= last < first + MAX_RANGE:
        return [value.strip()]
    return [f"{prefix}{n:0{len(start)}d}" for n in range(first, last + 1)]


def _groups(fld: Field, start: str | None) -> list[list[tuple[str, str]]]:
    groups: list[list[tuple[str, str]]] = [[]]
    for code, value in fld.subfields:
        if code == start and any(c == start for c, _v in groups[-1]):
            groups.append([])
        groups[-1].append((code, value))
    return groups


def _items_of_group(
    mapping: HoldingsMapping, group: list[tuple[str, str]]
) -> Iterable[HoldingItem]:
    values: dict[str, str] = {}
    barcodes: list[str] = []
    for code, value in group:
        attribute = mapping.subfields.get(code)
        value = value.strip()
        if attribute is None or not value:
            continue
        if attribute == "barcode":
            barcodes.extend(expand_accession_range(value) if mapping.tag == "905" else [value])
        else:
            values.setdefault(attribute, value)
    call_number = values.get("call_number")
    if call_number is None:
        parts = [values[a] for a in ("class_number", "book_number") if a in values]
        call_number = mapping.joiner.join(parts) or None
    status = next((f for f in _FLAGS if values.get(f, "0") not in ("0", "")), None)
    price = parse_price(values["price"]) if "price" in values else None
    copies: list[str | None] = list(barcodes) or [None]
    for barcode in copies:
        yield HoldingItem(
            barcode=barcode,
            call_number=call_number,
            shelving_location=values.get("shelving_location"),
            item_type=values.get("item_type"),
            price=price,
            copy_number=values.get("copy_number"),
            branch_code=values.get("branch_code"),
            holding_branch=values.get("holding_branch"),
            status=status.replace("_", " ") if status else None,
            source_tag=mapping.tag,
        )


def extract_items(
    record: Record,
    mappings: Sequence[HoldingsMapping] | None = None,
    flavour: Flavour | str = Flavour.MARC21,
) -> list[HoldingItem]:
    """All copies described in the record's holdings fields, in field order.

    A field that yields neither a barcode nor a call number is not a copy (LC and OCLC
    records use 852/952 for union-catalogue locations) and is skipped.
    """
    items: list[HoldingItem] = []
    for mapping in mappings if mappings is not None else default_mappings(flavour):
        for fld in record.get_fields(mapping.tag):
            if fld.control_field:
                continue
            for group in _groups(fld, mapping.group_start):
                items.extend(
                    item
                    for item in _items_of_group(mapping, group)
                    if item.barcode or item.call_number
                )
    return items


def _split_call_number(mapping: HoldingsMapping, call_number: str) -> dict[str, str]:
    if mapping.code_for("call_number") is not None:
        return {"call_number": call_number}
    cls, sep, book = call_number.partition(mapping.joiner)
    parts = {"class_number": cls}
    if sep:
        parts["book_number"] = book
    return parts


def items_to_fields(items: Iterable[HoldingItem], mapping: HoldingsMapping) -> list[Field]:
    """One holdings field per item in `mapping`'s layout, subfields in the layout's order."""
    fields: list[Field] = []
    for item in items:
        values: dict[str, str] = {}
        for attribute in ("branch_code", "holding_branch", "shelving_location", "item_type"):
            value = getattr(item, attribute)
            if value:
                values[attribute] = value
        if item.call_number:
            values.update(_split_call_number(mapping, item.call_number))
        if item.barcode:
            values["barcode"] = item.barcode
        if item.copy_number:
            values["copy_number"] = item.copy_number
        if item.price is not None:
            values["price"] = format_price(item.price)
        if item.status and item.status.replace(" ", "_") in _FLAGS:
            values[item.status.replace(" ", "_")] = "1"
        subs = [
            subfield(code, values[attribute])
            for code, attribute in mapping.subfields.items()
            if attribute in values and mapping.code_for(attribute) == code
        ]
        if subs:
            fields.append(data_field(mapping.tag, indicators("  "), subs))
    return fields


def replace_holdings(
    record: Record, items: Iterable[HoldingItem], mapping: HoldingsMapping
) -> Record:
    """The record with its `mapping.tag` fields replaced by the current items (for export)."""
    record.remove_fields(mapping.tag)
    record.add_ordered_field(*items_to_fields(items, mapping))
    return record
