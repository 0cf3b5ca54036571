"""Broken files: every one is read to its end and yields a report, never a crash.

A report is the reader's problems (each with the record's index and byte offset) plus
what the mapping finds missing. Three files in broken/ hold valid records (they test
other libraries' features), so for them the clean summary is the report.
"""

from __future__ import annotations

import re

import pytest

from unicard.catalogue.mapping import map_record
from unicard.catalogue.marc_read import read_marc

from .marc_files import MARC, files_in, read_file

VALID_RECORDS_IN_BROKEN = {
    # ruby-marc tests its field sorting with these: tag order is free in ISO 2709.
    "rubymarc__random_tag_order.dat",
    "rubymarc__random_tag_order2.dat",
    # pymarc tests MARC-8 translation of this valid UTF-8 record (leader/09 'a').
    "pymarc__utf8_errors.dat",
}


@pytest.mark.parametrize("name", files_in("broken"))
def test_broken_file_is_read_to_the_end_with_a_report(
    name: str, capfd: pytest.CaptureFixture[str]
) -> None:
    path = MARC / "broken" / name
    with path.open("rb") as stream:
        reader = read_marc(stream)
        items = list(reader)
        assert stream.read() == b"", "stopped before the end of the file"
    problems = [p for item in items for p in item.problems] + reader.summary.file_problems
    warnings = [
        w for i in items if i.record is not None for w in map_record(i.record, i.flavour).warnings
    ]
    if name in VALID_RECORDS_IN_BROKEN:
        assert reader.summary.rejected == 0 and not problems
    else:
        assert problems or warnings, name
    for problem in problems:
        assert re.match(r"(repaired|rejected|warning): \S", problem), problem
    for item in items:
        if item.record is None:
            assert any(p.startswith("rejected: ") for p in item.problems)
    out, err = capfd.readouterr()
    assert (out, err) == ("", ""), "decoding problems must not be printed"


def test_report_has_index_offset_and_reason() -> None:
    result = read_file("broken/pymarc__bad_records.mrc")
    assert [(i.index, i.offset, i.status) for i in result.items] == [
        (0, 0, "ok"),
        (1, 127, "repaired"),
        (2, 254, "repaired"),
        (3, 381, "repaired"),
        (4, 509, "rejected"),
        (5, 637, "repaired"),
        (6, 764, "rejected"),
        (7, 790, "ok"),
    ]
    assert result.items[1].problems == [
        "repaired: base address '99937' is wrong; data starts at 37"
    ]
    assert result.items[4].problems == ["rejected: directory entry 1 is not numeric"]
    report = result.summary.as_dict()
    assert (report["read"], report["ok"], report["repaired"], report["rejected"]) == (8, 2, 4, 2)
    assert {r["index"]: r["offset"] for r in report["reports"]} == {  # type: ignore[union-attr]
        1: 127,
        2: 254,
        3: 381,
        4: 509,
        5: 637,
        6: 764,
    }


def test_record_longer_than_its_leader_says_is_read_and_the_next_ones_too() -> None:
    """marc4j: the first record is too long for ISO 2709; the next two must be readable."""
    result = read_file("broken/marc4j__bad_too_long_plus_2.mrc")
    assert [r["001"].data for r in result.records] == ["360944", "360945", "360946"]
    first = result.items[0]
    assert first.status == "repaired"
    assert "leader says 23375 bytes, record terminator found after 123375" in first.problems[0]
    assert str(first.record.leader)[5:8] == "nas"
    assert len(first.record.fields) == 1517


def test_record_over_99999_bytes_is_framed_on_its_terminator() -> None:
    result = read_file("broken/marc4j__bad_hathi_records.mrc")
    assert [(i.offset, len(i.record.fields)) for i in result.items] == [
        (0, 30),
        (1293, 62),
        (5259, 25),
        (6343, 12654),
        (1103230, 41),
    ]
    assert result.items[3].problems[0].startswith("repaired: leader says 99999 bytes")


def test_field_over_9999_bytes_in_a_wide_directory_entry() -> None:
    result = read_file("broken/marc4j__bad_oversize_field_bad_directory.mrc")
    oversized = result.items[1]
    assert oversized.status == "repaired"
    assert len(oversized.record["520"]["a"]) == 11086
    assert result.summary.rejected == 0


