"""Use cases of the union catalogue besides import/export: records, copies, lookups, barcode
ranges and the merge log. One transaction each; every change queues the record for search."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pymarc import Field, Indicators, Leader, Record, Subfield

from unicard.audit import Actor, append_event
from unicard.bulk import execute, fetch, placeholders
from unicard.catalogue.importer import ITEM_ID, ITEM_SERIAL, RECORD_ID, record_richness
from unicard.catalogue.isbn import normalise_isbn
from unicard.catalogue.mapping import map_record
from unicard.catalogue.marc_flavour import Flavour
from unicard.catalogue.marc_read import read_marc
from unicard.catalogue.marc_write import encode_iso2709
from unicard.catalogue.shelf_order import shelf_key
from unicard.clock import Clock
from unicard.counters import next_values
from unicard.db import read_transaction, write_transaction
from unicard.errors import Conflict, InvalidInput, NotFound
from unicard.network.services import load_tree, require_org
from unicard.readers.card_numbers import format_item_barcode, has_card_shape
from unicard.readers.permissions import Action, StaffPrincipal, ensure_allowed

__all__ = [
    "NewItem",
    "RecordInput",
    "allocate_barcode_range",
    "create_item",
    "create_record",
    "delete_item",
    "delete_record",
    "get_item",
    "get_record",
    "holdings_by_branch",
    "list_merges",
    "records_by_isbn",
    "replace_record",
    "update_item",
]

# Statuses staff may set from the catalogue screen; the rest belong to circulation.
_SHELF_STATUSES = frozenset({"available", "missing", "withdrawn", "damaged"})


@dataclass(frozen=True)
class RecordInput:
    """A record from the cataloguing screen: MARCXML, or a few fields for a quick record."""

    marcxml: str | None = None
    title: str | None = None
    authors: tuple[str, ...] = ()
    isbns: tuple[str, ...] = ()
    publisher: str | None = None
    place: str | None = None
    year: int | None = None
    clc: str | None = None
    language: str | None = None
    subjects: tuple[str, ...] = ()
    summary: str | None = None


@dataclass(frozen=True)
class NewItem:
    branch: str
    barcode: str | None = None  # None: the next number of the branch's range
    call_number: str = ""
    shelving_location: str = ""
    item_type: str = "book"
    price: str | None = None
    not_for_loan: bool = False


def _actor(staff: StaffPrincipal) -> Actor:
    return Actor("staff", staff.staff_id, staff.username)


def _quick_marc21(data: RecordInput) -> Record:
    """A minimal MARC 21 record from the quick-cataloguing fields."""
    if not data.title or not data.title.strip():
        raise InvalidInput("a record needs a title", code="title-missing")
    record = Record(force_utf8=True)
    record.leader = Leader(record.leader[:5] + "nam a22" + record.leader[12:])
    language = (data.language or "chi")[:3]
    year = f"{data.year:04d}" if data.year else "    "
    record.add_field(Field(tag="008", data=f"{'':6}s{year}{'':4}cc {'':17}{language} d"))
    blank = Indicators(" ", " ")
    for isbn in data.isbns:
        record.add_field(Field(tag="020", indicators=blank, subfields=[Subfield("a", isbn)]))
    if data.clc:
        record.add_field(Field(tag="084", indicators=blank,
                               subfields=[Subfield("a", data.clc), Subfield("2", "clc")]))
    if data.authors:
        record.add_field(Field(tag="100", indicators=Indicators("1", " "),
                               subfields=[Subfield("a", data.authors[0])]))
    record.add_field(Field(tag="245", indicators=Indicators("1", "0"),
                           subfields=[Subfield("a", data.title.strip())]))
    publication = [Subfield(code, value) for code, value in
                   (("a", data.place), ("b", data.publisher),
                    ("c", str(data.year) if data.year else None)) if value]
    if publication:
        record.add_field(Field(tag="264", indicators=Indicators(" ", "1"),
                               subfields=publication))
    if data.summary:
        record.add_field(Field(tag="520", indicators=blank,
                               subfields=[Subfield("a", data.summary)]))
    for subject in data.subjects:
        record.add_field(Field(tag="650", indicators=Indicators(" ", "0"),
                               subfields=[Subfield("a", subject)]))
    for author in data.authors[1:]:
        record.add_field(Field(tag="700", indicators=Indicators("1", " "),
                               subfields=[Subfield("a", author)]))
    return record


def _parse_input(data: RecordInput) -> tuple[Record, Flavour]:
    if data.marcxml:
        import io

        reads = list(read_marc(io.BytesIO(data.marcxml.encode("utf-8")), syntax="marcxml"))
        good = [r for r in reads if r.record is not None and r.flavour is not None]
        if len(good) != 1:
            problems = [p for r in reads for p in r.problems][:5]
            raise InvalidInput(f"expected one MARCXML record, found {len(good)}: {problems}",
                               code="marcxml-invalid")
        assert good[0].record is not None and good[0].flavour is not None
        return good[0].record, Flavour(good[0].flavour)
    return _quick_marc21(data), Flavour.MARC21


def _columns(record: Record, flavour: Flavour) -> tuple[dict[str, Any], list[str]]:
    bib = map_record(record, flavour)
    if not bib.title:
        raise InvalidInput("the record has no title (245 / 200 $a)", code="title-missing")
    values = {
        "marc_format": flavour.value, "marc": encode_iso2709(record, flavour),
        "title": bib.title, "responsibility": bib.responsibility or "",
        "authors": json.dumps(bib.authors, ensure_ascii=False),
        "publisher": (bib.publisher or "")[:400], "place": (bib.place or "")[:200],
        "year": bib.year, "isbns": json.dumps(bib.isbns),
        "invalid_isbns": json.dumps(bib.invalid_isbns), "issn": bib.issn or "",
        "language": (bib.language or "")[:8], "edition": (bib.edition or "")[:200],
        "series": bib.series or "", "physical_description": bib.physical_description or "",
        "summary": bib.summary or "", "subjects": json.dumps(bib.subjects, ensure_ascii=False),
        "clc": (bib.clc or "")[:64], "material_type": bib.material_type.value,
        "title_pinyin": bib.title_pinyin or "", "author_pinyin": " ".join(bib.authors_pinyin),
        "richness": record_richness(bib),
    }
    return values, bib.isbns


async def _claim_isbns(record_id: int, isbns: list[str]) -> None:
    """An ISBN belongs to one record: a second record with it is the same book."""
    for isbn in isbns:
        owner = await fetch("SELECT record FROM record_isbn WHERE isbn = ?", (isbn,))
        if owner and owner[0]["record"] != record_id:
            raise Conflict(f"ISBN {isbn} already belongs to record {owner[0]['record']}",
                           code="isbn-taken", isbn=isbn, record_id=owner[0]["record"])
        if not owner:
            await execute("INSERT INTO record_isbn (isbn, record) VALUES (?, ?)",
                          (isbn, record_id))


async def _queue_for_search(record_id: int, clock: Clock) -> None:
    await execute("INSERT INTO outbox (topic, key, created_at, attempts) "
                  "VALUES ('record', ?, ?, 0)", (str(record_id), clock.now()))


async def create_record(data: RecordInput, staff: StaffPrincipal, clock: Clock) -> dict[str, Any]:
    record, flavour = _parse_input(data)
    values, isbns = _columns(record, flavour)
    async with write_transaction():
        tree = await load_tree()
        ensure_allowed(staff, Action.CATALOGUE, tree.path(staff.scope_org))
        record_id = (await next_values(RECORD_ID))[0]
        now = clock.now()
        columns = ["id", *values, "created_at", "updated_at"]
        await execute(
            f"INSERT INTO bib_record ({', '.join(columns)}) VALUES "
            f"({placeholders(len(columns))})",
            (record_id, *values.values(), now, now))
        await _claim_isbns(record_id, isbns)
        await execute("INSERT INTO record_source (source, control_number, record, imported_at) "
                      "VALUES (?, ?, ?, ?)", (f"local:{staff.scope_org}", str(record_id),
                                              record_id, now))
        await _queue_for_search(record_id, clock)
        await append_event(_actor(staff), "record.created", now, org_code=staff.scope_org,
                           subject_kind="record", subject_id=record_id)
    return await get_record(record_id)


async def replace_record(record_id: int, data: RecordInput, staff: StaffPrincipal,
                         clock: Clock) -> dict[str, Any]:
    record, flavour = _parse_input(data)
    values, isbns = _columns(record, flavour)
    async with write_transaction():
        await _require_record(record_id)
        tree = await load_tree()
        ensure_allowed(staff, Action.CATALOGUE, tree.path(staff.scope_org))
        now = clock.now()
        assignments = ", ".join(f"{name} = ?" for name in values)
        await execute(f"UPDATE bib_record SET {assignments}, updated_at = ? WHERE id = ?",
                      (*values.values(), now, record_id))
        await execute("DELETE FROM record_isbn WHERE record = ?", (record_id,))
        await _claim_isbns(record_id, isbns)
        await _queue_for_search(record_id, clock)
        await append_event(_actor(staff), "record.replaced", now, org_code=staff.scope_org,
                           subject_kind="record", subject_id=record_id)
    return await get_record(record_id)


async def delete_record(record_id: int, staff: StaffPrincipal, clock: Clock) -> None:
    async with write_transaction():
        await _require_record(record_id)
        tree = await load_tree()
        ensure_allowed(staff, Action.CATALOGUE, tree.path(staff.scope_org))
        copies = await fetch("SELECT COUNT(*) AS n FROM item WHERE record = ?", (record_id,))
        if copies[0]["n"]:
            raise Conflict(f"record {record_id} still has {copies[0]['n']} copies; withdraw or "
                           "move them first", code="record-has-items", record_id=record_id)
        for table in ("record_isbn", "record_source", "merge_log"):
            await execute(f"DELETE FROM {table} WHERE record = ?", (record_id,))
        await execute("DELETE FROM bib_record WHERE id = ?", (record_id,))
        await _queue_for_search(record_id, clock)
        await append_event(_actor(staff), "record.deleted", clock.now(),
                           org_code=staff.scope_org, subject_kind="record", subject_id=record_id)


async def _require_record(record_id: int) -> dict[str, Any]:
    rows = await fetch("SELECT * FROM bib_record WHERE id = ?", (record_id,))
    if not rows:
        raise NotFound(f"no record {record_id}", code="record-not-found", record_id=record_id)
    return rows[0]


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _record_out(row: dict[str, Any]) -> dict[str, Any]:
    out = {key: value for key, value in row.items() if key != "marc"}
    for key in ("authors", "isbns", "invalid_isbns", "subjects"):
        out[key] = _loads(out[key])
    return out


_ITEM_COLUMNS = (
    "SELECT i.id, i.barcode, i.record, i.call_number, i.shelving_location, i.item_type, "
    "i.status, i.not_for_loan, i.price, i.currency, i.copy_number, h.code AS home_org, "
    "c.code AS current_org FROM item i JOIN org h ON h.id = i.home_org "
    "JOIN org c ON c.id = i.current_org"
)


def _item_out(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["not_for_loan"] = bool(out["not_for_loan"])
    out["price"] = str(out["price"]) if out["price"] is not None else None
    return out


async def get_record(record_id: int) -> dict[str, Any]:
    async with read_transaction():
        row = await _require_record(record_id)
        items = await fetch(f"{_ITEM_COLUMNS} WHERE i.record = ? ORDER BY i.call_number_sort, "
                            "i.barcode", (record_id,))
    return _record_out(row) | {"items": [_item_out(i) for i in items]}


async def holdings_by_branch(record_id: int) -> list[dict[str, Any]]:
    """A record's copies grouped by owning branch, with counts per status: "where is it?"."""
    async with read_transaction():
        await _require_record(record_id)
        tree = await load_tree()
        items = await fetch(f"{_ITEM_COLUMNS} WHERE i.record = ? ORDER BY i.call_number_sort, "
                            "i.barcode", (record_id,))
    groups: dict[str, dict[str, Any]] = {}
    for item in items:
        group = groups.setdefault(item["home_org"], {
            "branch": item["home_org"], "name_zh": tree.node(item["home_org"]).name_zh,
            "total": 0, "available": 0, "by_status": {}, "items": []})
        group["total"] += 1
        group["available"] += item["status"] == "available" and not item["not_for_loan"]
        group["by_status"][item["status"]] = group["by_status"].get(item["status"], 0) + 1
        group["items"].append(_item_out(item))
    return sorted(groups.values(), key=lambda g: (-g["available"], g["branch"]))


