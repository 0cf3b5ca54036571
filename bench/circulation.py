"""Benchmark of the desk: check-out + check-in pairs over HTTP against the real server.

    .venv/bin/python bench/circulation.py                      # SQLite and PostgreSQL
    .venv/bin/python bench/circulation.py --backend sqlite --seconds 5
    .venv/bin/python bench/circulation.py --profile            # pyinstrument the server
    .venv/bin/python bench/circulation.py --py-spy             # sample it at full speed
                                                               # (pip install py-spy)

For each backend: a fresh database with the demo network (`unicard demo --readers 0`),
100,000 copies and 20,000 readers loaded by bulk SQL (`unicard.circulation.synthetic`), the
catalogue indexed for search (`unicard search reindex`), then `unicard serve` in its own
process. Each desk is one keep-alive connection that checks a copy
out to a reader and checks it back in at the copy's home branch, over and over, each desk with
its own copies and readers. Figures per concurrency (1, 8, 32 desks): operations per second
(an operation is one check-out or one check-in request), p50 and p99 latency; then the same
figures for `/api/health` on the same server, the ceiling of the HTTP stack.

At the most desks a second run releases requests on a fixed schedule (`--rate`, default
1,500/s, open loop) over the same desks: the latency a desk sees at that load. Its latency
counts from each request's release time, so a request that waited for a free desk is charged
for the wait. At saturation 32 desks queue by construction (mean latency = 32 / throughput,
21 ms at 1,500/s), so both are printed. Both runs at the most desks are repeated
(`--repeat`, default 3, alternating) and summed up as medians with their range: this machine's
speed drifts by tens of percent within minutes, and one run is a draw from that drift.

Each figure comes with the CPU spent per operation by the server process (and its children),
the PostgreSQL backends of the bench database, the load generator, and everything else on the
machine: the machine is shared, and other work shows up there.

The load generator is raw asyncio sockets on uvloop in this process (a few tens of µs per
request), so that the client does not take the CPU the server needs.
Only 127.0.0.1; every run is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from durability import describe  # noqa: E402
from proc_cpu import backends_cpu, machine_cpu, machine_iowait, tree_cpu  # noqa: E402
from quiet import quiet_collector  # noqa: E402

PG_ADMIN = os.environ.get("UNICARD_TEST_DATABASE_URL",
                          "postgresql://postgres:postgres@127.0.0.1:5432/postgres")
UNICARD = [sys.executable, "-m", "unicard.cli"]
ADMIN = ("admin", "unicard-admin-2026")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_url(name: str) -> str:
    from urllib.parse import urlparse

    return urlparse(PG_ADMIN)._replace(path=f"/{name}").geturl()


async def _pg(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@dataclass
class Backend:
    name: str
    env: dict[str, str]
    data_dir: Path
    pg_name: str | None = None

    @classmethod
    def create(cls, name: str, root: Path) -> Backend:
        data_dir = root / name
        data_dir.mkdir(parents=True)
        env = {**os.environ, "UNICARD_DATA_DIR": str(data_dir),
               "UNICARD_SECRET_KEY": "bench-secret"}
        env.pop("UNICARD_DATABASE_URL", None)
        pg_name = None
        if name == "postgres":
            pg_name = f"unicard_bench_{uuid.uuid4().hex[:8]}"
            asyncio.run(_pg(f'CREATE DATABASE "{pg_name}"'))
            env["UNICARD_DATABASE_URL"] = pg_url(pg_name)
        return cls(name, env, data_dir, pg_name)

    def drop(self) -> None:
        if self.pg_name:
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)'))


def load(backend: Backend, items: int, readers: int, *, index: bool = True) -> dict:
    started = time.perf_counter()
    subprocess.run([*UNICARD, "demo", "--readers", "0"], env=backend.env, check=True,
                   capture_output=True, timeout=300)
    out = backend.data_dir / "load.json"
    subprocess.run([sys.executable, "-m", "unicard.circulation.synthetic", "--items",
                    str(items), "--readers", str(readers), "--out", str(out)],
                   env=backend.env, check=True, timeout=1800)
    # The catalogue is in the search index before the desks open, as in a library: the
    # worker then rewrites only where copies are for each check-out and check-in, instead
    # of building every record's whole document the first time one of its copies moves.
    if index:
        subprocess.run([*UNICARD, "search", "reindex"], env=backend.env, check=True,
                       capture_output=True, timeout=1800)
    data = json.loads(out.read_text(encoding="utf-8"))
    print(f"{backend.name:8s} loaded{' and indexed' if index else ''} {len(data['items']):,} "
          f"items and {len(data['cards']):,} readers in {time.perf_counter() - started:.1f} s",
          flush=True)
    return data


# `--no-search-worker`: the same server with the search outbox worker idle, to see what
# circulation costs apart from re-indexing every record whose availability changed.
_WITHOUT_SEARCH_WORKER = """
import asyncio, sys
import unicard.api.app as app
async def idle(engine, clock, stop, *args, **kwargs):
    await stop.wait()
