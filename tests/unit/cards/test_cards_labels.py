"""Labels: item barcodes decode to their numbers in their cells; spine lines read in order."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pyzbar.pyzbar import ZBarSymbol

from cards import (
    LABEL_SHEETS,
    FontNotFound,
    ItemLabel,
    LayoutError,
    NothingToPrint,
    SpineLabel,
    render_labels,
)
from cards.geometry import A4, Box

if TYPE_CHECKING:
    from conftest import Probe, Word

DPI = 300


def items(count: int, owner: str | None = "西湖区图书馆") -> list[ItemLabel]:
    return [ItemLabel(f"3{100000 + i * 37:011d}", owner) for i in range(count)]


@pytest.mark.parametrize("name", sorted(LABEL_SHEETS))
def test_every_item_barcode_decodes_in_its_own_cell(
    name: str, tmp_path: Path, cjk_font: str, probe: type[Probe]
) -> None:
    grid = LABEL_SHEETS[name]
    labels = items(grid.per_page + 3)  # spills onto a second sheet
    pdf = tmp_path / f"{name}.pdf"
    stats = render_labels(labels, pdf, sheet=name, font_path=cjk_font)
    assert (stats.items, stats.pages) == (len(labels), 2)
    for width, height in probe.page_sizes(pdf):
        assert width == pytest.approx(A4[0], abs=0.05)
        assert height == pytest.approx(A4[1], abs=0.05)
    pages = probe.render(pdf, DPI)
    for n, label in enumerate(labels):
        page, index = divmod(n, grid.per_page)
        cell = probe.crop(pages[page], grid.slot(index), DPI)
        found = probe.decode(cell, DPI, ZBarSymbol.CODE128)
        assert [d.data for d in found] == [label.barcode], (name, n)
    for index in range(3, grid.per_page):  # the rest of the second sheet stays blank
        assert probe.ink(pages[1], grid.slot(index), DPI) == 0


def test_whole_sheet_decodes_to_exactly_the_item_numbers(
    tmp_path: Path, probe: type[Probe]
) -> None:
    grid = LABEL_SHEETS["a4-3x8"]
    labels = items(grid.per_page, owner=None)  # ASCII only: no CJK font needed
    pdf = tmp_path / "sheet.pdf"
    render_labels(labels, pdf, sheet=grid, font_path=tmp_path / "no-font-needed.ttc")
    found = probe.decode(probe.render(pdf, 200)[0], 200, ZBarSymbol.CODE128)
    assert sorted(d.data for d in found) == sorted(label.barcode for label in labels)
    for d in found:
        index = [label.barcode for label in labels].index(d.data)
        assert grid.slot(index).contains(d.x, d.y)


def _lines_in(cell_words: list[Word]) -> list[str]:
    """Words grouped into lines top to bottom (a line = words whose middles align)."""
    rows: list[list[Word]] = []
    for w in sorted(cell_words, key=lambda w: (w.y_min + w.y_max) / 2):
        middle = (w.y_min + w.y_max) / 2
        if rows and abs((rows[-1][0].y_min + rows[-1][0].y_max) / 2 - middle) < 1.0:
            rows[-1].append(w)
        else:
            rows.append([w])
    return [" ".join(w.text for w in sorted(r, key=lambda w: w.x_min)) for r in rows]


@pytest.mark.parametrize("name", sorted(LABEL_SHEETS))
def test_spine_labels_print_one_centred_line_per_segment(
    name: str, tmp_path: Path, cjk_font: str, probe: type[Probe]
) -> None:
    grid = LABEL_SHEETS[name]
    labels = [
        SpineLabel("I247.57/C451/2"),
        SpineLabel("K86/1:0", location="少儿"),
        SpineLabel("R711(711)=535/L181"),
        SpineLabel("TP312／N2338/2021"),
    ]
    pdf = tmp_path / "spine.pdf"
    render_labels(labels, pdf, sheet=name, font_path=cjk_font)
    found = probe.words(pdf, 1)
    expected = [
        ["I247.57", "C451", "2"],
        ["少儿", "K86", "1:0"],
        ["R711(711)=535", "L181"],
        ["TP312", "N2338", "2021"],
    ]
    for index, lines in enumerate(expected):
        cell = grid.slot(index)
        inside = [
            w for w in found
            if cell.contains(w.x_min, w.y_min) and cell.contains(w.x_max, w.y_max)
        ]
        assert _lines_in(inside) == lines
        for w in inside:  # centred across the label
            assert (w.x_min + w.x_max) / 2 == pytest.approx(cell.x + cell.width / 2, abs=0.5)
    fonts = probe.pdf_fonts(pdf)
    assert any("WenQuanYiZenHei" in f["name"] and f["emb"] == "yes" for f in fonts)


def test_skip_starts_on_a_partly_used_sheet(tmp_path: Path, probe: type[Probe]) -> None:
    grid = LABEL_SHEETS["a4-5x13"]
    labels = items(4, owner=None)
    pdf = tmp_path / "skip.pdf"
    stats = render_labels(labels, pdf, sheet="a4-5x13", skip=7)
    assert stats.pages == 1
    page = probe.render(pdf, DPI)[0]
    for index in range(7):
        assert probe.ink(page, grid.slot(index), DPI) == 0
    for n, label in enumerate(labels):
        cell = probe.crop(page, grid.slot(7 + n), DPI)
        assert [d.data for d in probe.decode(cell, DPI, ZBarSymbol.CODE128)] == [label.barcode]


def test_skip_leaves_only_the_first_sheet_short(tmp_path: Path) -> None:
    seen: list[int] = []
    stats = render_labels(items(30, owner=None), tmp_path / "s.pdf", sheet="a4-3x8", skip=20,
                          progress=seen.append)
    assert (stats.items, stats.pages) == (30, 3)  # 4 + 24 + 2
    assert seen == [4, 28, 30]


def test_outline_draws_every_cell_for_a_test_print(tmp_path: Path, probe: type[Probe]) -> None:
    grid = LABEL_SHEETS["a4-5x13"]
    pdf = tmp_path / "outline.pdf"
    render_labels([SpineLabel("I247/C451")], pdf, sheet=grid, outline=True)
    page = probe.render(pdf, 150)[0]
    for index in (0, 1, grid.per_page - 1):  # used and unused cells alike
        cell = grid.slot(index)
        bottom = Box(cell.x + 5, cell.y + cell.height - 0.3, cell.width - 10, 0.6)
        left = Box(cell.x - 0.3, cell.y + 5, 0.6, cell.height - 10)
        assert probe.ink(page, bottom, 150, threshold=230) > 0
        assert probe.ink(page, left, 150, threshold=230) > 0
    # Without the option nothing but the label itself prints.
    plain = tmp_path / "plain.pdf"
    render_labels([SpineLabel("I247/C451")], plain, sheet=grid)
    assert probe.ink(probe.render(plain, 150)[0], grid.slot(1), 150, threshold=250) == 0


def test_cjk_text_needs_the_font_and_says_which_setting(tmp_path: Path) -> None:
    with pytest.raises(FontNotFound, match="UNICARD_CJK_FONT"):
        render_labels([SpineLabel("K86/1:0", location="少儿")], tmp_path / "x.pdf",
                      font_path=tmp_path / "missing.ttc")


def test_no_labels_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NothingToPrint, match="no labels"):
        render_labels([], tmp_path / "none.pdf")
    assert not (tmp_path / "none.pdf").exists()


def test_bad_sheet_or_skip_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match="unknown label sheet"):
        render_labels([], tmp_path / "x.pdf", sheet="letter-3x10")
    with pytest.raises(LayoutError, match="skip"):
        render_labels([], tmp_path / "x.pdf", sheet="a4-3x8", skip=24)
