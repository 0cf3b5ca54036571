"""The catalogue over HTTP against a running server: records, copies, lookups, problems."""

from __future__ import annotations

from unicard.readers.card_numbers import format_card_number

from .conftest import Server

DY_DESK = ("dy.desk", "unicard-dy-2026")


def test_record_copies_and_lookups(server: Server) -> None:
    token = server.staff_token(*DY_DESK)
    with server.client(token) as client:
        created = client.post("/api/catalogue/records", json={
            "title": "白鹿原", "authors": ["陈忠实"], "isbns": ["978-7-5302-1200-4"],
            "clc": "I247.5", "year": 1993, "publisher": "北京十月文艺出版社"})
        assert created.status_code == 201, created.text
        record = created.json()
        assert record["isbns"] == ["9787530212004"]
        ranged = client.post("/api/catalogue/barcode-ranges", json={"branch": "DY-T1",
                                                                      "count": 10})
        first = ranged.json()["first"]
        item = client.post(f"/api/catalogue/records/{record['id']}/items",
                           json={"branch": "DY-T1", "call_number": "I247.5/C396"}).json()
        assert item["barcode"] == first  # the branch's pre-printed range is used first
        assert client.get(f"/api/scan/{item['barcode']}").json()["kind"] == "item"
        assert client.get(f"/api/catalogue/items/{item['barcode']}").json()["record"] \
            == record["id"]
        by_isbn = client.get("/api/catalogue/isbn/7-5302-1200-1").json()
        assert [r["id"] for r in by_isbn] == [record["id"]]
        holdings = client.get(f"/api/catalogue/records/{record['id']}/holdings").json()
        assert holdings[0]["branch"] == "DY-T1" and holdings[0]["available"] == 1
        duplicate = client.post(f"/api/catalogue/records/{record['id']}/items",
                                json={"branch": "DY-T1", "barcode": item["barcode"]})
        assert duplicate.status_code == 409
        assert duplicate.json()["code"] == "item-barcode-taken"
        card_like = client.post(f"/api/catalogue/records/{record['id']}/items",
                                json={"branch": "DY-T1", "barcode": format_card_number(5)})
        assert card_like.status_code == 422
        assert card_like.json()["code"] == "item-barcode-looks-like-card"
        outside = client.post(f"/api/catalogue/records/{record['id']}/items",
                              json={"branch": "PJ-T1"})
        assert outside.status_code == 403
        undeletable = client.delete(f"/api/catalogue/records/{record['id']}")
        assert undeletable.status_code == 409
        assert undeletable.json()["code"] == "record-has-items"
        missing = client.get("/api/catalogue/records/999999")
        assert missing.status_code == 404 and missing.json()["code"] == "record-not-found"
