"""Telling MARC 21 from UNIMARC/CNMARC by the record itself, since files never say.

Evidence, each a vote: field 200 (UNIMARC title) or 245 (MARC 21 title); 100 $a as UNIMARC's
36 coded characters starting with a date; 008 (MARC 21 only); 801 vs 040; leader/20-23
`450 `/`45  ` (UNIMARC exports) vs `4500` (weak: CNMARC XML and pymarc's UNIMARC sample
also carry 4500). A tie is MARC 21, the more common format.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from enum import StrEnum

__all__ = ["Flavour", "guess_flavour", "parse_flavour"]


class Flavour(StrEnum):
    """The two MARC families unicard reads; CNMARC is UNIMARC with Chinese practice."""

    MARC21 = "marc21"
    UNIMARC = "unimarc"


_UNIMARC_100A = re.compile(r"\d{8}[a-z#| -]")


def parse_flavour(value: str | Flavour | None) -> Flavour | None:
    """`cnmarc`/`unimarc`/`rusmarc` → UNIMARC, `marc21`/`usmarc` → MARC21, None → detect."""
    if value is None or isinstance(value, Flavour):
        return value
    key = value.strip().lower().replace("-", "").replace("_", "")
    if key in {"unimarc", "cnmarc", "rusmarc"}:
        return Flavour.UNIMARC
    if key in {"marc21", "usmarc", "marc"}:
        return Flavour.MARC21
    raise ValueError(f"unknown MARC format {value!r}: use marc21, unimarc or cnmarc")


def guess_flavour(leader: str, tags: Collection[str], field100a: str | None) -> Flavour:
    """Vote on the family from the leader, the set of tags and the first 100 $a."""
    score = 0
    tail = leader[20:24]
    if tail in ("450 ", "45  "):
        score += 1
    elif tail == "4500":
        score -= 1
    if "200" in tags:
        score += 2
    if "245" in tags:
        score -= 2
    if "008" in tags:
        score -= 2
    if "801" in tags:
        score += 1
    if "040" in tags:
        score -= 1
    if field100a is not None and len(field100a) >= 30 and _UNIMARC_100A.match(field100a):
        score += 3
    return Flavour.UNIMARC if score > 0 else Flavour.MARC21
