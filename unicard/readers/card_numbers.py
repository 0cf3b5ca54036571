"""Card numbers and item barcodes live in disjoint number spaces so one scan box always knows
what it was given.

A card number is 12 digits: the prefix 2, ten digits of serial, and a Luhn check digit.
An allocated item barcode is the same shape with prefix 3. Legacy item barcodes from imported
MARC (e.g. ``T002267``) are accepted as items as long as they are not a valid card number.
"""

from __future__ import annotations

from enum import StrEnum

from stdnum import luhn

__all__ = [
    "CARD_PREFIX",
    "ITEM_PREFIX",
    "ScanKind",
    "classify_scan",
    "format_card_number",
    "format_item_barcode",
    "has_card_shape",
    "is_card_number",
    "is_item_barcode",
]

CARD_PREFIX = "2"
ITEM_PREFIX = "3"
_LENGTH = 12
_SERIAL_DIGITS = _LENGTH - 2


class ScanKind(StrEnum):
    CARD = "card"
    ITEM = "item"
    UNKNOWN = "unknown"


def _with_check(prefix: str, serial: int) -> str:
    if not 0 <= serial < 10**_SERIAL_DIGITS:
        raise ValueError(f"serial {serial} does not fit in {_SERIAL_DIGITS} digits")
    body = f"{prefix}{serial:0{_SERIAL_DIGITS}d}"
    return body + luhn.calc_check_digit(body)


def format_card_number(serial: int) -> str:
    return _with_check(CARD_PREFIX, serial)


def format_item_barcode(serial: int) -> str:
    return _with_check(ITEM_PREFIX, serial)


def _is_checked(text: str, prefix: str) -> bool:
    return len(text) == _LENGTH and text.isdigit() and text[0] == prefix and luhn.is_valid(text)


def is_card_number(text: str) -> bool:
    return _is_checked(text, CARD_PREFIX)


def has_card_shape(text: str) -> bool:
    """12 digits starting with 2: reserved for cards even when the check digit is wrong,
    so a mistyped card number is never taken for an item."""
    return len(text) == _LENGTH and text.isdigit() and text[0] == CARD_PREFIX


def is_item_barcode(text: str) -> bool:
    """Any printable code without spaces outside the card shape may label an item."""
    return bool(text) and text.isprintable() and " " not in text and not has_card_shape(text)


def classify_scan(text: str) -> ScanKind:
    text = text.strip()
    if is_card_number(text):
        return ScanKind.CARD
    if is_item_barcode(text):
        return ScanKind.ITEM
    return ScanKind.UNKNOWN
