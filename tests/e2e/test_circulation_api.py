"""Circulation over real HTTP: the desk endpoints with problem details for refusals, the
reader's own loans, renewals and holds, transits, and the jobs as CLI commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from unicard.readers.id_numbers import check_character

from .circ_seed import seed
from .conftest import Server

DY_DESK = ("dy.desk", "unicard-dy-2026")
PJ_DESK = ("pj.desk", "unicard-pj-2026")
PROBLEM = "application/problem+json"


def id_number(seq: int) -> str:
    body = f"33078219880506{seq:03d}"
    return body + check_character(body)


def test_openapi_lists_the_circulation_endpoints(server: Server) -> None:
    with server.client() as client:
        paths = set(client.get("/schema/openapi.json").json()["paths"])
    for expected in ("/api/circulation/checkout", "/api/circulation/checkin",
                     "/api/circulation/renew", "/api/circulation/transits",
                     "/api/circulation/transits/receive", "/api/circulation/hold-shelf",
                     "/api/circulation/holds", "/api/circulation/fines/pay",
                     "/api/reader/loans", "/api/reader/holds", "/api/reader/fines"):
        assert expected in paths


def test_desk_and_reader_flow(server: Server, tmp_path: Path) -> None:
    data = seed(server, tmp_path, items=3, copies_per_record=1, branches=("DY-T1",))
    first, second, third = (item["barcode"] for item in data["items"])
    second_record = data["items"][1]["record"]
    token = server.staff_token(*DY_DESK)
    with server.client(token) as desk:
        reader = desk.post("/api/readers", json={
            "name": "借阅测试", "id_number": id_number(1), "category": "adult",
            "home_org": "DY-T1", "pin": "2468"}).json()
        card = reader["card_number"]
        lent = desk.post("/api/circulation/checkout", json={
            "card_number": card, "barcode": first, "at_org": "DY-T1"})
        assert lent.status_code == 200, lent.text
        assert lent.json()["due_at"] and lent.json()["card_number"] == card
        again = desk.post("/api/circulation/checkout", json={
            "card_number": card, "barcode": first, "at_org": "DY-T1"})
        assert again.status_code == 409
        assert again.headers["content-type"].startswith(PROBLEM)
        assert again.json()["code"] == "item-on-loan"
        unknown = desk.post("/api/circulation/checkout", json={
            "card_number": card, "barcode": "NO-SUCH-COPY", "at_org": "DY-T1"})
        assert (unknown.status_code, unknown.json()["code"]) == (404, "item-not-found")
        bad = desk.post("/api/circulation/checkout", json={"card_number": card})
        assert bad.status_code == 400
        other = desk.post("/api/circulation/checkout", json={
            "card_number": card, "barcode": second, "at_org": "DY-T1"})
        assert other.status_code == 200
    with server.client(server.staff_token(*PJ_DESK)) as pj:
        outside = pj.post("/api/circulation/checkin", json={"barcode": first,
                                                             "at_org": "DY-T1"})
        assert (outside.status_code, outside.json()["code"]) == (403, "out-of-scope")
        # Returned in another county: it goes home by transit.
        back = pj.post("/api/circulation/checkin", json={"barcode": first, "at_org": "PJ-T1"})
        assert back.status_code == 200, back.text
        assert (back.json()["action"], back.json()["destination"]) == ("send_to", "DY-T1")
        to_send = pj.get("/api/circulation/transits", params={"org": "PJ-T1"}).json()
        assert [t["barcode"] for t in to_send["to_send"]] == [first]
        assert pj.post("/api/circulation/transits/dispatch",
                       json={"at_org": "PJ-T1"}).json()["count"] == 1
    with server.client(token) as desk:
        coming = desk.get("/api/circulation/transits", params={"org": "DY-T1"}).json()
        assert [t["barcode"] for t in coming["on_the_way"]] == [first]
        arrived = desk.post("/api/circulation/transits/receive",
                            json={"barcode": first, "at_org": "DY-T1"})
        assert arrived.json()["action"] == "shelve"

    with server.client() as anonymous:
        signed = anonymous.post("/api/reader/login", json={"card_number": card, "pin": "2468"})
        reader_token = signed.json()["token"]
    with server.client(reader_token) as me:
        loans = me.get("/api/reader/loans").json()
        assert [loan["barcode"] for loan in loans] == [second]
        renewed = me.post(f"/api/reader/loans/{loans[0]['id']}/renew")
        assert renewed.status_code == 200 and renewed.json()["renewals"] == 1
        refused = me.post("/api/reader/holds", json={"record_id": second_record,
                                                     "pickup_org": "DY-T1"})
        assert (refused.status_code, refused.json()["code"]) == (409, "already-on-loan-to-you")
        placed = me.post("/api/reader/holds", json={"barcode": third, "pickup_org": "DY-T2"})
        assert placed.status_code == 201, placed.text
        hold = placed.json()
        assert hold["wait"] == "copy-assigned" and hold["queue_position"] == 1
        suspended = me.post(f"/api/reader/holds/{hold['id']}/suspend", json={})
        assert suspended.json()["state"] == "suspended"
        assert me.post(f"/api/reader/holds/{hold['id']}/resume").json()["state"] == "waiting"
        assert [h["id"] for h in me.get("/api/reader/holds").json()] == [hold["id"]]
        assert me.post(f"/api/reader/holds/{hold['id']}/cancel").status_code == 200
        assert me.get("/api/reader/holds").json() == []
        assert me.get("/api/reader/fines").json() == []
    with server.client(token) as desk:
        view = desk.get("/api/circulation/holds", params={"card_number": card,
                                                          "open_only": "false"}).json()
        assert [(h["id"], h["state"]) for h in view] == [(hold["id"], "cancelled")]
        shelf = desk.get("/api/circulation/hold-shelf", params={"org": "DY-T1"})
        assert shelf.status_code == 200


def test_jobs_run_from_the_command_line(server: Server) -> None:
    for command in (["run-jobs"], ["overdue", "--org", "DY"], ["expire-holds"],
                    ["target-holds"]):
        done = subprocess.run([sys.executable, "-m", "unicard.cli", "circulation", *command],
                              env=server.env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr


def test_a_desk_session_ends_at_sign_out_despite_the_session_cache(server: Server) -> None:
    token = server.staff_token(*DY_DESK)
    with server.client(token) as desk:
        scan = {"barcode": "NO-SUCH-COPY", "at_org": "DY"}
        assert desk.post("/api/circulation/checkin", json=scan).status_code == 404  # cached
        assert desk.post("/api/auth/logout").status_code == 204
        after = desk.post("/api/circulation/checkin", json=scan)
    assert after.status_code == 401, after.text
    assert after.json()["code"] == "unauthenticated"
