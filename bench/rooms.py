"""Benchmark: room bookings and class enrolments over HTTP at 32 concurrent clients, against
a real `unicard serve` on SQLite, then on PostgreSQL. Prints one line per figure.

Run as `.venv/bin/python bench/rooms.py` (options: --backends sqlite,postgres --clients 32
--bookings 6000 --enrolments 6000 --rate 1000 --pg-processes 1,2). Target (issue 6): at least
1,000/s with a p99 of at most 20 ms, on the project's 2-core machine. SQLite is served by one
process (its writers queue on one lock anyway); PostgreSQL by one, then by two processes on the
same database (the scale-out ARCHITECTURE.md describes), each bench on a fresh database.

Two runs per figure: throughput at saturation (32 clients, each sending its next request as
soon as the last is answered), and latency at the target load (the same 32 connections, with
requests released at 1,000/s, each timed from its release, so a request held back behind a
slow answer on its connection counts its wait too). At saturation a closed loop of 32 clients
queues by construction: its mean latency is 32 / throughput, e.g. 24 ms at 1,330/s, so a p99 under
20 ms at saturation would need some 3,000/s; the p99 printed is the one at 1,000/s, and the
saturation p50/p99 are printed beside the throughput. The paced run lasts 15 s (15,000
requests): over 5 s, a single pause of the machine decided the p99 alone.

Each figure line comes with the CPU spent per request by the server processes, the
PostgreSQL backends of the bench database, the load generator and everything else on the
machine: this machine is shared, and other work running at the same time shows up there.

Every booking is a real one (a free 30-minute slot of one of the bench's rooms) and every
enrolment a real one (a reader not yet in that session, which seats or waitlists them). The
load generator is a minimal HTTP/1.1 client on raw asyncio streams with keep-alive
connections, in this process; the server is a separate process. Both share the machine's
two cores, as they must here: the figures are for server and client together.
Only 127.0.0.1 is contacted; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

sys.path.append(str(ROOT / "bench"))  # last: its scripts must not shadow packages

from durability import describe  # noqa: E402
from proc_cpu import backends_cpu, machine_cpu, machine_iowait, process_cpu  # noqa: E402
from quiet import quiet_collector  # noqa: E402

from unicard.readers.id_numbers import check_character  # noqa: E402

HOST = "127.0.0.1"
TZ = ZoneInfo("Asia/Shanghai")
ADMIN = {"username": "admin", "password": "unicard-admin-2026"}
PG_ADMIN_URL = os.environ.get(
    "UNICARD_TEST_DATABASE_URL", "postgresql://postgres:postgres@127.0.0.1:5432/postgres")
UNICARD = [sys.executable, "-m", "unicard.cli"]
PIN = "135790"


# ------------------------------------------------------------------------------ the server

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


async def _pg(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@dataclass
class Server:
    """One or more `unicard serve` processes on one database (several only on PostgreSQL:
    SQLite is served from one process, see ARCHITECTURE.md)."""

    backend: str
    ports: list[int]
    processes: list[subprocess.Popen]
    pg_name: str | None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.ports[0]}"

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.pg_name:
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)'))


def _wait_until_up(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            if httpx.get(f"http://{HOST}:{port}/api/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not answer within 60 s")


def start_server(backend: str, data_dir: Path, processes: int = 1) -> Server:
    env = {**os.environ, "UNICARD_DATA_DIR": str(data_dir), "UNICARD_SECRET_KEY": "bench"}
    env.pop("UNICARD_DATABASE_URL", None)
    pg_name = None
    if backend == "postgres":
        pg_name = f"unicard_bench_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg(f'CREATE DATABASE "{pg_name}"'))
        # Only the database name changes: the DSN's parameters (a socket's host, a
        # synchronous_commit) reach the server.
        env["UNICARD_DATABASE_URL"] = urlparse(PG_ADMIN_URL)._replace(path=f"/{pg_name}").geturl()
    subprocess.run([*UNICARD, "demo", "--readers", "0"], env=env, check=True,
                   capture_output=True, timeout=300)
    server = Server(backend, [], [], pg_name)
    try:
        for _ in range(processes):
            port = free_port()
            process = subprocess.Popen([*UNICARD, "serve", "--port", str(port), "--log-level",
                                        "warning"], env=env, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            server.ports.append(port)
            server.processes.append(process)
            _wait_until_up(process, port)
    except BaseException:
        server.stop()
        raise
    return server


# ------------------------------------------------------------------------------- the data

def id_number(seq: int) -> str:
    born = date(1960, 1, 1) + timedelta(days=seq * 53 % 18000)
    body = f"330702{born:%Y%m%d}{seq % 1000:03d}"
    return body + check_character(body)


def open_days(count: int, start_after: int = 1) -> list[date]:
    """Days the demo network opens 09:00-21:00 (Tuesday to Sunday, no February holidays)."""
    days, day = [], datetime.now(TZ).date() + timedelta(days=start_after)
    while len(days) < count:
        if day.weekday() != 0 and not (day.month == 2 and day.day in (5, 6, 16, 17)):
            days.append(day)
        day += timedelta(days=1)
    return days


def wall(day: date, minutes: int) -> str:
    return f"{day.isoformat()}T{minutes // 60:02d}:{minutes % 60:02d}:00+08:00"


@dataclass
class Prepared:
    tokens: list[str]
    rooms: list[int]
    sessions: list[int]
    slots: list[tuple[date, int]]


def prepare(server: Server, readers: int, rooms: int, sessions: int,
            slots_needed: int) -> Prepared:
    with httpx.Client(base_url=server.base, timeout=30) as client:
        login = client.post("/api/auth/login", json=ADMIN)
        login.raise_for_status()
        staff = {"Authorization": f"Bearer {login.json()['token']}"}
        tokens = []
        for seq in range(1, readers + 1):
            created = client.post("/api/readers", headers=staff, json={
                "name": f"压测读者{seq}", "id_number": id_number(seq), "category": "adult",
                "home_org": "CITY", "pin": PIN})
            created.raise_for_status()
            signed = client.post("/api/reader/login", json={
                "card_number": created.json()["card_number"], "pin": PIN})
            signed.raise_for_status()
            tokens.append(signed.json()["token"])
        room_ids = []
        for n in range(rooms):
            created = client.post("/api/rooms", headers=staff, json={
                "org": "CITY-HALL", "name": f"压测室{n + 1}", "capacity": 10,
                "max_days_ahead": 90, "min_minutes": 30, "slot_minutes": 30})
            created.raise_for_status()
            room_ids.append(created.json()["id"])
        per_day = (21 - 9) * 2
        days = open_days(-(-slots_needed // (rooms * per_day)) + 1)
        slots = [(d, 9 * 60 + 30 * k) for d in days for k in range(per_day)]
        session_ids = []
        session_days = open_days(-(-sessions // per_day))
        for n in range(sessions):
            day, minutes = session_days[n // per_day], 9 * 60 + 30 * (n % per_day)
            created = client.post("/api/classes", headers=staff, json={
                "title": f"压测课{n + 1}", "category": "bench", "capacity": 25,
                "org": "CITY-HALL", "starts_at": wall(day, minutes),
                "ends_at": wall(day, minutes + 30)})
            created.raise_for_status()
            session_ids.append(created.json()["id"])
    return Prepared(tokens, room_ids, session_ids, slots)


# ----------------------------------------------------------------------- the load generator

def request(method: str, path: str, token: str, body: bytes = b"") -> bytes:
    return (f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body


async def _read_response(stream: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await stream.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
            break
    return status, await stream.readexactly(length) if length else b""


@dataclass
class Run:
    seconds: float
    latencies: list[float]
    statuses: dict[int, int]
    sample_error: str
    # CPU seconds during the run: the server process, this client, and the whole machine.
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    database_cpu: float = 0.0
    machine_cpu: float = 0.0
    io_wait: float = 0.0  # machine seconds idle waiting for the disk

    def cpu_line(self) -> str:
        n = max(1, len(self.latencies))
        other = self.machine_cpu - self.server_cpu - self.client_cpu - self.database_cpu
        return (f"CPU per request: server {self.server_cpu / n * 1e6:.0f} µs, "
                f"PostgreSQL backends {self.database_cpu / n * 1e6:.0f} µs, "
                f"load generator {self.client_cpu / n * 1e6:.0f} µs, everything else on the "
                f"machine {max(0.0, other) / n * 1e6:.0f} µs; machine busy "
                f"{self.machine_cpu / self.seconds / (os.cpu_count() or 1) * 100:.0f}%")

    @property
    def io_wait_share(self) -> float:
        """Percent of the machine's core time spent waiting for the disk during the run."""
        cores = os.cpu_count() or 1
        return self.io_wait / self.seconds / cores * 100 if self.seconds else 0.0

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def p99_ms(self) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100)[98] * 1000

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")


