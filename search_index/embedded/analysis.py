"""Document → index row for the embedded engine; a top-level function so worker processes
can run it (analysis is the costly half of a build, SQLite inserts the other)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import NamedTuple

import msgspec

from search_index.fields import clc_key, clc_top, decade, subject_key
from search_index.model import Document
from search_index.text import (
    analyse_field,
    call_number_key,
    exact_key_of_normalized,
    field_words,
    isbn13,
    marc_pinyin_tokens,
    normalize,
)

__all__ = [
    "COLUMNS",
    "WEIGHTS",
    "Row",
    "analyse",
    "analyse_encoded",
    "encode_batch",
    "encode_body",
    "org_codes",
    "vocabulary",
]

#: FTS5 columns and their BM25 weights: title above author above subject above notes.
#: ``*_chars`` hold single Chinese characters (short queries match inside words as a phrase);
#: ``*_py`` hold pinyin syllables, full pinyin and initials.
_COLUMN_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("title", 10.0),
    ("title_chars", 6.0),
    ("title_py", 5.0),
    ("authors", 5.0),
    ("authors_chars", 3.0),
    ("authors_py", 3.0),
    ("subjects", 3.0),
    ("subjects_chars", 1.5),
    ("notes", 1.0),  # notes and publisher
)
COLUMNS = tuple(c for c, _ in _COLUMN_WEIGHTS)
WEIGHTS = tuple(w for _, w in _COLUMN_WEIGHTS)
_MIN_VOCAB_LEN = 3

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(list[Document])


class Row(NamedTuple):
    id: str
    fts: tuple[str, ...]
    material_type: str | None
    language: str | None
    year: int | None
    decade: int | None
    clc: str | None
    clc_top: str | None
    title_sort: str
    title_key: str
    body: bytes
    held_by: tuple[str, ...]
    available_at: frozenset[str]
    codes: tuple[str, ...]
    subjects: tuple[str, ...]


def _join(parts: list[str]) -> str:
    return " ".join([p for p in parts if p])


# Names, subjects and publishers repeat across records (a catalogue has far fewer authors
# than books), so each is analysed once per process. Analysing the parts of a field one by
# one and joining the results gives exactly the tokens of the joined field: the two spaces
# between parts end every run, and normalisation is character by character.


@functools.lru_cache(maxsize=100_000)
def _name(author: str) -> tuple[str, str, str]:
    return analyse_field(normalize(author), chars=True, pinyin=True)


@functools.lru_cache(maxsize=50_000)
def _subject(subject: str) -> tuple[str, str, str]:
    """(words, characters, filter key) of one subject heading."""
    words, chars, _ = analyse_field(normalize(subject), chars=True)
    return words, chars, subject_key(subject)


@functools.lru_cache(maxsize=10_000)
def _publisher(publisher: str) -> str:
    return field_words(normalize(publisher), for_search=False)


def encode_body(doc: Document) -> bytes:
    """The stored form of a record (``body``), what searches and ``get`` decode."""
    return _encoder.encode(doc)


def org_codes(
    held_by: Iterable[str], available_at: Iterable[str]
) -> tuple[tuple[str, ...], frozenset[str]]:
    """Org codes a record is indexed under, and those with a copy on the shelf: a copy on
    the shelf somewhere is held there, even if the caller left that out of ``held_by``."""
    available = list(available_at)
    return tuple(dict.fromkeys([*held_by, *available])), frozenset(available)


def analyse(doc: Document) -> Row:
    sort_parts: list[str] = []
    norm_title = normalize(doc.title)
    title, title_chars, title_py = analyse_field(
        norm_title, chars=True, pinyin=True, sort_parts=sort_parts
    )
    if doc.title_pinyin:
        title_py = " ".join([title_py, *marc_pinyin_tokens(doc.title_pinyin)])
    names = [_name(a) for a in doc.authors]
    authors = _join([n[0] for n in names])
    authors_chars = _join([n[1] for n in names])
    authors_py = _join([n[2] for n in names])
    subjects_analysed = [_subject(s) for s in doc.subjects]
    subjects = _join([s[0] for s in subjects_analysed])
    subjects_chars = _join([s[1] for s in subjects_analysed])
    # Notes get plain segmentation: they are long, and extra sub-words there cost index
    # size and build time for little recall (short queries are served by the *_chars columns).
    notes = field_words(normalize(doc.notes), for_search=False) if doc.notes else ""
    if doc.publisher:
        notes = _join([notes, _publisher(doc.publisher)])
    fts = (
        title, title_chars, title_py, authors, authors_chars, authors_py,
        subjects, subjects_chars, notes,
    )
    codes = {isbn13(i) or call_number_key(i) for i in doc.isbns}
    codes.update(call_number_key(c) for c in doc.call_numbers)
    codes.discard("")
    held_by, available_at = org_codes(doc.held_by, doc.available_at)
    return Row(
        id=doc.id,
        fts=fts,
        material_type=doc.material_type,
        language=doc.language,
        year=doc.year,
        decade=decade(doc.year),
        clc=clc_key(doc.clc) if doc.clc else None,
        clc_top=clc_top(doc.clc),
        title_sort=" ".join(sort_parts),
        title_key=exact_key_of_normalized(norm_title),
        body=encode_body(doc),
        held_by=held_by,
        available_at=available_at,
        codes=tuple(sorted(codes)),
        subjects=tuple(dict.fromkeys(s[2] for s in subjects_analysed if s[2])),
    )


def vocabulary(row: Row) -> set[str]:
    """Latin words of an analysed row, for the typo vocabulary (bulk builds read it from
    the FTS index instead, once at the end)."""
    return {
        t
        for i in (0, 2, 3, 5, 6, 8)
        for t in row.fts[i].split()
        if len(t) >= _MIN_VOCAB_LEN and t.isascii() and t.isalpha()
    }


def analyse_encoded(batch: bytes) -> list[Row]:
    """Analyse a JSON-encoded batch of documents (what the build sends to worker processes:
    one encode/decode per batch is far cheaper than pickling documents one by one)."""
    return [analyse(d) for d in _decoder.decode(batch)]


def encode_batch(docs: list[Document]) -> bytes:
    return _encoder.encode(docs)
