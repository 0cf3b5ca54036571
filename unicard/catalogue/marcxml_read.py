"""Streaming MARCXML reader: plain collections, single records, SRU responses, any namespace.

Built on expat, the event parser under ElementTree's iterparse, driven directly: no tree
is built (so none has to be cleared), byte offsets are exact, and after a well-formedness
error the reader restarts a fresh parser at the next ``<record`` instead of losing the rest.
A record element counts when it holds MARC children, so SRU's own ``<record>`` wrapper is
skipped and the MARC record inside it (CNMARC/UNIMARC/MARC21/KORMARC namespaces) is read.
The document is wrapped in a synthetic root, which also reads files that are a bare
sequence of ``<record>`` elements.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.parsers import expat

from pymarc import Field, Subfield

from unicard.catalogue.marc_flavour import Flavour, guess_flavour
from unicard.catalogue.read_result import REJECTED, REPAIRED, WARNING, RecordRead
from unicard.catalogue.record_build import (
    DEFAULT_LEADER,
    DEFAULT_UNIMARC_LEADER,
    check_record,
    control_field,
    data_field,
    indicators,
    is_control_tag,
    new_record,
    normalise_leader,
    subfield,
)

__all__ = ["MarcXmlReader"]

CHUNK_BYTES = 256 * 1024
_WRAP = b"<unicard-wrap>"
_WRAP_END = b"</unicard-wrap>"
_RECORD_START = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?record[\s>/]")
_DECLARED = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
_MARC_TYPES = {"Bibliographic", "Authority", "Holdings", "Classification", "Community"}
_UTF8_NAMES = {"utf-8", "utf8", "us-ascii", "ascii"}


_LOCAL: dict[str, str] = {}


def _local(name: str) -> str:
    """Local part of expat's `uri name` (cached: a file uses a handful of names)."""
    local = name[name.rfind(" ") + 1 :]
    if len(_LOCAL) < 1024:
        _LOCAL[name] = local
    return local


class _Forbidden(Exception):
    """Entity declarations: refused, as defusedxml does, against entity-expansion bombs."""


@dataclass(slots=True)
class _Frame:
    offset: int
    kind: str | None
    leader: str | None = None
    fields: list[Field] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    marc: bool = False


