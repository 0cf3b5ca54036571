"""Which character set a record's bytes are in, and decoding them without printing to stderr.

Leader/09 (MARC 21) and 100 $a/26-29 (UNIMARC/CNMARC) often lie, so the bytes decide:
strict UTF-8 first, then GB18030 when the bytes look Chinese, then MARC-8 (MARC 21) or
ISO-8859-1 as a reported last resort.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import re

from pymarc.marc8 import MARC8ToUnicode

__all__ = [
    "GB18030",
    "LATIN1",
    "MARC8",
    "UTF8",
    "Marc8Decoder",
    "choose_encoding",
    "decode_marc8",
    "decode_text",
    "looks_chinese",
    "normalise_encoding",
]

UTF8 = "utf-8"
MARC8 = "marc-8"
GB18030 = "gb18030"
LATIN1 = "iso8859-1"

_ALIASES = {
    "utf8": UTF8,
    "utf-8": UTF8,
    "unicode": UTF8,
    "marc8": MARC8,
    "marc-8": MARC8,
    "ansel": MARC8,
    # GB18030 is a superset of GB2312 and GBK: decoding with it loses nothing.
    "gb18030": GB18030,
    "gbk": GB18030,
    "gb2312": GB18030,
    "cp936": GB18030,
    "latin1": LATIN1,
    "latin-1": LATIN1,
    "iso-8859-1": LATIN1,
}

_HIGH = re.compile(rb"[\x80-\xff]")
_HIGH_BYTES = bytes(range(0x80, 0x100))
# Chinese text in GB2312/GBK/GB18030 is mostly GB2312 pairs: lead B0-F7, trail A1-FE.
# Latin-1 text misread as GBK gives pairs with an ASCII trail byte instead.
_GB2312_PAIR = re.compile(rb"[\xb0-\xf7][\xa1-\xfe]")
_UNIMARC_UTF8 = "50"
# Escapes pymarc's MARC-8 decoder understands: G0/G1 designations, 4-byte multibyte
# designations, and the technique-2 shifts (Greek symbols, sub/superscript, ASCII).
_MARC8_ESCAPE = re.compile(rb"\x1b(?:\$[,)\-][\x20-\x7e]|[(,)\-$][\x20-\x7e]|[gbps])")


def normalise_encoding(name: str) -> str:
    """Canonical name for a user-given encoding (`GBK` → `gb18030`, `marc8` → `marc-8`).

    Raises LookupError for a name Python does not know, so a typo fails before the import.
    """
    key = name.strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    return codecs.lookup(key).name


def looks_chinese(data: bytes) -> bool:
    """True when most high bytes form GB2312-zone pairs, as Chinese text does, and there
    are enough of them (one accented Latin letter before another can look like a pair)."""
    high = len(data) - len(data.translate(None, _HIGH_BYTES))
    pairs = _GB2312_PAIR.subn(b"", data)[1]
    return pairs >= 4 and 2 * pairs >= 0.8 * high


def _mostly_utf8(data: bytes) -> bool:
    """Valid multi-byte UTF-8 sequences outnumber the invalid bytes (a few bad bytes)."""
    text = data.decode(UTF8, "replace")
    bad = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return non_ascii - bad > bad


def choose_encoding(
    data: bytes,
    *,
    unimarc: bool,
    leader09: str,
    charset100: str | None,
    forced: str | None = None,
) -> tuple[str, list[str]]:
    """Pick the encoding for one record's field bytes; say why when the record disagrees.

    The rule: a forced encoding wins; pure ASCII is UTF-8; valid UTF-8 is UTF-8; GB18030
    when it decodes strictly and looks Chinese; mostly valid UTF-8 is UTF-8 with the bad
    bytes replaced; otherwise MARC 21 is MARC-8 and UNIMARC ISO-8859-1 (reported, since
    pymarc has no ISO 5426 decoder).
    """
    if forced:
        return forced, []
    problems: list[str] = []
    has_high = _HIGH.search(data) is not None
    has_escape = b"\x1b" in data
    if not unimarc and has_escape and leader09 != "a":
        return MARC8, []
    if not has_high:
        return (MARC8 if has_escape else UTF8), []
    utf8_ok = True
    try:
        data.decode(UTF8)
    except UnicodeDecodeError:
        utf8_ok = False
    if utf8_ok:
        if not unimarc and leader09 != "a":
            problems.append("repaired: leader/09 says MARC-8 but the bytes are UTF-8")
        return UTF8, problems
    gb_ok = True
    try:
        data.decode(GB18030)
    except UnicodeDecodeError:
        gb_ok = False
    if gb_ok and looks_chinese(data):
        if not unimarc and leader09 == "a":
            problems.append("repaired: leader/09 says UTF-8 but the bytes are GB18030")
        elif unimarc and charset100 == _UNIMARC_UTF8:
            problems.append("repaired: 100 $a/26-27 says UTF-8 (50) but the bytes are GB18030")
        return GB18030, problems
    if _mostly_utf8(data):
        return UTF8, problems  # decoded with replacement; each bad spot is reported
    if not unimarc:
        if leader09 == "a":
            problems.append("repaired: leader/09 says UTF-8 but the bytes are MARC-8")
        return MARC8, problems
    problems.append(
        f"repaired: unknown 8-bit character set (100 $a/26-29 = {charset100 or 'blank'!r}); "
        "decoded as ISO-8859-1, import with an explicit encoding to fix"
    )
    return LATIN1, problems


class Marc8Decoder:
    """pymarc's MARC-8 decoder with its stderr messages captured as problems.

    Use as a context manager around all subfields of a record: stderr is swapped once per
    record (not per subfield) and one converter is reused, reset to ASCII/ANSEL for each
    subfield as pymarc does.
    """

    def __init__(self) -> None:
        self._converter = MARC8ToUnicode(quiet=False)
        self._sink = io.StringIO()
        self._redirect: contextlib.redirect_stderr[io.StringIO] | None = None

    def __enter__(self) -> Marc8Decoder:
        self._redirect = contextlib.redirect_stderr(self._sink)
        self._redirect.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._redirect is not None:
            self._redirect.__exit__(None, None, None)
            self._redirect = None

    def decode(self, data: bytes) -> tuple[str, list[str]]:
        """One subfield; pymarc silently drops unknown escapes, so those are counted."""
        if data.isascii() and b"\x1b" not in data:
            return data.decode("ascii"), []  # MARC-8 basic Latin is ASCII
        problems: list[str] = []
        if b"\x1b" in data:
            bad = data.count(b"\x1b") - len(_MARC8_ESCAPE.findall(data))
            if bad:
                problems.append(f"{bad} invalid escape sequence(s) dropped")
        converter = self._converter
        converter.g0, converter.g1 = MARC8ToUnicode.basic_latin, MARC8ToUnicode.ansel
        start = self._sink.tell()
        try:
            text = converter.translate(data)
        except (IndexError, TypeError, ValueError, KeyError) as exc:
            problems.append(f"invalid MARC-8 ({exc.__class__.__name__}); kept as ISO-8859-1")
            return data.decode(LATIN1), problems
        if self._sink.tell() != start:
            written = self._sink.getvalue()[start:]
            messages = [line.strip() for line in written.splitlines() if line.strip()]
            if messages:
                problems.append(f"{len(messages)} character(s) replaced; first: {messages[0]}")
        return text, problems


def decode_marc8(data: bytes) -> tuple[str, list[str]]:
    """MARC-8 → str for one subfield; problems instead of stderr output."""
    with Marc8Decoder() as decoder:
        return decoder.decode(data)


def decode_text(data: bytes, encoding: str) -> tuple[str, list[str]]:
    """Decode one subfield or field; never raises, reports what had to be replaced."""
    if encoding == MARC8:
        return decode_marc8(data)
    try:
        return data.decode(encoding), []
    except UnicodeDecodeError as exc:
        return data.decode(encoding, "replace"), [
            f"bytes not valid {encoding} at {exc.start} replaced with U+FFFD"
        ]
