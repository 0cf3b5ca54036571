"""Engines for the search contract tests: embedded always, Meilisearch when configured."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from search_index import Document, SearchEngine
from search_index.embedded import EmbeddedEngine

MEILI_URL = os.environ.get("UNICARD_TEST_MEILI_URL")
MEILI_KEY = os.environ.get("UNICARD_TEST_MEILI_KEY")
NO_MEILI = "UNICARD_TEST_MEILI_URL is not set (no Meilisearch server to test against)"

# Org tree: NET ⊃ S1 ⊃ {S1B1, S1B2}, NET ⊃ S2 ⊃ {S2B1}. Lists are expanded to ancestors.
S1B1 = ["NET", "S1", "S1B1"]
S1B2 = ["NET", "S1", "S1B2"]
S2B1 = ["NET", "S2", "S2B1"]


def _doc(**fields: object) -> Document:
    return Document.from_dict(fields)


SAMPLE: list[Document] = [
    _doc(
        id="hlm", title="红楼梦", authors=["曹雪芹", "高鹗"], subjects=["章回小说", "中国文学"],
        notes="中国古典四大名著之一，以贾宝玉、林黛玉的爱情悲剧为主线。",
        publisher="人民文学出版社",
        year=1982, language="chi", material_type="book", clc="I242.47",
        isbns=["978-7-02-000220-7"], call_numbers=["I242.47/12"],
        held_by=[*S1B1, "S1B2"], available_at=S1B1,
        availability={
            "S1B1": {"total": 2, "available": 1},
            "S1B2": {"total": 1, "available": 0},
        },
    ),
    _doc(
        id="hlmyj", title="红楼梦研究", authors=["俞平伯"], subjects=["红学"], year=1952,
        language="chi", material_type="book", clc="I207.411", held_by=S2B1, available_at=S2B1,
    ),
    _doc(
        id="sgyy", title="三國演義", authors=["羅貫中"], subjects=["歷史小說", "章回小說"],
        notes="描寫東漢末年到西晉初年的歷史故事。", year=1973, language="chi",
        material_type="book", clc="I242.43", call_numbers=["I242.43/7"], held_by=S2B1,
    ),
    _doc(
        id="xyj", title="西游记", authors=["吴承恩"], subjects=["神话小说", "章回小说"], year=2005,
        language="chi", material_type="audio", clc="I242.42", held_by=S1B2, available_at=S1B2,
    ),
    _doc(
        id="pfdsj", title="平凡的世界", authors=["路遥"], subjects=["长篇小说", "当代文学"],
        notes="全景式地表现中国当代城乡社会生活的长篇小说。", year=1986, language="chi",
        material_type="book", clc="I247.57", call_numbers=["I247.57/4"],
        held_by=S2B1, available_at=S2B1,
    ),
    _doc(
        id="santi", title="三体", authors=["刘慈欣"], subjects=["科幻小说"], year=2008,
        language="chi", material_type="ebook", clc="I247.55", held_by=S1B1, available_at=S1B1,
    ),
    _doc(
        id="pp", title="Pride and Prejudice", authors=["Jane Austen"],
        subjects=["Love stories", "England -- Fiction"], year=1813, language="eng",
        material_type="book", clc="I561.44", held_by=S1B1, available_at=S1B1,
    ),
    _doc(
        id="hamlet", title="Hamlet", authors=["William Shakespeare"], subjects=["Tragedies"],
        year=1603, language="eng", material_type="book", clc="I561.33", held_by=S2B1,
    ),
    _doc(
        id="sicp", title="Structure and Interpretation of Computer Programs",
        authors=["Harold Abelson", "Gerald Jay Sussman"],
        subjects=["Computer programming", "LISP (Computer program language)"],
        notes="Teaches the principles of programming with Scheme.", year=1996, language="eng",
        material_type="book", clc="TP311.1", held_by=S1B2, available_at=S1B2,
    ),
    _doc(
        id="cpp", title="C++ Primer <5th edition> & more", authors=["Stanley Lippman"],
        subjects=["C++ (Computer program language)"], year=2012, language="eng",
        material_type="book", clc="TP312", held_by=S1B1,
    ),
    _doc(
        id="war", title="War and Peace", authors=["Leo Tolstoy"], subjects=["Napoleonic Wars"],
        year=1869, language="eng", material_type="serial", clc="I512.44", held_by=S2B1,
    ),
]


def make_embedded(tmp_path: Path) -> EmbeddedEngine:
    return EmbeddedEngine(tmp_path / "index" / "search.sqlite")


def make_meili() -> SearchEngine:
    from search_index.meili import MeiliEngine

    assert MEILI_URL
    return MeiliEngine(MEILI_URL, MEILI_KEY, index_uid=f"test_{uuid.uuid4().hex[:12]}")


ENGINES = [
    pytest.param("embedded", id="embedded"),
    pytest.param(
        "meilisearch", id="meilisearch", marks=pytest.mark.skipif(not MEILI_URL, reason=NO_MEILI)
    ),
]


@pytest.fixture(params=ENGINES)
def engine_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_engine(engine_kind: str, tmp_path: Path) -> Iterator[SearchEngine]:
    engine = make_embedded(tmp_path) if engine_kind == "embedded" else make_meili()
    yield engine
    if engine_kind == "meilisearch":
        engine.client.delete_index(engine.index_uid)  # type: ignore[attr-defined]
    engine.close()


@pytest.fixture
def engine(empty_engine: SearchEngine) -> SearchEngine:
    empty_engine.upsert(SAMPLE)
    return empty_engine


@pytest.fixture
def sample() -> list[Document]:
    return list(SAMPLE)


@pytest.fixture
def embedded_factory(tmp_path: Path) -> Callable[[], EmbeddedEngine]:
    return lambda: make_embedded(tmp_path)
