"""MARC 21 → BibFields, in one place.

Vernacular script: when an 880 field is linked ($6 `245-01`) to a romanised field, the
880 (Chinese, Japanese, Arabic… as printed on the item) is mapped, and for Chinese records
the romanised 245/1XX/7XX go to the pinyin fields, since LC romanises Chinese in pinyin.
CLC class: 084 whose $2 names `clc` (source code unverified, see REFERENCE §1.2).
"""

from __future__ import annotations

from pymarc import Field, Record

from unicard.catalogue.bib_fields import (
    BibFields,
    MaterialType,
    RecordKind,
    clean,
    dedupe,
    fields_by_tag,
    find_year,
    first_in,
    joined,
    joined_in,
    pairs,
    values_in,
)
from unicard.catalogue.isbn import normalise_issn, split_isbns
from unicard.catalogue.prices import parse_price

__all__ = ["map_marc21", "marc21_kind", "marc21_material"]

_NAME_CODES = {"100": "abcq", "700": "abcq", "110": "ab", "710": "ab", "111": "acn", "711": "acn"}
_SUBJECT_HEADS = {"600": "abcdq", "610": "ab", "611": "acdn", "630": "a", "648": "a"}
_SUBJECT_TAGS = ("600", "610", "611", "630", "648", "650", "651")
_SERIAL_LEVELS = "sbi"


def marc21_kind(leader: str) -> RecordKind:
    """Leader/06: z authority, u v x y holdings, w classification, q community."""
    code = leader[6:7]
    if code == "z":
        return RecordKind.AUTHORITY
    if code in ("u", "v", "x", "y"):
        return RecordKind.HOLDINGS
    if code == "w":
        return RecordKind.CLASSIFICATION
    if code == "q":
        return RecordKind.COMMUNITY
    return RecordKind.BIBLIOGRAPHIC


def marc21_material(leader: str) -> MaterialType:
    """Leader/06 type of record, /07 bibliographic level (serials: s, b, i)."""
    kind, level = leader[6:7], leader[7:8]
    if kind in ("a", "t"):
        return MaterialType.SERIAL if level in _SERIAL_LEVELS else MaterialType.BOOK
    return {
        "c": MaterialType.SCORE,
        "d": MaterialType.SCORE,
        "e": MaterialType.MAP,
        "f": MaterialType.MAP,
        "g": MaterialType.VIDEO,
        "i": MaterialType.AUDIO,
        "j": MaterialType.AUDIO,
        "m": MaterialType.ELECTRONIC,
    }.get(kind, MaterialType.OTHER)


def _vernacular(index: dict[str, list[Field]]) -> dict[tuple[str, str], Field]:
    """880 fields keyed by the field they render: $6 `245-01/$1` → ("245", "01")."""
    linked: dict[tuple[str, str], Field] = {}
    for fld in index.get("880", ()):
        for code, value in pairs(fld):
            if code == "6":
                linked[(value[:3], value[4:6])] = fld
                break
    return linked


def _shown(fld: Field, vern: dict[tuple[str, str], Field]) -> Field:
    """The linked 880 of a romanised field ($6 `880-01`), else the field itself."""
    if vern:
        for code, value in pairs(fld):
            if code == "6":
                return vern.get((fld.tag, value[4:6]), fld)
    return fld


def _first(index: dict[str, list[Field]], tag: str) -> Field | None:
    found = index.get(tag)
    return found[0] if found else None


def _control(index: dict[str, list[Field]], tag: str) -> str | None:
    fld = _first(index, tag)
    if fld is None or fld.data is None:
        return None
    return fld.data.strip() or None


def _subject(fld: Field) -> str | None:
    """Heading and its subdivisions ($v $x $y $z) joined with `--`."""
    head_codes = _SUBJECT_HEADS.get(fld.tag, "a")
    head: list[str] = []
    parts: list[str] = []
    for code, value in pairs(fld):
        if code in head_codes:
            head.append(value)
        elif code in "vxyz":
            part = clean(value)
            if part:
                parts.append(part)
    main = clean(" ".join(head))
    if main is None:
        return None
    return "--".join([main, *parts]) if parts else main


