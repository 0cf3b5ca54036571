"""Spine and item barcode labels as a PDF laid out on a label sheet from the registry."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterable

from reportlab.pdfgen.canvas import Canvas

from .errors import LayoutError, NothingToPrint
from .fonts import load_cjk_font
from .geometry import MM, Grid, batched, label_sheet, to_points
from .label_faces import LabelPainter
from .models import ItemLabel, RenderStats, SpineLabel
from .pdf import Output, open_canvas

__all__ = ["render_labels"]


def render_labels(
    labels: Iterable[SpineLabel | ItemLabel],
    out: Output,
    *,
    sheet: str | Grid = "a4-3x8",
    font_path: str | os.PathLike[str] | None = None,
    skip: int = 0,
    outline: bool = False,
    progress: Callable[[int], None] | None = None,
) -> RenderStats:
    """Write the labels as a PDF to `out`, filling each sheet row by row.

    `sheet` names an entry of `LABEL_SHEETS` (or is a `Grid`). `skip` leaves that many
    cells of the first sheet empty, to finish a sheet already partly used. `outline`
    draws each cell's edge, for a test print on plain paper held against a label sheet.
    The CJK font (`font_path`, setting UNICARD_CJK_FONT) is loaded only if a label needs it.
    `progress` is called with the number of labels finished so far, after every page.
    """
    grid = label_sheet(sheet)
    if not 0 <= skip < grid.per_page:
        raise LayoutError(f"skip must be between 0 and {grid.per_page - 1}, not {skip}")
    started = time.perf_counter()
    canvas = open_canvas(out, (grid.page_width * MM, grid.page_height * MM), "Labels")
    painter = LabelPainter(canvas, functools.partial(load_cjk_font, font_path))
    count = pages = 0
    first = True
    stream = iter(labels)
    while True:
        offset = skip if first else 0
        batch = next(batched(stream, grid.per_page - offset), ())
        if not batch:
            break
        first = False
        if outline:
            _outline(canvas, grid)
        for index, label in enumerate(batch, start=offset):
            x, y, w, h = to_points(grid.slot(index), grid.page_height)
            canvas.saveState()
            canvas.translate(x, y)
            painter.draw(label, w, h)
            canvas.restoreState()
        canvas.showPage()
        pages += 1
        count += len(batch)
        if progress:
            progress(count)
    if count == 0:
        raise NothingToPrint("labels")
    canvas.save()
    return RenderStats(
        items=count,
        pages=pages,
        seconds=time.perf_counter() - started,
        missing_glyphs=tuple(painter.missing.items()),
    )


def _outline(canvas: Canvas, grid: Grid) -> None:
    """Every cell's edge in light grey, used or not, to compare with the real sheet."""
    canvas.saveState()
    canvas.setLineWidth(0.3)
    canvas.setStrokeGray(0.55)
    for box in grid.slots():
        canvas.rect(*to_points(box, grid.page_height), stroke=1, fill=0)
    canvas.restoreState()
