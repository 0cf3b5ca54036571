"""Building pymarc records fast, and the checks both readers (ISO 2709, MARCXML) share.

`pymarc.Field.__init__` re-validates tag and indicators on every call and costs three times
what filling the slots does; at tens of thousands of records a second that matters, so
`control_field`/`data_field` fill the slots directly. `tests/unit/catalogue` pins that the
result equals what pymarc's own constructor builds.
"""

from __future__ import annotations

from typing import Any

from pymarc import Field, Indicators, Leader, Record, Subfield

from unicard.catalogue.marc_flavour import Flavour
from unicard.catalogue.read_result import REPAIRED, WARNING

__all__ = [
    "DEFAULT_LEADER",
    "DEFAULT_UNIMARC_LEADER",
    "INDICATOR_CHARS",
    "LazyField",
    "check_fixed_fields",
    "check_record",
    "control_field",
    "data_field",
    "indicators",
    "lazy_field",
    "new_record",
    "normalise_leader",
    "subfield",
]

DEFAULT_LEADER = "00000nam a2200000 a 4500"
DEFAULT_UNIMARC_LEADER = "00000nam0 2200000   450 "
_new_field = Field.__new__
_new_record = Record.__new__
_new_tuple = tuple.__new__
_INDICATORS: dict[str, Indicators] = {}
_CODE_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


_SUBFIELDS_SLOT: Any = Field.__dict__["subfields"]  # the slot under the property below
_get_subfields = _SUBFIELDS_SLOT.__get__
_set_subfields = _SUBFIELDS_SLOT.__set__


class LazyField(Field):
    """A data field whose subfields are split from the record's text on first use.

    The ISO 2709 reader makes these: most imported fields are stored and exported without
    ever being looked at, so splitting them into Subfield tuples up front is wasted work,
    and the writer can copy the untouched text back out. Reading or assigning `subfields`
    (which every pymarc method does) materialises the list, after which it is a plain
    pymarc Field in all but name.
    """

    __slots__ = ("_text",)
    _text: str | None

    @property  # type: ignore[override]
    def subfields(self) -> list[Subfield]:
        text = self._text
        if text is not None:
            self._text = None
            _set_subfields(
                self, [_new_tuple(Subfield, (p[0], p[1:])) for p in text.split("\x1f") if p]
            )
        return _get_subfields(self)  # type: ignore[no-any-return]

    @subfields.setter
    def subfields(self, value: list[Subfield]) -> None:
        self._text = None
        _set_subfields(self, value)

    def raw_subfields(self) -> str | None:
        """The untouched text after the indicators (subfields joined by 0x1F, the first
        delimiter left out), or None once the subfields have been used."""
        return self._text


_new_lazy = LazyField.__new__


def lazy_field(tag: str, ind: Indicators, text: str) -> LazyField:
    """A data field from `text`, the field's bytes after indicators and first delimiter."""
    field = _new_lazy(LazyField)
    field.tag = tag
    field.data = None
    field._indicators = ind
    field._text = text
    field.control_field = False
    return field


def indicators(pair: str) -> Indicators:
    """Shared Indicators tuple for a two-character string (there are few distinct pairs)."""
    found = _INDICATORS.get(pair)
    if found is None:
        found = Indicators(pair[0], pair[1])
        if len(_INDICATORS) < 4096:
            _INDICATORS[pair] = found
    return found


def subfield(code: str, value: str) -> Subfield:
    """A Subfield without the NamedTuple `__new__` wrapper."""
    return _new_tuple(Subfield, (code, value))


def control_field(tag: str, data: str) -> Field:
    """Equivalent to ``Field(tag=tag, data=data)`` for a tag below 010."""
    field = _new_field(Field)
    field.tag = tag
    field.data = data
    field._indicators = None
    field.subfields = []
    field.control_field = True
    return field


def data_field(tag: str, ind: Indicators, subfields: list[Subfield]) -> Field:
    """Equivalent to ``Field(tag, ind, subfields)``."""
    field = _new_field(Field)
    field.tag = tag
    field.data = None
    field._indicators = ind
    field.subfields = subfields
    field.control_field = False
    return field


def is_control_tag(tag: str) -> bool:
    """pymarc's rule (and ruby-marc's): numeric tags below 010 are control fields."""
    return tag < "010" and tag.isdigit()


def new_record(leader: str, fields: list[Field]) -> Record:
    """Equivalent to ``Record(fields=fields)`` with the leader kept exactly (pymarc's
    constructor rewrites /10-11 and /20-23, which would turn UNIMARC `450 ` into `4500`)."""
    record = _new_record(Record)
    record.leader = Leader(leader)
    record.fields = fields
    record.pos = 0
    record.force_utf8 = False
    record.to_unicode = True
    record._Record__pos = 0  # type: ignore[attr-defined]
    return record


