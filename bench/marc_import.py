"""MARC import throughput, end to end (parse, map, merge, store), on SQLite and PostgreSQL.

Builds a file of N real-shaped records (default 100,000) by replicating the shared MARC
files: half Chinese (CNMARC from the shared SRU samples), half MARC 21, each with its own
control number, a valid varied ISBN-13, a varied title and one copy in 952/905; then imports
it in a fresh child process per database and prints one line per figure:

    marc_import_sqlite: 6012.3 records/s
    marc_import_sqlite_peak_rss: 151.2 MB
    marc_import_postgres: …

Usage: .venv/bin/python bench/marc_import.py [--records 100000] [--only sqlite|postgres]
PostgreSQL is taken from UNICARD_BENCH_DATABASE_URL (default postgres:postgres@127.0.0.1).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("UNICARD_SHARED_DATA", ROOT.parent / "shared" / "data")) / "marc"
PG_ADMIN = os.environ.get("UNICARD_BENCH_DATABASE_URL",
                          "postgresql://postgres:postgres@127.0.0.1:5432/postgres")
CHINESE_WORDS = "红楼梦西游记三国演义水浒传平凡的世界白鹿原围城骆驼祥子边城活着文化苦旅中国历史"


def isbn13(serial: int) -> str:
    body = f"978{7 if serial % 2 else 1}{serial:08d}"[:12]
    check = (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body)) % 10) % 10
    return body + str(check)


def templates() -> tuple[list, list]:
    sys.path.insert(0, str(ROOT))
    from unicard.catalogue.marc_read import read_marc

    def load(paths: list[Path]) -> list:
        found = []
        for path in paths:
            with path.open("rb") as stream:
                found += [(r.record, r.flavour) for r in read_marc(stream) if r.record]
        return found

    chinese = [(r, f) for r, f in load(sorted((SHARED / "cnmarc").glob("*cnmarc*.xml")))
               if f == "unimarc"]
    latin = [(r, f) for r, f in load([SHARED / "marc21/binary/marc4j__summerland.mrc",
                                      SHARED / "marc21/binary/pymarc__test.dat"]) if r]
    return chinese, latin


def generate(path: Path, count: int) -> None:
    """Write `count` varied records as UTF-8 ISO 2709, streaming."""
    from pymarc import Field, Indicators, Subfield

    from unicard.catalogue.marc_write import encode_iso2709

    chinese, latin = templates()
    blank = Indicators(" ", " ")
    with path.open("wb") as out:
        for n in range(count):
            pool = chinese if n % 2 == 0 else latin
            record, flavour = pool[n % len(pool)]
            record = type(record)(leader=str(record.leader), force_utf8=True)  # fresh copy
            source_record = pool[n % len(pool)][0]
            title_tag = "200" if flavour == "unimarc" else "245"
            for fld in source_record.fields:
                if fld.tag in ("001", "010", "020", "905", "952", "852"):
                    continue
                record.add_field(copy.deepcopy(fld) if fld.tag == title_tag else fld)
            record.add_ordered_field(Field(tag="001", data=f"BENCH{n:08d}"))
            isbn_tag = "010" if flavour == "unimarc" else "020"
            record.add_ordered_field(Field(tag=isbn_tag, indicators=blank,
                                           subfields=[Subfield("a", isbn13(n))]))
            for title in record.get_fields(title_tag)[:1]:
                word = CHINESE_WORDS[n % 20:n % 20 + 3] if flavour == "unimarc" else f"vol. {n}"
                title.subfields = [Subfield(s.code, s.value + (f" {word}" if s.code == "a"
                                                               else ""))
                                   for s in title.subfields]
            if flavour == "unimarc":
                record.add_ordered_field(Field(tag="905", indicators=blank, subfields=[
                    Subfield("a", "BR"), Subfield("b", f"B{n:09d}"), Subfield("d", "I247.5"),
                    Subfield("e", str(n % 500))]))
            else:
                record.add_ordered_field(Field(tag="952", indicators=blank, subfields=[
                    Subfield("a", "BR"), Subfield("o", f"PS3563/{n % 997}"),
                    Subfield("p", f"B{n:09d}"), Subfield("y", "book")]))
            out.write(encode_iso2709(record, flavour))


async def child(backend: str, marc_file: str) -> None:
    from unicard.clock import SystemClock
    from unicard.db import bind, close_pools, engine_from_settings, migrate, open_pools
    from unicard.settings import Settings

    data_dir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    url = ""
    if backend == "postgres":
        import asyncpg

        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute('DROP DATABASE IF EXISTS "unicard_bench_import" WITH (FORCE)')
        await admin.execute('CREATE DATABASE "unicard_bench_import"')
        await admin.close()
        url = PG_ADMIN.rsplit("/", 1)[0] + "/unicard_bench_import"
    settings = Settings(data_dir=data_dir, database_url=url, secret_key="bench")
    engine = engine_from_settings(settings)
    bind(engine)
    await open_pools(engine, 4)
    await migrate()
    from unicard.catalogue.importer import ImportOptions, import_files
    from unicard.network.services import NewOrg, create_org

    clock = SystemClock()
    await create_org(NewOrg("NET", "network", "基准网络"), None, clock)
    await create_org(NewOrg("BR", "branch", "基准分馆", "NET"), None, clock)
    started = time.perf_counter()
    summary = await import_files([marc_file], ImportOptions(branch="BR", batch_size=1000), clock)
    seconds = time.perf_counter() - started
    await close_pools(engine)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mb = summary.worker_peak_rss_mb
    print(json.dumps({"read": summary.read, "imported": summary.imported,
                      "rejected": summary.rejected, "items": summary.items_added,
                      "seconds": seconds, "peak_mb": peak_mb, "worker_mb": worker_mb}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--child", nargs=2, metavar=("BACKEND", "FILE"))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        asyncio.run(child(*args.child))
        return
    with tempfile.TemporaryDirectory() as folder:
        marc_file = Path(folder) / "bench.mrc"
        generate(marc_file, args.records)
        size_mb = marc_file.stat().st_size / 1e6
        print(f"marc_import_file: {args.records} records, {size_mb:.1f} MB", file=sys.stderr)
        for backend in [args.only] if args.only else ["sqlite", "postgres"]:
            result = subprocess.run([sys.executable, __file__, "--child", backend,
                                     str(marc_file)], capture_output=True, text=True,
                                    check=False, timeout=3600)
            if result.returncode != 0:
                print(f"marc_import_{backend}: failed: {result.stderr[-800:]}")
                continue
            stats = json.loads(result.stdout.strip().splitlines()[-1])
            rate = stats["read"] / stats["seconds"]
            print(f"marc_import_{backend}: {rate:.1f} records/s "
                  f"({stats['imported']} imported, {stats['items']} copies, "
                  f"{stats['rejected']} rejected)")
            print(f"marc_import_{backend}_peak_rss: {stats['peak_mb']:.1f} MB "
                  f"(largest worker process {stats['worker_mb']:.1f} MB)")


if __name__ == "__main__":
    main()