class _Builder:
    """expat callbacks that turn MARC elements into pymarc records as they close."""

    def __init__(self, flavour: Flavour | None) -> None:
        self.flavour = flavour
        self.frames: list[_Frame] = []
        self.done: list[RecordRead] = []
        self.index = 0
        self.delta = 0  # file offset = parser byte index + delta
        self.parser: expat.XMLParserType | None = None
        self.text: list[str] | None = None
        self.tag: str | None = None
        self.ind = "  "
        self.code: str | None = None
        self.subs: list[Subfield] | None = None

    def attach(self, parser: expat.XMLParserType, delta: int) -> None:
        self.parser, self.delta = parser, delta
        parser.buffer_text = True
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.chars
        parser.EntityDeclHandler = self.forbid

    @staticmethod
    def forbid(*_args: object) -> None:
        raise _Forbidden("entity declarations are not allowed in MARCXML")

    def chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _LOCAL.get(name) or _local(name)
        if local == "record":
            assert self.parser is not None
            offset = self.parser.CurrentByteIndex + self.delta
            self.frames.append(_Frame(offset, attrs.get("type")))
            return
        if not self.frames:
            return
        frame = self.frames[-1]
        if local == "leader":
            frame.marc = True
            self.text = []
        elif local == "controlfield":
            frame.marc = True
            self.tag = attrs.get("tag")
            self.text = []
        elif local == "datafield":
            frame.marc = True
            self.tag = attrs.get("tag")
            self.ind = self._indicators(attrs, frame.problems)
            self.subs = []
        elif local == "subfield" and self.subs is not None:
            self.code = attrs.get("code")
            self.text = []
        elif frame.marc or self.subs is not None:
            frame.problems.append(f"{REPAIRED}unexpected element <{local}> ignored")

    def _indicators(self, attrs: dict[str, str], problems: list[str]) -> str:
        pair = ""
        for key in ("ind1", "ind2"):
            value = attrs.get(key)
            if value is None or len(value) != 1:
                problems.append(f"{REPAIRED}{attrs.get('tag', '?')}: {key}={value!r}, set to blank")
                value = (value or " ")[:1] or " "
            pair += value
        return pair

    def end(self, name: str) -> None:
        local = _LOCAL.get(name) or _local(name)
        if not self.frames:
            return
        frame = self.frames[-1]
        if local == "subfield" and self.subs is not None and self.text is not None:
            value = "".join(self.text)
            self.text = None
            code = self.code
            if not code:
                frame.problems.append(
                    f"{REPAIRED}{self.tag}: subfield without code dropped: {value[:40]!r}"
                )
                return
            if len(code) != 1:
                frame.problems.append(f"{REPAIRED}{self.tag}: subfield code {code!r} cut to 1")
                code = code[0]
            self.subs.append(subfield(code, value))
        elif local == "datafield" and self.subs is not None:
            self._end_datafield(frame)
        elif local == "controlfield" and self.text is not None:
            value = "".join(self.text)
            self.text = None
            tag = self._tag(frame.problems, "controlfield", value)
            if tag is None:
                return
            if is_control_tag(tag):
                frame.fields.append(control_field(tag, value))
            else:
                frame.problems.append(f"{REPAIRED}controlfield {tag} kept as data field $a")
                frame.fields.append(data_field(tag, indicators("  "), [subfield("a", value)]))
        elif local == "leader" and self.text is not None:
            value = "".join(self.text)
            self.text = None
            frame.leader = value if len(value) == 24 else value.strip("\r\n\t")
        elif local == "record":
            self.frames.pop()
            if frame.marc:
                self.done.append(self._finish(frame))

    def _tag(self, problems: list[str], element: str, value: str) -> str | None:
        tag = self.tag
        if not tag:
            problems.append(f"{REPAIRED}{element} without tag dropped: {value[:40]!r}")
            return None
        if len(tag) < 3 and tag.isdigit():
            problems.append(f"{REPAIRED}tag {tag!r} padded to {tag.zfill(3)!r}")
            tag = tag.zfill(3)
        return tag

    def _end_datafield(self, frame: _Frame) -> None:
        subs = self.subs or []
        self.subs = None
        shown = "; ".join(f"${c}{v}" for c, v in subs)
        tag = self._tag(frame.problems, "datafield", shown)
        if tag is None:
            return
        if is_control_tag(tag):
            frame.problems.append(f"{REPAIRED}datafield {tag} kept as control field")
            frame.fields.append(control_field(tag, "".join(v for _c, v in subs)))
            return
        if not subs:
            frame.problems.append(f"{WARNING}{tag} has no subfields")
        frame.fields.append(data_field(tag, indicators(self.ind), subs))

    def _finish(self, frame: _Frame) -> RecordRead:
        problems = frame.problems
        leader = frame.leader
        flavour = self.flavour
        if flavour is None:
            tags = {f.tag for f in frame.fields}
            f100a = None
            for f in frame.fields:
                if f.tag == "100" and not f.control_field:
                    f100a = next((v for c, v in f.subfields if c == "a"), None)
                    break
            flavour = guess_flavour(leader or "", tags, f100a)
        if leader is None:
            problems.append(f"{REPAIRED}no leader; a default leader was used")
            leader = DEFAULT_UNIMARC_LEADER if flavour is Flavour.UNIMARC else DEFAULT_LEADER
        if frame.kind is not None and frame.kind not in _MARC_TYPES:
            problems.append(f"{WARNING}record type {frame.kind!r} is not a MARCXML type")
        leader = normalise_leader(leader, flavour, problems)
        record = new_record(leader, frame.fields)
        check_record(record, flavour, problems)
        item = RecordRead(self.index, frame.offset, record, problems, flavour, "xml")
        self.index += 1
        return item

    def drain(self) -> list[RecordRead]:
        done, self.done = self.done, []
        return done

    def reject_open(self, reason: str) -> bool:
        """Reject the innermost open MARC record, if any; True when one was open."""
        marc = [f for f in self.frames if f.marc]
        self.frames.clear()
        self.text, self.subs = None, None
        if not marc:
            return False
        frame = marc[-1]
        frame.problems.append(f"{REJECTED}{reason}")
        self.done.append(RecordRead(self.index, frame.offset, None, frame.problems, None, "xml"))
        self.index += 1
        return True


def _prolog_end(head: bytes) -> int | None:
    """Index where the root element starts, after declaration, comments and doctype."""
    i = 0
    while True:
        while i < len(head) and head[i] in b" \t\r\n":
            i += 1
        if head.startswith(b"<?", i):
            j = head.find(b"?>", i)
            if j == -1:
                return None
            i = j + 2
        elif head.startswith(b"<!--", i):
            j = head.find(b"-->", i)
            if j == -1:
                return None
            i = j + 3
        elif head.startswith(b"<!", i):
            j = head.find(b"]>", i) if b"[" in head[i : head.find(b">", i)] else head.find(b">", i)
            if j == -1:
                return None
            i = j + (2 if head[j] == 0x5D else 1)
        elif i < len(head):
            return i
        else:
            return None


