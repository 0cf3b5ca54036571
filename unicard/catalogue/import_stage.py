"""The CPU half of an import: read, map and encode records into plain `Incoming` values,
in chunks, using every core for ISO 2709 files.

Parsing and mapping cost far more than storing, so an ISO 2709 file is cut into blocks at
record terminators (0x1D, the same place the reader re-synchronises after a broken record)
and the blocks are prepared in worker processes while the main process writes the previous
batches. MARCXML is prepared in-process. Record indexes and byte offsets in reports are
always those of the whole file.
"""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import os
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from unicard.catalogue.bib_fields import BibFields, RecordKind, richness
from unicard.catalogue.holdings import HoldingItem, HoldingsMapping, extract_items
from unicard.catalogue.mapping import map_record
from unicard.catalogue.marc_flavour import Flavour
from unicard.catalogue.marc_read import Syntax, read_marc, sniff_syntax
from unicard.catalogue.marc_write import encode_iso2709
from unicard.catalogue.read_result import RecordRead
from unicard.catalogue.shelf_order import shelf_key

__all__ = ["Chunk", "ImportOptions", "Incoming", "prepared_chunks", "record_richness"]

_BLOCK_BYTES = 2 * 1024 * 1024
_TERMINATOR = b"\x1d"


@dataclass(frozen=True)
class ImportOptions:
    branch: str
    flavour: str | None = None  # marc21 / unimarc / cnmarc; None detects per record
    encoding: str | None = None  # forced character set; None detects
    source: str | None = None  # overrides the record's own 003 / 801 $b
    batch_size: int = 500
    holdings: Sequence[HoldingsMapping] | None = None  # None: the format's defaults
    workers: int | None = None  # processes preparing records; None: one per core


@dataclass
class Incoming:
    """One mapped record ready to store (picklable: no pymarc objects)."""

    file: str
    index: int
    offset: int
    flavour: Flavour
    bib: BibFields
    items: list[HoldingItem]
    marc: bytes
    source: str
    control_number: str
    problems: list[str]
    # Computed here, in the worker, so the storing process only assembles rows.
    columns: tuple[Any, ...] = ()
    richness: int = 0
    shelf_keys: dict[str, str] = field(default_factory=dict)


@dataclass
class Chunk:
    """What one block of a file produced: records to store, reports, counts."""

    incoming: list[Incoming] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    read: int = 0
    repaired: int = 0
    file_problems: list[str] = field(default_factory=list)
    end_offset: int = 0
    peak_rss_mb: float = 0.0  # of the process that prepared the chunk


def record_richness(bib: BibFields) -> int:
    """One integer per record so merges compare without re-reading MARC: filled mapped
    fields first, then the number of MARC fields."""
    filled, marc_fields, _ = richness(bib)
    return filled * 10_000 + min(marc_fields, 9_999)


def _rejected(report: dict[str, Any], problems: list[str], reason: str) -> dict[str, Any]:
    return report | {"status": "rejected", "reasons": [*problems, f"rejected: {reason}"]}


def prepare_record(read: RecordRead, file: str, options: ImportOptions,
                   reports: list[dict[str, Any]], raw: bytes | None = None) -> Incoming | None:
    """Map one record; None (with a report) when it cannot become a catalogue record."""
    report = {"file": file, "index": read.index, "offset": read.offset}
    record = read.record
    if record is None or read.flavour is None:
        reports.append(report | {"status": "rejected", "reasons": read.problems})
        return None
    flavour = Flavour(read.flavour)
    try:
        bib = map_record(record, flavour)
        items = extract_items(record, options.holdings, flavour)
    except Exception as exc:  # a record that breaks the mapping must not end the import
        reports.append(_rejected(report, read.problems, str(exc)))
        return None
    if bib.kind is not RecordKind.BIBLIOGRAPHIC:
        reports.append(_rejected(report, read.problems,
                                 f"a {bib.kind.value} record, not bibliographic"))
        return None
    if not bib.title:
        reports.append(_rejected(report, read.problems, "no title"))
        return None
    problems = list(read.problems)
    # A clean UTF-8 record is stored as the bytes it came in; others are re-encoded.
    marc = raw if raw is not None else encode_iso2709(record, flavour, problems)
    source = options.source or bib.control_source or f"branch:{options.branch}"
    control = bib.control_number or "sha1:" + hashlib.sha1(marc).hexdigest()
    if read.status == "repaired" or any(p.startswith("repaired") for p in problems):
        reports.append(report | {"status": "repaired", "reasons": problems})
    richness_value = record_richness(bib)
    keys = {item.call_number[:64]: shelf_key(item.call_number[:64])[:200]
            for item in items if item.call_number}
    return Incoming(file, read.index, read.offset, flavour, bib, items, marc, source[:64],
                    control[:64], problems, record_columns(flavour, marc, bib, richness_value),
                    richness_value, keys)


