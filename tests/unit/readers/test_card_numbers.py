"""Card numbers and item barcodes never share a number space."""

from hypothesis import given
from hypothesis import strategies as st

from unicard.readers.card_numbers import (
    ScanKind,
    classify_scan,
    format_card_number,
    format_item_barcode,
    is_card_number,
    is_item_barcode,
)

serials = st.integers(min_value=0, max_value=10**10 - 1)


@given(serials)
def test_allocated_card_numbers_scan_as_cards(serial: int) -> None:
    number = format_card_number(serial)
    assert len(number) == 12 and number[0] == "2"
    assert classify_scan(number) is ScanKind.CARD
    assert not is_item_barcode(number)


@given(serials)
def test_allocated_item_barcodes_scan_as_items(serial: int) -> None:
    barcode = format_item_barcode(serial)
    assert classify_scan(barcode) is ScanKind.ITEM
    assert not is_card_number(barcode)


@given(st.text(min_size=1, max_size=20))
def test_nothing_is_both(text: str) -> None:
    assert not (is_card_number(text) and is_item_barcode(text))


def test_mistyped_card_number_is_neither_card_nor_item() -> None:
    good = format_card_number(17)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert classify_scan(bad) is ScanKind.UNKNOWN


def test_legacy_item_barcodes_from_marc_are_items() -> None:
    for barcode in ("T002267", "D001669", "0010201", "31234567890123"):
        assert classify_scan(barcode) is ScanKind.ITEM
