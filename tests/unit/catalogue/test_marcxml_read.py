"""MARCXML: plain collections, a byte-order mark, SRU responses, bare record sequences."""

from __future__ import annotations

import io

import pytest

from unicard.catalogue.marc_flavour import Flavour
from unicard.catalogue.marc_read import read_marc

from .marc_files import MARC, read_file

RECORD = (
    "<record><leader>00000nam a2200000 a 4500</leader>"
    '<controlfield tag="001">{n}</controlfield>'
    '<datafield tag="245" ind1="0" ind2="0"><subfield code="a">{title}</subfield></datafield>'
    "</record>"
)


def _collection(*titles: str, encoding: str = "UTF-8") -> str:
    body = "".join(RECORD.format(n=n, title=t) for n, t in enumerate(titles))
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        f'<collection xmlns="http://www.loc.gov/MARC21/slim">{body}</collection>'
    )


def test_sru_wrapped_response_reads_the_inner_records() -> None:
    result = read_file("marc21/xml/dp2__sru_sample_marcxml.xml")
    assert result.syntax == "marcxml"
    assert len(result.records) == 10
    assert {i.flavour for i in result.items} == {Flavour.MARC21}


def test_byte_order_mark_and_single_prefixed_record() -> None:
    result = read_file("marc21/xml/openlibrary__39002054008678_yale_edu_marc.xml")
    assert (MARC / "marc21/xml/openlibrary__39002054008678_yale_edu_marc.xml").read_bytes()[
        :3
    ] == b"\xef\xbb\xbf"
    assert len(result.records) == 1
    assert result.items[0].offset == 3 + len(b'<?xml version="1.0" encoding="utf-8"?>')


def test_bare_sequence_of_records_without_a_root() -> None:
    """Evergreen's serials file is seven <record> elements and no document element."""
    result = read_file("marc21/xml/evergreen__serials_marc21.xml")
    assert len(result.records) == 7
    assert result.summary.file_problems == []


def test_comment_before_the_root_and_a_record_as_root() -> None:
    result = read_file("marc21/xml/marc4j__1474920681_KOHA_LFL_6_with_comment.xml")
    assert len(result.records) == 1


def test_record_without_leader_gets_a_default_one() -> None:
    item = read_file("unimarc/xbib__rusmarc.xml").items[0]
    assert item.flavour is Flavour.UNIMARC
    assert str(item.record.leader) == "00000nam0 2200000   450 "
    assert item.problems[0] == "repaired: no leader; a default leader was used"


@pytest.mark.parametrize("encoding", ["UTF-16", "GB18030", "GBK"])
def test_other_declared_encodings(encoding: str) -> None:
    data = _collection("红楼梦", "三国演义", encoding=encoding).encode(encoding)
    reader = read_marc(io.BytesIO(data))
    items = list(reader)
    assert [i.record["245"]["a"] for i in items] == ["红楼梦", "三国演义"]


def test_entity_declarations_are_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + _collection("&b;").split("?>", 1)[1]
    )
    reader = read_marc(io.BytesIO(bomb.encode()))
    items = list(reader)
    assert items == []
    assert reader.summary.file_problems == [
        "rejected: entity declarations are not allowed in MARCXML"
    ]


def test_truncated_document_rejects_the_open_record() -> None:
    data = _collection("one", "two").encode()
    cut = data[: data.index(b"two") + 2]
    items = list(read_marc(io.BytesIO(cut)))
    assert [i.status for i in items] == ["ok", "rejected"]
    assert items[1].problems[0].startswith("rejected: XML not well-formed")


def test_garbage_between_records_is_skipped() -> None:
    good = _collection("one", "two", "three").encode()
    broken = good.replace(
        b'<record><leader>00000nam a2200000 a 4500</leader><controlfield tag="001">1',
        b'<record><leader>00000nam a2200000 a 4500</leader><controlfield tag="001" &>1',
        1,
    )
    items = list(read_marc(io.BytesIO(broken)))
    assert [(i.index, i.status) for i in items] == [(0, "ok"), (1, "rejected"), (2, "ok")]
    assert items[2].record["245"]["a"] == "three"


def test_prefixes_namespaces_and_indicator_repairs() -> None:
    tag = read_file("broken/pymarc__bad_tag.xml").items[0]
    assert tag.record["042"]["a"] == "dc"
    indicatorless = read_file("broken/marc4j__cruel-cruel-indicatorless-summerland.xml")
    assert indicatorless.items[0].problems == [
        "repaired: 911: ind1=None, set to blank",
        "repaired: 911: ind2=None, set to blank",
    ]