def test_xml_not_well_formed_rejects_that_record_and_goes_on() -> None:
    path = MARC / "broken/rubymarc__three-records-second-bad.xml"
    starts = [m.start() for m in re.finditer(rb"<record>", path.read_bytes())]
    result = read_file("broken/rubymarc__three-records-second-bad.xml")
    assert [(i.index, i.offset, i.status) for i in result.items] == [
        (0, starts[0], "ok"),
        (1, starts[1], "rejected"),
        (2, starts[2], "ok"),
    ]
    assert "not well-formed (invalid token) at line 72" in result.items[1].problems[0]
    assert result.summary.file_problems == []


def test_stray_bytes_between_records_are_skipped_and_reported() -> None:
    result = read_file("broken/perl__badldr.usmarc")
    assert [(i.index, i.offset, i.status) for i in result.items][-2:] == [
        (5, 1319, "ok"),
        (6, 1717, "rejected"),
    ]
    assert "b'\\x1d' at offset 472" in result.items[2].problems[0]
    dos_eof = read_file("broken/perl__cameleof.usmarc")
    assert dos_eof.summary.ok == 10
    assert sum("b'\\x1a'" in p for i in dos_eof.items for p in i.problems) == 3


def test_not_marc_at_all_is_one_rejected_unit() -> None:
    result = read_file("broken/perl__farsi.marc")
    assert [(i.index, i.offset, i.status) for i in result.items] == [(0, 0, "rejected")]
    assert result.items[0].problems[-1] == (
        "rejected: no field terminator after the leader: not a MARC record"
    )


def test_leader_length_counted_wrongly_is_repaired() -> None:
    result = read_file("broken/marc4js__collection-error.mrc")
    assert result.items[0].problems[0] == (
        "repaired: leader says 998 bytes, record terminator found after 798"
    )
    assert result.items[1].status == "ok"


def test_non_numeric_tags_are_kept() -> None:
    """ruby-marc: alphanumeric local tags are legal."""
    record = read_file("broken/rubymarc__non-numeric.dat").records[0]
    assert record["ISB"]["a"] == "9780061317842"
    assert record["LOC"]["9"] == "1"


def test_blank_leader_10_11_become_two_indicators() -> None:
    """marc4j: indicator count and subfield code length default to 2."""
    item = read_file("broken/marc4j__bad_leaders_10_11.mrc").items[0]
    assert str(item.record.leader)[10:12] == "22"
    assert "repaired: leader/10-11 is '  ', set to '22'" in item.problems


def test_directory_ending_with_a_wrong_byte_keeps_the_declared_base() -> None:
    item = read_file("broken/perl__baddir.usmarc").items[0]
    assert item.problems == ["repaired: directory ends with b'\\x1f', not 0x1E"]
    assert item.record["001"].data == "    2000932"
    assert item.record["245"]["a"] == "Green Eggs and Ham"


def test_invalid_utf8_is_replaced_and_reported() -> None:
    item = read_file("broken/rubymarc__utf8_with_bad_bytes.marc").items[0]
    assert item.record["245"]["a"].endswith("/bad bytes => \ufffd( <=")
    assert item.problems == ["repaired: 245: bytes not valid utf-8 at 72 replaced with U+FFFD"]


def test_bad_marc8_escapes_are_counted_not_printed(capfd: pytest.CaptureFixture[str]) -> None:
    item = read_file("broken/pymarc__bad_marc8_escape.dat").items[0]
    assert "repaired: 245 $a: MARC-8 1 invalid escape sequence(s) dropped" in item.problems
    eacc = read_file("broken/pymarc__bad_eacc_encoding.dat").items[0]
    assert eacc.problems[0].startswith("repaired: 880 $a: MARC-8 5 character(s) replaced")
    assert capfd.readouterr() == ("", "")


def test_missing_tags_and_codes_in_xml_are_dropped_with_the_text_shown() -> None:
    item = read_file("broken/marc4j__chabon-missing-controlfield-tag.xml").items[0]
    assert item.problems == [
        "repaired: controlfield without tag dropped: '20041229190604.0'",
        "repaired: datafield without tag dropped: '$aBildungsromane.; $2gsafd'",
    ]
    no_code = read_file("broken/marc4j__chabon-missing-subfield-code.xml").items[0]
    assert no_code.problems[0] == (
        "repaired: 020: subfield without code dropped: '0679450041 (acid-free paper)'"
    )


def test_no_title_is_a_mapping_warning() -> None:
    item = read_file("broken/openlibrary__talis_no_title2.mrc").items[0]
    assert map_record(item.record, item.flavour).warnings == ["warning: no title (245 $a)"]
