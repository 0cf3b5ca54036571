"""ISBN and ISSN normalisation: one ISBN-13 form for matching records across branches.

The check-digit arithmetic is done here because python-stdnum's `isbn.is_valid` costs
~20 µs a call, too much at 15,000 records a second; the unit tests check these functions
against python-stdnum (the reference) on generated numbers, and stdnum is used for
hyphenated display (`format_isbn`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from operator import mul

from stdnum import isbn as stdnum_isbn

__all__ = [
    "find_isbn",
    "format_isbn",
    "is_valid_isbn",
    "normalise_isbn",
    "normalise_issn",
    "split_isbns",
]

# A run of digits with optional hyphens/spaces, ending in a digit or X: "7-5037-1744-0".
_CANDIDATE = re.compile(r"[0-9](?:[0-9]|[- ](?=[0-9Xx])){7,16}[0-9Xx]?")
_ISSN = re.compile(r"([0-9]{4})-?([0-9]{3}[0-9Xx])")
_DIGITS = frozenset("0123456789")
_WEIGHTS10 = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def find_isbn(text: str) -> str | None:
    """The ISBN-looking part of a subfield ("0471383147 (pbk.)" → "0471383147"),
    compacted, whether valid or not."""
    found = _CANDIDATE.search(text)
    if found is None:
        return None
    return found.group().replace("-", "").replace(" ", "").upper()


def _isbn10_check(body: str) -> str:
    check = (11 - sum(map(mul, _WEIGHTS10, map(int, body))) % 11) % 11
    return "X" if check == 10 else str(check)


def _ean13_check(body: str) -> str:
    total = sum(map(int, body[0::2])) + 3 * sum(map(int, body[1::2]))
    return str((10 - total % 10) % 10)


def is_valid_isbn(compact: str) -> bool:
    """A compact ISBN-10 or ISBN-13 (978/979) with a correct check digit."""
    if len(compact) == 10:
        return set(compact[:9]) <= _DIGITS and _isbn10_check(compact[:9]) == compact[9]
    if len(compact) == 13:
        return (
            compact.isdigit()
            and compact[:3] in ("978", "979")
            and _ean13_check(compact[:12]) == compact[12]
        )
    return False


def normalise_isbn(text: str) -> str | None:
    """ISBN-13 without hyphens for the ISBN in `text`, or None if there is no valid one."""
    compact = find_isbn(text)
    if compact is None:
        return None
    if len(compact) == 9:  # an SBN: the ISBN-10 with a leading zero
        compact = "0" + compact
    if not is_valid_isbn(compact):
        return None
    if len(compact) == 13:
        return compact
    body = "978" + compact[:9]
    return body + _ean13_check(body)


def split_isbns(
    values: Sequence[str], cancelled: Sequence[str] = ()
) -> tuple[list[str], list[str]]:
    """Valid ISBN-13s (deduplicated, in order) and everything else kept as found:
    `values` are $a-style subfields, `cancelled` $z-style ones (always invalid)."""
    valid: list[str] = []
    invalid: list[str] = []
    for text in values:
        isbn13 = normalise_isbn(text)
        if isbn13 is not None:
            if isbn13 not in valid:
                valid.append(isbn13)
        elif text.strip():
            kept = find_isbn(text) or text.strip()
            if kept not in invalid:
                invalid.append(kept)
    for text in cancelled:
        kept = find_isbn(text) or text.strip()
        if kept and kept not in invalid:
            invalid.append(kept)
    return valid, invalid


def format_isbn(isbn13: str) -> str:
    """Hyphenated display form (978-7-5037-1744-1), by python-stdnum's range tables."""
    return stdnum_isbn.format(isbn13)


def normalise_issn(text: str) -> str | None:
    """`1234-5679` for a valid ISSN in `text`, else None."""
    found = _ISSN.search(text)
    if found is None:
        return None
    body, last = found.group(1) + found.group(2)[:3], found.group(2)[3].upper()
    check = (11 - sum(map(mul, _WEIGHTS10[2:], map(int, body))) % 11) % 11
    if ("X" if check == 10 else str(check)) != last:
        return None
    return f"{body[:4]}-{body[4:]}{last}"