async def records_by_isbn(text: str) -> list[dict[str, Any]]:
    isbn = normalise_isbn(text)
    if isbn is None:
        raise InvalidInput(f"{text!r} is not a valid ISBN", code="isbn-invalid")
    async with read_transaction():
        rows = await fetch("SELECT record FROM record_isbn WHERE isbn = ?", (isbn,))
    if not rows:
        raise NotFound(f"no record with ISBN {isbn}", code="record-not-found", isbn=isbn)
    return [await get_record(row["record"]) for row in rows]


async def get_item(barcode: str) -> dict[str, Any]:
    async with read_transaction():
        rows = await fetch(f"{_ITEM_COLUMNS} WHERE i.barcode = ?", (barcode.strip(),))
    if not rows:
        raise NotFound(f"no item with barcode {barcode}", code="item-not-found", barcode=barcode)
    return _item_out(rows[0])


def _price(text: str | None) -> Decimal | None:
    if text in (None, ""):
        return None
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        raise InvalidInput(f"price {text!r} is not a number", code="price-invalid") from None
    if value < 0:
        raise InvalidInput("price cannot be negative", code="price-invalid")
    return value


async def _next_barcode(org_id: int) -> str:
    """The next number of the branch's own range if it has one, else the network series."""
    ranges = await fetch("SELECT id, next_serial FROM barcode_range WHERE org = ? AND "
                         "next_serial <= last_serial ORDER BY id LIMIT 1", (org_id,))
    if ranges:
        await execute("UPDATE barcode_range SET next_serial = next_serial + 1 WHERE id = ?",
                      (ranges[0]["id"],))
        return format_item_barcode(int(ranges[0]["next_serial"]))
    return format_item_barcode((await next_values(ITEM_SERIAL))[0])


