"""Races against a running server, on SQLite and PostgreSQL: 100 readers booking the same slot
get exactly one booking; 100 readers enrolling in a 25-seat session get 25 seats and a
75-place waitlist in arrival order, nobody lost. Real concurrent HTTP clients (threads)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from .conftest import Server
from .rooms_client import ADMIN, HALL, PROBLEM, open_day, register_readers, room_id, wall

CLIENTS = 100


@pytest.fixture(scope="module")
def readers(server: Server) -> list[tuple[str, str]]:
    return register_readers(server, CLIENTS)


def race(server: Server, tokens: list[str], method: str, path: str,
         body: dict | None = None) -> list[httpx.Response]:
    """Each client connects first, then all fire together at a barrier (bounded: 60 s)."""
    barrier = threading.Barrier(len(tokens), timeout=60)

    def one(token: str) -> httpx.Response:
        with server.client(token) as client:
            client.get("/api/health")  # open the connection before the start
            barrier.wait()
            return client.request(method, path, json=body, timeout=60)

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(one, tokens))


def test_hundred_readers_booking_one_slot_get_one_booking(server: Server, readers) -> None:
    room = room_id(server, "CITY", "研讨室B")  # no demo classes use it
    day = open_day(3)
    body = {"starts_at": wall(day, "10:00"), "ends_at": wall(day, "11:00")}
    responses = race(server, [token for _, token in readers], "POST",
                     f"/api/rooms/{room}/bookings", body)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: CLIENTS - 1}, statuses
    refused = [r for r in responses if r.status_code == 409]
    assert all(r.headers["content-type"].startswith(PROBLEM) for r in refused)
    assert {r.json()["code"] for r in refused} == {"slot-taken"}
    winner = next(r.json() for r in responses if r.status_code == 201)
    with server.client(server.staff_token(*ADMIN)) as admin:
        schedule = admin.get(f"/api/rooms/{room}/bookings",
                             params={"day": day.isoformat(), "days": 1}).json()
    slot = (body["starts_at"], body["ends_at"])
    holding = [b for b in schedule if b["state"] in ("confirmed", "pending_approval")
               and b["starts_at"] < slot[1] and slot[0] < b["ends_at"]]  # same offset: text order
    assert [b["id"] for b in holding] == [winner["id"]]


def test_hundred_readers_enrolling_in_25_seats(server: Server, readers) -> None:
    day = open_day(4)
    hall = server.staff_token(*HALL)
    with server.client(hall) as staff:
        created = staff.post("/api/classes", json={
            "title": "抢座测试：书法", "category": "calligraphy", "capacity": 25,
            "room_id": room_id(server, "CITY-HALL", "舞蹈排练厅"),
            "starts_at": wall(day, "09:00"), "ends_at": wall(day, "09:30")})
        assert created.status_code == 201, created.text
        session = created.json()["id"]
    responses = race(server, [token for _, token in readers], "POST",
                     f"/api/classes/{session}/enrolments")
    assert Counter(r.status_code for r in responses) == {201: CLIENTS}, [
        r.text for r in responses if r.status_code != 201][:3]
    places = [r.json() for r in responses]
    states = Counter(p["state"] for p in places)
    assert states == {"enrolled": 25, "waitlisted": 75}
    assert sorted(p["arrival"] for p in places) == list(range(1, CLIENTS + 1))
    for place in places:  # arrival order decides: the first 25 sit, the rest wait in order
        if place["arrival"] <= 25:
            assert place["state"] == "enrolled" and place["waitlist_position"] is None
        else:
            assert place["state"] == "waitlisted"
            assert place["waitlist_position"] == place["arrival"] - 25
            assert place["notice"]["code"] == "session-full"
    with server.client(hall) as staff:
        roster = staff.get(f"/api/classes/{session}/roster").json()
    assert (roster["enrolled"], roster["waitlisted"]) == (25, 75)
    assert roster["session"]["enrolled"] == 25 and roster["session"]["waiting"] == 75
    cards = [card for card, _ in readers]
    assert sorted(e["card_number"] for e in roster["entries"]) == sorted(cards)  # none lost
    assert [e["arrival"] for e in roster["entries"]] == list(range(1, CLIENTS + 1))
    waiting = [e for e in roster["entries"] if e["state"] == "waitlisted"]
    assert [e["waitlist_position"] for e in waiting] == list(range(1, 76))
    by_id = {p["id"]: p for p in places}
    assert all(by_id[e["enrolment_id"]]["arrival"] == e["arrival"] for e in roster["entries"])

    # ten seated readers cancel at once: the first ten of the waitlist move up, in order
    token_of = dict(readers)
    seated = [e for e in roster["entries"] if e["state"] == "enrolled"][:10]

    def cancel(entry: dict) -> int:
        with server.client(token_of[entry["card_number"]]) as client:
            return client.post(f"/api/reader/enrolments/{entry['enrolment_id']}/cancel"
                               ).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert set(pool.map(cancel, seated)) == {200}
    with server.client(hall) as staff:
        after = staff.get(f"/api/classes/{session}/roster").json()
    assert (after["enrolled"], after["waitlisted"]) == (25, 65)
    promoted = [e["arrival"] for e in after["entries"] if e["state"] == "enrolled"
                and e["arrival"] > 25]
    assert promoted == list(range(26, 36))
