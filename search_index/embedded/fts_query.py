"""Query text → FTS5 MATCH expression (plus the words to highlight).

Every query word must match (AND). A Chinese word matches as an indexed word or as a phrase
of single characters (marked tokens found only in titles, names and subjects: so 红楼 finds
红楼梦 and 梦 finds it too). A Latin word matches as itself, as one of its typo variants or,
in the pinyin columns, as pinyin (hongloumeng, hlm). The last word also matches as a prefix
(search as you type) from its second letter on; two or three letters stand for their most
common completions. User text never reaches FTS5 syntax: every token is quoted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from search_index import typo
from search_index.text import CHAR_MARK, normalize, segment, split_runs

__all__ = ["CompiledText", "compile_text"]

#: (word, is_last_word) -> indexed terms within the word's typo budget.
TypoLookup = Callable[[str, bool], list[str]]
#: Latin prefix -> its most common completions in the index when shorter than
#: ``SHORT_PREFIX``; else all of them, or none when there are too many to list.
PrefixLookup = Callable[[str], list[str]]
#: Latin prefixes shorter than this are expanded from the vocabulary (FTS5 has no prefix
#: index here); longer ones cover few terms and are left to FTS5's own prefix query.
SHORT_PREFIX = 4


@dataclasses.dataclass(frozen=True)
class CompiledText:
    match: str | None  # None: no searchable word in the text
    needles: tuple[str, ...]  # normalised words to mark in highlights
    #: (clause, its words as indexed terms) for each AND-ed clause of ``match``: the engine
    #: leaves clauses of very common words out of the ranking expression (see ``rank_match``).
    clauses: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def rank_match(self, common: dict[str, int]) -> str | None:
        """``match`` without the clauses that name a word in ``common`` (word → records;
        keeping the least common clause if all do), or None when no clause is left out.

        FTS5's bm25 counts every row of every phrase to weigh it (its IDF), which for a word
        in half the records costs more than the rest of the search; and such a word weighs
        next to nothing in the score. Every record matching ``match`` matches the result.
        """
        kept = [c for c, terms in self.clauses if common.keys().isdisjoint(terms)]
        if len(kept) == len(self.clauses):
            return None
        if not kept:
            kept = [min(self.clauses, key=lambda c: max(common.get(t, 0) for t in c[1]))[0]]
            if len(self.clauses) == 1:
                return None
        return " AND ".join(kept)


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def query_words(text: str) -> list[tuple[bool, str]]:
    """(is_chinese, word) in query order, after the same normalisation documents get."""
    out: list[tuple[bool, str]] = []
    for han, run in split_runs(normalize(text)):
        if han:
            out.extend((True, w) for w in segment(run))
        else:
            out.append((False, run))
    return out


def compile_text(
    text: str, typos: TypoLookup | None = None, prefixes: PrefixLookup | None = None
) -> CompiledText:
    qwords = query_words(text)
    clauses: dict[str, tuple[str, ...]] = {}  # a repeated word is one clause ("the the")
    needles: list[str] = []
    for i, (han, word) in enumerate(qwords):
        last = i == len(qwords) - 1
        needles.append(word)
        # One Latin letter as a prefix would expand to a sizeable share of the vocabulary;
        # it is matched as a word until a second letter is typed.
        prefix = last and (han or len(word) >= 2)
        short = prefix and not han and len(word) < SHORT_PREFIX and prefixes is not None
        # A longer Latin prefix becomes the list of its completions when the vocabulary
        # has them all (few do have many): FTS5 reads every matching term of a prefix query
        # into one list before it returns the first row, while an OR of terms is read
        # lazily, 10x faster for common words ("history" → 4 ms against 0.4).
        completions: list[str] | None = None
        if short and prefixes is not None:
            completions = prefixes(word)
        elif prefix and not han and prefixes is not None and word.isascii() and word.isalpha():
            completions = prefixes(word) or None
        term = _quote(word) + ("*" if prefix and completions is None and not short else "")
        if han:
            chars = _quote(" ".join(CHAR_MARK + c for c in word))
            clauses.setdefault(f"({term} OR {chars})", (word,))
            continue
        alts = [term]
        if completions:
            alts.extend(_quote(t) for t in completions if t != word)
        if typos is not None and typo.budget(word):
            variants = typos(word, last)
            alts.extend(_quote(v) for v in variants)
            needles.extend(variants)
        clause = alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"
        clauses.setdefault(clause, (word,))
    if not clauses:
        return CompiledText(None, ())
    return CompiledText(
        " AND ".join(clauses), tuple(dict.fromkeys(needles)), tuple(clauses.items())
    )
