"""Items from holdings fields (852, Koha 952/995, CNMARC 905 layouts) and back for export."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pymarc import Field, Indicators, Record, Subfield

from unicard.catalogue.holdings import (
    CNMARC_905,
    KOHA_952,
    KOHA_995,
    MARC21_852,
    VENDOR_985,
    HoldingItem,
    HoldingsMapping,
    expand_accession_range,
    extract_items,
    items_to_fields,
    replace_holdings,
)
from unicard.catalogue.marc_flavour import Flavour
from unicard.catalogue.prices import Price

from .marc_files import read_file


def _record(tag: str, *pairs: str) -> Record:
    record = Record()
    subfields = [Subfield(p[0], p[1:]) for p in pairs]
    record.add_field(Field(tag, Indicators(" ", " "), subfields))
    return record


def test_cnmarc_905_dp2_layout_from_a_real_record() -> None:
    record = read_file("cnmarc/dp2__sru_sample_cnmarcxml.xml").records[0]
    assert extract_items(record, flavour=Flavour.UNIMARC) == [
        HoldingItem(call_number="F124/26", copy_number="bcp", branch_code="BNU")
    ]


def test_koha_unimarc_995() -> None:
    record = read_file("unimarc/marcjs__bib-one.mrc").records[0]
    assert extract_items(record, flavour="unimarc") == [
        HoldingItem(
            barcode="2000100014080",
            call_number="R SAR",
            shelving_location="a",
            item_type="LIVR",
            branch_code="BEAU",
            holding_branch="BEAU",
        )
    ]


def test_koha_marc21_952() -> None:
    record = read_file("marc21/binary/marc4j__datos-20161010-slice.mrc").records[0]
    items = extract_items(record, flavour="marc21")
    assert len(items) == 965
    assert items[0] == HoldingItem(
        barcode="3560900209766",
        call_number="CALCULADORA TI-NSPIRE CX CAS",
        shelving_location="CRTEC",
        item_type="CALCU",
        price=Price(None, Decimal("1.00")),
        copy_number="1",
        branch_code="BC",
        holding_branch="BC",
    )
    assert len({i.barcode for i in items}) == 965


def test_marc21_852() -> None:
    record = read_file("marc21/binary/evergreen__map_data.mrc").records[0]
    assert extract_items(record)[0].barcode == "11223344"
    assert extract_items(record)[0].shelving_location == "Stacks"
    assert extract_items(record)[0].branch_code == "BR1"


def test_905_repeated_groups_one_copy_each() -> None:
    record = _record(
        "905",
        "a1",
        "bT002267",
        "c0",
        "dK86",
        "e1",
        "f2",
        "sK86/1:0",
        "a1",
        "bT002268",
        "dK86",
        "e1",
    )
    items = extract_items(record, [CNMARC_905])
    assert [(i.barcode, i.call_number) for i in items] == [
        ("T002267", "K86/1:0"),
        ("T002268", "K86/1"),
    ]


def test_905_repeated_barcodes_share_the_call_number() -> None:
    record = _record("905", "bD001669", "bD001705", "d21.1", "e3")
    items = extract_items(record, [CNMARC_905])
    assert [(i.barcode, i.call_number) for i in items] == [
        ("D001669", "21.1/3"),
        ("D001705", "21.1/3"),
    ]


def test_905_accession_range_from_dt1000() -> None:
    items = extract_items(_record("905", "aZB", "b0010201-10", "dI247.57", "eC451"), [CNMARC_905])
    assert [i.barcode for i in items] == [f"00102{n:02d}" for n in range(1, 11)]
    assert {i.call_number for i in items} == {"I247.57/C451"}
    assert expand_accession_range("0010201-0010203") == ["0010201", "0010202", "0010203"]
    assert expand_accession_range("B0099-101") == ["B0099", "B0100", "B0101"]
    assert expand_accession_range("0010210-01") == ["0010210-01"]  # not increasing: one barcode
    assert expand_accession_range("1-99999") == ["1-99999"]  # too long a range to trust


def test_koha_flags_give_a_status() -> None:
    lost = extract_items(_record("952", "aMAIN", "p3100001", "11"), [KOHA_952])
    assert lost[0].status == "lost"
    withdrawn = extract_items(_record("995", "bBEAU", "f2000", "01", "k843 SAR"), [KOHA_995])
    assert withdrawn[0].status == "withdrawn"
    fine = extract_items(_record("952", "aMAIN", "p3100002", "10", "70"), [KOHA_952])
    assert fine[0].status is None


def test_fields_that_are_not_copies_are_skipped() -> None:
    """LC/OCLC use 952 for union-catalogue locations: no barcode, no call number."""
    record = read_file("cjk/perl__cjk1.marc").records[0]
    assert extract_items(record, flavour="marc21") == []


def test_mapping_is_configurable_and_checked() -> None:
    record = _record("985", "aA0001", "b少儿", "dCNY25.00")
    assert extract_items(record, [VENDOR_985]) == [
        HoldingItem(barcode="A0001", shelving_location="少儿", price=Price("CNY", Decimal("25.00")))
    ]
    with pytest.raises(ValueError, match="unknown item attributes"):
        HoldingsMapping("999", {"a": "colour"})


ITEMS = [
    HoldingItem(
        barcode="T0000001",
        call_number="I247.57/C451",
        shelving_location="少儿",
        item_type="BOOK",
        price=Price("CNY", Decimal("68.00"), "含光盘"),
        copy_number="2",
        branch_code="XH",
        holding_branch="XH",
    ),
    HoldingItem(barcode="T0000002", call_number="K86/1:0", branch_code="DC", status="lost"),
]


@pytest.mark.parametrize("mapping", [CNMARC_905, KOHA_952, KOHA_995, MARC21_852])
def test_items_written_back_read_the_same(mapping: HoldingsMapping) -> None:
    fields = items_to_fields(ITEMS, mapping)
    assert [f.tag for f in fields] == [mapping.tag, mapping.tag]
    record = Record()
    record.add_field(*fields)
    back = extract_items(record, [mapping])
    supported = {a for a in mapping.subfields.values()}
    for original, read in zip(ITEMS, back, strict=True):
        assert read.barcode == original.barcode
        assert read.call_number == original.call_number
        if "price" in supported:
            assert read.price == original.price
        if "item_type" in supported:
            assert read.item_type == original.item_type
        if "lost" in supported:
            assert read.status == original.status
        if "holding_branch" in supported:
            assert read.holding_branch == original.holding_branch


def test_905_written_in_dp2_order_with_full_call_number() -> None:
    field = items_to_fields(ITEMS[:1], CNMARC_905)[0]
    assert field.subfields == [
        Subfield("a", "XH"),
        Subfield("b", "T0000001"),
        Subfield("c", "少儿"),
        Subfield("s", "I247.57/C451"),
        Subfield("z", "2"),
    ]


def test_replace_holdings_for_export() -> None:
    record = read_file("cnmarc/dp2__sru_sample_cnmarcxml.xml").records[0]
    replace_holdings(record, ITEMS, CNMARC_905)
    assert [i.barcode for i in extract_items(record, [CNMARC_905])] == ["T0000001", "T0000002"]
    tags = [f.tag for f in record.fields]
    assert tags.index("905") > tags.index("801")
