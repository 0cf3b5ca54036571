"""Call-number shelf order as a plain string, so the database can ORDER BY and index it.

`call_number_key` gives shelf order as nested tuples; `shelf_key` encodes the same order into
a printable ASCII string whose byte order (SQLite BINARY, PostgreSQL COLLATE "C") equals the
tuple order. Encoding, per line: each token is a rank letter (`B` + rank) followed by its
value, letter runs end with `!`, every line ends with `!`; the original text follows a space
as the tie-breaker. `!` and space sort below every rank letter, so "ends here" sorts first.
"""

from __future__ import annotations

from unicard.catalogue.call_numbers import call_number_key

__all__ = ["shelf_key"]


def _token(rank: int, value: int | str, class_line: bool) -> str:
    head = chr(ord("B") + rank)
    if isinstance(value, str):
        return f"{head}{value}!"
    if rank in (9,):  # a digit: one digit in a class line, a whole number elsewhere
        if class_line:
            return f"{head}{value}"
        digits = str(value)
        return f"{head}{len(digits):02d}{digits}"
    if rank == 10:  # any other character, by code point
        return f"{head}{value:07d}"
    return head


def shelf_key(call_number: str) -> str:
    lines, text = call_number_key(call_number)
    encoded = [
        "".join(_token(rank, value, index == 0) for rank, value in line) + "!"
        for index, line in enumerate(lines)
    ]
    return "".join(encoded) + " " + text
