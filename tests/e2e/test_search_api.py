"""The OPAC search over HTTP against a running server with the demo catalogue."""

from __future__ import annotations

import time

from .conftest import Server


def search(server: Server, **params: object) -> dict:
    with server.client() as client:
        response = client.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def wait_for_index(server: Server, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if search(server, q="红楼梦")["total"]:
            return
        time.sleep(0.2)
    raise AssertionError("the outbox worker did not index the demo catalogue in time")


def test_search_by_chinese_pinyin_and_initials_with_facets(server: Server) -> None:
    wait_for_index(server)
    for text in ("红楼梦", "hongloumeng", "hlm", "紅樓夢"):
        result = search(server, q=text, facet=["material_type", "language"])
        assert result["hits"][0]["title"] == "红楼梦", text
    result = search(server, q="", language="eng", facet=["language"], per_page=50)
    assert result["total"] >= 5 and all(h["language"] == "eng" for h in result["hits"])
    assert result["facets"]["language"] == {"eng": result["total"]}
    hit = search(server, q="hlm")["hits"][0]
    branch = next(iter(hit["availability"]))
    on_shelf = search(server, q="hlm", available_at=branch)
    assert [h["id"] for h in on_shelf["hits"]] == [hit["id"]]


def test_bad_search_parameters_are_a_problem(server: Server) -> None:
    with server.client() as client:
        response = client.get("/api/search", params={"q": "x", "page": 0})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid-search-query"
