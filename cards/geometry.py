"""Page geometry in millimetres: card sizes, sheet grids, label sheet registry, crop marks.

Every position on paper is defined here and nowhere else. Coordinates are millimetres
from the top-left corner of the page (as sheet makers publish them); drawing code
converts to PDF points with `to_points`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from .errors import LayoutError

__all__ = [
    "A4",
    "CARD_SHEET",
    "CR80",
    "LABEL_SHEETS",
    "MM",
    "Box",
    "Grid",
    "Line",
    "batched",
    "crop_marks",
    "label_sheet",
    "to_points",
]

MM = 72 / 25.4  # PDF points per millimetre

A4 = (210.0, 297.0)
CR80 = (85.6, 54.0)  # ISO/IEC 7810 ID-1, the size of a bank card


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle in mm, `x`/`y` being its top-left corner measured from the page's."""

    x: float
    y: float
    width: float
    height: float

    def mirrored(self, page_width: float) -> Box:
        """The same box seen from the back of the sheet after a long-edge (left-right) flip."""
        return Box(page_width - self.x - self.width, self.y, self.width, self.height)

    def contains(self, x: float, y: float) -> bool:
        return self.x <= x <= self.x + self.width and self.y <= y <= self.y + self.height


@dataclass(frozen=True, slots=True)
class Line:
    """A straight line in mm, top-left origin."""

    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True, slots=True)
class Grid:
    """A sheet of equal cells in rows and columns: a card sheet or a label sheet.

    `column_pitch`/`row_pitch` are the distances between the left (top) edges of
    neighbouring cells, as label makers publish them; the gap is pitch minus size.
    """

    name: str
    description: str
    page_width: float
    page_height: float
    columns: int
    rows: int
    cell_width: float
    cell_height: float
    left: float
    top: float
    column_pitch: float
    row_pitch: float

    def __post_init__(self) -> None:
        right = self.left + (self.columns - 1) * self.column_pitch + self.cell_width
        bottom = self.top + (self.rows - 1) * self.row_pitch + self.cell_height
        if right > self.page_width + 0.01 or bottom > self.page_height + 0.01:
            raise LayoutError(f"sheet {self.name!r}: cells run off the page")
        if self.column_pitch < self.cell_width or self.row_pitch < self.cell_height:
            raise LayoutError(f"sheet {self.name!r}: cells overlap")

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def slot(self, index: int) -> Box:
        """Cell `index`, counted row by row from the top-left, as people fill a sheet."""
        row, column = divmod(index, self.columns)
        if not 0 <= row < self.rows:
            raise LayoutError(f"sheet {self.name!r} has {self.per_page} cells, not {index + 1}")
        return Box(
            self.left + column * self.column_pitch,
            self.top + row * self.row_pitch,
            self.cell_width,
            self.cell_height,
        )

    def slots(self) -> tuple[Box, ...]:
        return tuple(self.slot(i) for i in range(self.per_page))

    def back_slot(self, index: int) -> Box:
        """Where the back of cell `index` goes so it lands behind its front (long-edge duplex)."""
        return self.slot(index).mirrored(self.page_width)


T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[tuple[T, ...]]:
    """Page-sized chunks of a stream, so a long print run never sits in memory whole."""
    iterator = iter(items)
    while batch := tuple(itertools.islice(iterator, size)):
        yield batch


def to_points(box: Box, page_height: float) -> tuple[float, float, float, float]:
    """A box as PDF points (x, y of the bottom-left corner, width, height)."""
    return (
        box.x * MM,
        (page_height - box.y - box.height) * MM,
        box.width * MM,
        box.height * MM,
    )


# A4, 10 cards up (2 × 5). Rows butt so one guillotine cut separates them; an 8 mm gutter
# between the columns leaves room for the crop marks there. Margins are symmetric, so the
# mirrored back side falls on the same grid.
CARD_SHEET = Grid(
    name="a4-cr80-10",
    description="A4, 10 CR80 cards (2 × 5), crop marks",
    page_width=A4[0],
    page_height=A4[1],
    columns=2,
    rows=5,
    cell_width=CR80[0],
    cell_height=CR80[1],
    left=(A4[0] - 2 * CR80[0] - 8.0) / 2,
    top=(A4[1] - 5 * CR80[1]) / 2,
    column_pitch=CR80[0] + 8.0,
    row_pitch=CR80[1],
)