async def drive(ports: list[int], jobs: Iterator[bytes], clients: int, max_seconds: float,
                server_pids: list[int] | None = None, rate: float | None = None,
                database: str | None = None) -> Run:
    """`clients` keep-alive connections, each sending its next job when the last answered;
    with `rate`, jobs are released on a fixed schedule (open loop) at that many per second,
    so latency is measured at a given load rather than at saturation."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    deadline = time.perf_counter() + max_seconds

    async def client(port: int) -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            for job in jobs:
                now = time.perf_counter()
                if now > deadline:
                    break
                started = time.perf_counter()
                if rate is not None:
                    due = next(release, now)
                    if due > now:
                        await asyncio.sleep(due - now)
                    # From the time the request was due, not the time it went out: a request
                    # held back because its connection was still waiting counts its wait
                    # (no coordinated omission).
                    started = min(due, time.perf_counter())
                writer.write(job)
                status, body = await _read_response(reader)
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
                if status >= 300 and not errors:
                    errors.append(body[:300].decode(errors="replace"))
        finally:
            writer.close()

    started = time.perf_counter()
    # Release times of the jobs, in order, shared by all connections (open loop).
    release = iter([started + i / rate for i in range(int(rate * max_seconds) + 1)]
                   if rate is not None else [])
    def servers_cpu() -> float:
        return sum(process_cpu(pid) for pid in server_pids or ())

    cpu_before = (servers_cpu(), time.process_time(), machine_cpu(), backends_cpu(database),
                  machine_iowait())
    with quiet_collector():
        await asyncio.gather(*(client(ports[n % len(ports)]) for n in range(clients)))
    elapsed = time.perf_counter() - started
    run = Run(elapsed, latencies, statuses, errors[0] if errors else "")
    run.server_cpu = servers_cpu() - cpu_before[0]
    run.client_cpu = time.process_time() - cpu_before[1]
    run.machine_cpu = machine_cpu() - cpu_before[2]
    run.io_wait = machine_iowait() - cpu_before[4]
    run.database_cpu = backends_cpu(database) - cpu_before[3]
    return run


def booking_jobs(data: Prepared, count: int, offset: int) -> Iterator[bytes]:
    rooms, tokens = data.rooms, data.tokens
    for k in range(offset, offset + count):
        day, minutes = data.slots[k // len(rooms)]
        body = json.dumps({"starts_at": wall(day, minutes),
                           "ends_at": wall(day, minutes + 30)}).encode()
        yield request("POST", f"/api/rooms/{rooms[k % len(rooms)]}/bookings",
                      tokens[k % len(tokens)], body)


def enrolment_jobs(data: Prepared, count: int, offset: int) -> Iterator[bytes]:
    """Pair k: reader k mod R, session (k div R + reader) mod S: no pair twice, and clients
    running side by side work on different readers and sessions."""
    readers, sessions = len(data.tokens), len(data.sessions)
    for k in range(offset, offset + count):
        reader = k % readers
        session = data.sessions[(k // readers + reader) % sessions]
        yield request("POST", f"/api/classes/{session}/enrolments", data.tokens[reader])


def _figures(label: str, kind: str, saturated: Run, paced: Run, clients: int,
             rate: float) -> list[str]:
    plural = {"booking": "bookings", "enrolment": "enrolments"}[kind]
    lines = [
        f"{label:11} {plural + '/s':15} {saturated.per_second:7.0f}   (saturation: {clients} "
        f"clients back to back; {len(saturated.latencies)} in {saturated.seconds:.1f} s, "
        f"p50 {saturated.p50_ms:.1f} ms, p99 {saturated.p99_ms:.1f} ms)",
        f"{label:11} {kind + ' p99 ms':15} {paced.p99_ms:7.1f}   (at {rate:.0f}/s offered by "
        f"{clients} clients: {paced.per_second:.0f}/s served, p50 {paced.p50_ms:.1f} ms, "
        f"{len(paced.latencies)} requests; disk wait {paced.io_wait_share:.1f}% of the "
        "machine)",
        f"{label:11} {kind + ' CPU':15}           {saturated.cpu_line()}",
    ]
    for run in (saturated, paced):
        created = run.statuses.get(201, 0)
        if created != len(run.latencies):
            lines.append(f"{label:11} {kind} answers other than 201: {run.statuses} "
                         f"{run.sample_error}")
    return lines


def bench_backend(backend: str, processes: int, args: argparse.Namespace) -> list[str]:
    label = backend if processes == 1 else f"{backend}x{processes}"
    with tempfile.TemporaryDirectory(prefix=f"uc-bench-{backend}-") as tmp:
        server = start_server(backend, Path(tmp), processes)
        try:
            warm = 300
            paced_count = int(args.rate * args.paced_seconds)
            needed = warm + args.bookings + paced_count
            if args.readers * args.sessions < warm + args.enrolments + paced_count:
                raise SystemExit("need readers x sessions >= every enrolment the bench makes")
            data = prepare(server, args.readers, args.rooms, args.sessions, needed)
            lines = []
            for kind, jobs, count in (("booking", booking_jobs, args.bookings),
                                      ("enrolment", enrolment_jobs, args.enrolments)):
                asyncio.run(drive(server.ports, jobs(data, warm, 0), args.clients,
                                  args.seconds))
                saturated = asyncio.run(drive(server.ports, jobs(data, count, warm),
                                              args.clients, args.seconds, server.pids,
                                              database=server.pg_name))
                paced = asyncio.run(drive(server.ports, jobs(data, paced_count, warm + count),
                                          args.clients, args.paced_seconds * 2, server.pids,
                                          rate=args.rate, database=server.pg_name))
                for line in _figures(label, kind, saturated, paced, args.clients, args.rate):
                    print(line, flush=True)
                    lines.append(line)
            return lines
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--bookings", type=int, default=6000)
    parser.add_argument("--enrolments", type=int, default=6000)
    parser.add_argument("--readers", type=int, default=64)
    parser.add_argument("--rooms", type=int, default=16)
    parser.add_argument("--sessions", type=int, default=450)
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="upper bound on each saturation run")
    parser.add_argument("--rate", type=float, default=1000.0,
                        help="offered requests/s of the paced (latency) run")
    parser.add_argument("--paced-seconds", type=float, default=15.0,
                        help="long enough that one pause of the machine does not make p99")
    parser.add_argument("--pg-processes", default="1,2",
                        help="server processes to run on PostgreSQL, one bench per entry")
    args = parser.parse_args()
    print(describe(PG_ADMIN_URL), flush=True)
    for backend in (b.strip() for b in args.backends.split(",")):
        counts = [int(n) for n in args.pg_processes.split(",")] if backend == "postgres" else [1]
        for processes in counts:
            bench_backend(backend, processes, args)


if __name__ == "__main__":
    main()
