"""Fitting text into boxes: shrink-to-fit sizes and line wrapping that works for Chinese.

reportlab's own splitter breaks at spaces only, and Chinese has none, so lines break
between any two characters, except that closing punctuation never starts a line.
"""

from __future__ import annotations

from reportlab.pdfbase.pdfmetrics import stringWidth

__all__ = ["fit_size", "is_latin1", "wrap"]

# Characters a Chinese line must not start with (line-breaking rules, 禁则): they hang instead.
_NO_LINE_START = frozenset("，。、；：！？）】》」』’”,.;:!?)]%")


def is_latin1(text: str) -> bool:
    """Whether a standard PDF font (nothing embedded) can print `text`."""
    return all(ord(c) <= 0xFF for c in text)


def fit_size(text: str, font: str, size: float, width: float, smallest: float = 4.0) -> float:
    """`size`, or the size that makes `text` exactly `width` wide if it is wider (not below
    `smallest`: a name printed smaller than that is unreadable anyway)."""
    natural = float(stringWidth(text, font, size))
    if natural <= width:
        return size
    return max(smallest, size * width / natural)


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of `text` no wider than `width`, keeping the text's own line breaks."""
    lines: list[str] = []
    for paragraph in text.splitlines():
        line = ""
        line_width = 0.0
        for char in paragraph:
            w = stringWidth(char, font, size)
            if line and line_width + w > width and char not in _NO_LINE_START:
                line, carried = _split_latin_word(line, char)
                lines.append(line.rstrip())
                line = carried + ("" if char == " " else char)
                line_width = stringWidth(line, font, size)
                continue
            line += char
            line_width += w
        lines.append(line.rstrip())
    return lines


def _split_latin_word(line: str, next_char: str) -> tuple[str, str]:
    """Keep a Latin word or number (`0571-12345678`) whole by carrying it to the next line."""
    if not _is_word_char(next_char):
        return line, ""
    start = len(line)
    while start > 0 and _is_word_char(line[start - 1]):
        start -= 1
    if start == 0:  # one word longer than the line: it has to break somewhere
        return line, ""
    return line[:start], line[start:]


def _is_word_char(char: str) -> bool:
    return char.isascii() and not char.isspace()
