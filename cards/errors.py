"""Errors raised while printing cards and labels, each carrying what went wrong."""

from __future__ import annotations

__all__ = [
    "BarcodeError",
    "CardsError",
    "FontError",
    "FontNotFound",
    "LayoutError",
    "NothingToPrint",
    "UnsupportedFont",
]

# CardsError
#  ├── FontError
#  │    ├── FontNotFound        no file at the configured / default path
#  │    └── UnsupportedFont     a file reportlab cannot embed (CFF outlines, not a font)
#  ├── BarcodeError             a value Code 128 cannot carry
#  ├── LayoutError              an unknown layout or sheet name, or a bad argument for one
#  └── NothingToPrint           no cards or labels came in: a PDF needs at least one page


class CardsError(Exception):
    """Base of every error this package raises."""


class FontError(CardsError):
    """The CJK font cannot be used."""

    def __init__(self, message: str, *, setting: str, paths: tuple[str, ...]) -> None:
        super().__init__(message)
        self.setting = setting
        self.paths = paths


class FontNotFound(FontError):
    """No font file where the setting (or the default search) points."""


class UnsupportedFont(FontError):
    """The file exists but reportlab cannot embed it (e.g. CFF-based OpenType)."""


class BarcodeError(CardsError, ValueError):
    """A card number or item barcode that cannot be printed as Code 128."""

    def __init__(self, value: str, reason: str) -> None:
        super().__init__(f"cannot print {value!r} as a Code 128 barcode: {reason}")
        self.value = value
        self.reason = reason


class LayoutError(CardsError, ValueError):
    """An unknown layout or label sheet name."""


class NothingToPrint(CardsError, ValueError):
    """No cards or labels were given; no file is written (a PDF without pages is invalid)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"no {what} to print")
        self.what = what
