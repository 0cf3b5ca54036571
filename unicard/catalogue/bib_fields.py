"""The fields unicard reads from a bibliographic record, whatever its MARC format.

`BibFields` is what the catalogue stores beside the full MARC record and what search
documents are built from; `map_marc21`/`map_unimarc` fill it. Helpers here are shared by
both mappings: cleaning ISBD punctuation, finding a year, the material-type vocabulary.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from pymarc import Field, Record

from unicard.catalogue.prices import Price
from unicard.catalogue.record_build import LazyField

__all__ = [
    "BibFields",
    "MaterialType",
    "Pairs",
    "RecordKind",
    "clean",
    "dedupe",
    "fields_by_tag",
    "find_year",
    "first_in",
    "is_richer",
    "joined",
    "joined_in",
    "nfc",
    "pairs",
    "richness",
    "subfield_values",
    "values_in",
]


class MaterialType(StrEnum):
    """The small vocabulary readers filter by; from leader/06-07."""

    BOOK = "book"
    SERIAL = "serial"
    AUDIO = "audio"
    VIDEO = "video"
    MAP = "map"
    SCORE = "score"
    ELECTRONIC = "electronic"
    OTHER = "other"


class RecordKind(StrEnum):
    """What a MARC record describes; only bibliographic records become catalogue records."""

    BIBLIOGRAPHIC = "bibliographic"
    AUTHORITY = "authority"
    HOLDINGS = "holdings"
    CLASSIFICATION = "classification"
    COMMUNITY = "community"


@dataclass(slots=True)
class BibFields:
    """Mapped description of one record. ISBNs are ISBN-13 without hyphens; anything that
    looked like an ISBN but failed its check digit (or was marked cancelled) stays in
    `invalid_isbns` so nothing is lost. `warnings` say what the mapping could not find."""

    title: str | None = None
    responsibility: str | None = None
    authors: list[str] = field(default_factory=list)
    publisher: str | None = None
    place: str | None = None
    year: int | None = None
    isbns: list[str] = field(default_factory=list)
    invalid_isbns: list[str] = field(default_factory=list)
    issn: str | None = None
    language: str | None = None
    edition: str | None = None
    series: str | None = None
    physical_description: str | None = None
    summary: str | None = None
    subjects: list[str] = field(default_factory=list)
    clc: str | None = None
    material_type: MaterialType = MaterialType.OTHER
    kind: RecordKind = RecordKind.BIBLIOGRAPHIC
    control_number: str | None = None
    control_source: str | None = None
    title_pinyin: str | None = None
    authors_pinyin: list[str] = field(default_factory=list)
    price: Price | None = None
    modified: str | None = None  # 005, YYYYMMDDhhmmss.f
    marc_field_count: int = 0
    warnings: list[str] = field(default_factory=list)


# Fields counted by the union-catalogue rule, in the order a librarian would look.
_RICHNESS_FIELDS = (
    "title",
    "responsibility",
    "authors",
    "publisher",
    "place",
    "year",
    "isbns",
    "issn",
    "language",
    "edition",
    "series",
    "physical_description",
    "summary",
    "subjects",
    "clc",
    "title_pinyin",
    "authors_pinyin",
    "price",
)


def richness(bib: BibFields) -> tuple[int, int, str]:
    """(filled mapped fields, MARC fields, 005 timestamp): the comparison `is_richer` uses."""
    filled = sum(1 for name in _RICHNESS_FIELDS if getattr(bib, name) not in (None, "", []))
    return filled, bib.marc_field_count, bib.modified or ""


def is_richer(a: BibFields, b: BibFields) -> bool:
    """True when description `a` should replace `b` for the same book in the union catalogue.

    Rule: the one with more of the mapped fields filled wins; on a tie, the one with more
    MARC fields; on a tie, the one with the later 005 (last change). A full tie keeps `b`,
    the record already in the catalogue, so re-importing never flips descriptions.
    """
    return richness(a) > richness(b)


_TRAILING = " /:;,=+"
# Non-sorting markers around an initial article: UNIMARC NSB/NSE (U+0088/U+0089) and
# MARC 21's U+0098/U+009C. They stay in the MARC record, not in displayed text.
_NON_SORTING = re.compile("[\x88\x89\x98\x9c]")
_END = frozenset(" /:;,=+.\t\n")
# Words whose final full stop belongs to them: initials, abbreviations, `...`.
_ABBREVIATIONS = frozenset(
    {"jr.", "sr.", "co.", "inc.", "ltd.", "etc.", "ed.", "eds.", "st.", "dr.", "mr.", "mrs."}
    | {"bros.", "corp.", "no.", "vol.", "v.", "p.", "pp.", "cm.", "..."}
)


def _keeps_full_stop(text: str) -> bool:
    word = text[text.rfind(" ") + 1 :]
    if len(word) == 2 and word[0].isalpha() and word[0].isupper():
        return True
    return word.lower() in _ABBREVIATIONS or word.count(".") > 1


_YEAR = re.compile(r"(?<!\d)(1[0-9]{3}|20[0-9]{2})(?!\d)")


def nfc(text: str) -> str:
    """Composed Unicode (MARC 21 UTF-8 often carries decomposed accents)."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def clean(text: str | None) -> str | None:
    """Strip ISBD punctuation that ends a transcribed element (`Title /`, `Name,`), a
    final full stop unless it ends an initial or abbreviation (`Peter Young.` → `Peter
    Young`, `Chabon, M.` kept), and non-sorting markers; compose Unicode (NFC)."""
    if not text:
        return None
    ascii_only = text.isascii()
    if not ascii_only and ("\x88" in text or "\x98" in text or "\x89" in text or "\x9c" in text):
        text = _NON_SORTING.sub("", text)
        if not text:
            return None
    if text[-1] in _END or text[0] in _END:
        text = text.strip().rstrip(_TRAILING).strip()
        if text.endswith(".") and not _keeps_full_stop(text):
            text = text[:-1].rstrip(_TRAILING).rstrip()
        if not text:
            return None
    return text if ascii_only else unicodedata.normalize("NFC", text)