def normalise_leader(leader: str, flavour: Flavour, problems: list[str]) -> str:
    """Fix what every reader relies on: 24 characters, ASCII, 22 at /10-11, 450x at /20-22.

    CNMARC exports (dp2) write `-` or `#` for blanks; that is normalised with a warning,
    not counted as a repair. The record length and base address are left alone: the
    writer recomputes them.
    """
    if len(leader) != 24:
        problems.append(f"{REPAIRED}leader has {len(leader)} characters, fitted to 24")
        leader = (leader + DEFAULT_LEADER[len(leader) :])[:24]
    if not leader.isascii() or not leader.isprintable():
        problems.append(f"{REPAIRED}leader has non-ASCII or control characters, set to blank")
        leader = "".join(ch if " " <= ch <= "~" else " " for ch in leader)
    if ("-" in leader[5:] or "#" in leader[5:]) and flavour is Flavour.UNIMARC:
        problems.append(f"{WARNING}leader uses '-'/'#' for blanks (dp2 convention), normalised")
        leader = leader[:5] + leader[5:].replace("-", " ").replace("#", " ")
    if leader[10:12] != "22":
        problems.append(f"{REPAIRED}leader/10-11 is {leader[10:12]!r}, set to '22'")
        leader = leader[:10] + "22" + leader[12:]
    tail = leader[20:24]
    if flavour is Flavour.MARC21 and tail != "4500":
        problems.append(f"{REPAIRED}leader/20-23 is {tail!r}, set to '4500'")
        leader = leader[:20] + "4500"
    elif flavour is Flavour.UNIMARC and tail[:3] != "450":
        problems.append(f"{REPAIRED}leader/20-23 is {tail!r}, set to '450 '")
        leader = leader[:20] + "450 "
    return leader


INDICATOR_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyz |")
# Leader positions checked for bibliographic records, with their legal values.
_LEADER_CODES = {
    Flavour.MARC21: {5: "acdnp", 7: "abcdims", 8: " a", 9: " a", 18: " acinu", 19: " abc"},
    Flavour.UNIMARC: {5: "cdnop", 7: "acims", 8: " 012", 18: " in"},
}
_BIBLIOGRAPHIC = {Flavour.MARC21: "acdefgijkmoprt", Flavour.UNIMARC: "abcdefgijklmr"}


def check_record(record: Record, flavour: Flavour, problems: list[str]) -> None:
    """Warnings about content the readers keep as is: odd tags, codes, indicators,
    leader values and fixed-length fields. They do not change the record."""
    bad: list[str] = []
    for fld in record.fields:
        tag = fld.tag
        if len(tag) != 3 or not (tag.isascii() and tag.isalnum()):
            bad.append(f"tag {tag!r}")
        if fld.control_field:
            continue
        ind = fld._indicators
        if ind is not None and (ind[0] not in INDICATOR_CHARS or ind[1] not in INDICATOR_CHARS):
            bad.append(f"{tag} indicators {ind[0] + ind[1]!r}")
        for code, _value in fld.subfields:
            if code not in _CODE_CHARS:
                bad.append(f"{tag} subfield code {code!r}")
    if bad:
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        problems.append(f"{WARNING}invalid {', '.join(bad[:5])}{more}")
    check_fixed_fields(record, flavour, problems)


def _first_a(fld: Field) -> str | None:
    """$a without turning an untouched LazyField into Subfield tuples."""
    text = fld.raw_subfields() if isinstance(fld, LazyField) else None
    if text is not None:
        for part in text.split("\x1f"):
            if part[:1] == "a":
                return part[1:]
        return None
    for code, value in fld.subfields:
        if code == "a":
            return value
    return None


def check_fixed_fields(record: Record, flavour: Flavour, problems: list[str]) -> None:
    """Warnings about leader values and the length of 008 (MARC 21) or 100 $a (UNIMARC)."""
    leader = str(record.leader)
    if leader[6] in _BIBLIOGRAPHIC[flavour]:
        for pos, allowed in _LEADER_CODES[flavour].items():
            if leader[pos] not in allowed:
                problems.append(
                    f"{WARNING}leader/{pos:02d} {leader[pos]!r} is not a {flavour} value"
                )
    if flavour is Flavour.MARC21:
        for fld in record.fields:
            if fld.tag == "008":
                data = fld.data or ""
                if len(data) != 40:
                    problems.append(f"{WARNING}008 has {len(data)} characters, expected 40")
                elif not data.isascii():
                    problems.append(f"{WARNING}008 holds non-ASCII characters")
                break
    else:
        for fld in record.fields:
            if fld.tag == "100" and not fld.control_field:
                value = _first_a(fld)
                if value is not None and len(value) != 36:
                    problems.append(f"{WARNING}100 $a has {len(value)} characters, expected 36")
                break
