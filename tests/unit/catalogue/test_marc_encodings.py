"""Character sets: detected from the bytes where leader/09 or 100 $a/26-29 lie, or forced.

Chinese titles must come out as Chinese from CNMARC (UTF-8 XML, and GB18030 ISO 2709
written here from the same records), from MARC-8 EACC 880 fields, and from UNIMARC
records inside a MARC 21 file.
"""

from __future__ import annotations

import io

import pytest
from pymarc import Field, Indicators, Record, Subfield

from unicard.catalogue.marc_charset import (
    GB18030,
    MARC8,
    UTF8,
    choose_encoding,
    decode_marc8,
    looks_chinese,
    normalise_encoding,
)
from unicard.catalogue.marc_flavour import Flavour
from unicard.catalogue.marc_read import read_marc
from unicard.catalogue.marc_write import encode_iso2709

from .marc_files import read_file

CNMARC_TITLES = [
    "'94中国发展报告",
    "'95中国发展报告",
    "'96 中国发展报告",
    "'97中国发展报告",
    "'97中国发展报告",
    "'98中国发展报告",
    "'99中国发展报告",
    "’92中国发展报告",
    "`93中国发展报告",
    "1999 年中国发展状况与趋势",
]


@pytest.mark.parametrize(
    "name",
    [
        "cnmarc/dp2__sru_sample_cnmarcxml.xml",
        "cnmarc/dp2__sru_sample_unimarcxml.xml",
        "cnmarc/dp2__sru_sample_kormarcxml.xml",
    ],
)
def test_cnmarc_sru_titles_are_chinese(name: str) -> None:
    result = read_file(name)
    assert [r["200"]["a"] for r in result.records] == CNMARC_TITLES
    assert {i.flavour for i in result.items} == {Flavour.UNIMARC}
    first = result.records[0]
    # Upper-case subfield codes are separate subfields: $A is the pinyin of $a.
    assert first["200"]["A"] == "'94Zhong Guo Fa Zhan Bao Gao"
    assert first["200"]["f"] == "国家统计局编"
    assert first["200"]["F"] == "Guo Jia Tong Ji Ju Bian"


def test_three_namespaces_give_the_same_records() -> None:
    def fields(name: str) -> list[str]:
        return [str(r) for r in read_file(name).records]

    cn = fields("cnmarc/dp2__sru_sample_cnmarcxml.xml")
    assert cn == fields("cnmarc/dp2__sru_sample_unimarcxml.xml")
    assert cn == fields("cnmarc/dp2__sru_sample_kormarcxml.xml")


def test_marc8_eacc_880_fields_are_chinese_and_japanese() -> None:
    mangled = read_file("cjk/marc4j__chinese_mangled_multibyte.mrc")
    good = mangled.records[1]
    title = good.get_fields("880")[0]
    assert title["a"] == "車輪滾滾"
    assert title["c"] == "长春电影制片厂 ; 编剧, 薛寿先；导演, 尹一青."
    assert [f["a"] for f in good.get_fields("880")][-2:] == ["跟我学汉语", "中国经典电影."]
    assert mangled.items[1].encoding == MARC8
    # The mangled copy (record 0) is kept, with each unmappable run reported.
    assert mangled.items[0].status == "repaired"
    assert any("880 $a: MARC-8" in p for p in mangled.items[0].problems)

    cjk1 = read_file("cjk/perl__cjk1.marc").records[0]
    assert cjk1.get_fields("880")[1]["a"] == "金田一 京助 と アイヌ語 /"
    cjk2 = read_file("cjk/perl__cjk2.marc").records[0]
    assert cjk2.get_fields("880")[1]["a"] == "式子 内親王 集 全釈 /"


def test_unimarc_chinese_records_inside_a_marc21_file() -> None:
    result = read_file("marc21/binary/marc4j__pride-and-prejudice-fixed.mrc")
    unimarc = [i for i in result.items if i.flavour is Flavour.UNIMARC]
    assert len(unimarc) == 17
    titles = {i.record["200"]["a"] for i in unimarc}
    assert "傲慢與偏見" in titles


def _gb18030_copy(name: str, charset: str = "0120") -> bytes:
    """The records of a shared file written as GB18030 ISO 2709 (no such file is public),
    with 100 $a/26-29 set to `charset` (0120: NLC practice for Chinese character sets)."""
    out = io.BytesIO()
    for record in read_file(name).records:
        f100 = record["100"]
        value = f100["a"]
        f100.subfields[0] = Subfield("a", value[:26] + charset.ljust(4) + value[30:])
        out.write(encode_iso2709(record, Flavour.UNIMARC, encoding="gb18030"))
    return out.getvalue()


def test_gb18030_cnmarc_is_detected_from_the_bytes() -> None:
    data = _gb18030_copy("cnmarc/dp2__sru_sample_cnmarcxml.xml")
    assert "中国".encode(GB18030) in data
    items = list(read_marc(io.BytesIO(data)))
    assert [i.record["200"]["a"] for i in items] == CNMARC_TITLES
    assert {i.encoding for i in items} == {GB18030}
    assert {i.flavour for i in items} == {Flavour.UNIMARC}
    assert all(i.status == "ok" for i in items), [i.problems for i in items]