def _publication(index: dict[str, list[Field]]) -> Field | None:
    """260, else the 264 that states publication (ind2 1), else any 264."""
    fld = _first(index, "260")
    if fld is not None:
        return fld
    candidates = index.get("264", [])
    for cand in candidates:
        if cand.indicator2 == "1":
            return cand
    return candidates[0] if candidates else None


def map_marc21(record: Record) -> BibFields:
    """Map one MARC 21 bibliographic record."""
    index = fields_by_tag(record)
    vern = _vernacular(index) if "880" in index else {}
    leader = str(record.leader)
    bib = BibFields(
        material_type=marc21_material(leader),
        kind=marc21_kind(leader),
        control_number=_control(index, "001"),
        control_source=_control(index, "003"),
        modified=_control(index, "005"),
        marc_field_count=len(record.fields),
    )

    # Fixed-length data: positions matter, so never strip it.
    fixed_field = _first(index, "008")
    fixed = (fixed_field.data or "") if fixed_field is not None else ""
    language = fixed[35:38] if len(fixed) >= 38 else ""
    if not (language.isascii() and language.isalpha()):
        lang_field = _first(index, "041")
        language = (first_in(pairs(lang_field), "a") or "")[:3] if lang_field else ""
    bib.language = language.lower() or None
    chinese = bib.language == "chi"

    title_field = _first(index, "245")
    if title_field is not None:
        shown = _shown(title_field, vern)
        title = pairs(shown)
        bib.title = joined_in(title, "abfgknps")
        bib.responsibility = joined_in(title, "c")
        if chinese and shown is not title_field:
            bib.title_pinyin = joined(title_field, "abnp")
    if not bib.title:
        bib.warnings.append("warning: no title (245 $a)")

    names: list[str | None] = []
    pinyin: list[str | None] = []
    for tag in ("100", "110", "111", "700", "710", "711"):
        for fld in index.get(tag, ()):
            shown = _shown(fld, vern) if vern else fld
            names.append(joined(shown, _NAME_CODES[tag]))
            if chinese and shown is not fld:
                pinyin.append(joined(fld, "a"))
    bib.authors = dedupe(names)
    bib.authors_pinyin = dedupe(pinyin) if pinyin else []

    pub = _publication(index)
    if pub is not None:
        shown = _shown(pub, vern)
        imprint = pairs(shown)
        bib.place = joined_in(imprint, "a")
        bib.publisher = joined_in(imprint, "b")
        bib.year = find_year(" ".join(values_in(imprint if shown is pub else pairs(pub), "c")))
    if bib.year is None and fixed[7:11].isdigit():
        bib.year = int(fixed[7:11])

    isbn_values: list[str] = []
    cancelled: list[str] = []
    for fld in index.get("020", ()):
        for code, value in pairs(fld):
            if code == "a":
                isbn_values.append(value)
            elif code == "z":
                cancelled.append(value)
            elif code == "c" and bib.price is None:
                bib.price = parse_price(value)
    if isbn_values or cancelled:
        bib.isbns, bib.invalid_isbns = split_isbns(isbn_values, cancelled)
        for bad in bib.invalid_isbns:
            bib.warnings.append(f"warning: invalid or cancelled ISBN {bad!r}")

    issn_field = _first(index, "022")
    if issn_field is not None:
        raw = first_in(pairs(issn_field), "a") or ""
        bib.issn = normalise_issn(raw)
        if bib.issn is None and raw:
            bib.warnings.append(f"warning: invalid ISSN {raw!r}")

    edition = _first(index, "250")
    if edition is not None:
        bib.edition = joined(_shown(edition, vern), "ab")
    for tag in ("490", "830", "440"):
        series = _first(index, tag)
        if series is not None:
            bib.series = joined(_shown(series, vern), "a")
            break
    physical = _first(index, "300")
    if physical is not None:
        bib.physical_description = joined(physical, "abce")
    summary = _first(index, "520")
    if summary is not None:
        bib.summary = joined(summary, "ab")
    bib.subjects = dedupe([_subject(f) for tag in _SUBJECT_TAGS for f in index.get(tag, ())])
    for fld in index.get("084", ()):
        classification = pairs(fld)
        if any(v.strip().lower().startswith("clc") for v in values_in(classification, "2")):
            bib.clc = clean(first_in(classification, "a"))
            break
    return bib
