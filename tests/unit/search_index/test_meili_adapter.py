"""The Meilisearch adapter without a server: what it sends and how it reads answers.

The contract suite covers behaviour against a real server (``UNICARD_TEST_MEILI_URL``); these
tests pin the translation so it is checked on every run.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from meilisearch.errors import MeilisearchCommunicationError
from meilisearch.models.document import Document as MeiliDocument

from search_index import Availability, Copies, Document, Facet, Query, SearchUnavailable, Sort
from search_index.meili import MeiliEngine
from search_index.meili.documents import (
    availability_update,
    from_meili,
    primary_key,
    to_meili,
)
from search_index.meili.settings import index_settings


class FakeIndex:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.uid = "records"
        self.answer = answer
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def search(self, q: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((q, params))
        return self.answer


class FakeClient:
    def __init__(self, index: FakeIndex) -> None:
        self._index = index

    def index(self, uid: str) -> FakeIndex:
        return self._index


def _engine(answer: dict[str, Any]) -> tuple[MeiliEngine, FakeIndex]:
    engine = MeiliEngine("http://127.0.0.1:9")
    index = FakeIndex(answer)
    engine.client = FakeClient(index)  # type: ignore[assignment]
    engine._ready = True
    return engine, index


HLM = Document(id="hlm", title="红楼梦 <典藏版>", authors=["曹雪芹"], year=1982)


def test_search_request_and_answer() -> None:
    raw = to_meili(HLM)
    raw["_formatted"] = {**raw, "title": "\ue000红楼梦\ue001 <典藏版>"}
    raw["_rankingScore"] = 0.93
    engine, index = _engine(
        {
            "hits": [raw],
            "totalHits": 42,
            "facetDistribution": {"language": {"eng": 3, "chi": 39, "fre": 3}},
        }
    )
    result = engine.search(
        Query(
            text="紅樓夢",
            available_at="S1",
            year_from=1980,
            facets=(Facet.LANGUAGE,),
            max_facet_values=2,
            page=2,
            per_page=10,
        )
    )
    ((q, params),) = index.calls
    assert q == "红楼梦"
    assert params["filter"] == ['available_at = "S1"', "year >= 1980"]
    assert params["page"] == 2 and params["hitsPerPage"] == 10
    assert params["facets"] == ["language"] and params["matchingStrategy"] == "all"
    assert params["locales"] == ["cmn"]
    assert "sort" not in params
    (hit,) = result.hits
    assert hit.document == HLM and hit.score == 0.93
    assert hit.highlights == {"title": "<mark>红楼梦</mark> &lt;典藏版&gt;"}
    assert result.total == 42
    assert result.facets == {"language": {"chi": 39, "eng": 3}}


@pytest.mark.parametrize(
    ("sort", "expected"), [(Sort.NEWEST, ["year:desc"]), (Sort.TITLE, ["title_sort:asc"])]
)
def test_sorts(sort: Sort, expected: list[str]) -> None:
    engine, index = _engine({"hits": [], "totalHits": 0})
    engine.search(Query(sort=sort))
    assert index.calls[0][1]["sort"] == expected


def test_isbn_queries_filter_on_codes_first() -> None:
    engine, index = _engine({"hits": [], "totalHits": 0})
    engine.search(Query(text="7-02-000220-X"))
    (q1, first), (q2, second) = index.calls
    assert q1 == "" and first["filter"] == ['code_keys = "9787020002207"']
    assert q2 == "7 02 000220 x" and second["filter"] == []  # no hit: searched as text


def test_server_down_is_unavailable() -> None:
    engine, index = _engine({})

    def down(q: str, params: dict[str, Any]) -> dict[str, Any]:
        raise MeilisearchCommunicationError("connection refused")

    index.search = down  # type: ignore[method-assign]
    with pytest.raises(SearchUnavailable):
        engine.search(Query(text="x"))


def test_settings_applied_only_when_they_differ() -> None:
    engine = MeiliEngine("http://127.0.0.1:9")
    sent: list[dict[str, Any]] = []
    current = {
        **engine.settings,
        "typoTolerance": {**engine.settings["typoTolerance"], "disableOnWords": []},
        "synonyms": {"x": ["y"]},
    }
    fake = SimpleNamespace(
        get_settings=lambda: current,
        update_settings=lambda body: sent.append(body) or {"taskUid": 1},
    )
    engine.client = SimpleNamespace(index=lambda uid: fake)  # type: ignore[assignment]
    engine._wait = lambda task: None  # type: ignore[method-assign]
    engine._apply_settings("records")
    assert sent == [{"synonyms": {}}]  # server defaults on other keys are not a difference


# --- availability updates ---------------------------------------------------------------------


class FakeStore:
    """An index holding some records: answers the fetch by primary key, keeps updates."""

    def __init__(self, docs: list[Document]) -> None:
        self.uid = "records"
        self.stored = {primary_key(d.id): to_meili(d) for d in docs}
        self.fetches: list[dict[str, Any]] = []
        self.updates: list[tuple[list[dict[str, Any]], str | None]] = []

    def get_documents(self, params: dict[str, Any]) -> SimpleNamespace:
        self.fetches.append(params)
        keys = re.findall(r'"([^"]*)"', params["filter"])
        found = [{"record": self.stored[k]["record"]} for k in keys if k in self.stored]
        return SimpleNamespace(results=[MeiliDocument(f) for f in found])

    def update_documents(
        self, docs: list[dict[str, Any]], primary_key: str | None = None
    ) -> dict[str, Any]:
        self.updates.append((docs, primary_key))
        return {"taskUid": 7}


ODD = Document(id="marc:ISBN/978 7", title="奇怪的编号", held_by=["NET", "B1"])


def _store_engine(docs: list[Document]) -> tuple[MeiliEngine, FakeStore, list[Any]]:
    engine = MeiliEngine("http://127.0.0.1:9")
    store = FakeStore(docs)
    engine.client = SimpleNamespace(index=lambda uid: store)  # type: ignore[assignment]
    engine._ready = True
    waited: list[Any] = []
    engine._wait = waited.append  # type: ignore[method-assign, assignment]
    return engine, store, waited


def test_availability_update_is_part_of_a_full_document() -> None:
    doc = Availability(
        id="hlm", held_by=["NET", "B1"], available_at=["NET", "B2"],
        availability={"B2": Copies(total=1, available=1)},
    ).applied_to(HLM)
    partial = availability_update(doc)
    full = to_meili(doc)
    assert set(partial) == {"pk", "held_by", "available_at", "record"}
    assert partial == {k: full[k] for k in partial}
    assert partial["held_by"] == ["NET", "B1", "B2"]  # on the shelf at B2: held there too
    assert from_meili(partial) == doc  # the stored record carries the new availability
    assert from_meili(partial).title == HLM.title
    assert availability_update(ODD)["pk"] == primary_key(ODD.id) != ODD.id


def test_update_availability_updates_stored_records_only() -> None:
    engine, store, waited = _store_engine([HLM, ODD])
    first = Availability(id="hlm", available_at=["NET"])
    last = Availability(id="hlm", held_by=["NET", "B1"], available_at=["B2"])
    odd = Availability(id=ODD.id, availability={"B1": Copies(total=1, available=0)})
    missing = engine.update_availability(
        [first, Availability(id="ghost"), odd, last, Availability(id="ghost")]
    )
    assert missing == ["ghost"]
    (fetch,) = store.fetches
    assert fetch == {
        "filter": f'pk IN ["hlm", "ghost", "{primary_key(ODD.id)}"]',
        "fields": ["record"],
        "limit": 3,
    }
    ((sent, pk),) = store.updates
    assert pk == "pk"
    assert sent == [
        availability_update(last.applied_to(HLM)),
        availability_update(odd.applied_to(ODD)),
    ]
    assert waited == [{"taskUid": 7}]


def test_update_availability_of_unknown_ids_writes_nothing() -> None:
    engine, store, waited = _store_engine([HLM])
    assert engine.update_availability([Availability(id="a"), Availability(id="b")]) == ["a", "b"]
    assert store.updates == [] and waited == []
    assert engine.update_availability([]) == []
    assert len(store.fetches) == 1


def test_update_availability_server_down_is_unavailable() -> None:
    engine, store, _ = _store_engine([HLM])

    def down(params: dict[str, Any]) -> Any:
        raise MeilisearchCommunicationError("connection refused")

    store.get_documents = down  # type: ignore[method-assign]
    with pytest.raises(SearchUnavailable):
        engine.update_availability([Availability(id="hlm")])


def test_primary_key_is_filterable() -> None:
    assert "pk" in index_settings()["filterableAttributes"]
