"""Card PDFs over HTTP: staff only, within scope, decodable."""

from __future__ import annotations

from tests.pdf_probe import decode_barcodes

from .conftest import Server


def test_cards_pdf_for_a_branch_in_scope(server: Server) -> None:
    token = server.staff_token("dy.desk", "unicard-dy-2026")
    with server.client(token) as client:
        response = client.get("/api/print/cards", params={"branch": "DY", "layout": "single"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/pdf")
        numbers = decode_barcodes(response.content)
        assert numbers and all(n.startswith("2") and len(n) == 12 for n in numbers)
        for number in numbers:
            assert client.get(f"/api/readers/{number}").json()["home_org"].startswith("DY")
        refused = client.get("/api/print/cards", params={"branch": "PJ"})
    assert refused.status_code == 403 and refused.json()["code"] == "out-of-scope"
    with server.client() as anonymous:
        assert anonymous.get("/api/print/cards", params={"branch": "DY"}).status_code == 401
