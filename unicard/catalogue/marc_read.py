"""Read any MARC file the network meets: the one entry point the import service calls.

ISO 2709 or MARCXML is decided from the first bytes (a `<` after an optional byte-order
mark and whitespace means XML); MARC 21 or UNIMARC/CNMARC and the character set are
decided per record unless forced. Nothing is printed and nothing raises for bad data:
every problem comes back with the record it belongs to, and `summary` counts them.

    reader = read_marc(stream, flavour="cnmarc", encoding=None)
    for item in reader:             # RecordRead; unpacks as (index, offset, record, problems)
        ...
    reader.summary.as_dict()        # read / ok / repaired / rejected / reports
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO, Literal

from unicard.catalogue.iso2709_read import Iso2709Reader
from unicard.catalogue.marc_charset import normalise_encoding
from unicard.catalogue.marc_flavour import Flavour, parse_flavour
from unicard.catalogue.marcxml_read import MarcXmlReader
from unicard.catalogue.read_result import ReadSummary, RecordRead

__all__ = ["MarcReader", "Syntax", "read_marc", "sniff_syntax"]

Syntax = Literal["iso2709", "marcxml"]
_SNIFF_BYTES = 4096


def sniff_syntax(head: bytes) -> Syntax:
    """`marcxml` when the first non-blank character is `<` (after a UTF-8/16 BOM)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "marcxml"
    if head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    return "marcxml" if head.lstrip(b" \t\r\n")[:1] == b"<" else "iso2709"


class MarcReader:
    """Iterable over the records of one stream; `summary` fills in as it is consumed."""

    def __init__(
        self,
        stream: BinaryIO,
        *,
        flavour: Flavour | str | None = None,
        encoding: str | None = None,
        syntax: Syntax | None = None,
    ) -> None:
        self.flavour = parse_flavour(flavour)
        self.encoding = normalise_encoding(encoding) if encoding else None
        head = stream.read(_SNIFF_BYTES)
        self.syntax: Syntax = syntax or sniff_syntax(head)
        self.summary = ReadSummary()
        self._inner: Iso2709Reader | MarcXmlReader
        if self.syntax == "marcxml":
            self._inner = MarcXmlReader(
                stream, flavour=self.flavour, encoding=self.encoding, head=head
            )
        else:
            self._inner = Iso2709Reader(
                stream, flavour=self.flavour, encoding=self.encoding, head=head
            )

    def __iter__(self) -> Iterator[RecordRead]:
        summary = self.summary
        for item in self._inner:
            summary.add(item)
            yield item
        summary.file_problems.extend(self._inner.file_problems)


def read_marc(
    stream: BinaryIO,
    *,
    flavour: Flavour | str | None = None,
    encoding: str | None = None,
    syntax: Syntax | None = None,
) -> MarcReader:
    """Open a reader; `flavour` is marc21/unimarc/cnmarc or None to detect per record,
    `encoding` forces a character set (utf-8, marc-8, gb18030/gbk, any Python codec)."""
    return MarcReader(stream, flavour=flavour, encoding=encoding, syntax=syntax)
