"""Every shared MARC file is read with the expected number of records, none lost.

Counts are pinned per file as (records read, records rejected). They were checked against
independent evidence: the 0x1D record terminators in ISO 2709 files and the <leader>
elements in MARCXML files (test_counts_match_the_file_structure), the counts in the source
suites (pymarc test.dat 10, ruby-marc batch.dat 10, marc4j bad_too_long_plus_2 3 with the
last two readable, xbib periouni 3,064, lul_fre_100 100), and SOURCES.md (10 CNMARC records
per dp2 SRU sample). A file added to a folder fails `test_every_file_is_pinned` until its
count is pinned here.
"""

from __future__ import annotations

import re

import pytest

from .marc_files import FOLDERS, MARC, files_in, read_file

MARC21_BINARY: dict[str, tuple[int, int]] = {
    "catmandu__camel.mrc": (10, 0),
    "catmandu__camel9.mrc": (1, 0),
    "catmandu__dollar_subfields.mrc": (2, 0),
    "catmandu__oschrift_me.mrc": (1, 0),
    "catmandu__utf8.mrc": (1, 0),
    "evergreen__RDA_record_MAP_2012_Enchanted_Circle.mrc": (1, 0),
    "evergreen__RDA_record_SCORE_Wiegenlied.mrc": (1, 0),
    "evergreen__auth-subset100.mrc": (17, 0),
    "evergreen__hebrew.marc": (20, 0),
    "evergreen__lul_fre_100.mrc": (100, 0),
    "evergreen__map_data.mrc": (3, 0),
    "evergreen__nepali.marc": (96, 0),
    "evergreen__oss.marc": (42, 0),
    "evergreen__sample_acq_order.mrc": (10, 0),
    "marc4j__008008027.mrc": (19, 0),
    "marc4j__065001035.mrc": (40, 0),
    "marc4j__185258.mrc": (1, 0),
    "marc4j__54-56-008008027.mrc": (5, 0),
    "marc4j__brkrtest.mrc": (8, 0),
    "marc4j__brkrtest_UTF8.mrc": (8, 0),
    "marc4j__chabon-loc.mrc": (2, 0),
    "marc4j__chabon.mrc": (2, 0),
    "marc4j__cyrillic_capital_e.mrc": (2, 0),
    "marc4j__datos-20161010-slice.mrc": (1, 0),
    "marc4j__dp_004015001.mrc": (3, 0),
    "marc4j__field700_4_test.mrc": (2, 0),
    "marc4j__getty_test_1.mrc": (1, 0),
    "marc4j__getty_test_output.mrc": (1, 0),
    "marc4j__kan1222221.mrc": (1, 0),
    "marc4j__loongboonmee.mrc": (2, 0),
    "marc4j__oclc_63111280_export_as_UTF8_from_connexion.mrc": (1, 0),
    "marc4j__pride-and-prejudice-fixed.mrc": (383, 0),
    "marc4j__rec1.mrc": (1, 0),
    "marc4j__rec2.mrc": (1, 0),
    "marc4j__rec3.mrc": (1, 0),
    "marc4j__sample1.mrc": (8, 0),
    "marc4j__selectedRecs.mrc": (11, 0),
    "marc4j__summerland.mrc": (1, 0),
    "marc4j__u17_utf8.mrc": (1, 0),
    "marc4j__u335.mrc": (1, 0),
    "marc4js__collection.mrc": (2, 0),
    "marc4js__marc8.mrc": (1, 0),
    "marc4js__marc8_utf8_mixed.mrc": (6, 0),
    "marc4js__utf8_only.mrc": (6, 0),
    "openlibrary__880_Nihon_no_chasho.mrc": (1, 0),
    "openlibrary__880_alternate_script.mrc": (1, 0),
    "openlibrary__880_arabic_french_many_linkages.mrc": (1, 0),
    "openlibrary__ocm00400866.mrc": (1, 0),
    "openlibrary__warofrebellionco1473unit_meta.mrc": (1, 0),
    "openlibrary__wrapped_lines.mrc": (1, 0),
    "perl__camel.usmarc": (10, 0),
    "perl__cyrillic.marc": (1, 0),
    "perl__hebrew1.marc": (1, 0),
    "pymarc__1251.dat": (6, 0),
    "pymarc__alphatag.dat": (1, 0),
    "pymarc__diacritic.dat": (1, 0),
    "pymarc__marc.dat": (20, 0),
    "pymarc__marc8.dat": (1, 0),
    "pymarc__multi_isbn.dat": (1, 0),
    "pymarc__one.dat": (1, 0),
    "pymarc__test.dat": (10, 0),
    "pymarc__utf8_with_leader_flag.dat": (1, 0),
    "pymarc__utf8_without_leader_flag.dat": (1, 0),
    "rubymarc__batch.dat": (10, 0),
    "rubymarc__escaped_character_reference.marc8.marc": (1, 0),
    "rubymarc__marc8_accented_chars.marc": (1, 0),
    "rubymarc__one.dat": (1, 0),
    "rubymarc__utf8.marc": (1, 0),
    "rubymarc__utf8_multirecord.marc": (2, 0),
    "xbib__IRMARC8.bin": (10, 0),
    "xbib__SWB3.marc21": (1, 0),
    "xbib__diacritic4.mrc": (1, 0),
    "yaz__marc0.utf-8.marc": (1, 0),
    "yaz__marc1.iso-8859-1.marc": (1, 0),
    "yaz__marc10.danmarc.marc": (1, 0),
    "yaz__marc11.danmarc.marc": (1, 0),
    "yaz__marc12.marc-8.marc": (1, 0),
    "yaz__marc2.iso-8859-1.marc": (1, 0),
    "yaz__marc3.iso-8859-1.marc": (1, 0),
    "yaz__marc4.iso-8859-1.marc": (1, 0),
    "yaz__marc5.utf-8.marc": (1, 0),
    "yaz__marc6.marc-8.marc": (1, 0),
    "yaz__marc7.marc-8.marc": (1, 0),
    "yaz__marc8.marc-8.marc": (1, 0),
    "yaz__marc9.marc-8.marc": (1, 0),
    "yaz__marccol1.u8.marc": (19, 0),
    "yaz__marccol2.u8.marc": (1, 0),
    "yaz__marccol3.u8.marc": (1, 0),
    "yaz__marccol4.u8.marc": (1, 0),
    "yaz__marccol5.u8.marc": (11, 0),
}

