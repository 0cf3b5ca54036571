"""Reader cards as a print-ready PDF: one card per page, or A4 sheets ten up with crop marks."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Literal

from reportlab.pdfgen.canvas import Canvas

from .card_faces import CARD_HEIGHT, CARD_WIDTH, CardPainter
from .errors import LayoutError, NothingToPrint
from .fonts import load_cjk_font
from .geometry import CARD_SHEET, MM, Box, Grid, batched, crop_marks, to_points
from .models import CardDesign, ReaderCard, RenderStats
from .pdf import Output, open_canvas

__all__ = ["CardLayout", "render_cards"]

CardLayout = Literal["sheet", "single"]


def render_cards(
    cards: Iterable[ReaderCard],
    out: Output,
    *,
    layout: CardLayout = "sheet",
    font_path: str | os.PathLike[str] | None = None,
    with_back: bool = False,
    progress: Callable[[int], None] | None = None,
    design: CardDesign | None = None,
) -> RenderStats:
    """Write the cards as a PDF to `out` (a path or a binary file).

    `layout="single"`: every page is one CR80 card, for card printers; with backs, each
    front page is followed by its back. `layout="sheet"`: A4 pages of ten cards with crop
    marks; with backs, each front sheet is followed by a back sheet whose columns are
    mirrored, so printing duplex with a long-edge flip puts each back behind its front.
    `font_path` is the CJK font (setting UNICARD_CJK_FONT); None finds a default.
    `progress` is called with the number of cards finished so far, after each card
    (single) or each sheet (sheet layout).
    """
    if layout not in ("sheet", "single"):
        raise LayoutError(f"unknown card layout {layout!r}; use 'sheet' or 'single'")
    font = load_cjk_font(font_path)
    started = time.perf_counter()
    if layout == "single":
        canvas = open_canvas(out, (CARD_WIDTH, CARD_HEIGHT), "Reader cards")
        painter = CardPainter(canvas, font, design or CardDesign())
        count, pages = _single(painter, cards, with_back, progress)
    else:
        canvas = open_canvas(out, (CARD_SHEET.page_width * MM, CARD_SHEET.page_height * MM),
                             "Reader cards")
        painter = CardPainter(canvas, font, design or CardDesign())
        count, pages = _sheets(painter, CARD_SHEET, cards, with_back, progress)
    if count == 0:
        raise NothingToPrint("reader cards")
    canvas.save()
    return RenderStats(
        items=count,
        pages=pages,
        seconds=time.perf_counter() - started,
        missing_glyphs=tuple(painter.missing.items()),
    )


def _single(
    painter: CardPainter,
    cards: Iterable[ReaderCard],
    with_back: bool,
    progress: Callable[[int], None] | None,
) -> tuple[int, int]:
    canvas = painter.canvas
    count = pages = 0
    for card in cards:
        painter.front(card)
        canvas.showPage()
        pages += 1
        if with_back:
            painter.back(card)
            canvas.showPage()
            pages += 1
        count += 1
        if progress:
            progress(count)
    return count, pages


def _sheets(
    painter: CardPainter,
    grid: Grid,
    cards: Iterable[ReaderCard],
    with_back: bool,
    progress: Callable[[int], None] | None,
) -> tuple[int, int]:
    canvas = painter.canvas
    marks = _crop_mark_form(canvas, grid)
    count = pages = 0
    for batch in batched(cards, grid.per_page):
        for index, card in enumerate(batch):
            _at(canvas, grid, grid.slot(index), painter.front, card)
        canvas.doForm(marks)
        canvas.showPage()
        pages += 1
        if with_back:
            for index, card in enumerate(batch):
                _at(canvas, grid, grid.back_slot(index), painter.back, card)
            canvas.doForm(marks)
            canvas.showPage()
            pages += 1
        count += len(batch)
        if progress:
            progress(count)
    return count, pages


def _at(
    canvas: Canvas, grid: Grid, box: Box, draw: Callable[[ReaderCard], None], card: ReaderCard
) -> None:
    x, y, _, _ = to_points(box, grid.page_height)
    canvas.saveState()
    canvas.translate(x, y)
    draw(card)
    canvas.restoreState()


def _crop_mark_form(canvas: Canvas, grid: Grid) -> str:
    """Crop marks are identical on every sheet, front and back: one form, drawn by reference."""
    name = "cropmarks"
    height = grid.page_height
    canvas.beginForm(name)
    canvas.setLineWidth(0.25)
    canvas.setStrokeGray(0)
    path = canvas.beginPath()
    for line in crop_marks(grid):
        path.moveTo(line.x1 * MM, (height - line.y1) * MM)
        path.lineTo(line.x2 * MM, (height - line.y2) * MM)
    canvas.drawPath(path, stroke=1, fill=0)
    canvas.endForm()
    return name
