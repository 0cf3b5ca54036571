"""PostgreSQL ends every session of the server's database (a restart, a failover, an admin's
`pg_terminate_backend`): the running server carries on with new connections, without being
restarted, and its search worker too."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from urllib.parse import urlparse

import asyncpg
import pytest

from tests.conftest import PG_ADMIN_URL, backend_param

from .circ_seed import ADMIN, seed
from .conftest import Server

DESK = "DY-T1"


async def _end_sessions(database: str) -> int:
    connection = await asyncpg.connect(PG_ADMIN_URL)
    try:
        return int(await connection.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()", database))
    finally:
        await connection.close()


@pytest.mark.parametrize("server", [backend_param("postgres")], indirect=True)
def test_the_desks_carry_on_after_postgresql_ended_the_sessions(server: Server,
                                                                 tmp_path: Path) -> None:
    data = seed(server, tmp_path, items=6, readers=2, branches=(DESK,))
    barcodes = [item["barcode"] for item in data["items"]]
    card = data["cards"][0]
    with server.client(server.staff_token(*ADMIN)) as client:
        assert client.post("/api/circulation/checkout", json={
            "card_number": card, "barcode": barcodes[0], "at_org": DESK}).status_code == 200
        database = urlparse(server.env["UNICARD_DATABASE_URL"]).path.lstrip("/")
        assert asyncio.run(_end_sessions(database)) >= 1  # the server's pooled connections
        time.sleep(0.5)  # the closed sockets reach the server

        answers = [client.post("/api/circulation/checkin",
                               json={"barcode": barcodes[0], "at_org": DESK}).status_code]
        for barcode in barcodes[1:]:
            answers.append(client.post("/api/circulation/checkout", json={
                "card_number": card, "barcode": barcode, "at_org": DESK}).status_code)
        assert answers == [200] * len(barcodes)

        loans = client.get(f"/api/circulation/readers/{card}/loans")
        assert loans.status_code == 200
        assert {loan["barcode"] for loan in loans.json()} == set(barcodes[1:])

    # The search worker (the server's outbox bookkeeping, the indexer child's reads) lost
    # its sessions too: it delivers the changes made since.
    url = server.env["UNICARD_DATABASE_URL"]
    deadline = time.monotonic() + 30
    while (pending := asyncio.run(_pending_outbox(url))) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert pending == 0


async def _pending_outbox(url: str) -> int:
    connection = await asyncpg.connect(url)
    try:
        return int(await connection.fetchval(
            "SELECT count(*) FROM outbox WHERE processed_at IS NULL"))
    finally:
        await connection.close()