MARC21_XML: dict[str, tuple[int, int]] = {
    "catmandu__marc.xml": (1, 0),
    "dp2__sru_sample_marcxml.xml": (10, 0),
    "evergreen__badisbns.xml": (10, 0),
    "evergreen__serials_marc21.xml": (7, 0),
    "evergreen__serials_mfhd.xml": (7, 0),
    "marc4j__1474920681_KOHA_LFL_5.xml": (1, 0),
    "marc4j__1474920681_KOHA_LFL_6_with_comment.xml": (1, 0),
    "marc4j__OCLC_814388508.xml": (1, 0),
    "marc4j__azdoud.xml": (1, 0),
    "marc4j__chabon-record-type.xml": (2, 0),
    "marc4j__chabon.xml": (2, 0),
    "marc4j__sample1a.xml": (9, 0),
    "marc4j__summerland-record-with-type.xml": (1, 0),
    "marc4j__summerland-record.xml": (1, 0),
    "marc4j__summerland.xml": (1, 0),
    "marc4j__summerlandwith710.xml": (1, 0),
    "marc4js__collection.xml": (2, 0),
    "openlibrary__39002054008678_yale_edu_marc.xml": (1, 0),
    "openlibrary__nybc200247_marc.xml": (1, 0),
    "pymarc__batch.xml": (2, 0),
    "pymarc__utf8.xml": (1, 0),
    "rubymarc__batch.xml": (2, 0),
    "rubymarc__one.xml": (1, 0),
    "yaz__marc1.xml": (1, 0),
    "yaz__marc12.xml": (1, 0),
    "yaz__marc2.xml": (1, 0),
    "yaz__marc3.xml": (1, 0),
    "yaz__marc5.xml": (1, 0),
    "yaz__marc7.xml": (1, 0),
    "yaz__marc9.xml": (1, 0),
}