async def _org_id(code: str) -> int:
    rows = await fetch("SELECT id FROM org WHERE code = ?", (code,))
    return int(rows[0]["id"])


async def create_item(record_id: int, data: NewItem, staff: StaffPrincipal,
                      clock: Clock) -> dict[str, Any]:
    price = _price(data.price)
    if data.barcode is not None and has_card_shape(data.barcode.strip()):
        raise InvalidInput(f"{data.barcode} has the shape of a card number; item barcodes "
                           "must never be taken for a card", code="item-barcode-looks-like-card")
    async with write_transaction():
        await _require_record(record_id)
        tree = await load_tree()
        require_org(tree, data.branch, "branch")
        ensure_allowed(staff, Action.CATALOGUE, tree.path(data.branch))
        org_id = await _org_id(data.branch)
        barcode = data.barcode.strip() if data.barcode else await _next_barcode(org_id)
        if await fetch("SELECT id FROM item WHERE barcode = ?", (barcode,)):
            raise Conflict(f"barcode {barcode} is already on another copy",
                           code="item-barcode-taken", barcode=barcode)
        item_id = (await next_values(ITEM_ID))[0]
        now = clock.now()
        await execute(
            "INSERT INTO item (id, barcode, record, call_number, call_number_sort, home_org, "
            "current_org, shelving_location, item_type, status, not_for_loan, price, currency, "
            "copy_number, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'available', ?, ?, 'CNY', '', ?, ?)",
            (item_id, barcode, record_id, data.call_number,
             shelf_key(data.call_number)[:200] if data.call_number else "", org_id, org_id,
             data.shelving_location, data.item_type, data.not_for_loan, price, now, now))
        await _queue_for_search(record_id, clock)
        await append_event(_actor(staff), "item.created", now, org_code=data.branch,
                           subject_kind="item", subject_id=barcode,
                           data={"record": record_id})
    return await get_item(barcode)