app.run_outbox_worker = idle
from unicard.cli import main
sys.argv = ["unicard", *sys.argv[1:]]
main()
"""


def start_server(backend: Backend, profile: Path | None, workers: int = 1,
                 search_worker: bool = True) -> tuple[subprocess.Popen, str]:
    port = free_port()
    serve = ["serve", "--port", str(port), "--log-level", "warning"]
    command = [*UNICARD, *serve]
    if not search_worker:
        command = [sys.executable, "-c", _WITHOUT_SEARCH_WORKER, *serve]
    if workers > 1:  # PostgreSQL scales out by processes; migrations ran with the demo
        command = [sys.executable, "-m", "uvicorn", "unicard.api.app:create_app", "--factory",
                   "--workers", str(workers), "--port", str(port), "--log-level", "warning",
                   "--no-access-log"]
    if profile is not None:
        command = [sys.executable, "-m", "pyinstrument", "-r", "text", "--show-all", "-o",
                   str(profile), "-m", "unicard.cli", *serve]
    # A file, not a pipe nobody reads during the run: a full pipe would stall the server.
    log_path = backend.data_dir / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, env=backend.env, stdout=subprocess.DEVNULL,
                                   stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log_path.read_bytes()[-3000:].decode(errors="replace"))
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start within 60 s")


def stop_server(process: subprocess.Popen) -> None:
    process.send_signal(2)  # SIGINT: uvicorn shuts down, pyinstrument writes its report
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()


# --------------------------------------------------------------------------- load generator

class Connection:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 token: str) -> None:
        self.reader, self.writer = reader, writer
        self.head = (f"Host: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n").encode()

    @classmethod
    async def open(cls, port: int, token: str) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer, token)

    async def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int,
                                                                                        bytes]:
        if body is None:
            self.writer.write(f"{method} {path} HTTP/1.1\r\n".encode() + self.head + b"\r\n")
        else:
            self.writer.write(f"{method} {path} HTTP/1.1\r\n".encode() + self.head
                              + b"Content-Type: application/json\r\nContent-Length: "
                              + str(len(body)).encode() + b"\r\n\r\n" + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
                break
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    count: int = 0
    # (time the request was due or sent, latency), both in seconds: for `--timeline`
    samples: list[tuple[float, float]] = field(default_factory=list)


async def desk_loop(conn: Connection, work: list[tuple[str, str, str]], stop_at: float,
                    measure_from: float, run: Run, release: Iterator[float] | None = None,
                    ) -> None:
    """Check out and check in, alternating, until `stop_at`; measured after `measure_from`.

    With `release` (a schedule shared by all desks, open loop), each request waits for its
    release time and its latency counts from that time, not from when a free desk got to
    send it: a request that queued behind busy desks is charged for the wait."""
    n = 0
    while True:
        card, barcode, branch = work[n % len(work)]
        n += 1
        for step, (path, body) in enumerate((
            ("/api/circulation/checkout", {"card_number": card, "barcode": barcode,
                                           "at_org": branch}),
            ("/api/circulation/checkin", {"barcode": barcode, "at_org": branch}),
        )):
            started = time.perf_counter()
            if release is not None:
                due = next(release, None)
                if due is None and step == 0:
                    return
                due = started if due is None else due  # finish the pair: no copy left on loan
                if due > started:
                    await asyncio.sleep(due - started)
                started = due
            status, payload = await conn.request("POST", path, json.dumps(body).encode())
            took = time.perf_counter() - started
            if started >= measure_from:
                run.latencies.append(took)
                run.samples.append((started, took))
                run.count += 1
                if status != 200:
                    key = f"{status} {payload[:80]!r}"
                    run.errors[key] = run.errors.get(key, 0) + 1
        if time.perf_counter() >= stop_at:
            return


async def health_loop(conn: Connection, stop_at: float, measure_from: float, run: Run) -> None:
    while time.perf_counter() < stop_at:
        started = time.perf_counter()
        status, _ = await conn.request("GET", "/api/health")
        took = time.perf_counter() - started
        if started >= measure_from:
            run.latencies.append(took)
            run.count += 1
            if status != 200:
                run.errors[str(status)] = run.errors.get(str(status), 0) + 1


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000 if ordered else 0.0


@dataclass
class Cpu:
    """CPU seconds spent during a run, by party."""

    server: float
    database: float
    client: float
    machine: float
    io_wait: float = 0.0  # machine seconds idle waiting for the disk

    @classmethod
    def now(cls, server_pid: int, database: str | None) -> Cpu:
        return cls(tree_cpu(server_pid), backends_cpu(database), time.process_time(),
                   machine_cpu(), machine_iowait())

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(self.server - other.server, self.database - other.database,
                   self.client - other.client, self.machine - other.machine,
                   self.io_wait - other.io_wait)

    def per_op(self, ops: int, seconds: float) -> str:
        n = max(1, ops)
        other = max(0.0, self.machine - self.server - self.database - self.client)
        waiting = self.io_wait / max(seconds, 1e-9) / (os.cpu_count() or 1) * 100
        return (f"CPU/op µs: server {self.server / n * 1e6:.0f}, postgres "
                f"{self.database / n * 1e6:.0f}, client {self.client / n * 1e6:.0f}, "
                f"other {other / n * 1e6:.0f}; disk wait {waiting:.1f}% of the machine")


async def drive(port: int, token: str, desks: int, seconds: float, warmup: float,
                work: list[list[tuple[str, str, str]]], health: bool, server_pid: int,
                database: str | None, rate: float | None = None) -> tuple[Run, float, Cpu]:
    conns = [await Connection.open(port, token) for _ in range(desks)]
    run = Run()
    start = time.perf_counter()
    measure_from, stop_at = start + warmup, start + warmup + seconds
    release = (iter([start + i / rate for i in range(int(rate * (warmup + seconds)) + 1)])
               if rate else None)
    cpu0 = Cpu.now(server_pid, database)
    try:
        with quiet_collector():
            if health:
                await asyncio.wait_for(asyncio.gather(
                    *(health_loop(c, stop_at, measure_from, run) for c in conns)),
                    timeout=warmup + seconds + 60)
            else:
                await asyncio.wait_for(asyncio.gather(
                    *(desk_loop(c, work[i], stop_at, measure_from, run, release)
                      for i, c in enumerate(conns))), timeout=warmup + seconds + 60)
    finally:
        for conn in conns:
            conn.close()
    elapsed = time.perf_counter() - measure_from
    cpu = Cpu.now(server_pid, database) - cpu0
    # CPU covers warm-up too: scale to the measured share of the operations.
    total = time.perf_counter() - start
    cpu = Cpu(*(v * elapsed / total for v in (cpu.server, cpu.database, cpu.client,
                                               cpu.machine, cpu.io_wait)))
    return run, elapsed, cpu


def desk_work(data: dict, desks: int, per_desk: int = 400) -> list[list[tuple[str, str, str]]]:
    """Disjoint copies and readers per desk; each copy is handled at its home branch."""
    rng = random.Random(7)
    items = data["items"][:]
    rng.shuffle(items)
    cards = data["cards"]
    per_desk = max(1, min(per_desk, len(items) // desks))
    work = []
    for d in range(desks):
        chunk = items[d * per_desk:(d + 1) * per_desk]
        work.append([(cards[(d * per_desk + i) % len(cards)], item["barcode"], item["home"])
                     for i, item in enumerate(chunk)])
    return work


def sample_server(pid: int, name: str, args: argparse.Namespace) -> subprocess.Popen:
    """py-spy on the server during the measured part of the saturation run (raw stacks)."""
    out = Path(tempfile.gettempdir()) / f"bench-circulation-{name}.spy.txt"
    print(f"{name:8s} py-spy samples written to {out}", flush=True)
    return subprocess.Popen(
        ["py-spy", "record", "-p", str(pid), "-d", str(int(args.seconds)), "-r", "400",
         "-f", "raw", "-o", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=lambda: time.sleep(args.warmup))


def search_backlog(backend: Backend) -> int:
    """Outbox rows the search worker has not delivered yet."""
    sql = "SELECT count(*) FROM outbox WHERE processed_at IS NULL"
    if backend.pg_name is None:
        import sqlite3

        with sqlite3.connect(backend.data_dir / "unicard.sqlite3") as connection:
            return int(connection.execute(sql).fetchone()[0])

    async def count() -> int:
        import asyncpg

        connection = await asyncpg.connect(pg_url(backend.pg_name))  # type: ignore[arg-type]
        try:
            return int(await connection.fetchval(sql))
        finally:
            await connection.close()

    return asyncio.run(count())


def report_search_lag(backend: Backend, label: str) -> None:
    """How far search is behind the desks when a run ends, and how long it takes to catch up
    (the indexer runs at a lower priority than the server)."""
    started = time.perf_counter()
    pending = search_backlog(backend)
    left = pending
    while left and time.perf_counter() - started < 60:
        time.sleep(0.1)
        left = search_backlog(backend)
    took = time.perf_counter() - started
    state = f"caught up in {took:.1f} s" if not left else f"{left:,} still pending after 60 s"
    print(f"{label:8s} search backlog at the end of the run: {pending:,} changes, {state}",
          flush=True)


def write_timeline(path: Path, run: Run) -> None:
    """Each measured request as `seconds since the first<TAB>latency ms`, to find stalls."""
    path.parent.mkdir(parents=True, exist_ok=True)
    first = min((t for t, _ in run.samples), default=0.0)
    path.write_text("".join(f"{t - first:.4f}\t{took * 1000:.2f}\n"
                            for t, took in sorted(run.samples)), encoding="utf-8")
    wall = time.time() - (time.perf_counter() - first)
    print(f"{'':8s} timeline written to {path} (second 0 is "
          f"{time.strftime('%H:%M:%S', time.localtime(wall))}.{int(wall % 1 * 1000):03d})",
          flush=True)


def report(label: str, desks: int, what: str, run: Run, elapsed: float, cpu: Cpu) -> list[str]:
    """One line per figure, the CPU each party spent per operation on the next."""
    line = (f"{label:8s} desks={desks:<3d} {what:22s} ops/s={run.count / elapsed:7.0f}  "
            f"p50={pct(run.latencies, .5):6.2f} ms  p99={pct(run.latencies, .99):6.2f} ms  "
            f"errors={sum(run.errors.values())}")
    print(line, flush=True)
    print(f"{'':8s} {cpu.per_op(run.count, elapsed)}", flush=True)
    if run.errors:
        print("         ", dict(list(run.errors.items())[:3]), flush=True)
    return [line]


def repeats_line(label: str, desks: int, saturated: list[tuple[float, float]],
                 paced: list[float], rate: float) -> str:
    """The repeated runs at the most desks in one line: medians, then the range, since this
    machine's speed drifts between runs minutes apart."""
    def spread(values: list[float], unit: str, digits: int) -> str:
        return (f"{statistics.median(values):.{digits}f}{unit} "
                f"({min(values):.{digits}f}-{max(values):.{digits}f})")

    line = (f"{label:8s} desks={desks:<3d} {len(saturated)} runs, median (range): saturation "
            f"{spread([s[0] for s in saturated], ' ops/s', 0)}, p99 "
            f"{spread([s[1] for s in saturated], ' ms', 1)}")
    if paced:
        line += f"; at {rate:.0f}/s offered p99 {spread(paced, ' ms', 1)}"
    print(line, flush=True)
    return line


