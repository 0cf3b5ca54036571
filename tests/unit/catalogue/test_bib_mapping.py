"""Mapping real MARC 21 and CNMARC records to BibFields, and the union-catalogue rule."""

from __future__ import annotations

from decimal import Decimal

from pymarc import Field, Indicators, Record, Subfield

from unicard.catalogue.bib_fields import clean, find_year
from unicard.catalogue.mapping import (
    BibFields,
    MaterialType,
    RecordKind,
    is_richer,
    map_marc21,
    map_record,
    map_unimarc,
)
from unicard.catalogue.marc_flavour import Flavour
from unicard.catalogue.prices import Price

from .marc_files import read_file


def _item(name: str, index: int = 0):  # RecordRead
    return read_file(name).items[index]


def test_marc21_book_from_pymarc_suite() -> None:
    item = _item("marc21/binary/pymarc__test.dat")
    bib = map_record(item.record, item.flavour)
    assert bib == BibFields(
        title="ActivePerl with ASP and ADO",
        responsibility="Tobias Martinsson",
        authors=["Martinsson, Tobias"],
        publisher="John Wiley & Sons",
        place="New York",
        year=2000,
        isbns=["9780471383147"],
        language="eng",
        physical_description="xxi, 289 p. : ill. ; 23 cm. + 1 computer  laser disc (4 3/4 in.)",
        subjects=["Active server pages", "ActiveX", "Perl (Computer program language)"],
        material_type=MaterialType.BOOK,
        control_number="fol05731351",
        control_source="IMchF",
        modified="20000613133448.0",
        marc_field_count=18,
    )


def test_marc21_chinese_video_uses_the_880_script_and_keeps_pinyin() -> None:
    item = _item("cjk/marc4j__chinese_mangled_multibyte.mrc", 1)
    bib = map_marc21(item.record)
    assert bib.title == "車輪滾滾"
    assert bib.title_pinyin == "Che lun gun gun"
    assert bib.responsibility == "长春电影制片厂 ; 编剧, 薛寿先；导演, 尹一青"
    assert bib.authors[:3] == ["尹一淸", "达奇", "李亚林"]
    assert bib.authors_pinyin[:3] == ["Yin, Yiqing", "Da, Qi", "Li, Yalin"]
    assert bib.publisher == "齐鲁音像出版社 : 广州俏佳人文化传播有限公司"
    assert bib.year == 2003
    assert bib.language == "chi"
    assert bib.material_type is MaterialType.VIDEO


def test_marc21_chinese_from_a_chinese_university_sru_feed() -> None:
    item = _item("marc21/xml/dp2__sru_sample_marcxml.xml", 1)
    bib = map_record(item.record, item.flavour)
    assert bib.title == "'08中国改革跟踪报告"
    assert bib.publisher == "高等教育出版社"
    assert bib.isbns == ["9787040247657"]
    assert bib.price == Price("CNY", Decimal("29.00"))
    assert bib.language == "chi"


def test_marc21_clc_class_from_084_with_source_clc() -> None:
    record = Record(leader="00000cam a2200000 a 4500")
    record.add_field(
        Field("084", Indicators(" ", " "), [Subfield("a", "TP311.1"), Subfield("2", "udc")]),
        Field("084", Indicators(" ", " "), [Subfield("a", "I247.57"), Subfield("2", "clc")]),
        Field("245", Indicators("0", "0"), [Subfield("a", "活着 /"), Subfield("c", "余华著.")]),
        Field("020", Indicators(" ", " "), [Subfield("a", "7-5063-2559-4"), Subfield("z", "123")]),
    )
    bib = map_marc21(record)
    assert bib.clc == "I247.57"
    assert bib.title == "活着"
    assert bib.responsibility == "余华著"
    assert bib.isbns == ["9787506325592"]
    assert bib.invalid_isbns == ["123"]
    assert bib.warnings == ["warning: invalid or cancelled ISBN '123'"]