_ITEM_EDITABLE = frozenset({"call_number", "shelving_location", "item_type", "price",
                            "not_for_loan", "home_org", "status", "copy_number"})


async def update_item(barcode: str, changes: dict[str, Any], staff: StaffPrincipal,
                      clock: Clock) -> dict[str, Any]:
    unknown = set(changes) - _ITEM_EDITABLE
    if unknown:
        raise InvalidInput(f"fields {sorted(unknown)} cannot be changed here",
                           code="field-not-editable")
    async with write_transaction():
        item = await get_item_in_tx(barcode)
        tree = await load_tree()
        ensure_allowed(staff, Action.CATALOGUE, tree.path(item["home_org"]))
        values: dict[str, Any] = {}
        if "status" in changes:
            if changes["status"] not in _SHELF_STATUSES:
                raise InvalidInput(f"status {changes['status']!r} is set by circulation, not "
                                   "here", code="status-not-editable")
            if item["status"] not in _SHELF_STATUSES:
                raise Conflict(f"copy {barcode} is {item['status']}; check it in first",
                               code="item-in-circulation", status=item["status"])
            values["status"] = changes["status"]
        if "home_org" in changes:
            require_org(tree, changes["home_org"], "home_org")
            ensure_allowed(staff, Action.CATALOGUE, tree.path(changes["home_org"]))
            values["home_org"] = await _org_id(changes["home_org"])
        if "call_number" in changes:
            values["call_number"] = changes["call_number"] or ""
            values["call_number_sort"] = shelf_key(values["call_number"])[:200] \
                if values["call_number"] else ""
        if "price" in changes:
            values["price"] = _price(changes["price"])
        for key in ("shelving_location", "item_type", "copy_number"):
            if key in changes:
                values[key] = changes[key]
        if "not_for_loan" in changes:
            values["not_for_loan"] = bool(changes["not_for_loan"])
        now = clock.now()
        if values:
            assignments = ", ".join(f"{name} = ?" for name in values)
            await execute(f"UPDATE item SET {assignments}, updated_at = ? WHERE id = ?",
                          (*values.values(), now, item["id"]))
        await _queue_for_search(item["record"], clock)
        await append_event(_actor(staff), "item.updated", now, org_code=item["home_org"],
                           subject_kind="item", subject_id=barcode,
                           data={"fields": sorted(changes)})
    return await get_item(barcode)


