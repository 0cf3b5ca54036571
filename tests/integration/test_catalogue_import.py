"""MARC import into the union catalogue on both databases: real files, merges, idempotency,
interrupted imports, export round trips."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pymarc import Field, Indicators, Record, Subfield

from tests.conftest import SHARED_DATA
from unicard.bulk import execute
from unicard.catalogue.exporter import export_catalogue
from unicard.catalogue.importer import ImportOptions, import_files
from unicard.catalogue.mapping import map_record
from unicard.catalogue.marc_read import read_marc
from unicard.catalogue.services import holdings_by_branch, list_merges
from unicard.db import read_transaction, write_transaction

MARC = SHARED_DATA / "marc"
CATALOGUE_TABLES = ("merge_log", "item", "record_isbn", "record_source", "barcode_range",
                    "outbox", "bib_record")


def marc21_file(path: Path, records: list[tuple[str, str, str, str, list[tuple[str, str]]]]
                ) -> Path:
    """Write ISO 2709 records: (001, 003, ISBN, title, [(branch, barcode) copies in 952])."""
    with path.open("wb") as out:
        for control, source, isbn, title, copies in records:
            record = Record(force_utf8=True)
            record.add_field(Field(tag="001", data=control))
            record.add_field(Field(tag="003", data=source))
            record.add_field(Field(tag="020", indicators=Indicators(" ", " "),
                                   subfields=[Subfield("a", isbn)]))
            record.add_field(Field(tag="245", indicators=Indicators("1", "0"),
                                   subfields=[Subfield("a", title)]))
            for branch, barcode in copies:
                record.add_field(Field(tag="952", indicators=Indicators(" ", " "), subfields=[
                    Subfield("a", branch), Subfield("o", "I247.57/C451"),
                    Subfield("p", barcode), Subfield("y", "book")]))
            out.write(record.as_marc())
    return path


async def counts() -> dict[str, int]:
    from unicard.bulk import fetch

    async with read_transaction():
        return {t: (await fetch(f"SELECT COUNT(*) AS n FROM {t}"))[0]["n"]
                for t in CATALOGUE_TABLES if t != "outbox"}


async def test_cnmarc_imports_with_correct_chinese(network, clock):
    files = sorted((MARC / "cnmarc").iterdir())
    summary = await import_files(files, ImportOptions(branch="EAST-B1"), clock)
    assert summary.read == 30 and summary.rejected == 0
    from unicard.bulk import fetch

    async with read_transaction():
        titles = [r["title"] for r in await fetch("SELECT title FROM bib_record")]
    assert any("中国发展报告" in title for title in titles)
    assert not any("\ufffd" in title or "ä¸" in title for title in titles)  # no mojibake


async def test_same_isbn_from_two_branches_is_one_record_with_two_copies(network, clock,
                                                                          tmp_path):
    east = marc21_file(tmp_path / "east.mrc", [
        ("E-1", "EASTLIB", "978-7-02-002494-0", "平凡的世界", [("EAST-B1", "E0001")])])
    west = marc21_file(tmp_path / "west.mrc", [
        ("W-77", "WESTLIB", "9787020024940", "平凡的世界 : 全三册", [("WEST-B1", "W0001")])])
    await import_files([east], ImportOptions(branch="EAST-B1"), clock)
    summary = await import_files([west], ImportOptions(branch="WEST-B1"), clock)
    assert (summary.imported, summary.merged, summary.items_added) == (0, 1, 1)
    after = await counts()
    assert after["bib_record"] == 1 and after["item"] == 2
    merges = await list_merges()
    assert merges[0]["match_key"] == "isbn:9787020024940"
    assert merges[0]["incoming_source"] == "WESTLIB"
    groups = await holdings_by_branch(merges[0]["record"])
    assert {g["branch"]: g["total"] for g in groups} == {"EAST-B1": 1, "WEST-B1": 1}


async def test_reimporting_the_same_file_changes_nothing(network, clock):
    files = sorted((MARC / "unimarc").glob("marcjs__bib*.mrc"))
    first = await import_files(files, ImportOptions(branch="EAST-B1"), clock)
    assert first.imported + first.merged > 0
    before = await counts()
    again = await import_files(files, ImportOptions(branch="EAST-B1"), clock)
    assert (again.imported, again.merged, again.items_added) == (0, 0, 0)
    assert again.unchanged == first.imported + first.merged
    assert await counts() == before


async def test_an_interrupted_import_leaves_whole_batches_and_a_rerun_completes(network, clock):
    path = MARC / "unimarc" / "xbib__periouni.mrc"

    class Interrupted(Exception):
        pass

    def stop_after_first_batch(records: int, position: int) -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        await import_files([path], ImportOptions(branch="EAST-B1", batch_size=100), clock,
                           progress=stop_after_first_batch)
    partial = await counts()
    assert partial["record_source"] == 100  # exactly one whole batch
    resumed = await import_files([path], ImportOptions(branch="EAST-B1", batch_size=100), clock)
    assert resumed.unchanged >= 100  # the committed batch (and the file's own duplicates)
    complete = await counts()
    assert complete["record_source"] == resumed.imported + resumed.merged + 100
    again = await import_files([path], ImportOptions(branch="EAST-B1", batch_size=100), clock)
    assert (again.imported, again.merged) == (0, 0)
    assert await counts() == complete


async def test_broken_files_are_reported_not_fatal(network, clock):
    files = sorted((MARC / "broken").iterdir())
    summary = await import_files(files, ImportOptions(branch="EAST-B1"), clock)
    assert summary.rejected > 0 and summary.reports
    for report in summary.reports:
        assert report["reasons"]
        if report["status"] in ("rejected", "repaired"):
            assert report["index"] >= 0 and report["offset"] >= 0
    json.dumps(summary.to_json(), default=str)  # the --json form serialises


async def snapshot() -> list[tuple]:
    from unicard.bulk import fetch

    async with read_transaction():
        records = await fetch("SELECT id, title, authors, isbns, clc, year FROM bib_record")
        items = await fetch("SELECT i.record, i.barcode, i.call_number, o.code AS home "
                            "FROM item i JOIN org o ON o.id = i.home_org")
    copies: dict[int, list[tuple]] = {}
    for item in items:
        copies.setdefault(item["record"], []).append(
            (item["barcode"], item["call_number"], item["home"]))
    return sorted(
        (r["title"], json.loads(r["authors"]) if isinstance(r["authors"], str) else r["authors"],
         r["isbns"] if isinstance(r["isbns"], str) else json.dumps(r["isbns"]), r["clc"],
         r["year"], sorted(copies.get(r["id"], [])))
        for r in records)


@pytest.mark.parametrize("syntax", ["iso2709", "marcxml"])
@pytest.mark.parametrize("sample", [
    ("marc21/binary", ["pymarc__test.dat", "pymarc__utf8_with_leader_flag.dat"]),
    ("cnmarc", ["dp2__sru_sample_cnmarcxml.xml"]),
    ("unimarc", ["marcjs__bib.mrc"]),
])
async def test_import_export_import_gives_the_same_records(network, clock, tmp_path, syntax,
                                                           sample):
    folder, names = sample
    files = [MARC / folder / name for name in names if (MARC / folder / name).exists()]
    assert files, f"sample files missing in {folder}"
    await import_files(files, ImportOptions(branch="EAST-B1"), clock)
    before = await snapshot()
    assert before
    exported = tmp_path / "export.out"
    with exported.open("wb") as out:
        result = await export_catalogue(out, syntax)
    assert result.records == len(before)
    async with write_transaction():
        for table in CATALOGUE_TABLES:
            await execute(f"DELETE FROM {table}")
    await import_files([exported], ImportOptions(branch="WEST-B1"), clock)
    assert await snapshot() == before


async def test_export_of_one_branch_writes_its_copies_as_holdings(network, clock, tmp_path):
    path = marc21_file(tmp_path / "mixed.mrc", [
        ("M-1", "MIX", "9787020024940", "平凡的世界", [("EAST-B1", "E1"), ("WEST-B1", "W1")]),
        ("M-2", "MIX", "9787530212004", "白鹿原", [("WEST-B1", "W2")]),
    ])
    await import_files([path], ImportOptions(branch="EAST-B1"), clock)
    buffer = io.BytesIO()
    result = await export_catalogue(buffer, "iso2709", branch="EAST")
    assert (result.records, result.items) == (1, 1)
    buffer.seek(0)
    (read,) = list(read_marc(buffer))
    assert read.record is not None
    assert map_record(read.record, "marc21").title == "平凡的世界"
    assert [f["p"] for f in read.record.get_fields("952")] == ["E1"]


@pytest.mark.parametrize(("folder", "expected_read"), [
    ("marc21/binary", 962), ("marc21/xml", 73), ("unimarc", 3080), ("cnmarc", 30),
    ("cjk", 6), ("broken", 106),
])
async def test_every_shared_folder_imports_with_the_expected_count(network, clock, folder,
                                                                   expected_read):
    files = sorted(p for p in (MARC / folder).iterdir() if p.is_file())
    summary = await import_files(files, ImportOptions(branch="EAST-B1", batch_size=1000), clock)
    assert summary.read == expected_read
    assert summary.imported + summary.merged + summary.unchanged + summary.rejected \
        <= summary.read
    if folder != "broken":
        assert summary.imported > 0
