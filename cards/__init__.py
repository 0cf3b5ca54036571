"""Printing for the library network: reader cards, spine labels and item barcode labels.

Takes plain data (the dataclasses in `models`) and writes print-ready PDF; imports nothing
from `unicard`. Barcodes are vector shapes and fonts are embedded as subsets, so files stay
small and print sharp at any resolution.
"""

from .call_numbers import spine_lines
from .errors import (
    BarcodeError,
    CardsError,
    FontError,
    FontNotFound,
    LayoutError,
    NothingToPrint,
    UnsupportedFont,
)
from .fonts import CJK_FONT_SETTING, DEFAULT_CJK_FONT_PATHS, find_cjk_font, load_cjk_font
from .geometry import CARD_SHEET, CR80, LABEL_SHEETS, Grid
from .labels import render_labels
from .models import CardDesign, ItemLabel, ReaderCard, RenderStats, SpineLabel
from .reader_cards import CardLayout, render_cards

__all__ = [
    "CARD_SHEET",
    "CJK_FONT_SETTING",
    "CR80",
    "DEFAULT_CJK_FONT_PATHS",
    "LABEL_SHEETS",
    "BarcodeError",
    "CardDesign",
    "CardLayout",
    "CardsError",
    "FontError",
    "FontNotFound",
    "Grid",
    "ItemLabel",
    "LayoutError",
    "NothingToPrint",
    "ReaderCard",
    "RenderStats",
    "SpineLabel",
    "UnsupportedFont",
    "find_cjk_font",
    "load_cjk_font",
    "render_cards",
    "render_labels",
    "spine_lines",
]
