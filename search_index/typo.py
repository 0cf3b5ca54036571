"""Typo tolerance for Latin words, with Meilisearch's default rules.

A query word of 5–8 letters may be one typo away from an indexed word, from 9 letters two
(``minWordSizeForTypos`` 5 and 9). A typo is an insertion, deletion, substitution or a swap of
two neighbours (Damerau/OSA distance), and a typo on the first letter counts as two — so a
word of 5–8 letters always keeps its first letter.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import Any

_OSA: Any
try:  # C++ implementation; the pure-Python fallback gives the same answers, slower.
    from rapidfuzz.distance import OSA as _OSA
except ImportError:  # pragma: no cover - exercised where rapidfuzz is absent
    _OSA = None

__all__ = ["ONE_TYPO_FROM", "TWO_TYPOS_FROM", "budget", "candidate_ranges", "cost", "expand"]

ONE_TYPO_FROM = 5
TWO_TYPOS_FROM = 9
_LETTERS = string.ascii_lowercase


def budget(word: str) -> int:
    """How many typos a query word may carry."""
    if not word.isascii() or not word.isalpha():
        return 0  # numbers, codes and Chinese are matched exactly
    if len(word) >= TWO_TYPOS_FROM:
        return 2
    if len(word) >= ONE_TYPO_FROM:
        return 1
    return 0


def _osa_py(a: str, b: str, cutoff: int) -> int:
    """Optimal string alignment distance, giving up (returns cutoff + 1) beyond ``cutoff``."""
    if abs(len(a) - len(b)) > cutoff:
        return cutoff + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            sub = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + sub)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > cutoff:
            return cutoff + 1
        prev2, prev = prev, cur
    return prev[-1]


def cost(word: str, term: str, cutoff: int = 2) -> int:
    """Typos between a query word and an indexed term, first-letter typos counting double."""
    if _OSA is not None:
        d = _OSA.distance(word, term, score_cutoff=cutoff)
    else:
        d = _osa_py(word, term, cutoff)
    if d and word[:1] != term[:1]:
        d += 1
    return d


def candidate_ranges(word: str) -> list[tuple[str, int, int]]:
    """(first letter, min length, max length) slices of the vocabulary worth comparing.

    Same first letter always; with two typos allowed also the second letter (the first one
    deleted or swapped). Substituting or inserting a first letter: :func:`edits_at_start`.
    """
    n = budget(word)
    if n == 0:
        return []
    ranges = [(word[0], len(word) - n, len(word) + n)]
    if n == 2 and word[1] != word[0]:
        ranges.append((word[1], len(word) - 1, len(word) + 1))
    return ranges


def edits_at_start(word: str) -> list[str]:
    """Terms one first-letter substitution or insertion away (worth two typos)."""
    if budget(word) < 2:
        return []
    return [c + word[1:] for c in _LETTERS if c != word[0]] + [c + word for c in _LETTERS]


def expand(word: str, vocabulary: Iterable[str], limit: int = 20) -> list[str]:
    """Indexed terms within the word's typo budget, fewest typos first (the word excluded)."""
    n = budget(word)
    if n == 0:
        return []
    found = []
    for term in vocabulary:
        if term == word:
            continue
        c = cost(word, term, n)
        if c <= n:
            found.append((c, term))
    found.sort()
    return [t for _, t in found[:limit]]