def test_cnmarc_record_with_pinyin_clc_price_and_agency() -> None:
    item = _item("cnmarc/dp2__sru_sample_cnmarcxml.xml")
    bib = map_unimarc(item.record)
    assert bib == BibFields(
        title="'94中国发展报告",
        responsibility="国家统计局编",
        authors=["叶震", "李强", "国家统计局"],
        publisher="中国统计出版社",
        place="北京",
        year=1994,
        isbns=["9787503717444"],
        language="chi",
        physical_description="320页 : 图 ; 27cm",
        subjects=["经济发展--概况--中国--1994"],
        clc="F124",
        material_type=MaterialType.BOOK,
        control_number="990002180740203961",
        control_source="BNU",
        title_pinyin="'94Zhong Guo Fa Zhan Bao Gao",
        authors_pinyin=["Xie Zhen", "Li Qiang", "Guo Jia Tong Ji Ju"],
        price=Price("CNY", Decimal("68.00")),
        modified="20180625022747.0",
        marc_field_count=35,
    )


def test_cnmarc_series_several_subjects_and_original_agency() -> None:
    bib = map_unimarc(_item("cnmarc/dp2__sru_sample_cnmarcxml.xml", 9).record)
    assert bib.title == "1999 年中国发展状况与趋势"
    assert bib.series == "中国发展报告书"
    assert bib.subjects == ["社会发展--概况--中国", "社会发展--预测--中国", "经济发展趋势--中国"]
    assert bib.clc == "D668"  # the first 690
    assert bib.control_source == "TL"  # 801 ind2 0: the original cataloguing agency
    assert bib.physical_description == "10, 374页 ; 21cm"


def test_cnmarc_pinyin_in_dollar_9_and_names_split_in_a_and_b() -> None:
    record = Record(leader="00000nam0 2200000   450 ")
    record.add_field(
        Field(
            "200",
            Indicators("1", " "),
            [Subfield("a", "少年小树之歌"), Subfield("9", "shao nian xiao shu zhi ge")],
        ),
        Field(
            "701",
            Indicators(" ", "0"),
            [Subfield("a", "卡特"), Subfield("9", "ka te"), Subfield("4", "著")],
        ),
        Field(
            "702",
            Indicators(" ", "1"),
            [Subfield("a", "张"), Subfield("b", "扬"), Subfield("4", "译")],
        ),
        Field(
            "010",
            Indicators(" ", " "),
            [Subfield("a", "978-7-5063-2559-9"), Subfield("d", "0.38元")],
        ),
    )
    bib = map_unimarc(record)
    assert bib.title_pinyin == "shao nian xiao shu zhi ge"
    assert bib.authors == ["卡特", "张扬"]
    assert bib.authors_pinyin == ["ka te"]
    assert bib.price == Price("CNY", Decimal("0.38"))
    assert bib.isbns == [] and bib.invalid_isbns == ["9787506325599"]


def test_unimarc_latin_names_and_non_sorting_markers() -> None:
    bib = map_unimarc(_item("unimarc/pymarc__testunimarc.dat").record)
    assert bib.title == "L'altra faccia della spirale"
    assert bib.authors == [
        "Asimov, Isaac",
        "Fruttero, Carlo",
        "Lucentini, Franco",
        "Scaglia, Cesare",
    ]
    assert bib.series == "Bestsellers"
    assert bib.control_source == "ICCU"


def test_unimarc_serials_and_taiwan_prices() -> None:
    serials = read_file("unimarc/xbib__periouni.mrc")
    kinds = {map_record(r, Flavour.UNIMARC).material_type for r in serials.records}
    assert MaterialType.SERIAL in kinds
    pride = read_file("marc21/binary/marc4j__pride-and-prejudice-fixed.mrc")
    taiwan = map_record(pride.items[357].record, pride.items[357].flavour)
    assert (taiwan.title, taiwan.price) == ("傲慢與偏見", Price("TWD", Decimal("120")))


