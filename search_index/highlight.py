"""Highlighted snippets: the original text, HTML-escaped, with matched words in ``<mark>``.

Matching runs on normalised text (so 紅樓夢 in a record lights up for a 红楼梦 query) and
marks map back to the original characters.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from search_index.text import is_han, normalize_char_preserving

__all__ = ["MARK_CLOSE", "MARK_OPEN", "highlight"]

MARK_OPEN = "<mark>"
MARK_CLOSE = "</mark>"
_ELLIPSIS = "…"


def _spans(norm: str, needles: Iterable[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for needle in needles:
        if not needle:
            continue
        han = is_han(needle)
        start = norm.find(needle)
        while start != -1:
            end = start + len(needle)
            if han:
                spans.append((start, end))
            elif start == 0 or not norm[start - 1].isalnum():
                # Latin: whole words starting with the needle (prefix matches light up whole).
                while end < len(norm) and norm[end].isalnum() and not is_han(norm[end]):
                    end += 1
                spans.append((start, end))
            start = norm.find(needle, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def highlight(text: str, needles: Sequence[str], crop: int | None = None) -> str | None:
    """``text`` with needle matches marked, or None when nothing matches.

    ``crop`` keeps about that many characters around the first match (for long notes).
    """
    if not text or not needles:
        return None
    norm, origin = normalize_char_preserving(text)
    spans = _spans(norm, needles)
    if not spans:
        return None
    marks = [(origin[s], origin[e - 1] + 1) for s, e in spans]
    lo, hi = 0, len(text)
    if crop is not None and len(text) > crop:
        first = marks[0][0]
        lo = max(0, first - crop // 3)
        hi = min(len(text), lo + crop)
        lo = max(0, min(lo, hi - crop))
    out: list[str] = [_ELLIPSIS] if lo > 0 else []
    pos = lo
    for s, e in marks:
        if e <= lo or s >= hi:
            continue
        s, e = max(s, lo), min(e, hi)
        out.append(html.escape(text[pos:s], quote=False))
        out.append(MARK_OPEN + html.escape(text[s:e], quote=False) + MARK_CLOSE)
        pos = e
    out.append(html.escape(text[pos:hi], quote=False))
    if hi < len(text):
        out.append(_ELLIPSIS)
    return "".join(out)