def test_100a_claiming_utf8_over_gb18030_bytes_is_repaired() -> None:
    data = _gb18030_copy("cnmarc/dp2__sru_sample_cnmarcxml.xml", charset="50")
    item = next(iter(read_marc(io.BytesIO(data))))
    assert item.record["200"]["a"] == "'94中国发展报告"
    assert item.problems == ["repaired: 100 $a/26-27 says UTF-8 (50) but the bytes are GB18030"]


def test_utf8_unimarc_is_not_mojibake_whatever_100a_says() -> None:
    data = b"".join(
        encode_iso2709(r, Flavour.UNIMARC)
        for r in read_file("cnmarc/dp2__sru_sample_cnmarcxml.xml").records
    )
    items = list(read_marc(io.BytesIO(data)))
    assert [i.record["200"]["a"] for i in items] == CNMARC_TITLES
    assert {i.encoding for i in items} == {UTF8}


def test_forced_encoding_and_flavour() -> None:
    data = _gb18030_copy("cnmarc/dp2__sru_sample_cnmarcxml.xml")
    items = list(read_marc(io.BytesIO(data), encoding="GBK", flavour="cnmarc"))
    assert items[0].encoding == GB18030
    assert items[0].record["200"]["a"] == "'94中国发展报告"
    cyrillic = read_file("unimarc/rubymarc__cp866_unimarc.marc", encoding="cp866").records[0]
    assert cyrillic["001"].data == "Никитенко Е. А."  # ruby-marc: starts with Н (d09d)
    russian = read_file("marc21/binary/pymarc__1251.dat", encoding="cp1251").records[0]
    assert russian["245"]["a"].startswith("Основы гидравлического расчета")


def test_unknown_encoding_fails_before_reading() -> None:
    with pytest.raises(LookupError):
        read_marc(io.BytesIO(b""), encoding="no-such-charset")
    with pytest.raises(ValueError):
        read_marc(io.BytesIO(b""), flavour="dublin-core")
    assert normalise_encoding("GB2312") == GB18030
    assert normalise_encoding("MARC8") == MARC8
    assert normalise_encoding("UTF8") == UTF8


def test_leader_09_disagreeing_with_the_bytes() -> None:
    flagged = read_file("marc21/binary/pymarc__utf8_with_leader_flag.dat").items[0]
    unflagged = read_file("marc21/binary/pymarc__utf8_without_leader_flag.dat").items[0]
    assert str(flagged.record) == str(unflagged.record).replace("cam  22", "cam a22", 1)
    assert flagged.problems == []
    assert unflagged.problems == ["repaired: leader/09 says MARC-8 but the bytes are UTF-8"]
    mislabelled = read_file("marc21/binary/rubymarc__marc8_accented_chars.marc").items[0]
    assert mislabelled.encoding == MARC8
    assert mislabelled.record["245"]["a"] == 'Histoire du "nouveau théâtre."'
    assert mislabelled.problems == ["repaired: leader/09 says UTF-8 but the bytes are MARC-8"]


def test_marc8_latin_diacritics() -> None:
    record = read_file("marc21/binary/pymarc__marc8.dat").records[0]
    assert read_file("marc21/binary/pymarc__marc8.dat").items[0].encoding == MARC8
    utf8 = read_file("marc21/binary/pymarc__utf8_with_leader_flag.dat").records[0]
    assert [f.value() for f in record.get_fields("245", "260")] == [
        f.value() for f in utf8.get_fields("245", "260")
    ]


def test_decode_marc8_reports_instead_of_printing(capfd: pytest.CaptureFixture[str]) -> None:
    _text, problems = decode_marc8(b"\x1b$1!\x7f\x7f\x1b(B")
    assert problems and problems[0].startswith("1 character(s) replaced")
    assert decode_marc8(b"caf\xe2e") == ("café", [])
    assert capfd.readouterr() == ("", "")


def test_choose_encoding_rules() -> None:
    chinese = "中国发展报告国家统计局编".encode(GB18030)
    assert choose_encoding(chinese, unimarc=True, leader09=" ", charset100="01") == (GB18030, [])
    assert choose_encoding(b"plain ascii", unimarc=False, leader09=" ", charset100=None) == (
        UTF8,
        [],
    )
    assert (
        choose_encoding(b"\x1b(3abc\x1b(B", unimarc=False, leader09=" ", charset100=None)[0]
        == MARC8
    )
    # Latin-1 French is not Chinese even where it happens to decode as GBK.
    french = "Société française à Besançon".encode("latin-1")
    assert not looks_chinese(french)
    encoding, problems = choose_encoding(french, unimarc=True, leader09=" ", charset100="01")
    assert encoding == "iso8859-1" and problems[0].startswith("repaired: unknown 8-bit")
    assert (
        choose_encoding(chinese, unimarc=True, leader09=" ", charset100=None, forced="cp936")[0]
        == "cp936"
    )


def test_record_with_gbk_in_marc21_and_leader_09_a() -> None:
    record = Record(leader="00000nam a2200000 a 4500")
    record.add_field(Field("008", data="200101s2020    ch            000 0 chi d"))
    record.add_field(
        Field("245", Indicators("0", "0"), [Subfield("a", "红楼梦"), Subfield("c", "曹雪芹著")])
    )
    data = encode_iso2709(record, Flavour.MARC21, encoding="gb18030")
    data = data[:9] + b"a" + data[10:]  # claim UTF-8, as some Chinese exports do
    item = next(iter(read_marc(io.BytesIO(data))))
    assert item.record["245"]["a"] == "红楼梦"
    assert item.problems == ["repaired: leader/09 says UTF-8 but the bytes are GB18030"]
