"""The CJK font: found at the configured path or a default, refused clearly when unusable."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from cards import (
    CJK_FONT_SETTING,
    FontNotFound,
    ReaderCard,
    UnsupportedFont,
    find_cjk_font,
    load_cjk_font,
    render_cards,
)
from cards.fonts import missing_glyphs

CARD = ReaderCard("210000000017", "张伟", "市图书馆联盟", "中心馆", date(2030, 1, 1))


def test_missing_font_error_names_the_setting_and_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "font.ttf"
    with pytest.raises(FontNotFound) as caught:
        load_cjk_font(path)
    message = str(caught.value)
    assert CJK_FONT_SETTING == "UNICARD_CJK_FONT"
    assert "UNICARD_CJK_FONT" in message
    assert str(path) in message
    assert caught.value.paths == (str(path),)


def test_rendering_with_a_missing_font_fails_before_writing(tmp_path: Path) -> None:
    out = io.BytesIO()
    with pytest.raises(FontNotFound, match="UNICARD_CJK_FONT"):
        render_cards([CARD], out, font_path=tmp_path / "missing.ttc")
    assert out.getvalue() == b""


def test_default_search_names_every_path_it_tried(tmp_path: Path) -> None:
    tried = (str(tmp_path / "a.ttc"), str(tmp_path / "b.ttf"))
    with pytest.raises(FontNotFound) as caught:
        find_cjk_font(tried)
    assert "UNICARD_CJK_FONT" in str(caught.value)
    assert all(p in str(caught.value) for p in tried)


def test_default_font_is_debians_wenquanyi_zen_hei(cjk_font: str) -> None:
    assert str(find_cjk_font()) == cjk_font


def test_cff_opentype_is_refused_with_a_reason(tmp_path: Path) -> None:
    otf = tmp_path / "NotoSansCJKsc-Regular.otf"
    otf.write_bytes(b"OTTO" + bytes(200))
    with pytest.raises(UnsupportedFont, match="CFF") as caught:
        load_cjk_font(otf)
    assert "UNICARD_CJK_FONT" in str(caught.value) and str(otf) in str(caught.value)


def test_cff_member_of_a_collection_is_refused(tmp_path: Path) -> None:
    # A .ttc header pointing at one member whose outlines are CFF (as Noto CJK's .ttc is).
    ttc = tmp_path / "NotoSansCJK-Regular.ttc"
    ttc.write_bytes(b"ttcf" + b"\x00\x01\x00\x00" + (1).to_bytes(4, "big")
                    + (16).to_bytes(4, "big") + b"OTTO" + bytes(200))
    with pytest.raises(UnsupportedFont, match="CFF"):
        load_cjk_font(ttc)
    with pytest.raises(UnsupportedFont, match="no font number 3"):
        load_cjk_font(ttc, subfont_index=3)


def test_a_file_that_is_no_font_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "font.ttf"
    bogus.write_text("not a font at all")
    with pytest.raises(UnsupportedFont, match="not a TrueType font"):
        load_cjk_font(bogus)


def test_registration_is_cached_per_file_and_subfont(cjk_font: str) -> None:
    first = load_cjk_font(cjk_font)
    assert load_cjk_font(Path(cjk_font)) == first
    assert load_cjk_font(cjk_font, subfont_index=1) != first  # Zen Hei Mono in the same .ttc


def test_missing_glyphs_finds_characters_the_font_lacks(cjk_font: str) -> None:
    font = load_cjk_font(cjk_font)
    assert missing_glyphs(font, "欧阳娜娜 Zhang") == ""
    assert missing_glyphs(font, "张𠀀") == "𠀀"  # CJK extension B: not in Zen Hei
