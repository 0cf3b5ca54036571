"""Search shows live availability: a check-out is "not on the shelf" within 2 seconds, and
check-outs go on while the search index is unavailable, the outbox catching up afterwards."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from .conftest import Server

DESK = ("dy.desk", "unicard-dy-2026")


def on_shelf(client: httpx.Client, title: str, branch: str) -> int:
    response = client.get("/api/search", params={"q": title, "available_at": branch})
    assert response.status_code == 200, response.text
    return sum(1 for hit in response.json()["hits"] if hit["title"] == title)


def a_copy_on_the_shelf_in(client: httpx.Client, system: str) -> tuple[str, str, str]:
    """(title, branch, barcode) of a copy available now somewhere under `system`."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        hits = client.get("/api/search", params={"q": "", "available_at": system,
                                                  "per_page": 50}).json()["hits"]
        for hit in hits:
            for group in client.get(f"/api/catalogue/records/{hit['id']}/holdings").json():
                if not group["branch"].startswith(system):
                    continue
                for item in group["items"]:
                    if item["status"] == "available" and not item["not_for_loan"] \
                            and item["current_org"] == group["branch"]:
                        return hit["title"], group["branch"], item["barcode"]
        time.sleep(0.3)
    raise AssertionError(f"no copy on the shelf under {system}")


def a_reader(client: httpx.Client, seq: int) -> str:
    from unicard.readers.id_numbers import check_character

    body = f"33078319850101{seq:03d}"
    response = client.post("/api/readers", json={"name": "检索测试", "id_number":
                                                  body + check_character(body),
                                                  "category": "adult", "home_org": "DY"})
    assert response.status_code == 201, response.text
    return response.json()["card_number"]


def wait_until(condition, seconds: float) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s")


def test_a_checkout_leaves_the_shelf_in_search_within_two_seconds(server: Server) -> None:
    with server.client(server.staff_token(*DESK)) as client:
        title, branch, barcode = a_copy_on_the_shelf_in(client, "DY")
        before = on_shelf(client, title, branch)
        assert before >= 1
        card = a_reader(client, 1)
        lent = client.post("/api/circulation/checkout", json={
            "card_number": card, "barcode": barcode, "at_org": branch})
        assert lent.status_code == 200, lent.text
        elapsed = wait_until(lambda: on_shelf(client, title, branch) < before, 2.0)
    assert elapsed <= 2.0


def test_checkouts_go_on_while_search_is_down_and_the_outbox_catches_up(server: Server) -> None:
    index = Path(server.env["UNICARD_DATA_DIR"]) / "search.sqlite3"
    with server.client(server.staff_token(*DESK)) as client:
        title, branch, barcode = a_copy_on_the_shelf_in(client, "DY")
        before = on_shelf(client, title, branch)
        card = a_reader(client, 2)
        hidden = index.with_name("search.sqlite3.away")
        index.rename(hidden)  # the index becomes unavailable under the running server
        try:
            down = client.get("/api/search", params={"q": title})
            assert down.status_code == 503
            assert down.json()["code"] == "search-unavailable"
            lent = client.post("/api/circulation/checkout", json={
                "card_number": card, "barcode": barcode, "at_org": branch})
            assert lent.status_code == 200, lent.text  # circulation does not need search
        finally:
            hidden.rename(index)
        wait_until(lambda: on_shelf(client, title, branch) < before, 45.0)
