"""Reading streams: record by record, whatever the chunk size, resynchronising on 0x1D.

The importer must hold one record at a time (peak memory does not grow with the file),
and exports that count the leader length in characters must not lose records.
"""

from __future__ import annotations

import io

import pytest
from pymarc import Field, Indicators, Record, Subfield

from unicard.catalogue.iso2709_read import Iso2709Reader
from unicard.catalogue.marc_flavour import Flavour
from unicard.catalogue.marc_read import read_marc, sniff_syntax
from unicard.catalogue.marc_write import encode_iso2709
from unicard.catalogue.marcxml_read import MarcXmlReader

from .marc_files import MARC, read_file


class CountingStream(io.BytesIO):
    """Remembers how far the reader has read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.largest_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.largest_read = max(self.largest_read, len(chunk))
        return chunk


def _chinese_record(n: int) -> Record:
    record = Record(leader="00000nam0 2200000   450 ")
    record.add_field(Field("001", data=f"CN{n:08d}"))
    record.add_field(
        Field("100", Indicators(" ", " "), [Subfield("a", "20240101d2024    em y0chiy50      ea")])
    )
    record.add_field(
        Field(
            "200",
            Indicators("1", " "),
            [
                Subfield("a", f"红楼梦第{n}回"),
                Subfield("9", "hong lou meng"),
                Subfield("f", "曹雪芹著"),
            ],
        )
    )
    return record


def _characters_as_length(data: bytes) -> bytes:
    """Rewrite leader and directory lengths as an export counting characters would."""
    text = data.decode("utf-8")
    base = int(text[12:17])
    fields = text[base:-1].split("\x1e")[:-1]
    directory, offset = [], 0
    for i, body in enumerate(fields):
        tag = text[24 + 12 * i : 27 + 12 * i]
        directory.append(f"{tag}{len(body) + 1:04d}{offset:05d}")
        offset += len(body) + 1
    rebuilt = text[:24] + "".join(directory) + "\x1e" + "".join(f + "\x1e" for f in fields) + "\x1d"
    rebuilt = f"{len(rebuilt):05d}" + rebuilt[5:]
    return rebuilt.encode("utf-8")


def test_length_counted_in_characters_is_resynchronised() -> None:
    records = [_chinese_record(n) for n in range(5)]
    data = b"".join(_characters_as_length(encode_iso2709(r, Flavour.UNIMARC)) for r in records)
    items = list(read_marc(io.BytesIO(data)))
    assert [i.record["200"]["a"] for i in items] == [f"红楼梦第{n}回" for n in range(5)]
    assert all(i.status == "repaired" for i in items)
    assert items[0].problems[0].startswith("repaired: leader says ")
    assert "fields taken in the order of their terminators" in items[0].problems[1]


def test_missing_terminator_at_end_of_file() -> None:
    data = encode_iso2709(_chinese_record(1), Flavour.UNIMARC)[:-1]
    items = list(read_marc(io.BytesIO(data)))
    assert items[0].record["001"].data == "CN00000001"
    assert items[0].problems == ["repaired: no record terminator at end of file"]


def test_missing_terminator_uses_the_leader_length() -> None:
    records = [encode_iso2709(_chinese_record(n), Flavour.UNIMARC) for n in range(3)]
    data = records[0][:-1] + records[1] + records[2]
    items = list(read_marc(io.BytesIO(data)))
    assert [i.record["001"].data for i in items] == ["CN00000000", "CN00000001", "CN00000002"]
    assert items[0].problems == [
        f"repaired: no record terminator; leader length {len(records[0])} used"
    ]
    assert [i.offset for i in items] == [
        0,
        len(records[0]) - 1,
        len(records[0]) + len(records[1]) - 1,
    ]


@pytest.mark.parametrize("chunk", [1, 7, 24, 100, 4096])
def test_any_chunk_size_gives_the_same_records(chunk: int) -> None:
    path = MARC / "broken/pymarc__bad_records.mrc"
    whole = read_file("broken/pymarc__bad_records.mrc")
    reader = Iso2709Reader(io.BytesIO(path.read_bytes()), chunk_bytes=chunk)
    items = list(reader)
    assert [(i.index, i.offset, i.status, i.problems) for i in items] == [
        (i.index, i.offset, i.status, i.problems) for i in whole.items
    ]


@pytest.mark.parametrize("chunk", [5, 64, 1000])
def test_xml_any_chunk_size_gives_the_same_records(chunk: int) -> None:
    for name in (
        "cnmarc/dp2__sru_sample_cnmarcxml.xml",
        "broken/rubymarc__three-records-second-bad.xml",
    ):
        whole = read_file(name)
        items = list(MarcXmlReader(io.BytesIO((MARC / name).read_bytes()), chunk_bytes=chunk))
        assert [(i.index, i.offset, i.status, str(i.record)) for i in items] == [
            (i.index, i.offset, i.status, str(i.record)) for i in whole.items
        ]


def test_records_come_before_the_file_is_read_whole() -> None:
    one = encode_iso2709(_chinese_record(1), Flavour.UNIMARC)
    data = one * 20_000  # ~4 MB
    stream = CountingStream(data)
    reader = iter(read_marc(stream))
    first = next(reader)
    assert first.record is not None
    assert stream.tell() < len(data) // 2
    assert sum(1 for _ in reader) == 19_999
    assert stream.largest_read <= 1024 * 1024


def test_sniffing_iso_and_xml() -> None:
    assert sniff_syntax(b"\xef\xbb\xbf  <?xml") == "marcxml"
    assert sniff_syntax(b"\n<collection>") == "marcxml"
    assert sniff_syntax(b"00714cam a2200205 a 4500") == "iso2709"
    assert sniff_syntax(b"") == "iso2709"


def test_empty_stream_reads_nothing() -> None:
    reader = read_marc(io.BytesIO(b""))
    assert list(reader) == []
    assert reader.summary.read == 0
    whitespace = read_marc(io.BytesIO(b"\r\n\r\n"))
    assert list(whitespace) == [] and whitespace.summary.file_problems == []


def test_items_unpack_as_index_offset_record_problems() -> None:
    data = encode_iso2709(_chinese_record(7), Flavour.UNIMARC) * 2
    reader = read_marc(io.BytesIO(data))
    unpacked = [tuple(item) for item in reader]
    assert [(i, o, p) for i, o, _r, p in unpacked] == [(0, 0, []), (1, len(data) // 2, [])]
    assert unpacked[1][2]["001"].data == "CN00000007"  # type: ignore[index]
    assert reader.summary.as_dict()["read"] == 2