UNIMARC: dict[str, tuple[int, int]] = {
    "marcjs__bib-one.mrc": (1, 0),
    "marcjs__bib.mrc": (6, 0),
    "marcjs__bib.xml": (6, 0),
    "pymarc__testunimarc.dat": (1, 0),
    "rubymarc__cp866_unimarc.marc": (1, 0),
    "xbib__periouni.mrc": (3064, 0),
    "xbib__rusmarc.xml": (1, 0),
}

CNMARC: dict[str, tuple[int, int]] = {
    "dp2__sru_sample_cnmarcxml.xml": (10, 0),
    "dp2__sru_sample_kormarcxml.xml": (10, 0),
    "dp2__sru_sample_unimarcxml.xml": (10, 0),
}

CJK: dict[str, tuple[int, int]] = {
    "marc4j__chinese_mangled_multibyte.mrc": (4, 0),
    "perl__cjk1.marc": (1, 0),
    "perl__cjk2.marc": (1, 0),
}

BROKEN: dict[str, tuple[int, int]] = {
    "catmandu__broken.xml": (10, 0),
    "marc4j__bad-characters-in-various-fields.mrc": (1, 0),
    "marc4j__bad_hathi_records.mrc": (5, 0),
    "marc4j__bad_leaders_10_11.mrc": (1, 0),
    "marc4j__bad_oversize_field_bad_directory.mrc": (5, 0),
    "marc4j__bad_too_long_plus_2.mrc": (3, 0),
    "marc4j__chabon-bad-subfields-element.xml": (1, 0),
    "marc4j__chabon-missing-controlfield-tag.xml": (1, 0),
    "marc4j__chabon-missing-datafield-tag.xml": (1, 0),
    "marc4j__chabon-missing-subfield-code.xml": (1, 0),
    "marc4j__chabon-record-type-bad.xml": (2, 0),
    "marc4j__cruel-cruel-indicatorless-summerland.xml": (1, 0),
    "marc4j__greekmissingcharsetchange.mrc": (3, 0),
    "marc4j__incomplete_esc_seq.mrc": (1, 0),
    "marc4j__not_unimarc_errors_3.mrc": (3, 0),
    "marc4j__unordered-directory-entries.mrc": (1, 0),
    "marc4js__collection-error.mrc": (2, 0),
    "openlibrary__collingswood_bad_008.mrc": (1, 0),
    "openlibrary__talis_empty_245.mrc": (1, 0),
    "openlibrary__talis_no_title2.mrc": (1, 0),
    "openlibrary__upei_short_008.mrc": (1, 0),
    "perl__baddir.usmarc": (1, 0),
    "perl__badind.usmarc": (1, 0),
    "perl__badldr.usmarc": (7, 1),
    "perl__cameleof.usmarc": (10, 0),
    "perl__farsi.marc": (1, 1),
    "pymarc__bad_eacc_encoding.dat": (1, 0),
    "pymarc__bad_indicator.dat": (1, 0),
    "pymarc__bad_marc8_escape.dat": (1, 0),
    "pymarc__bad_records.mrc": (8, 2),
    "pymarc__bad_subfield_code.dat": (1, 0),
    "pymarc__bad_tag.xml": (1, 0),
    "pymarc__regression45.dat": (12, 0),
    "pymarc__utf8_errors.dat": (1, 0),
    "pymarc__utf8_invalid.mrc": (1, 0),
    "rubymarc__bad_eacc_encoding.marc8.marc": (1, 0),
    "rubymarc__marc_with_bad_utf8.utf8.marc": (1, 0),
    "rubymarc__messed_up_leader.xml": (1, 0),
    "rubymarc__no-leading-zero.xml": (1, 0),
    "rubymarc__non-numeric.dat": (1, 0),
    "rubymarc__non-numeric.xml": (1, 0),
    "rubymarc__random_tag_order.dat": (1, 0),
    "rubymarc__random_tag_order2.dat": (1, 0),
    "rubymarc__three-records-second-bad.xml": (3, 1),
    "rubymarc__utf8_with_bad_bytes.marc": (1, 0),
    "xbib__error.mrc": (1, 0),
}