def record_columns(flavour: Flavour, marc: bytes, bib: BibFields,
                   richness_value: int) -> tuple[Any, ...]:
    """bib_record's columns from marc_format to richness, in table order."""
    return (
        flavour.value, marc, bib.title or "", bib.responsibility or "",
        json.dumps(bib.authors, ensure_ascii=False), (bib.publisher or "")[:400],
        (bib.place or "")[:200], bib.year, json.dumps(bib.isbns),
        json.dumps(bib.invalid_isbns), bib.issn or "", (bib.language or "")[:8],
        (bib.edition or "")[:200], bib.series or "", bib.physical_description or "",
        bib.summary or "", json.dumps(bib.subjects, ensure_ascii=False), (bib.clc or "")[:64],
        bib.material_type.value, bib.title_pinyin or "", " ".join(bib.authors_pinyin),
        richness_value,
    )


def _raw_record(block: bytes | None, read: RecordRead) -> bytes | None:
    """The record's own bytes when they can be stored unchanged: read cleanly, UTF-8, and
    the leader's length lands on the record terminator."""
    if block is None or read.status != "ok" or read.problems or read.encoding != "utf-8":
        return None
    head = block[read.offset:read.offset + 5]
    if not head.isdigit():
        return None
    end = read.offset + int(head)
    if end > len(block) or block[end - 1:end] != _TERMINATOR:
        return None
    return block[read.offset:end]


def _prepare_stream(stream: BinaryIO, file: str,
                    options: ImportOptions, syntax: Syntax | None = None,
                    block: bytes | None = None) -> Chunk:
    chunk = Chunk()
    reader = read_marc(stream, flavour=options.flavour, encoding=options.encoding,
                       syntax=syntax)
    for read in reader:
        chunk.read += 1
        incoming = prepare_record(read, file, options, chunk.reports, _raw_record(block, read))
        if incoming is not None:
            chunk.incoming.append(incoming)
    chunk.repaired = reader.summary.repaired
    chunk.file_problems = list(reader.summary.file_problems)
    return chunk


def _prepare_block(block: bytes, file: str, options: ImportOptions) -> Chunk:
    """Worker entry point: one block of whole ISO 2709 records, offsets relative to it."""
    import resource

    chunk = _prepare_stream(io.BytesIO(block), file, options, "iso2709", block)
    chunk.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return chunk


def _blocks(path: Path) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) blocks of the file, each ending at a record terminator."""
    offset, carry = 0, b""
    with path.open("rb") as stream:
        while True:
            data = stream.read(_BLOCK_BYTES)
            if not data:
                break
            data = carry + data
            cut = data.rfind(_TERMINATOR)
            if cut < 0:
                carry = data
                continue
            yield offset, data[:cut + 1]
            offset += cut + 1
            carry = data[cut + 1:]
    if carry.strip():
        yield offset, carry


def _shift(chunk: Chunk, index_base: int, offset_base: int) -> Chunk:
    for incoming in chunk.incoming:
        incoming.index += index_base
        incoming.offset += offset_base
    for report in chunk.reports:
        if "index" in report:
            report["index"] += index_base
            report["offset"] += offset_base
    return chunk


def _worker_count(options: ImportOptions) -> int:
    return options.workers if options.workers is not None else max(1, (os.cpu_count() or 1))


def prepared_chunks(path: Path, options: ImportOptions) -> Iterator[Chunk]:
    """Chunks of prepared records in file order, with whole-file indexes and offsets."""
    with path.open("rb") as stream:
        syntax = sniff_syntax(stream.read(4096))
    workers = _worker_count(options)
    if syntax != "iso2709":
        with path.open("rb") as stream:
            chunk = _prepare_stream(stream, str(path), options)
            chunk.end_offset = path.stat().st_size
            yield chunk
        return
    if workers <= 1 or path.stat().st_size < 2 * _BLOCK_BYTES:
        index_base = 0
        for offset, block in _blocks(path):
            chunk = _shift(_prepare_block(block, str(path), options), index_base, offset)
            chunk.end_offset = offset + len(block)
            index_base += chunk.read
            yield chunk
        return
    context = multiprocessing.get_context("forkserver")
    index_base = 0
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[tuple[int, int, Future[Chunk]]] = deque()
        blocks = _blocks(path)
        for offset, block in blocks:
            pending.append((offset, len(block),
                            pool.submit(_prepare_block, block, str(path), options)))
            if len(pending) >= 2 * workers:  # bounded: memory stays flat whatever the size
                index_base = yield from _drain_one(pending, index_base)
        while pending:
            index_base = yield from _drain_one(pending, index_base)


def _drain_one(pending: deque[tuple[int, int, Future[Chunk]]],
               index_base: int) -> Generator[Chunk, None, int]:
    """Yield the oldest pending chunk; return the index base for the next one."""
    offset, length, future = pending.popleft()
    chunk = _shift(future.result(), index_base, offset)
    chunk.end_offset = offset + length
    yield chunk
    return index_base + chunk.read
