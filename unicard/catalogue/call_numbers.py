"""Chinese call numbers (索书号): lines for the spine label and the order of the shelf.

A call number is 分类号 / 书次号 [/ marks], e.g. `I247.57/C451/2`. Shelf order follows dp2's
AccessNoUtility and the 中图法 5th-edition manual (REFERENCE.md §2):

1. compare line by line (a call number with fewer lines comes first when the rest agree);
2. class line: dots removed, position by position, letters before digits;
3. with equal prefixes: end < `-` < `()` < `""` < `=` < `<>` < `:` < `+` < a further digit,
   a closing bracket ranking like the end of a number inside it;
4. book-number and mark lines: digit runs compare as numbers, right-aligned (9 < 10).

Never sort call numbers as plain strings: `R711.1` must follow `R711+R173`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["CallNumber", "call_number_key", "parse_call_number"]

Token = tuple[int, int | str]
LineKey = tuple[Token, ...]
SortKey = tuple[tuple[LineKey, ...], str]

# Rank of each character class; equal ranks always carry values of one type.
_CLOSE = 0
_OPEN_RANKS = {"-": 1, "(": 2, '"': 3, "=": 4, "<": 5, ":": 6, "+": 7}
_CLOSERS = {")", ">"}
_LETTER = 8
_DIGIT = 9
_OTHER = 10
_RUNS = re.compile(r"\d+|[A-Za-z]+|.", re.DOTALL)
_LOCATION_LINE = re.compile(r"^\{[^}]*\}\s*/?")


@dataclass(frozen=True, slots=True)
class CallNumber:
    """Class line (分类号), book number (书次号/著者号) and any further marks."""

    class_number: str
    book_number: str = ""
    marks: tuple[str, ...] = ()

    @property
    def lines(self) -> list[str]:
        """One spine-label line per part."""
        return [p for p in (self.class_number, self.book_number, *self.marks) if p]

    def __str__(self) -> str:
        return "/".join(self.lines)


def parse_call_number(text: str) -> CallNumber:
    """`I247.57/C451/2` → CallNumber('I247.57', 'C451', ('2',)). Full-width characters
    typed with a Chinese input method count as their ASCII forms (`TP312／L181`), empty
    segments are dropped (as on spine labels), and a leading dp2 `{ns}` location line is
    dropped (printed on labels, never sorted)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    cleaned = _LOCATION_LINE.sub("", text.strip())
    parts = [p for p in (s.strip() for s in cleaned.split("/")) if p]
    if not parts:
        return CallNumber("")
    return CallNumber(parts[0], parts[1] if len(parts) > 1 else "", tuple(parts[2:]))


def _symbol(ch: str, quote_open: bool) -> tuple[Token, bool]:
    """Token for a non-alphanumeric character; quotes open and close alternately."""
    if ch == '"':
        return ((_CLOSE, 0) if quote_open else (_OPEN_RANKS['"'], 0)), not quote_open
    if ch in _CLOSERS:
        return (_CLOSE, 0), quote_open
    rank = _OPEN_RANKS.get(ch)
    if rank is not None:
        return (rank, 0), quote_open
    return (_OTHER, ord(ch)), quote_open


def _class_line_key(line: str) -> LineKey:
    tokens: list[Token] = []
    quote_open = False
    for ch in line.replace(".", "").upper():
        if "0" <= ch <= "9":
            tokens.append((_DIGIT, ord(ch) - 48))
        elif "A" <= ch <= "Z":
            tokens.append((_LETTER, ch))
        else:
            token, quote_open = _symbol(ch, quote_open)
            tokens.append(token)
    return tuple(tokens)


def _number_line_key(line: str) -> LineKey:
    tokens: list[Token] = []
    quote_open = False
    for run in _RUNS.findall(line.upper()):
        if run.isdigit() and run.isascii():
            tokens.append((_DIGIT, int(run)))
        elif run.isascii() and run.isalpha():
            tokens.append((_LETTER, run))
        elif run == ".":
            continue
        else:
            token, quote_open = _symbol(run, quote_open)
            tokens.append(token)
    return tuple(tokens)


def call_number_key(text: str) -> SortKey:
    """Sort key giving shelf order; the text itself breaks ties (`R711.1` vs `R7111`), so
    sorting is a total order on strings."""
    number = parse_call_number(text)
    lines: list[LineKey] = [_class_line_key(number.class_number)]
    lines += [_number_line_key(line) for line in (number.book_number, *number.marks)]
    return tuple(lines), text