def pairs(fld: Field) -> Sequence[tuple[str, str]]:
    """(code, value) of each subfield. An untouched LazyField is read from its text, so
    mapping does not turn into Subfield lists the many fields it only glances at."""
    if type(fld) is LazyField:
        text = fld.raw_subfields()
        if text is not None:
            return [(p[0], p[1:]) for p in text.split("\x1f") if p]
    return fld.subfields


Pairs = Sequence[tuple[str, str]]


def subfield_values(fld: Field, codes: str) -> list[str]:
    """Values of the subfields whose (case-sensitive) code is in `codes`, in order."""
    return [value for code, value in pairs(fld) if code in codes and value]


def values_in(subfields: Pairs, codes: str) -> list[str]:
    """Like `subfield_values`, for pairs already read (read a field once, use it often)."""
    return [value for code, value in subfields if code in codes and value]


def first_in(subfields: Pairs, code: str) -> str | None:
    """The first non-empty value of `code`."""
    for found, value in subfields:
        if found == code and value:
            return value
    return None


def joined_in(subfields: Pairs, codes: str, sep: str = " ") -> str | None:
    """The values of `codes` joined, then cleaned; None when there are none."""
    values = [value for code, value in subfields if code in codes and value]
    if not values:
        return None
    return clean(values[0] if len(values) == 1 else sep.join(values))


def joined(fld: Field, codes: str, sep: str = " ") -> str | None:
    """The subfields in `codes` joined, then cleaned; None when there are none."""
    return joined_in(pairs(fld), codes, sep)


def find_year(text: str | None) -> int | None:
    """The first plausible four-digit year: `c1992-c2002` → 1992, `1993[民82]` → 1993."""
    if not text:
        return None
    found = _YEAR.search(text)
    return int(found.group()) if found else None


def fields_by_tag(record: Record) -> dict[str, list[Field]]:
    """One pass over the record: tag → fields, so mapping never rescans."""
    index: dict[str, list[Field]] = {}
    for fld in record.fields:
        found = index.get(fld.tag)
        if found is None:
            index[fld.tag] = [fld]
        else:
            found.append(fld)
    return index


def dedupe(values: Iterable[str | None]) -> list[str]:
    """Non-empty values, first occurrence kept."""
    return list(dict.fromkeys([v for v in values if v]))
