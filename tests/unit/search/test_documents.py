"""Search documents are built from catalogue rows by a pure function, with live availability."""

from unicard.network.topology import OrgTree
from unicard.search.documents import build_availability, build_document

TREE = OrgTree({"NET": None, "DY": "NET", "DY-T1": "DY", "PJ": "NET", "PJ-T1": "PJ"})
RECORD = {"id": 7, "title": "红楼梦", "title_pinyin": "hong lou meng", "authors": '["曹雪芹"]',
          "subjects": "[]", "summary": "", "series": "", "responsibility": "曹雪芹著",
          "publisher": "人民文学出版社", "year": 1982, "language": "chi",
          "material_type": "book", "clc": "I242.4", "isbns": '["9787020002207"]'}


def copy(home: str, at: str, status: str = "available", not_for_loan: bool = False) -> dict:
    return {"home_org": home, "current_org": at, "status": status, "not_for_loan": not_for_loan,
            "call_number": "I242.4/C10"}


def test_availability_is_expanded_up_the_tree() -> None:
    doc = build_document(RECORD, [copy("DY-T1", "DY-T1"), copy("PJ-T1", "PJ-T1", "on_loan")],
                         TREE)
    assert doc.held_by == ["DY", "DY-T1", "NET", "PJ", "PJ-T1"]
    assert doc.available_at == ["DY", "DY-T1", "NET"]
    assert doc.availability["PJ-T1"].available == 0 and doc.availability["PJ-T1"].total == 1
    assert doc.authors == ["曹雪芹"] and doc.isbns == ["9787020002207"]
    assert doc.call_numbers == ["I242.4/C10"]


def test_reference_copies_and_withdrawn_copies_are_not_on_the_shelf() -> None:
    doc = build_document(RECORD, [copy("DY-T1", "DY-T1", not_for_loan=True),
                                  copy("PJ-T1", "PJ-T1", "withdrawn")], TREE)
    assert doc.available_at == []
    assert doc.held_by == ["DY", "DY-T1", "NET"]


def test_a_copy_returned_elsewhere_is_available_where_it_stands() -> None:
    doc = build_document(RECORD, [copy("DY-T1", "PJ-T1")], TREE)
    assert "PJ-T1" in doc.available_at and "DY-T1" not in doc.available_at
    assert "DY-T1" in doc.held_by


def test_the_availability_part_alone_matches_the_whole_document() -> None:
    """Circulation updates only this part (`update_availability`): it must be exactly what a
    whole rebuild of the document would say."""
    copies = [copy("DY-T1", "PJ-T1"), copy("DY-T1", "DY-T1", "on_loan"),
              copy("PJ-T1", "PJ-T1", not_for_loan=True), copy("PJ-T1", "PJ-T1", "withdrawn")]
    doc = build_document(RECORD, copies, TREE)
    live = build_availability(RECORD["id"], copies, TREE)
    assert live.id == doc.id == "7"
    assert (live.held_by, live.available_at, live.availability) == (
        doc.held_by, doc.available_at, doc.availability)
    assert live.availability["DY-T1"].total == 2 and live.availability["PJ-T1"].available == 1
