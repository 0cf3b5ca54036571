"""Line wrapping for Chinese rules text, and shrink-to-fit sizes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from reportlab.pdfbase.pdfmetrics import stringWidth

from cards import load_cjk_font
from cards.text import fit_size, wrap

FONT_SIZE = 6.3
CLOSING = "，。、；：！？）"


def test_chinese_breaks_between_any_two_characters(cjk_font: str) -> None:
    font = load_cjk_font(cjk_font)
    width = stringWidth("本证为本人借阅凭", font, FONT_SIZE) + 0.1
    assert wrap("本证为本人借阅凭证全市通借通还", font, FONT_SIZE, width) == [
        "本证为本人借阅凭",
        "证全市通借通还",
    ]


def test_closing_punctuation_never_starts_a_line(cjk_font: str) -> None:
    font = load_cjk_font(cjk_font)
    width = stringWidth("本证为本人借阅凭", font, FONT_SIZE) + 0.1
    lines = wrap("本证为本人借阅凭，全市通借通还。", font, FONT_SIZE, width)
    assert lines[0] == "本证为本人借阅凭，"  # the comma hangs at the end instead
    assert not any(line[:1] in CLOSING for line in lines)


def test_numbers_and_latin_words_stay_whole(cjk_font: str) -> None:
    font = load_cjk_font(cjk_font)
    width = stringWidth("服务热线 0571-1234", font, FONT_SIZE)
    assert wrap("服务热线 0571-12345678", font, FONT_SIZE, width) == ["服务热线", "0571-12345678"]


def test_the_texts_own_line_breaks_are_kept(cjk_font: str) -> None:
    font = load_cjk_font(cjk_font)
    assert wrap("一、借阅。\n二、归还。", font, FONT_SIZE, 500) == ["一、借阅。", "二、归还。"]


@given(st.text(alphabet="借阅凭证全市通还图书馆 ABC12，。", max_size=80),
       st.floats(min_value=20, max_value=200))
def test_wrapped_lines_fit_and_lose_nothing(text: str, width: float) -> None:
    font = "Helvetica"  # metrics only: every character has a width, no font file needed
    lines = wrap(text, font, FONT_SIZE, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    widest_char = max((stringWidth(c, font, FONT_SIZE) for c in text), default=0)
    for line in lines:
        # A line may overflow only by hanging punctuation or an unbreakable word.
        if stringWidth(line, font, FONT_SIZE) > width:
            assert line[-1] in CLOSING or " " not in line or widest_char > width


def test_fit_size_shrinks_long_text_only() -> None:
    assert fit_size("张伟", "Helvetica", 16, 500) == 16
    shrunk = fit_size("W" * 10, "Helvetica", 16, 100)
    assert 4 < shrunk < 16 and stringWidth("W" * 10, "Helvetica", shrunk) <= 100.001
    assert fit_size("W" * 400, "Helvetica", 16, 10, smallest=4) == 4