async def get_item_in_tx(barcode: str) -> dict[str, Any]:
    rows = await fetch(f"{_ITEM_COLUMNS} WHERE i.barcode = ?", (barcode.strip(),))
    if not rows:
        raise NotFound(f"no item with barcode {barcode}", code="item-not-found", barcode=barcode)
    return rows[0]


async def delete_item(barcode: str, staff: StaffPrincipal, clock: Clock) -> None:
    """Only a copy that never circulated may be deleted; others are withdrawn instead."""
    async with write_transaction():
        item = await get_item_in_tx(barcode)
        tree = await load_tree()
        ensure_allowed(staff, Action.CATALOGUE, tree.path(item["home_org"]))
        if item["status"] not in _SHELF_STATUSES:
            raise Conflict(f"copy {barcode} is {item['status']}", code="item-in-circulation")
        history = await fetch("SELECT COUNT(*) AS n FROM event WHERE subject_kind = 'item' AND "
                              "subject_id = ? AND action NOT LIKE 'item.%'", (barcode,))
        if history[0]["n"]:
            raise Conflict(f"copy {barcode} has circulated; withdraw it instead",
                           code="item-has-history")
        await execute("DELETE FROM item WHERE id = ?", (item["id"],))
        await _queue_for_search(item["record"], clock)
        await append_event(_actor(staff), "item.deleted", clock.now(), org_code=item["home_org"],
                           subject_kind="item", subject_id=barcode)


async def allocate_barcode_range(branch: str, count: int, staff: StaffPrincipal,
                                 clock: Clock) -> dict[str, Any]:
    """Reserve a block of item barcodes for a branch's pre-printed labels."""
    if not 1 <= count <= 100_000:
        raise InvalidInput("a range holds 1 to 100,000 barcodes", code="range-size-invalid")
    async with write_transaction():
        tree = await load_tree()
        require_org(tree, branch, "branch")
        ensure_allowed(staff, Action.CATALOGUE, tree.path(branch))
        serials = await next_values(ITEM_SERIAL, count)
        now = clock.now()
        await execute("INSERT INTO barcode_range (org, first_serial, last_serial, next_serial, "
                      "created_at) VALUES (?, ?, ?, ?, ?)",
                      (await _org_id(branch), serials[0], serials[-1], serials[0], now))
        await append_event(_actor(staff), "barcodes.allocated", now, org_code=branch,
                           subject_kind="barcode_range", subject_id=serials[0],
                           data={"count": count})
    return {"branch": branch, "count": count, "first": format_item_barcode(serials[0]),
            "last": format_item_barcode(serials[-1])}


async def list_merges(record_id: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
    async with read_transaction():
        if record_id is None:
            return await fetch("SELECT * FROM merge_log ORDER BY id DESC LIMIT ?", (limit,))
        return await fetch("SELECT * FROM merge_log WHERE record = ? ORDER BY id DESC LIMIT ?",
                           (record_id, limit))
