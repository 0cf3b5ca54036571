"""Fields derived from a document the same way by every engine (facet values, filter keys)."""

from __future__ import annotations

import re

from search_index.text import normalize

__all__ = ["clc_key", "clc_prefixes", "clc_top", "decade", "subject_key"]

_CLC_SPACE_RE = re.compile(r"\s+")


def decade(year: int | None) -> int | None:
    """1994 → 1990: the decade facet."""
    return None if year is None else year - year % 10


def clc_key(clc: str) -> str:
    """CLC classes compare without case or spaces."""
    return _CLC_SPACE_RE.sub("", clc).upper()


def clc_top(clc: str | None) -> str | None:
    """Top class of a 中图法 number: its first letter, or first two letters in class T
    (工业技术 is split into TB, TD, …, TP, TU, TV, which libraries treat as top classes)."""
    if not clc:
        return None
    key = clc_key(clc)
    if not key or not key[0].isalpha():
        return None
    if key[0] == "T" and len(key) > 1 and key[1].isalpha():
        return key[:2]
    return key[0]


def clc_prefixes(clc: str | None) -> list[str]:
    """Every prefix of the class number ("I", "I2", "I24", …, "I247.57"), so a class-prefix
    filter is an equality test where the engine has no prefix filter (Meilisearch)."""
    if not clc:
        return []
    key = clc_key(clc)
    return [key[:i] for i in range(1, len(key) + 1) if key[i - 1] not in ".-/"]


def subject_key(subject: str) -> str:
    """Subject headings match whatever the case or script (小說 = 小说)."""
    return " ".join(normalize(subject).split())
