"""Parse and parse+map speed on the shared files, replicated in memory (not a test).

Run: .venv/bin/python -m tests.unit.catalogue.bench_marc [--repeat 5]

Prints records/s (best of --repeat runs, CPU time of this process, so other processes on
the machine disturb it less) for parsing alone and for parsing + mapping to BibFields,
one core, streaming record by record as the importer does.
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable

from unicard.catalogue.mapping import map_record
from unicard.catalogue.marc_flavour import Flavour
from unicard.catalogue.marc_read import read_marc
from unicard.catalogue.marc_write import encode_iso2709

from .marc_files import MARC, read_file


def _cnmarc_gb18030() -> bytes:
    records = read_file("cnmarc/dp2__sru_sample_cnmarcxml.xml").records
    return b"".join(encode_iso2709(r, Flavour.UNIMARC, encoding="gb18030") for r in records)


def _cnmarc_utf8() -> bytes:
    records = read_file("cnmarc/dp2__sru_sample_cnmarcxml.xml").records
    return b"".join(encode_iso2709(r, Flavour.UNIMARC) for r in records)


CASES: list[tuple[str, Callable[[], bytes], int]] = [
    (
        "UNIMARC serials periouni.mrc (UTF-8) x10",
        lambda: (MARC / "unimarc/xbib__periouni.mrc").read_bytes(),
        10,
    ),
    (
        "MARC21 pride-and-prejudice.mrc (UTF-8) x30",
        lambda: (MARC / "marc21/binary/marc4j__pride-and-prejudice-fixed.mrc").read_bytes(),
        30,
    ),
    ("CNMARC BNU records as ISO 2709 UTF-8 x1000", _cnmarc_utf8, 1000),
    ("CNMARC BNU records as ISO 2709 GB18030 x1000", _cnmarc_gb18030, 1000),
    (
        "MARC21 lul_fre_100.mrc (MARC-8) x30",
        lambda: (MARC / "marc21/binary/evergreen__lul_fre_100.mrc").read_bytes(),
        30,
    ),
    (
        "CNMARC SRU MARCXML x300",
        lambda: (MARC / "cnmarc/dp2__sru_sample_cnmarcxml.xml").read_bytes(),
        300,
    ),
]


def _run(data: bytes, mapping: bool) -> tuple[int, float]:
    start = time.process_time()
    count = 0
    for item in read_marc(io.BytesIO(data)):
        if mapping and item.record is not None:
            map_record(item.record, item.flavour)  # type: ignore[arg-type]
        count += 1
    return count, time.process_time() - start


def _run_xml(data: bytes, times: int, mapping: bool) -> tuple[int, float]:
    """An XML document cannot be concatenated with itself: read it `times` times."""
    start = time.process_time()
    count = 0
    for _ in range(times):
        for item in read_marc(io.BytesIO(data)):
            if mapping and item.record is not None:
                map_record(item.record, item.flavour)  # type: ignore[arg-type]
            count += 1
    return count, time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for label, load, times in CASES:
        one = load()
        xml = one.lstrip()[:1] == b"<"
        data = one if xml else one * times
        line = [f"{label:48s}"]
        for mapping in (False, True):
            best = 0.0
            count = 0
            for _ in range(args.repeat):
                count, seconds = _run_xml(one, times, mapping) if xml else _run(data, mapping)
                best = max(best, count / seconds)
            line.append(f"{'parse+map' if mapping else 'parse'} {best:9,.0f} rec/s")
        line.append(f"({count:,} records)")
        print("  ".join(line), flush=True)


if __name__ == "__main__":
    main()
