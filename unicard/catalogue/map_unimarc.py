"""UNIMARC / CNMARC → BibFields, in one place (field table: REFERENCE.md §1.2).

CNMARC practice on top of UNIMARC: pinyin in $9 or in upper-case subfields ($A beside
$a, $F beside $f — codes are case-sensitive), Chinese relator words in $4, the CLC class
in 690 $a, the cataloguing agency in 801 $b, prices such as `CNY68.00（含光盘）` in 010 $d.
"""

from __future__ import annotations

from pymarc import Field, Record

from unicard.catalogue.bib_fields import (
    BibFields,
    MaterialType,
    Pairs,
    RecordKind,
    clean,
    dedupe,
    fields_by_tag,
    find_year,
    first_in,
    joined_in,
    pairs,
    values_in,
)
from unicard.catalogue.isbn import normalise_issn, split_isbns
from unicard.catalogue.prices import Price, parse_price

__all__ = ["map_unimarc", "unimarc_kind", "unimarc_material"]

_PERSON_TAGS = ("700", "701", "702")
_CORPORATE_TAGS = ("710", "711", "712")
_SUBJECT_TAGS = ("600", "601", "602", "604", "605", "606", "607", "610")


def unimarc_kind(leader: str) -> RecordKind:
    """Leader/06: x, y, z authority (UNIMARC/A); holdings records are not UNIMARC/B."""
    return RecordKind.AUTHORITY if leader[6:7] in ("x", "y", "z") else RecordKind.BIBLIOGRAPHIC


def unimarc_material(leader: str) -> MaterialType:
    """Leader/06 type of record, /07 bibliographic level (s = serial)."""
    kind, level = leader[6:7], leader[7:8]
    if kind in ("a", "b"):
        return MaterialType.SERIAL if level == "s" else MaterialType.BOOK
    return {
        "c": MaterialType.SCORE,
        "d": MaterialType.SCORE,
        "e": MaterialType.MAP,
        "f": MaterialType.MAP,
        "g": MaterialType.VIDEO,
        "i": MaterialType.AUDIO,
        "j": MaterialType.AUDIO,
        "l": MaterialType.ELECTRONIC,
    }.get(kind, MaterialType.OTHER)


def _first(index: dict[str, list[Field]], tag: str) -> Field | None:
    found = index.get(tag)
    return found[0] if found else None


def _first_value(index: dict[str, list[Field]], tag: str, code: str) -> str | None:
    fld = _first(index, tag)
    if fld is None or fld.control_field:
        return None
    return first_in(pairs(fld), code)


def _control(index: dict[str, list[Field]], tag: str) -> str | None:
    fld = _first(index, tag)
    if fld is None or fld.data is None:
        return None
    return fld.data.strip() or None


def _is_cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or ch >= "\U00020000"


def _name(subfields: Pairs) -> str | None:
    """`$a` + `$b`: `Austen, Jane` (also from `$aAsimov$b, Isaac`); Chinese names join
    without a comma (`张$b扬` → `张扬`)."""
    family = joined_in(subfields, "a")
    given = joined_in(subfields, "b")
    if given:
        given = clean(given.lstrip(" ,;:"))
    if not family:
        return given
    if not given:
        return family
    if _is_cjk(family[-1]) or _is_cjk(given[0]):
        return family + given
    return f"{family}, {given}"


def _pinyin(subfields: Pairs) -> str | None:
    """Pinyin of a heading: $9 (dp2) or the upper-case twins $A/$B."""
    return joined_in(subfields, "9") or joined_in(subfields, "AB")


def _title(subfields: Pairs) -> str | None:
    """200: $a (repeated: ` ; `), then `. $h, $i` (part), then ` : $e` (other title)."""
    proper = " ; ".join([v.strip() for v in values_in(subfields, "a")])
    part = ", ".join([v.strip() for v in values_in(subfields, "hi")])
    other = " : ".join([v.strip() for v in values_in(subfields, "e")])
    text = proper
    if part:
        text = f"{text}. {part}" if text else part
    if other:
        text = f"{text} : {other}" if text else other
    return clean(text)


def _physical(subfields: Pairs) -> str | None:
    """215 in ISBD order: extent : illustrations ; size + accompanying material."""
    text = " ".join(values_in(subfields, "a"))
    for code, sep in (("c", " : "), ("d", " ; "), ("e", " + ")):
        for value in values_in(subfields, code):
            text = f"{text}{sep}{value}" if text else value
    return clean(text)


