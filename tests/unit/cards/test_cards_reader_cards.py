"""Reader cards: every barcode decodes to its card number, in the right place on the page."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PIL import Image
from pyzbar.pyzbar import ZBarSymbol

from cards import (
    CARD_SHEET,
    CR80,
    BarcodeError,
    LayoutError,
    NothingToPrint,
    ReaderCard,
    render_cards,
)
from cards.geometry import A4, Box, crop_marks

if TYPE_CHECKING:
    from conftest import Probe

NAMES = ["张伟", "王芳", "欧阳娜娜", "李秀英", "刘洋", "陈静", "杨磊", "赵敏", "黄晓明", "周杰",
         "吴桂兰", "徐强", "孙丽"]
RULES = "一、本证全市通借通还。\n二、遗失请及时挂失。\n三、拾到请交还任一图书馆。"
DPI = 200

Sheet = tuple[Path, list[ReaderCard]]


def make_cards(count: int, first: int = 17) -> list[ReaderCard]:
    return [
        ReaderCard(
            card_number=f"21{first + i:010d}",
            name=NAMES[i % len(NAMES)],
            network_name="杭州市公共图书馆联盟",
            branch_name="西湖区图书馆",
            expires=date(2030, 12, 31),
            rules=RULES,
        )
        for i in range(count)
    ]


def numbers(probe: type[Probe], image: Image.Image, kind: ZBarSymbol = ZBarSymbol.CODE128,
            dpi: int = DPI) -> list[str]:
    return [d.data for d in probe.decode(image, dpi, kind)]


@pytest.fixture
def sheet_pdf(tmp_path: Path, cjk_font: str) -> Sheet:
    cards = make_cards(13)  # one full sheet and a partial one
    pdf = tmp_path / "sheet.pdf"
    stats = render_cards(cards, pdf, layout="sheet", font_path=cjk_font, with_back=True)
    assert (stats.items, stats.pages) == (13, 4)
    return pdf, cards


def test_single_layout_is_one_cr80_page_per_card(
    tmp_path: Path, cjk_font: str, probe: type[Probe]
) -> None:
    cards = make_cards(3)
    pdf = tmp_path / "single.pdf"
    stats = render_cards(cards, pdf, layout="single", font_path=cjk_font)
    assert (stats.items, stats.pages) == (3, 3)
    for width, height in probe.page_sizes(pdf):
        assert width == pytest.approx(CR80[0], abs=0.01)
        assert height == pytest.approx(CR80[1], abs=0.01)
    images = probe.render(pdf, DPI)
    assert [numbers(probe, im) for im in images] == [[c.card_number] for c in cards]


def test_single_layout_with_back_follows_each_front_with_its_qr(
    tmp_path: Path, cjk_font: str, probe: type[Probe]
) -> None:
    cards = make_cards(2)
    pdf = tmp_path / "single.pdf"
    render_cards(cards, pdf, layout="single", font_path=cjk_font, with_back=True)
    images = probe.render(pdf, DPI)
    assert len(images) == 4
    for i, card in enumerate(cards):
        front, back = images[2 * i], images[2 * i + 1]
        assert numbers(probe, front) == [card.card_number]
        assert numbers(probe, back, ZBarSymbol.QRCODE) == [card.card_number]
        assert numbers(probe, back) == []


def test_sheet_pages_are_a4(sheet_pdf: Sheet, probe: type[Probe]) -> None:
    pdf, _ = sheet_pdf
    sizes = probe.page_sizes(pdf)
    assert len(sizes) == 4
    for width, height in sizes:
        assert width == pytest.approx(A4[0], abs=0.05)
        assert height == pytest.approx(A4[1], abs=0.05)


def test_each_card_barcode_decodes_inside_its_own_cell(
    sheet_pdf: Sheet, probe: type[Probe]
) -> None:
    pdf, cards = sheet_pdf
    images = probe.render(pdf, DPI)
    for sheet, image in enumerate([images[0], images[2]]):
        batch = cards[sheet * 10 : sheet * 10 + 10]
        # Whole page: exactly this sheet's numbers, each inside the cell of its position.
        found = probe.decode(image, DPI, ZBarSymbol.CODE128)
        assert sorted(d.data for d in found) == [c.card_number for c in batch]
        for d in found:
            index = [c.card_number for c in batch].index(d.data)
            assert CARD_SHEET.slot(index).contains(d.x, d.y), (d, index)
        # Cell by cell: each cropped card holds one barcode, its own.
        for i, card in enumerate(batch):
            cell = probe.crop(image, CARD_SHEET.slot(i), DPI)
            assert numbers(probe, cell) == [card.card_number]
        for i in range(len(batch), CARD_SHEET.per_page):  # unused cells stay blank
            assert probe.ink(image, CARD_SHEET.slot(i), DPI) == 0


def test_back_sheet_puts_each_qr_behind_its_card_for_long_edge_duplex(
    sheet_pdf: Sheet, probe: type[Probe]
) -> None:
    pdf, cards = sheet_pdf
    images = probe.render(pdf, DPI)
    for sheet, image in enumerate([images[1], images[3]]):
        batch = cards[sheet * 10 : sheet * 10 + 10]
        used = set()
        for index, card in enumerate(batch):
            row, column = divmod(index, CARD_SHEET.columns)
            # Long-edge flip: same row, column counted from the other side.
            behind = row * CARD_SHEET.columns + CARD_SHEET.columns - 1 - column
            used.add(behind)
            cell = probe.crop(image, CARD_SHEET.slot(behind), DPI)
            assert numbers(probe, cell, ZBarSymbol.QRCODE) == [card.card_number]
        for i in set(range(CARD_SHEET.per_page)) - used:
            assert probe.ink(image, CARD_SHEET.slot(i), DPI) == 0
        assert numbers(probe, image) == []  # no front content on a back page


def test_crop_marks_print_on_front_and_back_sheets(
    sheet_pdf: Sheet, probe: type[Probe]
) -> None:
    pdf, _ = sheet_pdf
    marks = crop_marks(CARD_SHEET)
    assert len(marks) >= 20
    for image in probe.render(pdf, DPI):
        for m in marks:
            # A thin box around the middle half of each mark must hold ink.
            cx, cy = (m.x1 + m.x2) / 2, (m.y1 + m.y2) / 2
            half = max(abs(m.x2 - m.x1), abs(m.y2 - m.y1)) / 4
            box = (Box(cx - half, cy - 0.4, 2 * half, 0.8) if m.y1 == m.y2
                   else Box(cx - 0.4, cy - half, 0.8, 2 * half))
            assert probe.ink(image, box, DPI) > 0, m
        # Away from the marks, the margins stay clean.
        assert probe.ink(image, Box(30, 1, 60, 5), DPI) == 0
        assert probe.ink(image, Box(1, 30, 5, 40), DPI) == 0


def test_chinese_name_is_drawn_with_an_embedded_subset_of_the_cjk_font(
    sheet_pdf: Sheet, probe: type[Probe]
) -> None:
    pdf, cards = sheet_pdf
    fonts = probe.pdf_fonts(pdf)
    cjk = [f for f in fonts if "WenQuanYiZenHei" in f["name"]]
    assert cjk, fonts
    for font in cjk:
        prefix, plus, _ = font["name"].partition("+")
        assert plus and len(prefix) == 6 and prefix.isupper()  # PDF subset-tag convention
        assert (font["emb"], font["sub"], font["type"]) == ("yes", "yes", "TrueType")
    # Every font not embedded is one of the PDF standard 14, which every reader has.
    assert {f["name"] for f in fonts if f["emb"] == "no"} <= {"Helvetica", "Helvetica-Bold"}
    text = [w.text for w in probe.words(pdf, 1)]
    for card in cards[:10]:
        assert card.name in text


def test_names_print_as_glyphs_not_boxes(
    tmp_path: Path, cjk_font: str, probe: type[Probe]
) -> None:
    # Missing glyphs all render as the same .notdef box; real glyphs differ from name to name.
    cards = [ReaderCard(f"2100000000{i}7", name, "联盟", "馆", date(2030, 1, 1))
             for i, name in enumerate(("张伟", "王芳", "𠀀𠀀"))]
    pdf = tmp_path / "names.pdf"
    stats = render_cards(cards, pdf, layout="single", font_path=cjk_font)
    name_area = Box(3.5, 14, 40, 9)  # mm from the card's top-left: where the name prints
    images = probe.render(pdf, DPI)
    zhang, wang = (probe.crop(im, name_area, DPI).tobytes() for im in images[:2])
    assert probe.ink(images[0], name_area, DPI) > 200
    assert probe.ink(images[1], name_area, DPI) > 200
    assert zhang != wang
    # The one name the font cannot draw is reported, so staff can fix it before printing.
    assert stats.missing_glyphs == (("210000000027", "𠀀"),)


def test_rules_too_long_for_the_back_are_cut_with_an_ellipsis(
    tmp_path: Path, cjk_font: str, probe: type[Probe]
) -> None:
    rules = "\n".join(f"第{i}条、读者应遵守本馆规定。" for i in range(1, 40))
    card = ReaderCard("210000000017", "张伟", "联盟", "馆", date(2030, 1, 1), rules)
    pdf = tmp_path / "long.pdf"
    render_cards([card], pdf, layout="single", font_path=cjk_font, with_back=True)
    back = probe.words(pdf, 2)
    text = "".join(w.text for w in back)
    assert "第1条" in text and "第39条" not in text and "…" in text
    assert all(w.y_max < CR80[1] - 7 for w in back if w.text.startswith("第"))  # above footer
    assert numbers(probe, probe.render(pdf, DPI)[1], ZBarSymbol.QRCODE) == ["210000000017"]


def test_a_replaced_card_prints_its_new_number(
    tmp_path: Path, cjk_font: str, probe: type[Probe]
) -> None:
    old = make_cards(1)[0]
    new = ReaderCard("210000000025", old.name, old.network_name, old.branch_name, old.expires)
    pdf = tmp_path / "replaced.pdf"
    render_cards([new], pdf, layout="single", font_path=cjk_font)
    assert numbers(probe, probe.render(pdf, DPI)[0]) == ["210000000025"]
    assert "210000000025" in [w.text for w in probe.words(pdf, 1)]


def test_bars_are_vector_shapes_not_images(sheet_pdf: Sheet) -> None:
    pdf, _ = sheet_pdf
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], check=True,
                             capture_output=True, text=True).stdout.splitlines()
    assert len(listing) == 2  # the two header lines only: no raster image anywhere


def test_progress_reports_cards_done_after_each_page(tmp_path: Path, cjk_font: str) -> None:
    seen: list[int] = []
    render_cards(make_cards(23), tmp_path / "p.pdf", font_path=cjk_font, progress=seen.append)
    assert seen == [10, 20, 23]
    seen.clear()
    render_cards(make_cards(3), tmp_path / "s.pdf", layout="single", font_path=cjk_font,
                 progress=seen.append)
    assert seen == [1, 2, 3]


def test_a_stream_of_cards_is_consumed_once(tmp_path: Path, cjk_font: str) -> None:
    stats = render_cards(iter(make_cards(12)), tmp_path / "g.pdf", font_path=cjk_font,
                         with_back=True)
    assert (stats.items, stats.pages) == (12, 4)


def test_no_cards_is_refused_and_writes_no_file(tmp_path: Path, cjk_font: str) -> None:
    # A PDF without pages is invalid, and a blank page would waste card stock.
    for layout in ("sheet", "single"):
        with pytest.raises(NothingToPrint, match="no reader cards"):
            render_cards(iter([]), tmp_path / "none.pdf", layout=layout,  # type: ignore[arg-type]
                         font_path=cjk_font)
    assert not (tmp_path / "none.pdf").exists()


def test_unknown_layout_is_refused(tmp_path: Path, cjk_font: str) -> None:
    with pytest.raises(LayoutError, match="sheet"):
        render_cards(make_cards(1), tmp_path / "x.pdf", layout="a3",  # type: ignore[arg-type]
                     font_path=cjk_font)


def test_a_card_number_code_128_cannot_carry_is_refused(tmp_path: Path, cjk_font: str) -> None:
    card = ReaderCard("2100０0000017", "张伟", "联盟", "馆", date(2030, 1, 1))  # full-width 0
    with pytest.raises(BarcodeError, match="printable ASCII"):
        render_cards([card], tmp_path / "x.pdf", font_path=cjk_font)
