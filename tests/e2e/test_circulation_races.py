"""Races against a real server process, on SQLite and PostgreSQL: many desks at once never
lend one copy twice, and concurrent check-ins never capture one copy for two holds (nor give
one hold two copies)."""

from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from .circ_seed import ADMIN, seed
from .conftest import Server

DESK = "DY-T1"


def _barrier_run(count: int, work, timeout: float = 120.0) -> list:  # type: ignore[no-untyped-def]
    """Run `work(n)` in `count` threads that all start together; bounded in time."""
    barrier = threading.Barrier(count, timeout=30)

    def start(n: int):  # type: ignore[no-untyped-def]
        barrier.wait()
        return work(n)

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(start, n) for n in range(count)]
        return [f.result(timeout=timeout) for f in futures]


def test_fifty_desks_checking_out_twenty_items_lend_each_at_most_once(
        server: Server, tmp_path: Path) -> None:
    data = seed(server, tmp_path, items=20, readers=50, branches=(DESK,))
    barcodes = [item["barcode"] for item in data["items"]]
    cards = data["cards"]
    token = server.staff_token(*ADMIN)

    def desk(n: int) -> list[tuple[str, int, str]]:
        order = barcodes[:]
        random.Random(n).shuffle(order)
        results = []
        with httpx.Client(base_url=server.base_url, timeout=30,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            for barcode in order:
                response = client.post("/api/circulation/checkout", json={
                    "card_number": cards[n], "barcode": barcode, "at_org": DESK})
                code = response.json().get("code", "") if response.status_code != 200 else ""
                results.append((barcode, response.status_code, code))
        return results

    outcomes = [r for desk_results in _barrier_run(50, desk) for r in desk_results]
    statuses = Counter((status, code) for _, status, code in outcomes)
    assert set(statuses) <= {(200, ""), (409, "item-on-loan"), (409, "loan-limit-reached")}, \
        statuses
    lent = Counter(barcode for barcode, status, _ in outcomes if status == 200)
    assert set(lent) == set(barcodes) and set(lent.values()) == {1}
    # What the server itself says: every copy on exactly one reader's loans.
    with server.client(token) as client:
        on_loans = Counter(
            loan["barcode"]
            for card in cards
            for loan in client.get(f"/api/circulation/readers/{card}/loans").json())
    assert on_loans == Counter({barcode: 1 for barcode in barcodes})


def test_concurrent_check_ins_never_capture_one_copy_for_two_holds(
        server: Server, tmp_path: Path) -> None:
    copies, waiting, titles = 6, 9, 4
    data = seed(server, tmp_path, items=copies * titles, readers=1 + waiting,
                copies_per_record=copies, branches=(DESK,))
    borrower, hold_cards = data["cards"][0], data["cards"][1:]
    by_record: dict[int, list[str]] = {}
    for item in data["items"]:
        by_record.setdefault(item["record"], []).append(item["barcode"])
    token = server.staff_token(*ADMIN)
    pickups = ["DY-T1", "DY-T2", "PJ-T1", "CITY", "WY"]
    with server.client(token) as client:
        lent = 0
        for barcodes in by_record.values():
            for barcode in barcodes:
                # A fresh borrower per few copies keeps under the loan limit.
                card = borrower if lent < 10 else hold_cards[(lent - 10) % waiting]
                response = client.post("/api/circulation/checkout", json={
                    "card_number": card, "barcode": barcode, "at_org": DESK})
                assert response.status_code == 200, response.text
                lent += 1
        for record in by_record:
            for n, card in enumerate(hold_cards):
                response = client.post("/api/circulation/holds", json={
                    "card_number": card, "record_id": record,
                    "pickup_org": pickups[n % len(pickups)]})
                if response.status_code == 409 and response.json()["code"] in (
                        "already-on-loan-to-you", "hold-limit-reached"):
                    continue
                assert response.status_code == 201, response.text
    returns = [(barcode, random.Random(i).choice(["DY-T1", "DY-T2", "PJ-T1", "CITY"]))
               for i, barcode in enumerate(b for bs in by_record.values() for b in bs)]

    def desk(n: int) -> dict:
        barcode, at = returns[n]
        with httpx.Client(base_url=server.base_url, timeout=30,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            response = client.post("/api/circulation/checkin",
                                   json={"barcode": barcode, "at_org": at})
            assert response.status_code == 200, response.text
            return response.json()

    receipts = _barrier_run(len(returns), desk)
    captured = [r["hold_id"] for r in receipts if r["hold_id"] is not None]
    assert len(captured) == len(set(captured)), "a hold was given two copies"
    with server.client(token) as client:
        for record, barcodes in by_record.items():
            holds = client.get("/api/circulation/holds",
                               params={"record_id": record, "open_only": "false"}).json()
            assigned = [h["assigned_barcode"] for h in holds
                        if h["state"] in ("in_transit", "ready")]
            assert len(assigned) == len(set(assigned)), "a copy serves two holds"
            assert set(assigned) <= set(barcodes)
            # Every copy came back with holds waiting: each was captured by exactly one.
            assert len(assigned) == min(len(barcodes), len(holds))
            waiting_holds = [h for h in holds if h["state"] == "waiting"]
            served = [h for h in holds if h["state"] in ("in_transit", "ready")]
            # First come, first served: no waiting hold is older than a served one.
            if waiting_holds and served:
                assert min(h["placed_at"] for h in waiting_holds) >= max(
                    h["placed_at"] for h in served)

