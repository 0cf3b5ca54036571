"""Sheet geometry: cards and labels fit the page, backs mirror fronts, crop marks stay off cards."""

from __future__ import annotations

import itertools

import pytest

from cards import CARD_SHEET, CR80, LABEL_SHEETS, Grid, LayoutError
from cards.geometry import A4, Box, crop_marks, label_sheet


def _overlap(a: Box, b: Box) -> bool:
    return (
        a.x < b.x + b.width - 1e-9
        and b.x < a.x + a.width - 1e-9
        and a.y < b.y + b.height - 1e-9
        and b.y < a.y + a.height - 1e-9
    )


def test_card_sheet_is_ten_cr80_cards_on_a4() -> None:
    assert (CARD_SHEET.page_width, CARD_SHEET.page_height) == A4
    assert CARD_SHEET.per_page == 10
    assert (CARD_SHEET.columns, CARD_SHEET.rows) == (2, 5)
    assert all((b.width, b.height) == CR80 for b in CARD_SHEET.slots())


@pytest.mark.parametrize("grid", [CARD_SHEET, *LABEL_SHEETS.values()], ids=lambda g: g.name)
def test_cells_lie_on_the_page_and_do_not_overlap(grid: Grid) -> None:
    boxes = grid.slots()
    for box in boxes:
        assert box.x >= 0 and box.y >= 0
        assert box.x + box.width <= grid.page_width + 1e-9
        assert box.y + box.height <= grid.page_height + 1e-9
    assert not any(_overlap(a, b) for a, b in itertools.combinations(boxes, 2))


def test_cells_fill_row_by_row_from_the_top_left() -> None:
    first, second, third = CARD_SHEET.slot(0), CARD_SHEET.slot(1), CARD_SHEET.slot(2)
    assert first.y == second.y and first.x < second.x
    assert third.x == first.x and third.y > first.y


def test_back_of_each_card_is_its_front_mirrored_left_to_right() -> None:
    for i in range(CARD_SHEET.per_page):
        front, back = CARD_SHEET.slot(i), CARD_SHEET.back_slot(i)
        assert back.y == front.y
        assert back.x + back.width / 2 == pytest.approx(
            CARD_SHEET.page_width - (front.x + front.width / 2)
        )
    # Two columns: the back of the left card is the right cell of the same row.
    assert CARD_SHEET.back_slot(0) == CARD_SHEET.slot(1)
    assert CARD_SHEET.back_slot(9) == CARD_SHEET.slot(8)


def test_sheet_margins_are_symmetric_so_backs_land_on_the_grid() -> None:
    fronts = set(CARD_SHEET.slots())
    backs = {CARD_SHEET.back_slot(i) for i in range(CARD_SHEET.per_page)}
    assert {(round(b.x, 6), b.y) for b in backs} == {(round(b.x, 6), b.y) for b in fronts}


def test_crop_marks_mark_every_cut_and_touch_no_card() -> None:
    marks = crop_marks(CARD_SHEET)
    boxes = CARD_SHEET.slots()
    for m in marks:
        line = Box(min(m.x1, m.x2), min(m.y1, m.y2), abs(m.x2 - m.x1), abs(m.y2 - m.y1))
        assert not any(_overlap(line, b) for b in boxes), m
        assert line.x > 0 and line.x + line.width < CARD_SHEET.page_width
        assert line.y > 0 and line.y + line.height < CARD_SHEET.page_height
    vertical_cuts = {round(b.x, 3) for b in boxes} | {round(b.x + b.width, 3) for b in boxes}
    horizontal_cuts = {round(b.y, 3) for b in boxes} | {round(b.y + b.height, 3) for b in boxes}
    for x in vertical_cuts:  # marked above and below the grid
        ys = [m.y1 for m in marks if m.x1 == m.x2 and round(m.x1, 3) == x]
        assert min(ys) < boxes[0].y and max(ys) > boxes[-1].y + boxes[-1].height
    for y in horizontal_cuts:  # marked left and right of the grid
        xs = [m.x1 for m in marks if m.y1 == m.y2 and round(m.y1, 3) == y]
        assert min(xs) < boxes[0].x and max(xs) > boxes[-1].x + boxes[-1].width


def test_label_sheet_registry_has_the_two_common_a4_sheets() -> None:
    small = LABEL_SHEETS["a4-5x13"]  # Avery L7651 layout
    assert (small.columns, small.rows, small.cell_width, small.cell_height) == (5, 13, 38.1, 21.2)
    assert (small.left, small.top, small.column_pitch) == (4.75, 10.7, 40.6)
    large = LABEL_SHEETS["a4-3x8"]
    assert (large.columns, large.rows, large.cell_width, large.cell_height) == (3, 8, 70.0, 37.0)


def test_unknown_sheet_names_the_known_ones() -> None:
    with pytest.raises(LayoutError, match="a4-3x8"):
        label_sheet("a4-99x99")


def test_a_sheet_whose_cells_run_off_the_page_is_refused() -> None:
    with pytest.raises(LayoutError, match="off the page"):
        Grid("bad", "", 210, 297, 3, 8, 70, 37, 1.0, 0.5, 70, 37)
    with pytest.raises(LayoutError, match="overlap"):
        Grid("bad", "", 210, 297, 3, 8, 70, 37, 0, 0, 60, 37)
