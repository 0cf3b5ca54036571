"""Read a PDF back the way a person would: poppler renders pages, zbar decodes barcodes."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from PIL import Image
from pyzbar import pyzbar


def decode_barcodes(pdf: bytes, dpi: int = 200) -> list[str]:
    """Every Code 128 symbol on every page, page by page, top to bottom."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "doc.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(source),
                        str(Path(folder) / "page")], check=True)
        found: list[str] = []
        for page in sorted(Path(folder).glob("page-*.png"),
                           key=lambda p: int(p.stem.rsplit("-", 1)[1])):
            symbols = pyzbar.decode(Image.open(page), symbols=[pyzbar.ZBarSymbol.CODE128])
            found.extend(s.data.decode("ascii") for s in sorted(symbols, key=lambda s: (
                s.rect.top, s.rect.left)))
        return found


def font_names(pdf: bytes) -> list[str]:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        listing = subprocess.run(["pdffonts", handle.name], check=True, capture_output=True,
                                 text=True).stdout
    return [line.split()[0] for line in listing.splitlines()[2:] if line.strip()]
