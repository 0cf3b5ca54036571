"""One contract, every engine: the same searches must give the same answers.

Runs on the embedded engine always and on Meilisearch when ``UNICARD_TEST_MEILI_URL`` is set.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from search_index import (
    Availability,
    Copies,
    Document,
    Facet,
    InvalidQuery,
    Query,
    SearchEngine,
    SearchUnavailable,
    Sort,
)
from search_index.embedded import EmbeddedEngine

SAMPLE_IDS = {
    "hlm", "hlmyj", "sgyy", "xyj", "pfdsj", "santi", "pp", "hamlet", "sicp", "cpp", "war",
}
N = len(SAMPLE_IDS)


def ids(engine: SearchEngine, text: str = "", **kw: object) -> list[str]:
    return [h.id for h in engine.search(Query(text=text, per_page=100, **kw)).hits]  # type: ignore[arg-type]


def id_set(engine: SearchEngine, text: str = "", **kw: object) -> set[str]:
    return set(ids(engine, text, **kw))


# --- Chinese ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("红楼梦", {"hlm", "hlmyj"}),
        ("平凡的世界", {"pfdsj"}),
        ("曹雪芹", {"hlm"}),
        ("路遥", {"pfdsj"}),
        ("刘慈欣 三体", {"santi"}),
        ("四大名著", {"hlm"}),  # a word in the notes
    ],
)
def test_chinese_words(engine: SearchEngine, text: str, expected: set[str]) -> None:
    assert id_set(engine, text) == expected


def test_exact_title_ranks_first(engine: SearchEngine) -> None:
    assert ids(engine, "红楼梦")[0] == "hlm"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("梦", {"hlm", "hlmyj"}),  # one character inside a longer word
        ("楼", {"hlm", "hlmyj"}),
        ("红楼", {"hlm", "hlmyj"}),  # two characters, start of a word
        ("楼梦", {"hlm", "hlmyj"}),  # two characters, inside a word
        ("游记", {"xyj"}),
        ("世界", {"pfdsj"}),
        ("慈欣", {"santi"}),  # inside an author's name
    ],
)
def test_one_and_two_character_queries(
    engine: SearchEngine, text: str, expected: set[str]
) -> None:
    assert id_set(engine, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("紅樓夢", {"hlm", "hlmyj"}),  # traditional query, simplified records
        ("三国演义", {"sgyy"}),  # simplified query, traditional record
        ("罗贯中", {"sgyy"}),
        ("三國", {"sgyy"}),
    ],
)
def test_traditional_and_simplified_find_each_other(
    engine: SearchEngine, text: str, expected: set[str]
) -> None:
    assert id_set(engine, text) == expected


# --- pinyin -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hongloumeng", {"hlm", "hlmyj"}),
        ("HongLouMeng", {"hlm", "hlmyj"}),
        ("hong lou meng", {"hlm", "hlmyj"}),
        ("pingfandeshijie", {"pfdsj"}),
        ("sanguoyanyi", {"sgyy"}),  # pinyin of a traditional title
        ("caoxueqin", {"hlm"}),  # author
        ("luyao", {"pfdsj"}),
        ("xiyou", {"xyj"}),  # pinyin typed so far
    ],
)
def test_pinyin(engine: SearchEngine, text: str, expected: set[str]) -> None:
    assert id_set(engine, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("hlm", {"hlm"}), ("pfdsj", {"pfdsj"}), ("xyj", {"xyj"}), ("cxq", {"hlm"})],
)
def test_pinyin_initials(engine: SearchEngine, text: str, expected: set[str]) -> None:
    assert expected <= id_set(engine, text)


# --- Latin words: typos and prefixes ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("prejudise", "pp"),  # 9 letters, one substitution
        ("hamlte", "hamlet"),  # 6 letters, two neighbours swapped: one typo
        ("Shakespaere", "hamlet"),
        ("shaekspere", "hamlet"),  # 10 letters, two typos
        ("tolstoi", "war"),
        ("interpretatoin", "sicp"),
    ],
)
def test_typos_are_tolerated(engine: SearchEngine, text: str, expected: str) -> None:
    assert expected in id_set(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "lisq",  # 4 letters: no typo allowed
        "gamlet",  # a typo on the first letter counts as two
        "hmalte",  # 6 letters, two typos
    ],
)
def test_typo_limits(engine: SearchEngine, text: str) -> None:
    assert id_set(engine, text) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("shakesp", "hamlet"),
        ("pri", "pp"),
        ("pride and prej", "pp"),
        ("struct", "sicp"),
        ("austen pri", "pp"),
    ],
)
def test_prefix_search_as_you_type(engine: SearchEngine, text: str, expected: str) -> None:
    assert expected in id_set(engine, text)


def test_every_word_must_match(engine: SearchEngine) -> None:
    assert id_set(engine, "pride hamlet") == set()


# --- codes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["978-7-02-000220-7", "9787020002207", "7-02-000220-X", "702000220x"]
)
def test_isbn_lookup(engine: SearchEngine, text: str) -> None:
    assert ids(engine, text) == ["hlm"]


@pytest.mark.parametrize("text", ["I242.47/12", "i242.47/12", "I247.57 / 4", "I242.43"])
def test_call_number_lookup(engine: SearchEngine, text: str) -> None:
    expected = {"I242.47/12": "hlm", "i242.47/12": "hlm", "I247.57 / 4": "pfdsj"}.get(text, "sgyy")
    assert ids(engine, text) == [expected]


# --- filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (Query(available_at="S1B1"), {"hlm", "santi", "pp"}),
        (Query(available_at="S1"), {"hlm", "santi", "pp", "xyj", "sicp"}),  # subtree
        (Query(held_by="S1B1"), {"hlm", "santi", "pp", "cpp"}),
        (Query(held_by="S2"), {"hlmyj", "sgyy", "pfdsj", "hamlet", "war"}),
        (Query(available_at="NOWHERE"), set()),
        (Query(material_type="audio"), {"xyj"}),
        (Query(language="eng", material_type="serial"), {"war"}),
        (Query(year_from=1980, year_to=2000), {"hlm", "pfdsj", "sicp"}),
        (Query(year_from=2006), {"santi", "cpp"}),
        (Query(year_to=1800), {"hamlet"}),
        (Query(clc="I24"), {"hlm", "sgyy", "xyj", "pfdsj", "santi"}),
        (Query(clc="i247"), {"pfdsj", "santi"}),
        (Query(clc="TP"), {"sicp", "cpp"}),
        (Query(subject="章回小说"), {"hlm", "sgyy", "xyj"}),  # 章回小說 on sgyy
        (Query(subject="Love Stories"), {"pp"}),
        (Query(text="小说", available_at="S1"), {"hlm", "xyj", "santi"}),
        (Query(text="computer", held_by="S1B2"), {"sicp"}),
    ],
)
def test_filters(engine: SearchEngine, query: Query, expected: set[str]) -> None:
    result = engine.search(query)
    assert {h.id for h in result.hits} == expected
    assert result.total == len(expected)


def test_availability_changes_after_a_check_out(
    engine: SearchEngine, sample: list[Document]
) -> None:
    assert "hlm" in id_set(engine, "红楼梦", available_at="S1B1")
    (hlm,) = [d for d in sample if d.id == "hlm"]
    checked_out = Document.from_dict(
        {
            **hlm.to_dict(),
            "available_at": [],
            "availability": {"S1B1": {"total": 2, "available": 0}},
        }
    )
    engine.upsert([checked_out])
    assert "hlm" not in id_set(engine, "红楼梦", available_at="S1B1")
    assert "hlm" in id_set(engine, "红楼梦", held_by="S1B1")
    (hit,) = [h for h in engine.search(Query(text="红楼梦")).hits if h.id == "hlm"]
    assert hit.document.availability["S1B1"].available == 0


# --- facets -----------------------------------------------------------------------------------


def test_facets_over_everything(engine: SearchEngine) -> None:
    result = engine.search(Query(facets=tuple(Facet)))
    assert result.total == N
    f = result.facets
    assert f["material_type"] == {"book": 8, "audio": 1, "ebook": 1, "serial": 1}
    assert f["language"] == {"chi": 6, "eng": 5}
    assert f["decade"]["1980"] == 2 and f["decade"]["1600"] == 1
    assert f["clc_top"] == {"I": 9, "TP": 2}
    assert f["available_at"]["NET"] == 7
    assert f["available_at"]["S1B1"] == 3
    assert f["held_by"]["S2B1"] == 5
    assert list(f["language"]) == ["chi", "eng"]  # by count


def test_facets_follow_text_and_filters(engine: SearchEngine) -> None:
    result = engine.search(
        Query(text="小说", facets=(Facet.AVAILABLE_AT, Facet.MATERIAL_TYPE, Facet.DECADE))
    )
    assert {h.id for h in result.hits} == {"hlm", "sgyy", "xyj", "pfdsj", "santi"}
    assert result.facets["material_type"] == {"book": 3, "audio": 1, "ebook": 1}
    assert result.facets["available_at"]["S1"] == 3
    assert result.facets["available_at"]["S2B1"] == 1
    filtered = engine.search(
        Query(text="小说", language="chi", year_from=2000, facets=(Facet.DECADE,))
    )
    assert filtered.facets["decade"] == {"2000": 2}


def test_max_facet_values(engine: SearchEngine) -> None:
    result = engine.search(Query(facets=(Facet.HELD_BY,), max_facet_values=2))
    assert list(result.facets["held_by"]) == ["NET", "S1"]


# --- sort and pages ---------------------------------------------------------------------------


def test_sort_newest(engine: SearchEngine) -> None:
    assert ids(engine, sort=Sort.NEWEST, language="chi") == [
        "santi", "xyj", "pfdsj", "hlm", "sgyy", "hlmyj",
    ]


def test_sort_title_in_pinyin_order(engine: SearchEngine) -> None:
    # hong lou meng < hong lou meng yan jiu < ping fan … < san guo … < san ti < xi you ji
    assert ids(engine, sort=Sort.TITLE, language="chi") == [
        "hlm", "hlmyj", "pfdsj", "sgyy", "santi", "xyj",
    ]
    assert ids(engine, "小说", sort="title") == ["hlm", "pfdsj", "sgyy", "santi", "xyj"]


def test_pagination(engine: SearchEngine) -> None:
    seen: list[str] = []
    for page in (1, 2, 3, 4):
        result = engine.search(Query(sort=Sort.NEWEST, page=page, per_page=3))
        assert result.total == N
        assert result.pages == 4
        seen.extend(h.id for h in result.hits)
    assert len(seen) == N and set(seen) == SAMPLE_IDS
    assert engine.search(Query(page=5, per_page=3)).hits == []


def test_pagination_of_text_results(engine: SearchEngine) -> None:
    first = engine.search(Query(text="小说", per_page=2))
    second = engine.search(Query(text="小说", per_page=2, page=2))
    third = engine.search(Query(text="小说", per_page=2, page=3))
    paged = [h.id for r in (first, second, third) for h in r.hits]
    assert first.total == 5 and len(paged) == 5 and len(set(paged)) == 5


def test_invalid_queries_are_refused() -> None:
    with pytest.raises(InvalidQuery):
        Query(page=0)
    with pytest.raises(InvalidQuery):
        Query(per_page=1000)
    with pytest.raises(InvalidQuery):
        Query(facets=("colour",))  # type: ignore[arg-type]
    with pytest.raises(InvalidQuery):
        Query(year_from=2000, year_to=1990)


# --- highlights and documents -----------------------------------------------------------------


def test_highlights(engine: SearchEngine) -> None:
    (hit,) = [h for h in engine.search(Query(text="红楼梦")).hits if h.id == "hlm"]
    assert hit.highlights["title"] == "<mark>红楼梦</mark>"
    (hit,) = engine.search(Query(text="prejudice")).hits
    assert hit.highlights["title"] == "Pride and <mark>Prejudice</mark>"
    (hit,) = engine.search(Query(text="曹雪芹")).hits
    assert "<mark>曹雪芹</mark>" in hit.highlights["authors"]


def test_highlights_escape_record_text(engine: SearchEngine) -> None:
    (hit,) = engine.search(Query(text="primer")).hits
    assert hit.highlights["title"] == "C++ <mark>Primer</mark> &lt;5th edition&gt; &amp; more"


def test_hits_carry_the_whole_document(engine: SearchEngine, sample: list[Document]) -> None:
    (hit,) = [h for h in engine.search(Query(text="红楼梦")).hits if h.id == "hlm"]
    (original,) = [d for d in sample if d.id == "hlm"]
    assert hit.document == original
    assert engine.get("hlm") == original
    assert engine.get("missing") is None
    assert engine.count() == N


# --- writes -----------------------------------------------------------------------------------


def test_upsert_is_idempotent_and_delete_removes(
    engine: SearchEngine, sample: list[Document]
) -> None:
    engine.upsert(sample[:3])
    assert engine.count() == N
    engine.delete(["war", "not-there"])
    assert engine.count() == N - 1
    assert id_set(engine, "tolstoy") == set()
    assert engine.get("war") is None


def test_ids_that_are_not_url_safe(empty_engine: SearchEngine) -> None:
    doc = Document(id="marc:ISBN/978 7", title="奇怪的编号")
    empty_engine.upsert([doc])
    assert ids(empty_engine, "编号") == ["marc:ISBN/978 7"]
    empty_engine.delete(["marc:ISBN/978 7"])
    assert empty_engine.count() == 0


def test_reindex_replaces_everything(engine: SearchEngine, sample: list[Document]) -> None:
    progress: list[int] = []
    n = engine.reindex(iter(sample[:4]), progress=progress.append)
    assert n == 4 and progress and progress[-1] == 4
    assert id_set(engine) == {d.id for d in sample[:4]}
    assert id_set(engine, "hamlet") == set()
    assert id_set(engine, "hongloumeng") == {"hlm", "hlmyj"}


def test_clear(engine: SearchEngine) -> None:
    engine.clear()
    assert engine.count() == 0
    assert engine.search(Query(text="红楼梦")).total == 0


def test_health(engine: SearchEngine) -> None:
    health = engine.health()
    assert health.ok and health.documents == N


# --- availability updates ---------------------------------------------------------------------

#: hlm (held at S1B1 and S1B2, on the shelf at S1B1) moves: both copies now at S2B1, one out.
HLM_MOVED = Availability(
    id="hlm",
    held_by=["NET", "S2", "S2B1"],
    available_at=["NET", "S2", "S2B1"],
    availability={"S2B1": Copies(total=2, available=1)},
)
#: …and then its last copy on the shelf is checked out.
HLM_OUT = Availability(
    id="hlm",
    held_by=["NET", "S2", "S2B1"],
    availability={"S2B1": Copies(total=2, available=0)},
)


def _original(sample: list[Document], doc_id: str) -> Document:
    (doc,) = [d for d in sample if d.id == doc_id]
    return doc


def test_update_availability_replaces_only_those_fields(
    engine: SearchEngine, sample: list[Document]
) -> None:
    assert engine.update_availability([HLM_MOVED]) == []
    expected = HLM_MOVED.applied_to(_original(sample, "hlm"))
    assert expected.title == "红楼梦" and expected.authors == ["曹雪芹", "高鹗"]
    assert engine.get("hlm") == expected
    (hit,) = [h for h in engine.search(Query(text="红楼梦")).hits if h.id == "hlm"]
    assert hit.document == expected
    assert hit.highlights["title"] == "<mark>红楼梦</mark>"
    assert engine.get("hlmyj") == _original(sample, "hlmyj")  # others untouched
    assert engine.count() == N


@pytest.mark.parametrize("text", ["", "红楼梦"])
def test_update_availability_moves_the_filters(engine: SearchEngine, text: str) -> None:
    assert "hlm" in id_set(engine, text, available_at="S1B1")
    assert "hlm" not in id_set(engine, text, available_at="S2B1")
    engine.update_availability([HLM_MOVED])
    assert "hlm" not in id_set(engine, text, available_at="S1B1")
    assert "hlm" not in id_set(engine, text, held_by="S1")
    assert "hlm" in id_set(engine, text, available_at="S2B1")
    assert "hlm" in id_set(engine, text, available_at="S2")  # subtree
    assert "hlm" in id_set(engine, text, held_by="S2B1")
    engine.update_availability([HLM_OUT])
    assert "hlm" not in id_set(engine, text, available_at="S2B1")
    assert "hlm" not in id_set(engine, text, available_at="NET")
    assert "hlm" in id_set(engine, text, held_by="S2B1")


def test_update_availability_counts_a_copy_on_the_shelf_as_held(engine: SearchEngine) -> None:
    # As for a whole document: available_at codes count as held even if held_by omits them.
    engine.update_availability([Availability(id="hamlet", available_at=["NET", "S1"])])
    assert "hamlet" in id_set(engine, "hamlet", available_at="S1")
    assert "hamlet" in id_set(engine, "hamlet", held_by="S1")
    assert "hamlet" not in id_set(engine, "hamlet", held_by="S2")


def test_update_availability_moves_the_facets(engine: SearchEngine) -> None:
    query = Query(facets=(Facet.AVAILABLE_AT, Facet.HELD_BY))
    before = engine.search(query).facets
    assert before["available_at"]["S1B1"] == 3 and before["available_at"]["S2B1"] == 2
    assert before["held_by"]["S1B2"] == 3 and before["held_by"]["S2B1"] == 5
    engine.update_availability([HLM_MOVED])
    moved = engine.search(query).facets
    assert moved["available_at"]["S1B1"] == 2 and moved["available_at"]["S2B1"] == 3
    assert moved["available_at"]["NET"] == 7
    assert moved["held_by"]["S1B2"] == 2 and moved["held_by"]["S2B1"] == 6
    engine.update_availability([HLM_OUT])
    out = engine.search(query).facets
    assert out["available_at"]["S2B1"] == 2 and out["available_at"]["NET"] == 6
    assert out["held_by"]["S2B1"] == 6


def test_update_availability_leaves_text_search_and_order(engine: SearchEngine) -> None:
    searches = [
        Query(text="红楼梦"),
        Query(text="hongloumeng"),
        Query(text="曹雪芹"),
        Query(text="小说"),
        Query(text="小说", sort=Sort.TITLE),
        Query(sort=Sort.NEWEST, per_page=100),
        Query(text="computer"),
    ]

    def found() -> list[list[str]]:
        return [[h.id for h in engine.search(q).hits] for q in searches]

    before = found()
    assert before[0][0] == "hlm" and len(before[5]) == N
    engine.update_availability(
        [HLM_MOVED, Availability(id="sicp", held_by=["NET", "S2", "S2B1"])]
    )
    assert found() == before


def test_update_availability_returns_unknown_ids_and_creates_nothing(
    engine: SearchEngine,
) -> None:
    ghost = Availability(id="ghost", held_by=["NET", "S1", "S1B1"], available_at=["NET"])
    missing = engine.update_availability(
        [ghost, HLM_MOVED, Availability(id="marc:no/such 1"), ghost]
    )
    assert missing == ["ghost", "marc:no/such 1"]
    assert engine.get("ghost") is None and engine.get("marc:no/such 1") is None
    assert engine.count() == N
    assert "ghost" not in id_set(engine, held_by="S1B1")
    assert engine.search(Query(facets=(Facet.AVAILABLE_AT,))).facets["available_at"]["NET"] == 7
    hlm = engine.get("hlm")  # the known id in the same call was updated
    assert hlm is not None and hlm.available_at == ["NET", "S2", "S2B1"]
    assert engine.update_availability([]) == []


def test_update_availability_last_update_wins(
    engine: SearchEngine, sample: list[Document]
) -> None:
    assert engine.update_availability([HLM_MOVED, HLM_OUT]) == []
    assert engine.get("hlm") == HLM_OUT.applied_to(_original(sample, "hlm"))
    assert "hlm" not in id_set(engine, available_at="S2B1")
    assert engine.update_availability([HLM_OUT, HLM_MOVED]) == []
    assert engine.get("hlm") == HLM_MOVED.applied_to(_original(sample, "hlm"))
    assert "hlm" in id_set(engine, available_at="S2B1")


# --- unavailable ------------------------------------------------------------------------------


@pytest.fixture
def broken_engine(engine_kind: str, tmp_path: Path, sample: list[Document]) -> SearchEngine:
    """An engine whose index cannot be reached any more."""
    if engine_kind == "embedded":
        engine = EmbeddedEngine(tmp_path / "index" / "search.sqlite")
        engine.upsert(sample)
        shutil.rmtree(tmp_path / "index")  # the data directory went away
        return engine
    from search_index.meili import MeiliEngine

    return MeiliEngine("http://127.0.0.1:9", None, timeout_s=1)  # nothing listens there


def test_unavailable_engine_raises_search_unavailable(
    broken_engine: SearchEngine, sample: list[Document]
) -> None:
    with pytest.raises(SearchUnavailable):
        broken_engine.search(Query(text="红楼梦"))
    with pytest.raises(SearchUnavailable):
        broken_engine.upsert(sample[:1])
    with pytest.raises(SearchUnavailable):
        broken_engine.delete(["hlm"])
    with pytest.raises(SearchUnavailable):
        broken_engine.update_availability([Availability(id="hlm")])
    health = broken_engine.health()
    assert not health.ok and health.detail

