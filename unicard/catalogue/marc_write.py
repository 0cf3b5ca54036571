"""Writing records out: ISO 2709 in UTF-8 and MARCXML, one record at a time to a stream.

MARC 21 output says UTF-8 in leader/09 (`a`). UNIMARC/CNMARC says it in 100 $a/26-33,
set to `50` and six blanks as dp2 does on UTF-8 export; the caller's record is not
changed. Lengths that ISO 2709 cannot express (a field over 9,999 bytes, a record over
99,999) are written capped, as marc4j does, and reported: the reader here re-reads them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from types import TracebackType
from typing import BinaryIO, Literal
from xml.sax.saxutils import escape, quoteattr

from pymarc import Field, Record

from unicard.catalogue.marc_flavour import Flavour
from unicard.catalogue.read_result import REPAIRED
from unicard.catalogue.record_build import LazyField, data_field, indicators, subfield

__all__ = ["MARCXML_NS", "MarcWriter", "encode_iso2709", "encode_marcxml", "write_records"]

MARCXML_NS = "http://www.loc.gov/MARC21/slim"
_XML_HEAD = f'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="{MARCXML_NS}">\n'
_XML_TAIL = "</collection>\n"
# Characters XML 1.0 cannot carry at all (C0 controls other than tab, LF, CR; FFFE/FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_UNIMARC_UTF8 = "50      "


def _unimarc_100(fld: Field) -> Field:
    """A copy of 100 with $a/26-33 = `50` + 6 blanks (UTF-8, no extra sets)."""
    subs = []
    done = False
    for code, value in fld.subfields:
        if code == "a" and not done:
            value = value.ljust(36)
            value = value[:26] + _UNIMARC_UTF8 + value[34:]
            done = True
        subs.append(subfield(code, value))
    return data_field(fld.tag, fld.indicators or indicators("  "), subs)


def _output_fields(record: Record, flavour: Flavour, utf8: bool = True) -> list[Field]:
    if flavour is not Flavour.UNIMARC or not utf8:
        return record.fields
    return [
        _unimarc_100(f) if f.tag == "100" and not f.control_field and f.subfields else f
        for f in record.fields
    ]


def _leader(record: Record, flavour: Flavour, utf8: bool = True) -> str:
    leader = str(record.leader).ljust(24)[:24]
    if flavour is Flavour.UNIMARC:
        tail = leader[20:24] if leader[20:23] == "450" else "450 "
        return leader[:10] + "22" + leader[12:20] + tail
    return leader[:9] + ("a" if utf8 else " ") + "22" + leader[12:20] + "4500"


def encode_iso2709(
    record: Record,
    flavour: Flavour | str = Flavour.MARC21,
    problems: list[str] | None = None,
    encoding: str = "utf-8",
) -> bytes:
    """One record in ISO 2709, lengths in bytes. UTF-8 unless `encoding` says otherwise
    (GB18030 for systems that only read GBK; 100 $a is then left as it is, like dp2)."""
    flavour = Flavour(flavour)
    utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf8")
    body: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    for fld in _output_fields(record, flavour, utf8):
        tag = fld.tag
        if fld.control_field:
            data = (fld.data or "").encode(encoding, "replace") + b"\x1e"
        else:
            ind = fld.indicators or ("  ")
            head = (ind[0] or " ")[:1] + (ind[1] or " ")[:1]
            raw = fld.raw_subfields() if isinstance(fld, LazyField) else None
            if raw is not None:  # untouched since reading: copy its text back out
                text = f"{head}\x1f{raw}" if raw else head
            else:
                text = head + "".join(f"\x1f{code}{value}" for code, value in fld.subfields)
            data = text.encode(encoding, "replace") + b"\x1e"
        if len(tag) != 3:
            if problems is not None:
                problems.append(f"{REPAIRED}tag {tag!r} written as {tag.zfill(3)[:3]!r}")
            tag = tag.zfill(3)[:3]
        length = len(data)
        if (length > 9999 or offset > 99999) and problems is not None:
            problems.append(f"{REPAIRED}field {tag} at offset {offset}: length capped in directory")
        directory.append(
            b"%s%04d%05d" % (tag.encode("ascii", "replace"), min(length, 9999), min(offset, 99999))
        )
        body.append(data)
        offset += length
    dir_bytes = b"".join(directory) + b"\x1e"
    base = 24 + len(dir_bytes)
    total = base + offset + 1
    if total > 99999 and problems is not None:
        problems.append(f"{REPAIRED}record of {total} bytes: leader length capped at 99999")
    leader = _leader(record, flavour, utf8)
    head = f"{min(total, 99999):05d}{leader[5:12]}{min(base, 99999):05d}{leader[17:]}"
    return head.encode("ascii", "replace") + dir_bytes + b"".join(body) + b"\x1d"


def _text(value: str, problems: list[str] | None, where: str) -> str:
    if _NOT_XML.search(value):
        if problems is not None:
            problems.append(f"{REPAIRED}{where}: control characters XML cannot hold replaced")
        value = _NOT_XML.sub("\ufffd", value)
    return escape(value)


def encode_marcxml(
    record: Record, flavour: Flavour | str = Flavour.MARC21, problems: list[str] | None = None
) -> str:
    """One `<record>` element (MARC21-slim namespace, also used for UNIMARC by Koha)."""
    flavour = Flavour(flavour)
    out = [
        "<record>\n  <leader>",
        _text(_leader(record, flavour), problems, "leader"),
        "</leader>\n",
    ]
    for fld in _output_fields(record, flavour):
        tag = quoteattr(fld.tag)
        if fld.control_field:
            data = _text(fld.data or "", problems, fld.tag)
            out.append(f"  <controlfield tag={tag}>{data}</controlfield>\n")
            continue
        ind = fld.indicators or ("  ")
        ind1, ind2 = quoteattr((ind[0] or " ")[:1]), quoteattr((ind[1] or " ")[:1])
        out.append(f"  <datafield tag={tag} ind1={ind1} ind2={ind2}>\n")
        for code, value in fld.subfields:
            out.append(
                f"    <subfield code={quoteattr(_text(code, problems, fld.tag))}>"
                f"{_text(value, problems, fld.tag)}</subfield>\n"
            )
        out.append("  </datafield>\n")
    out.append("</record>\n")
    return "".join(out)


Syntax = Literal["iso2709", "marcxml"]


class MarcWriter:
    """Streams records to a binary file object; `close()` finishes the XML collection
    (the stream itself stays open). Each `write` returns what had to be changed."""

    def __init__(
        self,
        stream: BinaryIO,
        *,
        syntax: Syntax = "iso2709",
        flavour: Flavour | str = Flavour.MARC21,
        encoding: str = "utf-8",
    ) -> None:
        self._stream = stream
        self.syntax = syntax
        self.flavour = Flavour(flavour)
        self.encoding = encoding  # ISO 2709 only; MARCXML is always UTF-8
        self.count = 0
        self._open = False

    def write(self, record: Record, flavour: Flavour | str | None = None) -> list[str]:
        problems: list[str] = []
        use = Flavour(flavour) if flavour is not None else self.flavour
        if self.syntax == "marcxml":
            if not self._open:
                self._stream.write(_XML_HEAD.encode("utf-8"))
                self._open = True
            self._stream.write(encode_marcxml(record, use, problems).encode("utf-8"))
        else:
            self._stream.write(encode_iso2709(record, use, problems, self.encoding))
        self.count += 1
        return problems

    def close(self) -> None:
        if self.syntax == "marcxml":
            if not self._open:
                self._stream.write(_XML_HEAD.encode("utf-8"))
            self._stream.write(_XML_TAIL.encode("utf-8"))
            self._open = False
            self.syntax = "iso2709"  # closing twice writes nothing more

    def __enter__(self) -> MarcWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def write_records(
    stream: BinaryIO,
    records: Iterable[Record],
    *,
    syntax: Syntax = "iso2709",
    flavour: Flavour | str = Flavour.MARC21,
) -> int:
    """Write all records; returns how many."""
    with MarcWriter(stream, syntax=syntax, flavour=flavour) as writer:
        for record in records:
            writer.write(record)
        return writer.count
