"""Finding, checking and registering the CJK font that reader names and captions print in.

reportlab embeds TrueType outlines only (as a subset), so a CFF-based OpenType font
(Noto CJK .otf/.ttc, Source Han) is refused up front with a message saying what to use.
Registration parses the whole font file, so it happens once per (path, subfont) and process.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from .errors import FontNotFound, UnsupportedFont

__all__ = [
    "CJK_FONT_SETTING",
    "DEFAULT_CJK_FONT_PATHS",
    "find_cjk_font",
    "load_cjk_font",
    "missing_glyphs",
]

CJK_FONT_SETTING = "UNICARD_CJK_FONT"

# Debian/Ubuntu packages with TrueType CJK outlines, best first. fonts-wqy-zenhei is the one
# CI installs; the others are fallbacks a branch PC may already have.
DEFAULT_CJK_FONT_PATHS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)

_TRUETYPE_TAGS = (b"\x00\x01\x00\x00", b"true")
_FONT_HELP = (
    f"set {CJK_FONT_SETTING} to a TrueType CJK font (.ttf or .ttc), "
    "e.g. install Debian's fonts-wqy-zenhei"
)


def find_cjk_font(candidates: tuple[str, ...] = DEFAULT_CJK_FONT_PATHS) -> Path:
    """The first default CJK font present on this machine."""
    for candidate in candidates:
        if Path(candidate).is_file():
            return Path(candidate)
    tried = ", ".join(candidates)
    raise FontNotFound(
        f"no CJK font found ({CJK_FONT_SETTING} is not set; tried {tried}): {_FONT_HELP}",
        setting=CJK_FONT_SETTING,
        paths=candidates,
    )


def load_cjk_font(path: str | os.PathLike[str] | None = None, subfont_index: int = 0) -> str:
    """Register the font at `path` (the default one when None) and return its reportlab name."""
    resolved = find_cjk_font() if path is None else Path(path)
    return _register(str(resolved), subfont_index)


@functools.lru_cache(maxsize=8)
def _register(path: str, subfont_index: int) -> str:
    if not Path(path).is_file():
        raise FontNotFound(
            f"CJK font not found at {path} (from setting {CJK_FONT_SETTING}): {_FONT_HELP}",
            setting=CJK_FONT_SETTING,
            paths=(path,),
        )
    _check_truetype(path, subfont_index)
    name = f"UnicardCJK-{hashlib.sha1(path.encode()).hexdigest()[:8]}-{subfont_index}"
    try:
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=subfont_index))
    except TTFError as exc:
        raise UnsupportedFont(
            f"reportlab cannot embed the font at {path} (from setting {CJK_FONT_SETTING}): "
            f"{exc}; {_FONT_HELP}",
            setting=CJK_FONT_SETTING,
            paths=(path,),
        ) from exc
    return name


def _check_truetype(path: str, subfont_index: int) -> None:
    """Refuse CFF outlines (sfnt tag 'OTTO') before reportlab fails with a vaguer message."""
    with open(path, "rb") as f:
        head = f.read(12)
        tag = head[:4]
        if tag == b"ttcf":  # a collection: look at the chosen member's own header
            count = int.from_bytes(head[8:12], "big")
            if not 0 <= subfont_index < count:
                raise UnsupportedFont(
                    f"{path} holds {count} fonts, there is no font number {subfont_index}",
                    setting=CJK_FONT_SETTING,
                    paths=(path,),
                )
            f.seek(12 + 4 * subfont_index)
            f.seek(int.from_bytes(f.read(4), "big"))
            tag = f.read(4)
    if tag == b"OTTO":
        raise UnsupportedFont(
            f"{path} (from setting {CJK_FONT_SETTING}) is an OpenType font with CFF outlines, "
            f"which reportlab cannot embed: {_FONT_HELP}",
            setting=CJK_FONT_SETTING,
            paths=(path,),
        )
    if tag not in _TRUETYPE_TAGS:
        raise UnsupportedFont(
            f"{path} (from setting {CJK_FONT_SETTING}) is not a TrueType font: {_FONT_HELP}",
            setting=CJK_FONT_SETTING,
            paths=(path,),
        )


def missing_glyphs(font_name: str, text: str) -> str:
    """The characters of `text` the font has no glyph for (they would print as boxes)."""
    font = pdfmetrics.getFont(font_name)
    char_to_glyph = getattr(getattr(font, "face", None), "charToGlyph", None)
    if char_to_glyph is None:  # a standard font: Latin-1 only
        return "".join(dict.fromkeys(c for c in text if ord(c) > 0xFF))
    lacking = (c for c in text if not c.isspace() and ord(c) not in char_to_glyph)
    return "".join(dict.fromkeys(lacking))
