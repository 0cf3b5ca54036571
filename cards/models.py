"""The plain data the package prints: one frozen dataclass per card or label."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

__all__ = ["CardDesign", "ItemLabel", "ReaderCard", "RenderStats", "SpineLabel"]


@dataclass(frozen=True, slots=True)
class ReaderCard:
    """One reader card. A replaced card is just a new one with its new number."""

    card_number: str
    name: str
    network_name: str
    branch_name: str
    expires: date
    rules: str = ""  # printed on the back; lines are kept, long lines wrap


@dataclass(frozen=True, slots=True)
class CardDesign:
    """What a network may change on its cards without touching code.

    The captions are data, not identifiers: the app passes them from its message catalogue.
    """

    accent: str = "#1F4E79"
    title: str = "读者证"
    branch_caption: str = "发证馆"
    expiry_caption: str = "有效期至"
    rules_caption: str = "读者须知"
    date_format: str = "%Y-%m-%d"


@dataclass(frozen=True, slots=True)
class SpineLabel:
    """A spine label: the call number one line per `/` segment, after an optional location."""

    call_number: str
    location: str | None = None


@dataclass(frozen=True, slots=True)
class ItemLabel:
    """An item barcode label; `owner` (the library's name) prints above the bars."""

    barcode: str
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class RenderStats:
    """What a render produced, so the caller can report it.

    `missing_glyphs` lists (card number or label text, characters) the font has no glyph
    for: those would print as empty boxes, so staff should see them before printing.
    """

    items: int
    pages: int
    seconds: float
    missing_glyphs: tuple[tuple[str, str], ...] = field(default=())

    @property
    def per_second(self) -> float:
        return self.items / self.seconds if self.seconds > 0 else float("inf")
