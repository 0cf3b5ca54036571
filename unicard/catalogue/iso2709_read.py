"""Streaming ISO 2709 reader that frames records on the terminator when lengths lie.

pymarc's MARCReader stops at the first record whose length or terminator is wrong, so the
rest of a file is silently lost. Here each unit is framed by its leader length when that
ends on a record terminator (0x1D), else by the next terminator (exports that count the
length in characters, records over 99,999 bytes), else by a leader found where the length
says the next record starts (a missing terminator). Each unit is then parsed on its own:
a bad one is rejected with its index, byte offset and reason, and reading goes on.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import BinaryIO

from pymarc import Field, Record, Subfield

from unicard.catalogue.marc_charset import (
    MARC8,
    UTF8,
    Marc8Decoder,
    choose_encoding,
    decode_text,
)
from unicard.catalogue.marc_flavour import Flavour, guess_flavour
from unicard.catalogue.read_result import REJECTED, REPAIRED, WARNING, RecordRead
from unicard.catalogue.record_build import (
    INDICATOR_CHARS,
    LazyField,
    check_fixed_fields,
    check_record,
    control_field,
    data_field,
    indicators,
    new_record,
    normalise_leader,
    subfield,
)

__all__ = ["MAX_RECORD_BYTES", "Iso2709Reader", "parse_record"]

RECORD_END = b"\x1d"
FIELD_END = b"\x1e"
MAX_RECORD_BYTES = 16 * 1024 * 1024
CHUNK_BYTES = 1024 * 1024

_SEPARATORS = re.compile(rb"[\s\x00\x1a\x1d\x1e]+")
# Any leader-shaped run (to skip junk before a leader) and a likely one (to trust a leader
# length when the terminator is missing): status, type, level letters, "22", "45".
_LEADER = re.compile(rb"\d{5}[\x20-\x7e]{7}\d{5}[\x20-\x7e]{7}")
_LIKELY_LEADER = re.compile(rb"\d{5}[a-z][a-z][a-z ][a-z0-9 ][a ]22\d{5}[\x20-\x7e]{3}45[0 ][0 ]")
_NEWLINES = frozenset(b"\r\n")


class Iso2709Reader:
    """Iterate over `RecordRead`s of an ISO 2709 byte stream, holding at most one record
    (plus one read chunk) in memory. Problems not tied to a record land in `file_problems`.
    """

    def __init__(
        self,
        stream: BinaryIO,
        *,
        flavour: Flavour | None = None,
        encoding: str | None = None,
        head: bytes = b"",
        chunk_bytes: int = CHUNK_BYTES,
    ) -> None:
        self._stream = stream
        self._flavour = flavour
        self._encoding = encoding
        self._head = head
        self._chunk = chunk_bytes
        self.file_problems: list[str] = []

    def __iter__(self) -> Iterator[RecordRead]:
        flavour, encoding = self._flavour, self._encoding
        for index, (offset, unit, problems) in enumerate(self._units()):
            yield parse_record(unit, index, offset, problems, flavour, encoding)

    def _units(self) -> Iterator[tuple[int, bytes, list[str]]]:
        """Yield (offset, bytes, framing problems) per record unit."""
        read, size = self._stream.read, self._chunk
        buf, base, pos, eof = self._head, 0, 0, False
        pending: list[str] = []

        while True:
            if len(buf) - pos < 24 and not eof:
                chunk = read(size)
                if chunk:
                    buf, base, pos = buf[pos:] + chunk, base + pos, 0
                else:
                    eof = True
                continue
            if pos >= len(buf):
                break
            sep = _SEPARATORS.match(buf, pos)
            if sep is not None:
                end = sep.end()
                if end == len(buf) and not eof:
                    chunk = read(size)
                    if chunk:
                        buf, base, pos = buf[pos:] + chunk, base + pos, 0
                    else:
                        eof = True
                    continue
                skipped = buf[pos:end]
                if any(b not in _NEWLINES for b in skipped):
                    note = (
                        f"skipped {len(skipped)} separator bytes {skipped[:8]!r} "
                        f"at offset {base + pos}"
                    )
                    if end == len(buf):
                        self.file_problems.append(f"{WARNING}{note} at end of file")
                    else:
                        pending.append(f"{WARNING}{note} before this record")
                pos = end
                continue

            head = buf[pos : pos + 5]
            length = int(head) if head.isdigit() else 0
            if length >= 24:
                while len(buf) - pos < length and not eof:
                    chunk = read(max(size, length))
                    if chunk:
                        buf, base, pos = buf[pos:] + chunk, base + pos, 0
                    else:
                        eof = True
                end = pos + length
                if (
                    end <= len(buf)
                    and buf[end - 1] == 0x1D
                    and buf.find(RECORD_END, pos, end - 1) == -1
                ):
                    yield base + pos, buf[pos:end], pending
                    pending, pos = [], end
                    continue

            # Slow path: the leader length does not end on a terminator.
            searched = 0
            while True:
                q = buf.find(RECORD_END, pos + searched)
                if q != -1 or eof or len(buf) - pos > MAX_RECORD_BYTES:
                    break
                searched = len(buf) - pos
                chunk = read(size)
                if chunk:
                    buf, base, pos = buf[pos:] + chunk, base + pos, 0
                else:
                    eof = True
            problems, pending = pending, []
            # A missing terminator puts the next leader at length - 1; a terminator
            # overwritten by another byte puts it at length.
            declared_end = next(
                (
                    cut
                    for cut in (pos + length - 1, pos + length)
                    if length >= 24
                    and cut < len(buf)
                    and (q == -1 or cut <= q)
                    and _LIKELY_LEADER.match(buf, cut)
                ),
                None,
            )
            if declared_end is not None:
                end = declared_end
                problems.append(f"{REPAIRED}no record terminator; leader length {length} used")
            elif q == -1:
                end = min(len(buf), pos + MAX_RECORD_BYTES)
                if length >= 24 and end - pos in (length, length - 1):
                    problems.append(f"{REPAIRED}no record terminator at end of file")
                elif length > end - pos >= 24 and eof:
                    problems.append(
                        f"{REPAIRED}truncated: leader says {length} bytes, the file ends "
                        f"after {end - pos}; the last field may be cut"
                    )
                elif end - pos >= 24:
                    problems.append(
                        f"{REPAIRED}no record terminator; took the {end - pos} bytes that follow"
                    )
            else:
                end = q + 1
                if length >= 24:
                    problems.append(
                        f"{REPAIRED}leader says {length} bytes, record terminator found "
                        f"after {end - pos}"
                    )
            yield base + pos, buf[pos:end], problems
            pos = end

        if pending:
            self.file_problems.extend(pending)


def _parse_directory(directory: bytes) -> tuple[list[bytes], list[int], list[int]] | None:
    """Tags, lengths, offsets of a well-formed directory of 12-byte entries, else None."""
    size = len(directory)
    if size % 12 or not size:
        return None
    try:
        lengths = [int(directory[i + 3 : i + 7]) for i in range(0, size, 12)]
        offsets = [int(directory[i + 7 : i + 12]) for i in range(0, size, 12)]
    except ValueError:
        return None
    return [directory[i : i + 3] for i in range(0, size, 12)], lengths, offsets


def _parse_directory_leniently(
    directory: bytes, problems: list[str]
) -> tuple[list[bytes], list[int], list[int]] | None:
    """Read entries whose length or offset outgrew 4/5 digits (records and fields over the
    limits, written anyway by some tools) by matching each offset against the running
    total of lengths; a few stray bytes after the last entry are ignored."""
    size = len(directory)
    tags: list[bytes] = []
    lengths: list[int] = []
    offsets: list[int] = []
    i, expected = 0, 0
    while i + 12 <= size:
        width = None
        for length_width in (4, 5):
            want = b"%05d" % expected
            if directory.startswith(want, i + 3 + length_width):
                width = (length_width, len(want))
                break
        length_width, offset_width = width or (4, 5)
        length_text = directory[i + 3 : i + 3 + length_width]
        offset_text = directory[i + 3 + length_width : i + 3 + length_width + offset_width]
        if not (length_text.isdigit() and offset_text.isdigit()):
            problems.append(f"{REJECTED}directory entry {len(tags) + 1} is not numeric")
            return None
        tags.append(directory[i : i + 3])
        lengths.append(int(length_text))
        offsets.append(int(offset_text))
        expected += lengths[-1]
        i += 3 + length_width + offset_width
    if not tags:
        problems.append(f"{REJECTED}directory of {size} bytes holds no entry")
        return None
    if i != size:
        problems.append(f"{REPAIRED}ignored {size - i} stray bytes at the end of the directory")
    if i != 12 * len(tags):
        problems.append(f"{REPAIRED}directory entries wider than 12 bytes (over 9,999/99,999)")
    return tags, lengths, offsets


def _chunks_by_directory(area: bytes, lengths: list[int], offsets: list[int]) -> list[bytes] | None:
    """Field bytes located by the directory, or None if any entry misses its terminator."""
    chunks: list[bytes] = []
    limit = len(area)
    for off, length in zip(offsets, lengths, strict=True):
        end = off + length
        if length < 1 or end > limit or area[end - 1] != 0x1E:
            return None
        chunk = area[off : end - 1]
        if FIELD_END in chunk:
            return None
        chunks.append(chunk)
    return chunks


def _chunks_in_order(area: bytes, count: int, problems: list[str]) -> list[bytes] | None:
    """Fields cut at their terminators, paired with the directory in order: the repair for
    lengths counted in characters or overflowing offsets."""
    parts = area.split(FIELD_END)
    if parts[-1] == b"":
        parts.pop()
    if len(parts) != count:
        problems.append(f"{REJECTED}directory lists {count} fields but the data holds {len(parts)}")
        return None
    problems.append(
        f"{REPAIRED}directory lengths/offsets do not match the data; "
        "fields taken in the order of their terminators"
    )
    return parts


def _locate_fields(data: bytes, problems: list[str]) -> tuple[list[bytes], list[bytes]] | None:
    """Tags and field bytes. Tries the leader's base address, then the first field
    terminator (a directory may end with a wrong byte, a base address may be wrong)."""
    declared = data[12:17]
    first_end = data.find(FIELD_END, 24)
    candidates: list[int] = []
    if declared.isdigit() and 24 < int(declared) <= len(data):
        candidates.append(int(declared))
    if first_end != -1 and first_end + 1 not in candidates:
        candidates.append(first_end + 1)
    for base in candidates:
        parsed = _parse_directory(data[24 : base - 1])
        if parsed is None:
            continue
        chunks = _chunks_by_directory(data[base:], parsed[1], parsed[2])
        if chunks is None:
            continue
        if not declared.isdigit() or int(declared) != base:
            problems.append(
                f"{REPAIRED}base address {declared.decode('latin-1')!r} is wrong; "
                f"data starts at {base}"
            )
        elif data[base - 1] != 0x1E:
            problems.append(f"{REPAIRED}directory ends with {data[base - 1 : base]!r}, not 0x1E")
        if parsed[2] != sorted(parsed[2]):
            problems.append(f"{WARNING}field data is not in directory order")
        return parsed[0], chunks
    if first_end == -1:
        problems.append(f"{REJECTED}no field terminator after the leader: not a MARC record")
        return None
    base = first_end + 1
    if not declared.isdigit() or int(declared) != base:
        problems.append(
            f"{REPAIRED}base address {declared.decode('latin-1')!r} is wrong; "
            f"directory ends at {base}"
        )
    lenient = _parse_directory_leniently(data[24:first_end], problems)
    if lenient is None:
        return None
    tags, lengths, offsets = lenient
    area = data[base:]
    chunks = _chunks_by_directory(area, lengths, offsets)
    if chunks is None:
        chunks = _chunks_in_order(area, len(tags), problems)
    if chunks is None:
        return None
    return tags, chunks


def _subfield_a(chunk: bytes) -> str | None:
    parts = chunk.split(b"\x1f", 2)
    if len(parts) > 1 and parts[1][:1] == b"a":
        return parts[1][1:].decode("latin-1")
    return None


def _data_field_text(tag: str, text: str, problems: list[str], ind_count: int) -> Field:
    parts = text.split("\x1f")
    subs = [subfield(p[0], p[1:]) for p in parts[1:] if p]
    head = parts[0]
    if len(head) == 2 and ind_count == 2:
        return data_field(tag, indicators(head), subs)
    return _odd_field(tag, head, subs, len(parts) == 1, problems, ind_count)


def _data_field_marc8(
    tag: str, chunk: bytes, problems: list[str], ind_count: int, decoder: Marc8Decoder
) -> Field:
    decode_marc8 = decoder.decode
    parts = chunk.split(b"\x1f")
    subs: list[Subfield] = []
    for part in parts[1:]:
        if not part:
            continue
        code = chr(part[0])
        value, errors = decode_marc8(part[1:])
        problems.extend(f"{REPAIRED}{tag} ${code}: MARC-8 {err}" for err in errors)
        subs.append(subfield(code, value))
    head = parts[0]
    if len(head) == 2 and ind_count == 2:
        return data_field(tag, indicators(head.decode("latin-1")), subs)
    if len(parts) == 1 and len(head) > ind_count:
        text, errors = decode_marc8(head[ind_count:])
        problems.extend(f"{REPAIRED}{tag}: MARC-8 {err}" for err in errors)
        head_text = head[:ind_count].decode("latin-1") + text
    else:
        head_text = head.decode("latin-1")
    return _odd_field(tag, head_text, subs, len(parts) == 1, problems, ind_count)


def _odd_field(
    tag: str,
    head: str,
    subs: list[Subfield],
    no_delimiter: bool,
    problems: list[str],
    ind_count: int,
) -> Field:
    """Indicators other than two, or text before the first delimiter: keep what can be kept."""
    ind, rest = head[:ind_count], head[ind_count:]
    if len(ind) < ind_count:
        problems.append(f"{REPAIRED}{tag}: {len(ind)} indicator(s), padded with blanks")
    if rest and no_delimiter:
        problems.append(f"{REPAIRED}{tag}: no subfield delimiter; text kept as $a")
        subs = [subfield("a", rest)]
    elif rest:
        problems.append(f"{REPAIRED}{tag}: text before the first subfield dropped: {rest[:40]!r}")
    return data_field(tag, indicators((ind + "  ")[:2]), subs)


_CONTROL_TAGS = frozenset(f"{i:03d}" for i in range(1, 10)) | {"000"}
_GOOD_TAGS: set[str] = set()
_VALID_INDICATORS = {a + b: indicators(a + b) for a in INDICATOR_CHARS for b in INDICATOR_CHARS}
_BAD_CODE = re.compile(rb"\x1f[^0-9A-Za-z\x1e\x1f]")
_new_field = Field.__new__
_new_lazy = LazyField.__new__


@functools.cache
def _ascii_compatible(encoding: str) -> bool:
    """Whether the structure bytes (0x1E, 0x1F, ASCII) survive decoding the whole data
    area at once: true of UTF-8, GB18030, Big5, single-byte codepages; not of UTF-16."""
    probe = "\x1e\x1f0aA ~"
    try:
        return probe.encode(encoding) == probe.encode("ascii")
    except (LookupError, UnicodeError):
        return False


def _parse_fast(
    data: bytes, flavour: Flavour | None, forced: str | None
) -> tuple[Record, Flavour, str, list[str]] | None:
    """The common case in one pass: a consistent directory in data order, two indicators,
    text in UTF-8 or another ASCII-compatible character set (GB18030, a forced codepage).
    Returns None (nothing reported) for anything else, which then takes the general path.
    Consistency here means: the base address ends the directory, one field terminator per
    entry, offsets increasing from 0, the last entry ending the data."""
    if forced is not None and (forced == MARC8 or not _ascii_compatible(forced)):
        return None
    head = data[12:17]
    if not head.isdigit() or data[10:11] != b"2":
        return None
    base = int(head)
    size = base - 25
    if size <= 0 or size % 12 or base > len(data) or data[base - 1] != 0x1E:
        return None
    area = data[base:]
    count = size // 12
    if area[-1:] != FIELD_END or area.count(FIELD_END) != count:
        return None
    directory = data[24 : base - 1].decode("latin-1")
    offsets = [directory[i : i + 5] for i in range(7, size, 12)]
    if offsets[0] != "00000" or offsets != sorted(offsets):
        return None
    try:
        if int(directory[-9:-5]) + int(directory[-5:]) != len(area):
            return None
    except ValueError:
        return None
    if b"\x1b" in area:
        return None  # MARC-8 escapes: the general path decides
    tags = [directory[i : i + 3] for i in range(0, size, 12)]
    leader = data[:24].decode("latin-1")
    problems: list[str] = []
    text: str | None = None
    if forced is None or forced == UTF8:
        try:
            text = area.decode(UTF8)
        except UnicodeDecodeError:
            if forced is not None:
                return None  # forced UTF-8 with bad bytes: replaced field by field
    if text is None:
        if flavour is None:
            f100a = _subfield_a(area.split(FIELD_END)[tags.index("100")]) if "100" in tags else None
            flavour = guess_flavour(leader, tags, f100a)
        encoding = forced
        if encoding is None:
            unimarc = flavour is Flavour.UNIMARC
            f100a = _subfield_a(area.split(FIELD_END)[tags.index("100")]) if "100" in tags else None
            charset100 = f100a[26:28] if unimarc and f100a and len(f100a) >= 28 else None
            encoding, problems = choose_encoding(
                data, unimarc=unimarc, leader09=leader[9], charset100=charset100
            )
            if encoding == MARC8 or not _ascii_compatible(encoding):
                return None
        try:
            text = area.decode(encoding)
        except UnicodeDecodeError:
            return None
    else:
        encoding = UTF8
    texts = text.split("\x1e")
    texts.pop()
    if flavour is None:
        f100a = None
        if "100" in tags:
            f100 = texts[tags.index("100")]
            start = f100.find("\x1fa")
            if start != -1:
                f100a = f100[start + 2 :].split("\x1f", 1)[0]
        flavour = guess_flavour(leader, tags, f100a)
    if (
        forced is None
        and encoding == UTF8
        and flavour is Flavour.MARC21
        and leader[9] != "a"
        and not text.isascii()
    ):
        problems.append(f"{REPAIRED}leader/09 says MARC-8 but the bytes are UTF-8")

    fields: list[Field] = []
    append = fields.append
    control_tags, pairs = _CONTROL_TAGS, _VALID_INDICATORS
    new_field, new_lazy = _new_field, _new_lazy
    bad: list[str] = []
    if not _GOOD_TAGS.issuperset(tags):
        for tag in tags:
            if not (len(tag) == 3 and tag.isascii() and tag.isalnum()):
                bad.append(f"tag {tag!r}")
            elif len(_GOOD_TAGS) < 10_000:
                _GOOD_TAGS.add(tag)
    for tag, field_text in zip(tags, texts, strict=True):
        if tag in control_tags:
            field = new_field(Field)
            field.tag = tag
            field.data = field_text
            field._indicators = None
            field.subfields = []
            field.control_field = True
        else:
            ind = field_text[:2]
            pair = pairs.get(ind)
            if pair is None or field_text[2:3] not in ("\x1f", ""):
                if len(ind) != 2 or field_text[2:3] not in ("\x1f", ""):
                    return None  # missing or extra indicators: the general path repairs
                bad.append(f"{tag} indicators {ind!r}")
                pair = indicators(ind)
            # Subfields are split when first used (most fields are only stored).
            field = new_lazy(LazyField)
            field.tag = tag
            field.data = None
            field._indicators = pair
            field._text = field_text[3:]
            field.control_field = False
        append(field)
    found = _BAD_CODE.search(area)
    if found is not None:
        code = area[found.start() + 1 :].decode(encoding, "replace")[:1]
        bad.append(f"subfield code {code!r}")
    if bad:
        problems.append(f"{WARNING}invalid {', '.join(bad[:5])}")
    leader = normalise_leader(leader, flavour, problems)
    record = new_record(leader, fields)
    check_fixed_fields(record, flavour, problems)
    return record, flavour, encoding, problems


def parse_record(
    unit: bytes,
    index: int,
    offset: int,
    problems: list[str],
    flavour: Flavour | None = None,
    encoding: str | None = None,
) -> RecordRead:
    """Parse one framed unit; never raises (an unexpected error rejects the unit)."""
    try:
        return _parse(unit, index, offset, problems, flavour, encoding)
    except Exception as exc:  # a reader must go on whatever one record holds
        problems.append(f"{REJECTED}unreadable record ({exc.__class__.__name__}: {exc})")
        return RecordRead(index, offset, None, problems, flavour, encoding)


def _parse(
    unit: bytes,
    index: int,
    offset: int,
    problems: list[str],
    flavour: Flavour | None,
    forced_encoding: str | None,
) -> RecordRead:
    data = unit[:-1] if unit[-1:] == RECORD_END else unit
    fast = _parse_fast(data, flavour, forced_encoding)
    if fast is not None:
        record, flavour, encoding, noted = fast
        problems.extend(noted)
        return RecordRead(index, offset, record, problems, flavour, encoding)
    if len(data) < 24:
        problems.append(f"{REJECTED}{len(data)} bytes {data[:16]!r}: too short for a leader")
        return RecordRead(index, offset, None, problems, flavour, forced_encoding)
    if not (data[:5].isdigit() and data[12:17].isdigit()):
        found = _LIKELY_LEADER.search(data, 0, 512) or _LEADER.search(data, 0, 512)
        if found is not None and found.start() > 0:
            problems.append(f"{REPAIRED}skipped {found.start()} bytes before the leader")
            data = data[found.start() :]
    located = _locate_fields(data, problems)
    if located is None:
        return RecordRead(index, offset, None, problems, flavour, forced_encoding)
    raw_tags, chunks = located
    if not chunks:
        problems.append(f"{REJECTED}no fields")
        return RecordRead(index, offset, None, problems, flavour, forced_encoding)
    tags = [t.decode("latin-1") for t in raw_tags]
    leader = data[:24].decode("latin-1")
    field100a = None
    if "100" in tags:
        field100a = _subfield_a(chunks[tags.index("100")])
    if flavour is None:
        flavour = guess_flavour(leader, tags, field100a)
    unimarc = flavour is Flavour.UNIMARC
    charset100 = field100a[26:28] if unimarc and field100a and len(field100a) >= 28 else None
    encoding, why = choose_encoding(
        data, unimarc=unimarc, leader09=leader[9], charset100=charset100, forced=forced_encoding
    )
    problems.extend(why)

    ind_count = int(leader[10]) if leader[10].isdigit() else 2
    if ind_count != 2:
        problems.append(f"{REPAIRED}leader/10 says {ind_count} indicators; stored as 2")
    fields: list[Field] = []
    append = fields.append
    if encoding == MARC8:
        with Marc8Decoder() as decoder:
            for tag, chunk in zip(tags, chunks, strict=True):
                if tag < "010" and tag.isdigit():
                    text, errors = decoder.decode(chunk)
                    problems.extend(f"{REPAIRED}{tag}: MARC-8 {e}" for e in errors)
                    append(control_field(tag, text))
                else:
                    append(_data_field_marc8(tag, chunk, problems, ind_count, decoder))
    else:
        for tag, chunk in zip(tags, chunks, strict=True):
            try:
                text = chunk.decode(encoding)
            except UnicodeDecodeError:
                text, errors = decode_text(chunk, encoding)
                problems.extend(f"{REPAIRED}{tag}: {e}" for e in errors)
            if tag < "010" and tag.isdigit():
                append(control_field(tag, text))
            else:
                append(_data_field_text(tag, text, problems, ind_count))

    leader = normalise_leader(leader, flavour, problems)
    record = new_record(leader, fields)
    check_record(record, flavour, problems)
    return RecordRead(index, offset, record, problems, flavour, encoding)