# Label sheets by name. Add a sheet by adding one entry: the drawing code scales to the cell.
LABEL_SHEETS: dict[str, Grid] = {
    grid.name: grid
    for grid in (
        Grid(
            name="a4-3x8",
            description="A4, 24 labels 70 × 37 mm (3 × 8, no gaps)",
            page_width=A4[0],
            page_height=A4[1],
            columns=3,
            rows=8,
            cell_width=70.0,
            cell_height=37.0,
            left=0.0,
            top=0.5,
            column_pitch=70.0,
            row_pitch=37.0,
        ),
        Grid(
            name="a4-5x13",
            description="A4, 65 labels 38.1 × 21.2 mm (5 × 13, Avery L7651 layout)",
            page_width=A4[0],
            page_height=A4[1],
            columns=5,
            rows=13,
            cell_width=38.1,
            cell_height=21.2,
            left=4.75,
            top=10.7,
            column_pitch=40.6,
            row_pitch=21.2,
        ),
    )
}


def label_sheet(sheet: str | Grid) -> Grid:
    """Look a sheet up by name (or pass a `Grid` straight through)."""
    if isinstance(sheet, Grid):
        return sheet
    try:
        return LABEL_SHEETS[sheet]
    except KeyError:
        known = ", ".join(sorted(LABEL_SHEETS))
        raise LayoutError(f"unknown label sheet {sheet!r}; known sheets: {known}") from None


def crop_marks(grid: Grid, length: float = 5.0, offset: float = 1.5) -> tuple[Line, ...]:
    """Short lines on the extension of every cut, kept off the cells.

    Marks go in the page margins and in the gutters between cells; each stops `offset` mm
    short of the cells so no mark shows on a trimmed card, and `offset` mm inside the paper.
    """
    boxes = grid.slots()
    xs = sorted({round(b.x, 3) for b in boxes} | {round(b.x + b.width, 3) for b in boxes})
    ys = sorted({round(b.y, 3) for b in boxes} | {round(b.y + b.height, 3) for b in boxes})
    columns = sorted({(round(b.x, 3), round(b.x + b.width, 3)) for b in boxes})
    rows = sorted({(round(b.y, 3), round(b.y + b.height, 3)) for b in boxes})
    marks: list[Line] = []
    for y in ys:
        for a, b in _mark_spans(_free_intervals(columns, grid.page_width), length, offset):
            marks.append(Line(a, y, b, y))
    for x in xs:
        for a, b in _mark_spans(_free_intervals(rows, grid.page_height), length, offset):
            marks.append(Line(x, a, x, b))
    return tuple(marks)


def _free_intervals(
    cells: list[tuple[float, float]], extent: float
) -> list[tuple[float, float, str]]:
    """Stretches of paper no cell crosses along one axis: the two margins and the gutters."""
    free = [(0.0, cells[0][0], "start")]
    for (_, end), (next_start, _) in itertools.pairwise(cells):
        if next_start > end:
            free.append((end, next_start, "gutter"))
    free.append((cells[-1][1], extent, "end"))
    return free


def _mark_spans(
    free: list[tuple[float, float, str]], length: float, offset: float
) -> list[tuple[float, float]]:
    spans: list[tuple[float, float]] = []
    for start, end, kind in free:
        a, b = start + offset, end - offset
        if b - a < 1.0:
            continue
        if kind == "start":  # left/top margin: the mark points away from the grid
            spans.append((max(a, b - length), b))
        elif kind == "end":
            spans.append((a, min(b, a + length)))
        elif b - a <= 2 * length + 1.0:  # a narrow gutter: one mark serves both sides
            spans.append((a, b))
        else:
            spans.extend(((a, a + length), (b - length, b)))
    return spans