class MarcXmlReader:
    """Iterate over `RecordRead`s of a MARCXML byte stream, a chunk at a time."""

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
        self._forced = encoding
        self._head = head
        self._chunk = chunk_bytes
        self._skip = 0  # bytes of a UTF-8 byte-order mark, not fed to the parser
        self.file_problems: list[str] = []

    def _chunks(self) -> Iterator[bytes]:
        """The document as UTF-8 bytes (transcoded if it declares another encoding)."""
        first = self._head + self._stream.read(self._chunk)
        skip = 3 if first.startswith(codecs.BOM_UTF8) else 0
        self._skip = skip
        encoding = self._forced
        if encoding is None:
            if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                encoding = "utf-16"
            else:
                declared = _DECLARED.match(first[skip:])
                encoding = declared.group(1).decode("ascii") if declared else "utf-8"
        if encoding.lower() in _UTF8_NAMES:
            yield first[skip:]
            while chunk := self._stream.read(self._chunk):
                yield chunk
            return
        decoder = codecs.getincrementaldecoder(encoding)("replace")
        self.file_problems.append(
            f"{WARNING}document in {encoding}; byte offsets refer to its UTF-8 form"
        )
        yield decoder.decode(first[skip:]).encode("utf-8")
        while chunk := self._stream.read(self._chunk):
            yield decoder.decode(chunk).encode("utf-8")
        yield decoder.decode(b"", True).encode("utf-8")

    def __iter__(self) -> Iterator[RecordRead]:
        builder = _Builder(self._flavour)
        chunks = self._chunks()
        data = next(chunks, b"")
        root = _prolog_end(data)
        while root is None:
            more = next(chunks, None)
            if more is None:
                self.file_problems.append(f"{REJECTED}no XML element found")
                return
            data += more
            root = _prolog_end(data)
        namespaces: dict[str, str] = {}
        parser = self._new_parser(builder, self._skip - len(_WRAP), namespaces)
        # `window` holds the latest document bytes (offset `window_at`) to resynchronise in.
        window, window_at = data, self._skip
        feed: bytes | None = data[:root] + _WRAP + data[root:]
        restarted = False
        while True:
            final = feed is None
            try:
                parser.Parse(_WRAP_END if feed is None else feed, final)
            except _Forbidden as exc:
                self.file_problems.append(f"{REJECTED}{exc}")
                yield from builder.drain()
                return
            except expat.ExpatError as exc:
                where = parser.ErrorByteIndex + builder.delta
                place = f"byte {where}"
                if not restarted:
                    place = f"line {exc.lineno}, column {exc.offset} ({place})"
                reason = f"XML not well-formed: {expat.ErrorString(exc.code)} at {place}"
                in_record = builder.reject_open(reason)
                yield from builder.drain()
                found = None
                if not final:
                    resume = max(where + 1, window_at)
                    found = _RECORD_START.search(window, resume - window_at)
                    while found is None:
                        more = next(chunks, None)
                        if more is None:
                            break
                        keep = window[-64:]
                        window_at += len(window) - len(keep)
                        window = keep + more
                        found = _RECORD_START.search(window, max(0, resume - window_at))
                # After a restart the original closing tags no longer match: not a problem.
                if not in_record and not (restarted and found is None):
                    self.file_problems.append(f"{WARNING}{reason}")
                if found is None:
                    return
                opener = b"<unicard-wrap" + _declarations(namespaces) + b">"
                parser = self._new_parser(
                    builder, window_at + found.start() - len(opener), namespaces
                )
                restarted = True
                feed = opener + window[found.start() :]
                continue
            yield from builder.drain()
            if final:
                return
            feed = next(chunks, None)
            if feed is not None:
                keep = window[-4096:]
                window_at += len(window) - len(keep)
                window = keep + feed

    @staticmethod
    def _new_parser(
        builder: _Builder, delta: int, namespaces: dict[str, str]
    ) -> expat.XMLParserType:
        parser = expat.ParserCreate("UTF-8", " ")
        builder.attach(parser, delta)

        def declare(prefix: str | None, uri: str) -> None:
            namespaces[prefix or ""] = uri

        parser.StartNamespaceDeclHandler = declare
        return parser


def _declarations(namespaces: dict[str, str]) -> bytes:
    """Namespace declarations in scope so far, for the root of a restarted parser."""
    out = b""
    for prefix, uri in namespaces.items():
        value = uri.replace("&", "&amp;").replace('"', "&quot;").encode("utf-8")
        out += (b' xmlns:%s="%s"' % (prefix.encode(), value)) if prefix else b' xmlns="%s"' % value
    return out
