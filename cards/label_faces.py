"""Drawing one spine label or item barcode label inside a cell, scaled to the cell's size.

Sizes are proportional to the cell so that every sheet in the registry works unchanged;
Latin text uses Helvetica (nothing to embed), other text the embedded CJK font.
"""

from __future__ import annotations

from collections.abc import Callable

from reportlab.pdfgen.canvas import Canvas

from .barcodes import CODE128_QUIET_MODULES, code128, draw_symbol
from .call_numbers import spine_lines
from .fonts import missing_glyphs
from .geometry import MM
from .models import ItemLabel, SpineLabel
from .text import fit_size, is_latin1

__all__ = ["LabelPainter"]

LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
MAX_MODULE = 0.5  # mm; wider bars read more easily, label width permitting
LEADING = 1.15


class LabelPainter:
    """Draws labels on one canvas; the CJK font is loaded only when a label needs it."""

    def __init__(self, canvas: Canvas, cjk_font: Callable[[], str]) -> None:
        self.canvas = canvas
        self._cjk_font = cjk_font
        self.missing: dict[str, str] = {}

    def draw(self, label: SpineLabel | ItemLabel, width: float, height: float) -> None:
        """Draw `label` in a `width` × `height` cell (points) whose bottom-left is the origin."""
        if isinstance(label, SpineLabel):
            self.spine(label, width, height)
        else:
            self.item(label, width, height)

    def spine(self, label: SpineLabel, width: float, height: float) -> None:
        """Call number lines centred and as large as fit; the location line a bit smaller."""
        c = self.canvas
        pad = _padding(width, height)
        lines = spine_lines(label.call_number, label.location)
        if not lines:
            return
        fonts = [self._font_for(line, bold=True) for line in lines]
        scales = [0.75 if label.location and i == 0 else 1.0 for i in range(len(lines))]
        room_w, room_h = width - 2 * pad, height - 2 * pad
        size = min(28.0, room_h / (LEADING * sum(scales)))
        for line, font, scale in zip(lines, fonts, scales, strict=True):
            size = min(size, fit_size(line, font, size * scale, room_w, smallest=3) / scale)
        block = LEADING * size * sum(scales)
        baseline = (height + block) / 2
        c.setFillGray(0)
        for line, font, scale in zip(lines, fonts, scales, strict=True):
            baseline -= LEADING * size * scale
            # Put the baseline so the line's cap height, not its leading, is centred in its slot.
            c.setFont(font, size * scale)
            c.drawCentredString(width / 2, baseline + 0.25 * size * scale, line)

    def item(self, label: ItemLabel, width: float, height: float) -> None:
        """Owner's name on top, the bars, the number under them."""
        c = self.canvas
        pad = _padding(width, height)
        text_size = min(9.0, 0.13 * height)
        top = height - pad
        c.setFillGray(0)
        if label.owner:
            font = self._font_for(label.owner)
            size = fit_size(label.owner, font, text_size, width - 2 * pad, smallest=3)
            top -= size
            c.setFont(font, size)
            c.drawCentredString(width / 2, top + 0.15 * size, label.owner)
            top -= 0.25 * size
        bars = code128(label.barcode)
        module = min(MAX_MODULE * MM, (width - 2 * pad) / (bars.width + 2 * CODE128_QUIET_MODULES))
        bottom = pad + text_size * 1.05
        draw_symbol(c, bars, (width - bars.width * module) / 2, bottom, module, top - bottom)
        size = fit_size(label.barcode, LATIN, text_size, width - 2 * pad, smallest=3)
        c.setFont(LATIN, size)
        c.drawCentredString(width / 2, pad + 0.1 * size, label.barcode)

    def _font_for(self, text: str, bold: bool = False) -> str:
        if is_latin1(text):
            return LATIN_BOLD if bold else LATIN
        font = self._cjk_font()
        chars = missing_glyphs(font, text)
        if chars:
            self.missing[text] = chars
        return font


def _padding(width: float, height: float) -> float:
    """Clear space inside the cell edge: label sheets die-cut with ±1 mm of slack."""
    return max(1.5 * MM, 0.07 * min(width, height))

