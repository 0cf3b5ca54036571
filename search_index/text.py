"""Text analysis shared by indexing and querying: normalisation, segmentation, pinyin, codes.

The same functions run on documents and on queries, so whatever they do (traditional to
simplified, full-width to half-width, case and accent folding, word segmentation) both sides
agree on.

Segmenter: ``rjieba`` (jieba-rs) when installed, else ``jieba_fast``, else ``jieba``; measured
on this machine over ~250-char book summaries: rjieba ~14.7 M chars/s, jieba_fast ~0.9 M,
jieba ~0.48 M. All three use jieba's dictionary and give the same words on ordinary text, but
index and query must be analysed by the same one: :data:`SEGMENTER` names it and the embedded
engine records it in the index.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Callable, Iterator

import opencc
from pypinyin import Style, lazy_pinyin
from stdnum import isbn as stdnum_isbn

__all__ = [
    "CHAR_MARK",
    "SEGMENTER",
    "analyse_field",
    "call_number_key",
    "exact_key",
    "exact_key_of_normalized",
    "field_words",
    "han_chars",
    "is_han",
    "isbn13",
    "latin_words",
    "looks_like_call_number",
    "marc_pinyin_tokens",
    "normalize",
    "normalize_char_preserving",
    "pinyin_of",
    "pinyin_tokens",
    "segment",
    "split_runs",
    "title_sort_key",
    "to_simplified",
    "words",
]

# CJK unified ideographs (basic, extension A, compatibility, extensions B and later).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUN_RE = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<word>[^\W_{_HAN}]+)")
#: The same runs as plain strings (``findall`` without groups: no match objects to visit).
_RUN_TEXT_RE = re.compile(rf"[{_HAN}]+|[^\W_{_HAN}]+")
#: Words of ASCII text: what ``_RUN_RE`` finds there, with no Chinese run possible.
_ASCII_WORD_RE = re.compile(r"[^\W_]+")
_HAN_RE = re.compile(f"[{_HAN}]")
#: Marks single-character tokens (红 → "\ue000红") so they never share a posting list with
#: the one-character words of long notes (的, 是, 在): the character phrases that serve short
#: queries then read only titles, names and subjects.
CHAR_MARK = "\ue000"
_LATIN_ACCENTED_RE = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")


# --- segmentation ---------------------------------------------------------------------------


def _pick_segmenter() -> tuple[str, Callable[[str], list[str]], Callable[[str], list[str]]]:
    """The fastest installed jieba flavour: (name, precise cut, search-mode cut)."""
    try:
        import rjieba  # type: ignore[import-not-found]

        return "rjieba", rjieba.cut, rjieba.cut_for_search
    except ImportError:
        pass
    try:
        import jieba_fast as jieba_mod  # type: ignore[import-not-found]

        name = "jieba_fast"
    except ImportError:
        import jieba as jieba_mod

        name = "jieba"
    jieba_mod.setLogLevel(60)  # jieba prints its dictionary load time to stderr otherwise
    return name, jieba_mod.lcut, jieba_mod.lcut_for_search


SEGMENTER, _cut, _cut_for_search = _pick_segmenter()


def segment(han_run: str, *, for_search: bool = False) -> list[str]:
    """Words of a run of Chinese characters.

    ``for_search`` adds the shorter words inside long ones (红楼梦 → 红楼, 红楼梦), which we
    use at index time so a query for a part of a long word still finds it.
    """
    return (_cut_for_search if for_search else _cut)(han_run)


# --- normalisation --------------------------------------------------------------------------


def _t2s_table() -> dict[int, str]:
    """Character-level traditional→simplified map from OpenCC's TSCharacters dictionary.

    Character level (first candidate of each entry), not OpenCC's phrase conversion: it is
    ~100x faster, keeps string length (so highlights map back onto the original) and, applied
    alike to documents and queries, makes 紅樓夢 and 红楼梦 the same tokens.
    """
    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt")
    table: dict[int, str] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            key, _, values = line.rstrip("\n").partition("\t")
            target = values.split(" ")[0]
            if len(key) == 1 and len(target) == 1 and key != target:
                table[ord(key)] = target
    # A few targets are themselves listed (薴 → 苧 → 苎): map straight to the end of the chain,
    # so folding twice changes nothing.
    for code, target in table.items():
        seen = {code}
        while ord(target) in table and ord(target) not in seen:
            seen.add(ord(target))
            target = table[ord(target)]
        table[code] = target
    return table


def _fold_table() -> dict[int, str]:
    """One ``str.translate`` table: traditional→simplified plus full-width ASCII forms
    (ＡＢＣ１２３，) and the ellipsis, so Chinese text rarely needs the slower NFKC pass."""
    table = _t2s_table()
    for code in range(0xFF01, 0xFF5F):
        table[code] = chr(code - 0xFEE0)
    table[0x3000] = " "  # ideographic space
    table[0x2026] = "..."
    return table


_T2S = _fold_table()
#: Characters the fold table changes: most Chinese text is already simplified, and looking
#: for them is ~7x cheaper than ``str.translate`` with a dict over every character.
_T2S_KEYS = frozenset(chr(k) for k in _T2S)
_T2S_SAME_LENGTH = {k: v for k, v in _T2S.items() if len(v) == 1}


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def to_simplified(text: str) -> str:
    """Traditional characters and full-width forms folded, nothing else (case is kept)."""
    return text.translate(_T2S)


def normalize(text: str) -> str:
    """Fold what readers do not distinguish: width, case, accents, traditional characters."""
    if text.isascii():
        return text.lower()
    if not _T2S_KEYS.isdisjoint(text):
        text = text.translate(_T2S)
    if not unicodedata.is_normalized("NFKC", text):  # ligatures, circled digits…
        text = unicodedata.normalize("NFKC", text)
        if not _T2S_KEYS.isdisjoint(text):  # Kangxi radicals fold to traditional forms (⿑ → 齊)
            text = text.translate(_T2S)
    text = text.casefold()
    if _LATIN_ACCENTED_RE.search(text):
        text = _strip_accents(text)
    return text


@functools.lru_cache(maxsize=4096)
def _normalize_char(char: str) -> str:
    return normalize(char)


def normalize_char_preserving(text: str) -> tuple[str, list[int]]:
    """Normalise char by char, returning the folded text and, for each of its characters,
    the index of the original character it came from (for highlighting the original)."""
    if text.isascii():
        return text.lower(), list(range(len(text)))
    folded = text.translate(_T2S_SAME_LENGTH).lower()
    if len(folded) == len(text) and not _LATIN_ACCENTED_RE.search(folded):
        return folded, list(range(len(text)))  # the common case: one char for one char
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        folded = char.lower() if char.isascii() else _normalize_char(char)
        out.append(folded)
        origin.extend([i] * len(folded))
    return "".join(out), origin


# --- tokens ---------------------------------------------------------------------------------


def split_runs(normalized: str) -> Iterator[tuple[bool, str]]:
    """(is_han, run) pieces of normalised text: runs of Chinese characters and other words."""
    for han, word in _RUN_RE.findall(normalized):
        yield (True, han) if han else (False, word)


def is_han(text: str) -> bool:
    return bool(_HAN_RE.search(text))


def words(normalized: str, *, for_search: bool = True) -> list[str]:
    """Index words: Chinese runs segmented, other words as they are."""
    out: list[str] = []
    for han, run in split_runs(normalized):
        if han:
            out.extend(segment(run, for_search=for_search))
        else:
            out.append(run)
    return out


def analyse_field(
    normalized: str,
    *,
    chars: bool = False,
    pinyin: bool = False,
    for_search: bool = True,
    sort_parts: list[str] | None = None,
) -> tuple[str, str, str]:
    """(words, single characters, pinyin tokens) of a normalised field, space-joined, in one
    pass over its runs — indexing calls this for every field of every record.

    With ``pinyin``, ``sort_parts`` (if given) receives the field in sort order: pinyin
    syllables for Chinese, words as they are otherwise (see :func:`title_sort_key`).
    """
    out_words: list[str] = []
    out_chars: list[str] = []
    out_py: list[str] = []
    cut = _cut_for_search if for_search else _cut
    # findall with two groups gives (han, word) pairs, one of them empty: cheaper than
    # match objects, and this runs for every field of every record.
    for run, word in _RUN_RE.findall(normalized):
        if not run:
            out_words.append(word)
            if sort_parts is not None:
                sort_parts.append(word)
            continue
        out_words.extend(cut(run))
        if chars:
            out_chars.append(" ".join(CHAR_MARK + c for c in run))
        if pinyin:
            syllables = _run_pinyin(run, out_py)
            if sort_parts is not None:
                sort_parts.extend(syllables)
    return " ".join(out_words), " ".join(out_chars), " ".join(out_py)


def field_words(normalized: str, *, for_search: bool = True) -> str:
    """The words of :func:`analyse_field` alone (space-joined), faster: long notes need no
    characters or pinyin, and ASCII text no segmentation."""
    if normalized.isascii():
        return " ".join(_ASCII_WORD_RE.findall(normalized))
    cut = _cut_for_search if for_search else _cut
    out: list[str] = []
    for run, word in _RUN_RE.findall(normalized):
        if run:
            out.extend(cut(run))
        else:
            out.append(word)
    return " ".join(out)


def _run_pinyin(run: str, out: list[str]) -> list[str]:
    syllables: list[str] = []
    run_words = _cut(run)
    for word in run_words:
        word_py = pinyin_of(word)
        syllables.extend(word_py)
        if len(run_words) > 1 and len(word_py) > 1:
            out.append("".join(word_py))
    if syllables:
        out.extend(syllables)
        if len(syllables) > 1:
            out.append("".join(syllables))
            out.append("".join(s[0] for s in syllables))
    return syllables


def marc_pinyin_tokens(marc_pinyin: str) -> list[str]:
    """Words of MARC pinyin ("Hong lou meng"), their concatenation and initials."""
    marc_words = [w for w in latin_words(normalize(marc_pinyin)) if w.isalpha()]
    if len(marc_words) > 1:
        return [*marc_words, "".join(marc_words), "".join(w[0] for w in marc_words)]
    return marc_words


def han_chars(normalized: str) -> list[str]:
    """Every Chinese character on its own: the fallback that lets 1- and 2-character
    queries match inside longer words (as a phrase of characters)."""
    return _HAN_RE.findall(normalized)


def latin_words(normalized: str) -> list[str]:
    return [run for han, run in split_runs(normalized) if not han]


@functools.lru_cache(maxsize=200_000)
def pinyin_of(word: str) -> tuple[str, ...]:
    """Toneless pinyin syllables of a Chinese word (ü typed as v, the way IMEs do).

    Cached per word: titles and names repeat a small vocabulary, and pypinyin is the slowest
    step of indexing (~150k chars/s) — converting per word also gets polyphones right
    (重庆 → chong qing).
    """
    return tuple(lazy_pinyin(word, style=Style.NORMAL, errors="ignore"))


def pinyin_tokens(normalized: str, marc_pinyin: str | None = None) -> list[str]:
    """Pinyin tokens of the Chinese in a title or name, so typing pinyin finds it.

    For each run of Chinese characters: every syllable (hong lou meng), the run's full
    pinyin (hongloumeng) and its initials (hlm); each word's own full pinyin too when the
    run has several words (pingfandeshijie, pingfan, shijie). MARC pinyin, when given,
    adds its words, their concatenation and initials.
    """
    out: list[str] = []
    for han, run in split_runs(normalized):
        if han:
            _run_pinyin(run, out)
    if marc_pinyin:
        out.extend(marc_pinyin_tokens(marc_pinyin))
    return out


def exact_key(text: str) -> str:
    """Text reduced to its words, for "the query is the whole title" (紅樓夢！ = 红楼梦)."""
    return exact_key_of_normalized(normalize(text))


def exact_key_of_normalized(normalized: str) -> str:
    """:func:`exact_key` of text already normalised."""
    return " ".join(_RUN_TEXT_RE.findall(normalized))


def title_sort_key(title: str) -> str:
    """Sort key putting Chinese titles in pinyin order among Latin titles (红楼梦 ≈ "hong…")."""
    parts: list[str] = []
    analyse_field(normalize(title), pinyin=True, sort_parts=parts)
    return " ".join(parts)


# --- codes: ISBN and call numbers -----------------------------------------------------------

_CALL_NUMBER_RE = re.compile(r"^[A-Za-z]{1,3}\d[\w.\-=:()/+<>\[\]\"]*$")


def isbn13(value: str) -> str | None:
    """The ISBN-13 digits of an ISBN-10 or ISBN-13 (hyphens, spaces allowed), None if invalid."""
    compact = value.replace("-", "").replace(" ", "").upper()
    if len(compact) == 13 and compact.isdigit():
        # The common case, checked inline: stdnum costs ~20 µs a call at indexing rates.
        total = sum(map(int, compact[::2])) + 3 * sum(map(int, compact[1::2]))
        return compact if total % 10 == 0 and compact[:3] in ("978", "979") else None
    if len(compact) != 10 or not stdnum_isbn.is_valid(compact):
        return None
    return str(stdnum_isbn.to_isbn13(compact))


def call_number_key(value: str) -> str:
    """Call numbers compare without case or spaces: "i247.57 / 123" = "I247.57/123"."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).upper()


def looks_like_call_number(query: str) -> bool:
    """A CLC-style call number or class: letters then a digit ("I247.57/123", "TP312")."""
    return bool(_CALL_NUMBER_RE.match(call_number_key(query)))