def test_material_types_and_record_kinds_from_the_leader() -> None:
    def kind_of(leader: str) -> tuple[MaterialType, RecordKind]:
        bib = map_marc21(Record(leader=leader))
        return bib.material_type, bib.kind

    assert kind_of("00000nas a2200000 a 4500")[0] is MaterialType.SERIAL
    assert kind_of("00000ncm a2200000 a 4500")[0] is MaterialType.SCORE
    assert kind_of("00000nem a2200000 a 4500")[0] is MaterialType.MAP
    assert kind_of("00000njm a2200000 a 4500")[0] is MaterialType.AUDIO
    assert kind_of("00000ngm a2200000 a 4500")[0] is MaterialType.VIDEO
    assert kind_of("00000nmm a2200000 a 4500")[0] is MaterialType.ELECTRONIC
    assert kind_of("00000nrm a2200000 a 4500")[0] is MaterialType.OTHER
    assert kind_of("00000nz  a2200000 o 4500")[1] is RecordKind.AUTHORITY
    assert kind_of("00000nu  a2200000 o 4500")[1] is RecordKind.HOLDINGS
    assert (
        map_unimarc(Record(leader="00000nas0 2200000   450 ")).material_type is MaterialType.SERIAL
    )
    assert (
        map_unimarc(Record(leader="00000nlm0 2200000   450 ")).material_type
        is MaterialType.ELECTRONIC
    )


def test_every_real_record_maps_without_error() -> None:
    for name in (
        "marc21/binary/marc4j__pride-and-prejudice-fixed.mrc",
        "marc21/binary/evergreen__lul_fre_100.mrc",
        "marc21/binary/marc4j__datos-20161010-slice.mrc",
        "unimarc/xbib__periouni.mrc",
        "cnmarc/dp2__sru_sample_unimarcxml.xml",
        "broken/pymarc__bad_records.mrc",
        "broken/marc4j__bad_hathi_records.mrc",
    ):
        for item in read_file(name).items:
            if item.record is not None:
                bib = map_record(item.record, item.flavour)
                assert bib.marc_field_count == len(item.record.fields)


def test_clean_and_year() -> None:
    assert clean("Pride and prejudice /") == "Pride and prejudice"
    assert clean("Young, Peter.") == "Young, Peter"
    assert clean("Chabon, M.") == "Chabon, M."
    assert clean("New York :") == "New York"
    assert clean(" / ") is None
    assert clean("Cafe\u0301") == "Café"
    assert find_year("c1992-c2002") == 1992
    assert find_year("1993[民82]") == 1993
    assert find_year("[19--?]") is None


def _bib(**values: object) -> BibFields:
    return BibFields(**values)  # type: ignore[arg-type]


def test_is_richer_prefers_more_mapped_fields_then_more_marc_fields_then_newer() -> None:
    thin = _bib(title="活着", isbns=["9787506325595"], marc_field_count=30, modified="20240101")
    full = _bib(title="活着", isbns=["9787506325595"], clc="I247.57", marc_field_count=10)
    assert is_richer(full, thin) and not is_richer(thin, full)
    more_fields = _bib(title="活着", marc_field_count=31, modified="20000101")
    fewer_fields = _bib(title="活着", marc_field_count=30, modified="20240101")
    assert is_richer(more_fields, fewer_fields)
    newer = _bib(title="活着", marc_field_count=30, modified="20240101000000.0")
    older = _bib(title="活着", marc_field_count=30, modified="20190101000000.0")
    assert is_richer(newer, older) and not is_richer(older, newer)
    assert not is_richer(older, older)  # a full tie keeps the record already there


def test_is_richer_on_real_records() -> None:
    items = read_file("cnmarc/dp2__sru_sample_cnmarcxml.xml").items
    bibs = [map_record(i.record, i.flavour) for i in items]
    # Records 3 and 4 describe '97中国发展报告 twice; the one with more filled fields wins.
    assert bibs[3].title == bibs[4].title == "'97中国发展报告"
    winner = bibs[3] if is_richer(bibs[3], bibs[4]) else bibs[4]
    assert not is_richer(bibs[3] if winner is bibs[4] else bibs[4], winner)
