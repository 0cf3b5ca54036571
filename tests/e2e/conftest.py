"""A real `unicard serve` process per backend, loaded with the demo network."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKENDS, backend_param, create_pg_database, drop_pg_database

UNICARD = [sys.executable, "-m", "unicard.cli"]


@dataclass
class Server:
    backend: str
    base_url: str
    env: dict[str, str]

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=10)

    def staff_token(self, username: str, password: str) -> str:
        with self.client() as client:
            response = client.post("/api/auth/login",
                                   json={"username": username, "password": password})
            response.raise_for_status()
            return response.json()["token"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_log(data_dir: Path) -> Path:
    return data_dir / "server.log"


def log_tail(data_dir: Path, size: int = 4000) -> str:
    return server_log(data_dir).read_bytes()[-size:].decode(errors="replace")


def start_server(backend: str, data_dir: Path, readers: int = 5) -> tuple[Server, subprocess.Popen,
                                                                          str | None]:
    env = {**os.environ, "UNICARD_DATA_DIR": str(data_dir), "UNICARD_SECRET_KEY": "e2e-secret"}
    env.pop("UNICARD_DATABASE_URL", None)
    pg_name = None
    if backend == "postgres":
        pg_name = f"unicard_e2e_{uuid.uuid4().hex[:8]}"
        env["UNICARD_DATABASE_URL"] = asyncio.run(create_pg_database(pg_name))
    subprocess.run([*UNICARD, "demo", "--readers", str(readers)], env=env, check=True,
                   capture_output=True)
    port = free_port()
    # A file, not a pipe nobody reads while the server runs: once a pipe's buffer is full, the
    # server's next warning blocks its event loop and every request with it.
    with open(server_log(data_dir), "wb") as log:
        process = subprocess.Popen([*UNICARD, "serve", "--port", str(port), "--log-level",
                                    "warning"], env=env, stdout=subprocess.DEVNULL,
                                   stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log_tail(data_dir)}")
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return Server(backend, base, env), process, pg_name
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not answer within 30 s")


@pytest.fixture(scope="module", params=[backend_param(b) for b in BACKENDS])
def server(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("e2e")
    srv, process, pg_name = start_server(request.param, data_dir)
    try:
        yield srv
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        # Shown with the module's last test when it fails: what the server said meanwhile.
        print(f"--- {request.param} server log (tail) ---\n{log_tail(data_dir)}",
              file=sys.stderr)
        if pg_name:
            asyncio.run(drop_pg_database(pg_name))