PINNED = {
    "marc21/binary": MARC21_BINARY,
    "marc21/xml": MARC21_XML,
    "unimarc": UNIMARC,
    "cnmarc": CNMARC,
    "cjk": CJK,
    "broken": BROKEN,
}

# Where the record count differs from the terminators / <leader> elements, and why.
STRUCTURE_EXCEPTIONS = {
    "broken/perl__farsi.marc": "not MARC: MARC-8 text lines, one rejected unit, no terminator",
    "marc21/binary/marc4j__008008027.mrc": "cut at 64 KiB: 18 terminated records + 1 truncated",
    "marc21/binary/xbib__SWB3.marc21": "one record whose terminator is '.'",
    "unimarc/xbib__rusmarc.xml": "one RUSMARC record without a <leader>",
}


def _cases(folder: str) -> list[object]:
    return [pytest.param(folder, name, id=f"{folder}/{name}") for name in PINNED[folder]]


def test_every_file_is_pinned() -> None:
    for folder in FOLDERS:
        assert files_in(folder) == sorted(PINNED[folder]), folder


def _check(folder: str, name: str) -> None:
    expected_read, expected_rejected = PINNED[folder][name]
    result = read_file(f"{folder}/{name}")
    assert result.summary.read == len(result.items) == expected_read
    assert result.summary.rejected == expected_rejected
    assert [item.index for item in result.items] == list(range(expected_read))
    offsets = [item.offset for item in result.items]
    assert offsets == sorted(offsets)
    for item in result.items:
        assert (item.record is None) == (item.status == "rejected")
        if item.record is not None:
            assert item.record.fields, (name, item.index)


@pytest.mark.parametrize(("folder", "name"), _cases("marc21/binary"))
def test_marc21_binary_counts(folder: str, name: str) -> None:
    _check(folder, name)


@pytest.mark.parametrize(("folder", "name"), _cases("marc21/xml"))
def test_marc21_xml_counts(folder: str, name: str) -> None:
    _check(folder, name)


@pytest.mark.parametrize(("folder", "name"), _cases("unimarc"))
def test_unimarc_counts(folder: str, name: str) -> None:
    _check(folder, name)


@pytest.mark.parametrize(("folder", "name"), _cases("cnmarc"))
def test_cnmarc_counts(folder: str, name: str) -> None:
    _check(folder, name)


@pytest.mark.parametrize(("folder", "name"), _cases("cjk"))
def test_cjk_counts(folder: str, name: str) -> None:
    _check(folder, name)


@pytest.mark.parametrize(("folder", "name"), _cases("broken"))
def test_broken_counts(folder: str, name: str) -> None:
    _check(folder, name)


def test_good_folders_reject_nothing() -> None:
    for folder in FOLDERS:
        if folder != "broken":
            assert all(rejected == 0 for _read, rejected in PINNED[folder].values()), folder


def test_counts_match_the_file_structure() -> None:
    """The pins agree with counting terminators and <leader> elements, but for the
    documented exceptions."""
    for folder in FOLDERS:
        for name, (expected_read, _rejected) in PINNED[folder].items():
            key = f"{folder}/{name}"
            data = (MARC / key).read_bytes()
            if name.endswith(".xml"):
                markers = len(re.findall(rb"<(?:[\w.-]+:)?leader>", data))
            else:
                markers = data.count(b"\x1d")
            if key in STRUCTURE_EXCEPTIONS:
                assert markers != expected_read, key
            else:
                assert markers == expected_read, key


def test_unimarc_serials_file_has_3064_records() -> None:
    assert PINNED["unimarc"]["xbib__periouni.mrc"] == (3064, 0)
