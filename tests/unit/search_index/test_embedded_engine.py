"""What only the embedded engine promises: its file, its rebuilds, its bounded windows."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from search_index import (
    Availability,
    Copies,
    Document,
    Facet,
    Query,
    SearchUnavailable,
    open_engine,
)
from search_index.embedded import EmbeddedEngine
from search_index.embedded.build import POOL_THRESHOLD
from search_index.meili.documents import primary_key, to_meili
from search_index.meili.settings import index_settings

Factory = Callable[[], EmbeddedEngine]


def _book(i: int, **fields: object) -> Document:
    base = {
        "id": f"b{i:05d}",
        "title": f"Volume {i} of the collected letters",
        "language": "eng",
        "material_type": "book",
        "year": 1900 + i % 100,
        "held_by": ["NET", f"B{i % 3}"],
        "available_at": ["NET", f"B{i % 3}"] if i % 2 else [],
    }
    return Document.from_dict({**base, **fields})


def test_open_engine_picks_embedded_without_url(tmp_path: Path) -> None:
    engine = open_engine(index_path=tmp_path / "s.sqlite")
    assert isinstance(engine, EmbeddedEngine)
    with pytest.raises(ValueError):
        open_engine()


def test_garbage_index_file_is_unavailable(tmp_path: Path, sample: list[Document]) -> None:
    path = tmp_path / "search.sqlite"
    engine = EmbeddedEngine(path)
    engine.upsert(sample)
    engine.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.write_bytes(b"this is not a database" * 500)
    with pytest.raises(SearchUnavailable):
        EmbeddedEngine(path)


def test_index_removed_under_a_running_engine(
    embedded_factory: Factory, sample: list[Document]
) -> None:
    engine = embedded_factory()
    engine.upsert(sample)
    engine.path.unlink()
    with pytest.raises(SearchUnavailable, match="missing"):
        engine.search(Query(text="红楼梦"))
    assert not engine.health().ok


def test_a_second_engine_sees_a_rebuild_by_the_first(
    embedded_factory: Factory, sample: list[Document]
) -> None:
    writer, reader = embedded_factory(), embedded_factory()
    writer.upsert(sample)
    assert reader.search(Query(text="hamlet")).total == 1
    writer.reindex(sample[:2])
    assert reader.search(Query(text="hamlet")).total == 0
    assert reader.count() == 2


def test_writes_during_a_rebuild_reach_the_new_index(
    embedded_factory: Factory, sample: list[Document]
) -> None:
    engine = embedded_factory()
    engine.upsert(sample)
    builder = engine.rebuild()
    (hlm,) = [d for d in sample if d.id == "hlm"]
    newer = Document.from_dict({**hlm.to_dict(), "available_at": []})
    engine.upsert([newer])  # a check-out while the build runs
    engine.delete(["war"])  # a withdrawal while the build runs
    # The build read the records before those changes:
    builder.add(sample)
    assert engine.search(Query(text="hamlet")).total == 1  # still the old index meanwhile
    assert builder.commit() == len(sample) - 1
    assert engine.get("hlm") == newer  # the stale copy did not overwrite the check-out
    assert engine.get("war") is None  # nor came back from the dead
    assert engine.search(Query(text="红楼梦", available_at="S1B1")).total == 0


def test_availability_updates_during_a_rebuild_reach_both_generations(
    embedded_factory: Factory, sample: list[Document]
) -> None:
    engine = embedded_factory()
    engine.upsert(sample)
    builder = engine.rebuild()
    builder.add(d for d in sample if d.id != "santi")  # santi: not in the new one (yet)
    out = Availability(
        id="hlm",
        held_by=["NET", "S1", "S1B1", "S1B2"],
        availability={"S1B1": Copies(total=2, available=0)},
    )
    santi_out = Availability(id="santi", held_by=["NET", "S1", "S1B1"])
    # Both are live, but the build may hold an old santi it has read and not written yet:
    # santi comes back, for the caller to upsert whole (which the build then keeps).
    assert engine.update_availability([out, santi_out]) == ["santi"]
    (hlm,) = [d for d in sample if d.id == "hlm"]
    (santi,) = [d for d in sample if d.id == "santi"]
    assert engine.get("hlm") == out.applied_to(hlm)  # the live generation
    assert engine.get("santi") == santi_out.applied_to(santi)
    assert engine.search(Query(text="红楼梦", available_at="S1B1")).total == 0
    engine.upsert([santi_out.applied_to(santi)])
    builder.add([santi])  # the old copy the build read before the check-out
    assert builder.commit() == len(sample)
    assert engine.get("hlm") == out.applied_to(hlm)  # the built generation
    assert engine.get("santi") == santi_out.applied_to(santi)
    assert engine.search(Query(text="红楼梦", available_at="S1B1")).total == 0
    assert engine.search(Query(available_at="S1B1")).total == 1  # pp only
    assert engine.search(Query(text="红楼梦", held_by="S1B1")).total == 1
    facets = engine.search(Query(facets=(Facet.AVAILABLE_AT,))).facets["available_at"]
    assert facets["S1B1"] == 1


def test_availability_updates_skip_analysis_and_the_fts_table(
    embedded_factory: Factory, sample: list[Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = embedded_factory()
    engine.upsert(sample)
    conn = engine._conn()
    rowids = conn.execute("SELECT id, rowid FROM g1_docs ORDER BY rowid").fetchall()

    def no_analysis(doc: Document) -> object:
        raise AssertionError("analysed")

    monkeypatch.setattr("search_index.embedded.engine.analyse", no_analysis)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        engine.update_availability([Availability(id="hlm"), Availability(id="pp")])
    finally:
        conn.set_trace_callback(None)
    assert statements and not [s for s in statements if "fts" in s]
    assert conn.execute("SELECT id, rowid FROM g1_docs ORDER BY rowid").fetchall() == rowids
    assert engine.search(Query(held_by="NET")).total == len(sample) - 2


def _as_availability(doc: Document) -> Availability:
    return Availability(id=doc.id, held_by=doc.held_by, available_at=doc.available_at,
                        availability=doc.availability)


def test_an_unchanged_availability_writes_nothing(
    embedded_factory: Factory, sample: list[Document]
) -> None:
    # The outbox worker often brings a record whose copy went out and came back in the same
    # batch: nothing is written for it, so other readers of the file see no new version.
    engine = embedded_factory()
    engine.upsert(sample)
    conn = engine._conn()
    (path,) = [row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main"]
    observer = sqlite3.connect(path)
    statements: list[str] = []
    try:
        version = observer.execute("PRAGMA data_version").fetchone()
        conn.set_trace_callback(statements.append)
        try:
            assert engine.update_availability([_as_availability(d) for d in sample[:3]]) == []
        finally:
            conn.set_trace_callback(None)
        assert observer.execute("PRAGMA data_version").fetchone() == version
    finally:
        observer.close()
    assert not [s for s in statements if s.split()[0] in ("UPDATE", "INSERT", "DELETE")]
    assert [engine.get(d.id) for d in sample[:3]] == sample[:3]


def _org_rows(engine: EmbeddedEngine, doc_id: str) -> list[tuple[str, int]]:
    return engine._conn().execute(
        "SELECT o.code, g.avail FROM g1_org g JOIN orgs o ON o.id = g.org "
        "JOIN g1_docs d ON d.rowid = g.doc WHERE d.id = ? ORDER BY o.code", (doc_id,)
    ).fetchall()


def test_availability_updates_leave_the_org_rows_a_whole_upsert_would(
    embedded_factory: Factory, sample: list[Document]
) -> None:
    # Only the rows that differ are written: branches gained, lost, and flipped on the shelf.
    updated, whole = embedded_factory(), embedded_factory()
    updated.upsert(sample)
    (hlm,) = [d for d in sample if d.id == "hlm"]
    steps = [
        Availability(id="hlm", held_by=["NET", "S2", "S2B1"], available_at=["NET", "S2", "S2B1"],
                     availability={"S2B1": Copies(total=2, available=1)}),
        Availability(id="hlm", held_by=["NET", "S2", "S2B1"],
                     availability={"S2B1": Copies(total=2, available=0)}),
        Availability(id="hlm", held_by=["NET", "S1", "S2", "S2B1"], available_at=["S1B2"]),
        Availability(id="hlm"),
        _as_availability(hlm),
    ]
    for step in steps:
        assert updated.update_availability([step]) == []
        whole.upsert([step.applied_to(hlm)])
        assert _org_rows(updated, "hlm") == _org_rows(whole, "hlm")
        assert updated.get("hlm") == step.applied_to(hlm)
    assert _org_rows(updated, "hlm") and updated.get("hlm") == hlm


def test_aborted_rebuild_leaves_the_live_index(
    embedded_factory: Factory, sample: list[Document]
) -> None:
    engine = embedded_factory()
    engine.upsert(sample)

    def failing() -> object:
        yield sample[0]
        raise RuntimeError("database went away mid-read")

    with pytest.raises(RuntimeError):
        engine.reindex(failing())  # type: ignore[arg-type]
    assert engine.count() == len(sample)
    assert engine.search(Query(text="hamlet")).total == 1
    engine.reindex(sample[:1])  # and a later rebuild still works
    assert engine.count() == 1


def test_rebuild_with_worker_processes(tmp_path: Path) -> None:
    n = POOL_THRESHOLD + 700
    engine = EmbeddedEngine(tmp_path / "s.sqlite", workers=1)
    seen: list[int] = []
    assert engine.reindex((_book(i) for i in range(n)), progress=seen.append) == n
    assert seen[-1] == n
    assert engine.search(Query(text="volume 4321")).hits[0].id == "b04321"
    assert engine.search(Query(text="colected")).total == n  # typo vocabulary was built


def test_large_match_sets_use_a_bounded_window(tmp_path: Path) -> None:
    engine = EmbeddedEngine(tmp_path / "s.sqlite", window=50)
    engine.upsert(_book(i) for i in range(300))
    result = engine.search(
        Query(text="letters", facets=(Facet.HELD_BY, Facet.AVAILABLE_AT), per_page=10)
    )
    assert result.total == 300 and not result.total_is_estimate
    assert result.ranking_is_partial and result.facets_are_estimates
    assert result.facets["held_by"]["NET"] == 300  # scaled from the window
    assert len(result.hits) == 10
    filtered = engine.search(Query(text="letters", held_by="B1", facets=(Facet.DECADE,)))
    assert filtered.total_is_estimate
    assert 80 <= filtered.total <= 120  # 100 really
    small = engine.search(Query(text="volume 7", facets=(Facet.HELD_BY,)))
    assert not small.ranking_is_partial and not small.facets_are_estimates


def test_common_words_do_not_change_what_is_found(tmp_path: Path) -> None:
    # "the" and "collected" are in every record: past the build's threshold (2,000 records)
    # they are left out of the ranking expression, not out of the match.
    engine = EmbeddedEngine(tmp_path / "s.sqlite", workers=0)
    books = [_book(i) for i in range(2_100)]
    books += [
        _book(9_000, title="The letters", notes="hamlet"),
        _book(9_001, title="Hamlet of the north"),
    ]
    engine.reindex(books)
    result = engine.search(Query(text="the hamlet"))
    assert [h.id for h in result.hits] == ["b09001", "b09000"]  # title above notes
    result = engine.search(Query(text="hamlet the collected"))
    assert result.total == 0
    result = engine.search(Query(text="volume 2099 collected letters"))
    assert [h.id for h in result.hits] == ["b02099"]
    assert engine.search(Query(text="letters hamlet")).hits[0].id == "b09000"


def test_deep_pages_widen_the_window(tmp_path: Path) -> None:
    engine = EmbeddedEngine(tmp_path / "s.sqlite", window=20)
    engine.upsert(_book(i) for i in range(100))
    pages = [engine.search(Query(text="letters", per_page=10, page=p)) for p in range(1, 11)]
    ids = [h.id for r in pages for h in r.hits]
    assert len(ids) == 100 and len(set(ids)) == 100


def test_meili_documents_carry_search_fields(sample: list[Document]) -> None:
    (sgyy,) = [d for d in sample if d.id == "sgyy"]
    doc = to_meili(sgyy)
    assert doc["pk"] == "sgyy" and doc["title"] == "三国演义"
    assert "sanguoyanyi" in doc["title_py"] and "sgyy" in doc["title_py"]
    assert doc["clc_prefixes"][:3] == ["I", "I2", "I24"] and doc["clc_top"] == "I"
    assert "章回小说" in doc["subject_keys"]
    assert "I242.43/7" in doc["code_keys"] and "I242.43" in doc["code_keys"]
    assert doc["record"]["title"] == "三國演義"
    assert primary_key("a:b/c") != primary_key("a:b/d") and primary_key("ok-1") == "ok-1"


def test_meili_settings() -> None:
    settings = index_settings({"红楼梦": ["石头记"]})
    assert settings["searchableAttributes"][:3] == ["title", "title_py", "authors"]
    assert settings["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 5, "twoTypos": 9}
    assert {"locales": ["cmn", "eng"]} .items() <= settings["localizedAttributes"][0].items()
    assert settings["synonyms"] == {"红楼梦": ["石头记"]}
    assert settings["rankingRules"][0] == "sort"


def test_a_rebuild_brings_a_lost_index_back(
    embedded_factory: Factory, sample: list[Document]
) -> None:
    engine = embedded_factory()
    engine.upsert(sample)
    engine.path.unlink()
    assert not engine.path.exists()
    with pytest.raises(SearchUnavailable):
        engine.count()
    assert not engine.path.exists()  # a failed search did not leave an empty index behind
    engine.reindex(sample)
    assert engine.search(Query(text="红楼梦")).total == 2


def test_upserts_keep_a_record_in_place(embedded_factory: Factory) -> None:
    engine = embedded_factory()
    engine.upsert(_book(i) for i in range(3))
    conn = engine._conn()
    before = conn.execute("SELECT id, rowid FROM g1_docs ORDER BY rowid").fetchall()
    engine.upsert([_book(0, available_at=[])])
    assert conn.execute("SELECT id, rowid FROM g1_docs ORDER BY rowid").fetchall() == before


def test_locked_index_is_unavailable(tmp_path: Path, sample: list[Document]) -> None:
    path = tmp_path / "search.sqlite"
    first = EmbeddedEngine(path)
    first.upsert(sample)
    first.close()
    engine = EmbeddedEngine(path, busy_timeout_ms=50)
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("PRAGMA locking_mode = EXCLUSIVE")
    locker.execute("BEGIN EXCLUSIVE")  # e.g. a stuck maintenance job
    try:
        with pytest.raises(SearchUnavailable, match="locked"):
            engine.search(Query(text="红楼梦"))
        with pytest.raises(SearchUnavailable):
            engine.upsert(sample[:1])
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert engine.search(Query(text="红楼梦")).total == 2  # and it recovers by itself


def test_health_warns_when_the_segmenter_changed(embedded_factory: Factory) -> None:
    engine = embedded_factory()
    conn = engine._conn()
    conn.execute("UPDATE meta SET value = 'some-other-segmenter' WHERE key = 'segmenter'")
    health = engine.health()
    assert health.ok and "reindex" in health.detail
    engine.reindex([])
    assert "reindex" not in engine.health().detail
