"""Opening the PDF canvas every renderer writes to."""

from __future__ import annotations

import os
from typing import BinaryIO

from reportlab.pdfgen.canvas import Canvas

__all__ = ["Output", "open_canvas"]

Output = BinaryIO | str | os.PathLike[str]


def open_canvas(out: Output, pagesize: tuple[float, float], title: str) -> Canvas:
    """A compressed canvas: page streams are mostly repeated operators, so zlib halves them."""
    target = os.fspath(out) if isinstance(out, (str, os.PathLike)) else out
    canvas = Canvas(target, pagesize=pagesize, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("unicard")
    return canvas
