"""Probes for the printing tests: render PDF pages with poppler, decode with zbar.

Reads the PDF with tools independent of reportlab. No skips: CI installs poppler-utils,
zbar-tools/libzbar0 and fonts-wqy-zenhei, and a missing tool must fail the run loudly.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from pyzbar import pyzbar  # ImportError here means libzbar0 is not installed

from cards.geometry import MM, Box

POPPLER_HINT = "install poppler-utils (pdftoppm, pdfinfo, pdffonts, pdftotext)"


@dataclass(frozen=True)
class Decoded:
    """A symbol zbar found: its text, type and centre in mm from the page's top-left."""

    data: str
    kind: str
    x: float
    y: float


@dataclass(frozen=True)
class Word:
    """A word pdftotext found, with its box in mm from the page's top-left."""

    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: {POPPLER_HINT}")
    return path


class Probe:
    """Reads a rendered PDF back with poppler and zbar; handed to tests as the `probe` fixture.

    (A fixture, not an importable module: this folder has no __init__.py, because a test
    package named `cards` would shadow the real `cards` package.)
    """

    @staticmethod
    def render(pdf: Path, dpi: int = 300) -> list[Image.Image]:
        """Every page of a PDF as a greyscale image at `dpi`, drawn by poppler."""
        prefix = pdf.with_name(f"{pdf.stem}-{dpi}dpi")
        subprocess.run(
            [_tool("pdftoppm"), "-r", str(dpi), "-gray", "-png", str(pdf), str(prefix)],
            check=True,
        )
        files = sorted(
            pdf.parent.glob(f"{prefix.name}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1])
        )
        return [Image.open(f).convert("L") for f in files]

    @staticmethod
    def decode(image: Image.Image, dpi: int, *symbols: pyzbar.ZBarSymbol) -> list[Decoded]:
        """Every symbol of the given kinds zbar reads on the image, centres in mm."""
        px = 25.4 / dpi
        return [
            Decoded(
                d.data.decode("ascii"),
                d.type,
                (d.rect.left + d.rect.width / 2) * px,
                (d.rect.top + d.rect.height / 2) * px,
            )
            for d in pyzbar.decode(image, symbols=list(symbols))
        ]

    @staticmethod
    def crop(image: Image.Image, box: Box, dpi: int) -> Image.Image:
        """The part of a page image inside `box` (mm), padded white so zbar sees quiet zones."""
        k = dpi / 25.4
        part = image.crop(
            (round(box.x * k), round(box.y * k), round((box.x + box.width) * k),
             round((box.y + box.height) * k))
        )
        framed = Image.new("L", (part.width + 40, part.height + 40), 255)
        framed.paste(part, (20, 20))
        return framed

    @staticmethod
    def page_sizes(pdf: Path) -> list[tuple[float, float]]:
        """Each page's size in mm, read by poppler rather than by reportlab."""
        info = subprocess.run(
            [_tool("pdfinfo"), "-f", "1", "-l", "9999", str(pdf)],
            check=True, capture_output=True, text=True,
        ).stdout
        return [
            (float(w) / MM, float(h) / MM)
            for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
        ]

    @staticmethod
    def pdf_fonts(pdf: Path) -> list[dict[str, str]]:
        """pdffonts' table: name, type, and whether each font is embedded and subset."""
        out = subprocess.run(
            [_tool("pdffonts"), str(pdf)], check=True, capture_output=True, text=True
        ).stdout
        rows = []
        for line in out.splitlines()[2:]:
            parts = line.split()
            # name, type words..., encoding, emb, sub, uni, object, generation
            rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3],
                         "type": " ".join(parts[1:-6])})
        return rows

    @staticmethod
    def words(pdf: Path, page: int) -> list[Word]:
        """The words on one page with their positions, via pdftotext -bbox."""
        out = subprocess.run(
            [_tool("pdftotext"), "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
            check=True, capture_output=True, text=True,
        ).stdout
        pattern = (
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
        )
        return [
            Word(text, float(a) / MM, float(b) / MM, float(c) / MM, float(d) / MM)
            for a, b, c, d, text in re.findall(pattern, out)
        ]

    @staticmethod
    def ink(image: Image.Image, box: Box, dpi: int, threshold: int = 128) -> int:
        """How many pixels darker than `threshold` lie inside `box` (mm)."""
        k = dpi / 25.4
        part = image.crop(
            (round(box.x * k), round(box.y * k), round((box.x + box.width) * k),
             round((box.y + box.height) * k))
        )
        return sum(part.point(lambda v: 255 if v < threshold else 0).histogram()[255:])


WQY = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


@pytest.fixture(scope="session")
def cjk_font() -> str:
    """The font CI installs; missing means a broken setup, so fail rather than skip."""
    if not Path(WQY).is_file():
        pytest.fail(f"{WQY} missing: apt-get install fonts-wqy-zenhei")
    return WQY


@pytest.fixture(scope="session")
def probe() -> type[Probe]:
    return Probe
