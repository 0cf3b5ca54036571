"""Code 128 and QR symbols drawn as vector rectangles, one filled path per symbol.

python-barcode computes the Code 128 module pattern (start code, code set switching,
check symbol, stop); we draw its bars ourselves. Bars are drawn in module units under a
scale transform, so the page stream holds short integers instead of long decimals:
that is what keeps a 1,000-card file small.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from barcode.codex import Code128
from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel
from reportlab.pdfgen.canvas import Canvas

from .errors import BarcodeError

__all__ = [
    "CODE128_QUIET_MODULES",
    "QR_QUIET_MODULES",
    "Symbol",
    "code128",
    "draw_symbol",
    "qr",
]

CODE128_QUIET_MODULES = 10  # minimum clear space either side (ISO/IEC 15417)
QR_QUIET_MODULES = 4  # minimum clear space around a QR code (ISO/IEC 18004)


@dataclass(frozen=True, slots=True)
class Symbol:
    """Dark rectangles in module units, origin bottom-left: (x, y, width, height)."""

    width: int
    height: int
    rects: tuple[tuple[int, int, int, int], ...]


def code128(value: str) -> Symbol:
    """The bars of `value` as Code 128 (one row, height 1)."""
    if not value:
        raise BarcodeError(value, "it is empty")
    bad = "".join(sorted({c for c in value if not 32 <= ord(c) < 127}))
    if bad:
        raise BarcodeError(value, f"characters outside printable ASCII: {bad!r}")
    pattern = Code128(value).build()[0]
    rects = []
    x = 0
    for bit, run in itertools.groupby(pattern):
        n = len(list(run))
        if bit == "1":
            rects.append((x, 0, n, 1))
        x += n
    return Symbol(len(pattern), 1, tuple(rects))


def qr(value: str) -> Symbol:
    """`value` as the smallest QR code at error correction level M; dark runs per row."""
    code = QRCode(None, QRErrorCorrectLevel.M)
    code.addData(value)
    code.make()
    size = code.getModuleCount()
    rects = []
    for row_index, row in enumerate(code.modules):
        y = size - 1 - row_index  # PDF y grows upwards, QR rows downwards
        x = 0
        for dark, run in itertools.groupby(row):
            n = len(list(run))
            if dark:
                rects.append((x, y, n, 1))
            x += n
    return Symbol(size, size, tuple(rects))


def draw_symbol(
    canvas: Canvas, symbol: Symbol, x: float, y: float, module_width: float, height: float
) -> None:
    """Fill the symbol's rectangles with (x, y) as its bottom-left corner, in points.

    `height` is the height of the whole symbol; modules are `height / symbol.height` tall.
    """
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(module_width, height / symbol.height)
    path = canvas.beginPath()
    for rect in symbol.rects:
        path.rect(*rect)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
