"""The foundation over real HTTP against a running server: OpenAPI, sign-in, readers,
problem details, masking and scope."""

from __future__ import annotations

import re

import pytest

from unicard.readers.card_numbers import format_item_barcode
from unicard.readers.id_numbers import check_character

from .conftest import Server

ADMIN = ("admin", "unicard-admin-2026")
DY_DESK = ("dy.desk", "unicard-dy-2026")
PJ_DESK = ("pj.desk", "unicard-pj-2026")
PROBLEM = "application/problem+json"


def id_number(seq: int) -> str:
    body = f"33078219920304{seq:03d}"
    return body + check_character(body)


def test_openapi_lists_the_foundation_endpoints(server: Server) -> None:
    with server.client() as client:
        schema = client.get("/schema/openapi.json").json()
    paths = set(schema["paths"])
    for expected in ("/api/orgs/tree", "/api/orgs/{code}", "/api/orgs/{code}/policy",
                     "/api/readers", "/api/readers/{card_number}",
                     "/api/readers/{card_number}/replace-card",
                     "/api/readers/{card_number}/block", "/api/readers/{card_number}/unblock",
                     "/api/auth/login", "/api/reader/login", "/api/scan/{code}"):
        assert expected in paths


def test_requests_without_a_session_get_a_401_problem(server: Server) -> None:
    with server.client() as client:
        response = client.get("/api/orgs/tree")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["code"] == "unauthenticated"


def test_tree_and_explained_policy(server: Server) -> None:
    token = server.staff_token(*ADMIN)
    with server.client(token) as client:
        tree = client.get("/api/orgs/tree").json()
        assert tree[0]["code"] == "NET"
        assert {c["code"] for c in tree[0]["children"]} >= {"CITY", "DY", "PJ", "WY"}
        village = client.get("/api/orgs/DY-V1").json()
        assert village["path"] == ["NET", "DY", "DY-T1", "DY-V1"]
        assert village["closed_days_from"] == "NET"
        policy = client.get("/api/orgs/DY-T1/policy",
                            params={"category": "child", "explain": "true"}).json()
    sources = {row["field"]: row for row in policy["explain"]}
    assert policy["policy"]["loan_days"] == 45 and sources["loan_days"]["from_org"] == "DY"
    assert policy["policy"]["max_loans"] == 5
    assert (sources["max_loans"]["from_org"], sources["max_loans"]["reader_category"]) == (
        "NET", "child")


def test_register_scan_replace_and_no_full_id_number_anywhere(server: Server) -> None:
    token = server.staff_token(*DY_DESK)
    full = id_number(1)
    with server.client(token) as client:
        created = client.post("/api/readers", json={
            "name": "测试读者", "id_number": full, "category": "adult", "home_org": "DY-T1",
            "pin": "8642"})
        assert created.status_code == 201, created.text
        reader = created.json()
        card = reader["card_number"]
        scanned = client.get(f"/api/scan/{card}")
        assert scanned.json()["kind"] == "card"
        replaced = client.post(f"/api/readers/{card}/replace-card", json={"at_org": "DY"})
        new_card = replaced.json()["card_number"]
        old = client.get(f"/api/readers/{card}")
        texts = [created.text, scanned.text, replaced.text, old.text,
                 client.get(f"/api/readers/{new_card}").text]
    assert old.status_code == 409 and old.json()["code"] == "card-lost"
    assert "lost" in old.json()["detail"]
    for text in texts:
        assert full not in text
        assert full[6:14] not in text.replace("1992-03-04", "")  # no unmasked birth digits
    with server.client() as client:
        login = client.post("/api/reader/login", json={"card_number": new_card, "pin": "8642"})
        assert login.status_code == 200
        me = client.get("/api/reader/me",
                        headers={"Authorization": f"Bearer {login.json()['token']}"})
    assert me.json()["card_number"] == new_card and full not in me.text


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"id_number": "330782199203040010"}, 422, "id-number-invalid"),
        ({"home_org": "NO-SUCH"}, 404, "org-not-found"),
        ({"card_number": format_item_barcode(77)}, 422, "card-number-looks-like-item"),
        ({"category": "pirate"}, 422, "category-unknown"),
        ({"home_org": "PJ-T1"}, 403, "out-of-scope"),
        ({"unexpected": 1}, 400, "invalid-request"),
    ],
)
def test_bad_input_gets_a_problem_and_writes_nothing(server: Server, body: dict, status: int,
                                                     code: str) -> None:
    token = server.staff_token(*DY_DESK)
    values = {"name": "坏数据", "id_number": id_number(50), "category": "adult",
              "home_org": "DY-T1"} | body
    with server.client(token) as client:
        response = client.post("/api/readers", json=values)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith(PROBLEM)
        problem = response.json()
        assert problem["code"] == code
        assert problem["status"] == status
        assert problem["type"].endswith(code)
        assert problem["detail"]
        # nothing was written: the same ID number can still be registered cleanly
        clean = {"name": "干净数据", "id_number": id_number(51 + len(code)), "category": "adult",
                 "home_org": "DY-T1"}
        assert client.post("/api/readers", json=clean).status_code == 201


def test_duplicate_card_number_is_a_409(server: Server) -> None:
    token = server.staff_token(*DY_DESK)
    with server.client(token) as client:
        first = client.post("/api/readers", json={
            "name": "甲", "id_number": id_number(90), "category": "adult", "home_org": "DY"})
        card = first.json()["card_number"]
        second = client.post("/api/readers", json={
            "name": "乙", "id_number": id_number(91), "category": "adult", "home_org": "DY",
            "card_number": card})
    assert second.status_code == 409 and second.json()["code"] == "card-number-taken"


def test_county_librarian_cannot_block_another_countys_reader(server: Server) -> None:
    dy, pj, admin = (server.staff_token(*DY_DESK), server.staff_token(*PJ_DESK),
                     server.staff_token(*ADMIN))
    with server.client(dy) as client:
        card = client.post("/api/readers", json={
            "name": "丙", "id_number": id_number(92), "category": "adult",
            "home_org": "DY-T2"}).json()["card_number"]
    with server.client(pj) as client:
        refused = client.post(f"/api/readers/{card}/block", json={"reason": "test"})
    assert refused.status_code == 403 and refused.json()["code"] == "out-of-scope"
    with server.client(admin) as client:
        blocked = client.post(f"/api/readers/{card}/block", json={"reason": "overdue"})
    assert blocked.status_code == 200 and blocked.json()["status"] == "blocked"


def test_masked_form_shape(server: Server) -> None:
    token = server.staff_token(*ADMIN)
    with server.client(token) as client:
        reader = client.post("/api/readers", json={
            "name": "丁", "id_number": id_number(93), "category": "adult",
            "home_org": "CITY"}).json()
    assert re.fullmatch(r"\d{3}\*{13}[\dX]{2}", reader["id_number_masked"])