def bench_backend(name: str, args: argparse.Namespace, root: Path) -> list[str]:
    import uvloop

    backend = Backend.create(name, root)
    lines = []
    try:
        data = load(backend, args.items, args.readers)
        profile = (Path(tempfile.gettempdir()) / f"bench-circulation-{name}.txt"
                   if args.profile else None)
        workers = args.pg_workers if name == "postgres" else 1
        process, base = start_server(backend, profile, workers, args.search_worker)
        try:
            token = httpx.post(f"{base}/api/auth/login", json=dict(zip(
                ("username", "password"), ADMIN, strict=True)), timeout=10).json()["token"]
            port = int(base.rsplit(":", 1)[1])
            label = name if workers == 1 else f"{name}x{workers}"
            pid = process.pid
            for desks in args.desks:
                work = desk_work(data, desks)
                most = desks == max(args.desks)
                saturated: list[tuple[float, float]] = []  # (ops/s, p99 ms) per repeat
                paced: list[float] = []  # p99 ms per repeat
                for _ in range(args.repeat if most else 1):
                    spy = sample_server(pid, name, args) if args.py_spy else None
                    run, elapsed, cpu = uvloop.run(drive(
                        port, token, desks, args.seconds, args.warmup, work, False, pid,
                        backend.pg_name))
                    if spy is not None:
                        spy.wait(timeout=120)
                    lines += report(label, desks, "checkout+checkin", run, elapsed, cpu)
                    saturated.append((run.count / elapsed, pct(run.latencies, .99)))
                    if most and args.rate:
                        run, elapsed, cpu = uvloop.run(drive(
                            port, token, desks, args.seconds, args.warmup, work, False, pid,
                            backend.pg_name, rate=args.rate))
                        lines += report(label, desks, f"at {args.rate:.0f}/s offered", run,
                                        elapsed, cpu)
                        paced.append(pct(run.latencies, .99))
                        if args.timeline:
                            write_timeline(Path(args.timeline) / f"{label}-paced.tsv", run)
                if len(saturated) > 1:
                    lines.append(repeats_line(label, desks, saturated, paced, args.rate))
                if most and args.search_worker:
                    report_search_lag(backend, label)
                hrun, helapsed, hcpu = uvloop.run(drive(
                    port, token, desks, min(args.seconds, 5), 1.0, [], True, pid,
                    backend.pg_name))
                lines += report(label, desks, "/api/health", hrun, helapsed, hcpu)
        finally:
            stop_server(process)
            if profile is not None:
                print(f"{name:8s} profile written to {profile}", flush=True)
    finally:
        backend.drop()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--readers", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--desks", type=lambda s: [int(x) for x in s.split(",")],
                        default=[1, 8, 32])
    parser.add_argument("--rate", type=float, default=1500.0,
                        help="Offered load (operations/s) for the paced run at the most desks "
                             "(0: none).")
    parser.add_argument("--repeat", type=int, default=3,
                        help="Runs at the most desks (saturation and offered rate each); "
                             "their medians and ranges are summed up in one line.")
    parser.add_argument("--timeline", metavar="DIR",
                        help="write each paced request's time and latency to DIR/*.tsv")
    parser.add_argument("--py-spy", action="store_true",
                        help="Sample the server with py-spy (raw stacks) during the "
                             "saturation runs; the server runs at full speed.")
    parser.add_argument("--profile", action="store_true",
                        help="Run the server under pyinstrument (slower; writes a text report).")
    parser.add_argument("--pg-workers", type=int, default=1,
                        help="Server processes on PostgreSQL (uvicorn --workers).")
    parser.add_argument("--no-search-worker", dest="search_worker", action="store_false",
                        help="Keep the search outbox worker idle (circulation alone).")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    root = Path(tempfile.mkdtemp(prefix="unicard-bench-"))
    lines = []
    try:
        for name in backends:
            lines += bench_backend(name, args, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"\nsummary (issue 4's target at 32 desks: >= 1,500 ops/s and p99 <= 20 ms; shown "
          f"at saturation and at {args.rate:,.0f}/s offered); {args.items:,} items, "
          f"{args.readers:,} readers, {args.seconds:g} s per figure, search outbox worker "
          f"{'on' if args.search_worker else 'off'}")
    print(describe(PG_ADMIN))
    for line in lines:
        print(line)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"bench process CPU: {usage.ru_utime + usage.ru_stime:.1f} s")


if __name__ == "__main__":
    main()