def _subject(subfields: Pairs) -> str | None:
    """$a and its subdivisions ($j $x $y $z) joined with `--`."""
    head: list[str] = []
    parts: list[str] = []
    for code, value in subfields:
        if code == "a":
            head.append(value)
        elif code in "jxyz":
            part = clean(value)
            if part:
                parts.append(part)
    main = clean(" ".join(head))
    if main is None:
        return None
    return "--".join([main, *parts]) if parts else main


def _source(index: dict[str, list[Field]]) -> str | None:
    """801 $b of the original cataloguing agency (ind2 0), else of the first 801."""
    fields = index.get("801", [])
    for fld in sorted(fields, key=lambda f: f.indicator2 != "0"):
        value = first_in(pairs(fld), "b")
        if value:
            return value.strip()
    return None


def map_unimarc(record: Record) -> BibFields:
    """Map one UNIMARC or CNMARC bibliographic record."""
    index = fields_by_tag(record)
    leader = str(record.leader)
    bib = BibFields(
        material_type=unimarc_material(leader),
        kind=unimarc_kind(leader),
        control_number=_control(index, "001"),
        control_source=_source(index),
        modified=_control(index, "005"),
        marc_field_count=len(record.fields),
    )
    language = _first_value(index, "101", "a")
    bib.language = language.strip().lower()[:3] if language and language.strip() else None

    title_field = _first(index, "200")
    if title_field is not None:
        title = pairs(title_field)
        bib.title = _title(title)
        statements = values_in(title, "f") + values_in(title, "g")
        bib.responsibility = clean(" ; ".join(v.strip() for v in statements))
        bib.title_pinyin = _pinyin(title)
    if not bib.title:
        bib.warnings.append("warning: no title (200 $a)")

    names: list[str | None] = []
    pinyin: list[str | None] = []
    for tag in _PERSON_TAGS + _CORPORATE_TAGS:
        for fld in index.get(tag, ()):
            heading = pairs(fld)
            names.append(_name(heading) if tag < "710" else joined_in(heading, "ab", ". "))
            pinyin.append(_pinyin(heading))
    bib.authors = dedupe(names)
    bib.authors_pinyin = dedupe(pinyin)

    publication = _first(index, "210") or _first(index, "214")
    if publication is not None:
        imprint = pairs(publication)
        bib.place = clean(first_in(imprint, "a"))
        bib.publisher = clean(first_in(imprint, "c"))
        bib.year = find_year(" ".join(values_in(imprint, "d")))
    coded = _first_value(index, "100", "a") or ""
    if bib.year is None and coded[9:13].isdigit():
        bib.year = int(coded[9:13])

    isbn_values: list[str] = []
    cancelled: list[str] = []
    for fld in index.get("010", ()):
        for code, value in pairs(fld):
            if code == "a":
                isbn_values.append(value)
            elif code == "z":
                cancelled.append(value)
            elif code == "d" and bib.price is None:
                bib.price = parse_price(value)
    if isbn_values or cancelled:
        bib.isbns, bib.invalid_isbns = split_isbns(isbn_values, cancelled)
        for bad in bib.invalid_isbns:
            bib.warnings.append(f"warning: invalid or cancelled ISBN {bad!r}")
    if bib.price is not None and bib.price.currency is None:
        country = (_first_value(index, "102", "a") or "").strip().upper()
        if country == "CN" or bib.language == "chi":
            bib.price = Price("CNY", bib.price.amount, bib.price.note)

    raw_issn = _first_value(index, "011", "a")
    if raw_issn:
        bib.issn = normalise_issn(raw_issn)
        if bib.issn is None:
            bib.warnings.append(f"warning: invalid ISSN {raw_issn!r}")

    bib.edition = clean(_first_value(index, "205", "a"))
    bib.series = clean(_first_value(index, "225", "a"))
    if bib.series is None and "410" in index:
        linked = pairs(index["410"][0])
        bib.series = clean(first_in(linked, "t") or first_in(linked, "a"))
    physical = _first(index, "215")
    if physical is not None:
        bib.physical_description = _physical(pairs(physical))
    bib.summary = clean(_first_value(index, "330", "a"))
    bib.subjects = dedupe([_subject(pairs(f)) for tag in _SUBJECT_TAGS for f in index.get(tag, ())])
    bib.clc = clean(_first_value(index, "690", "a"))
    return bib
