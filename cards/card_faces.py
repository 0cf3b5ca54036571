"""Drawing one reader card, front or back, with the card's bottom-left corner at the origin.

What is the same on many cards (the band with the network's name, the issuing branch,
the captions, the rules text on the back) is drawn once per document as a PDF form
XObject and reused by reference; per card only the name, expiry, barcode and QR are drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.colors import Color, HexColor
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from .barcodes import CODE128_QUIET_MODULES, QR_QUIET_MODULES, code128, draw_symbol, qr
from .fonts import missing_glyphs
from .geometry import CR80, MM
from .models import CardDesign, ReaderCard
from .text import fit_size, wrap

__all__ = ["CARD_HEIGHT", "CARD_WIDTH", "CardPainter"]

CARD_WIDTH = CR80[0] * MM
CARD_HEIGHT = CR80[1] * MM

LATIN = "Helvetica"
GREY = Color(0.33, 0.33, 0.33)
WHITE = Color(1, 1, 1)
BLACK = Color(0, 0, 0)

# Front, in mm from the card's bottom-left corner.
MARGIN = 4.0
BAND_BOTTOM = 42.0  # coloured band with the network's name, up to the top edge
BAND_BASELINE = 46.3
NAME_BASELINE = 33.0
BRANCH_BASELINE = 27.3
EXPIRY_BASELINE = 23.0
BARS_BOTTOM, BARS_TOP = 7.0, 19.0
NUMBER_BASELINE = 3.6
STRIPE = 1.5  # thin accent stripe along the bottom edge
MAX_MODULE = 0.40  # X-dimension ceiling; narrower only when a long number needs it

# Back.
QR_SIZE = 18.0
QR_BOTTOM = 15.0
QR_NUMBER_BASELINE = 11.0
RULES_TOP_BASELINE = 42.0
RULES_BOTTOM = 8.0
RULES_SIZE, RULES_LEADING = 6.3, 8.0  # points


@dataclass(frozen=True, slots=True)
class _FrontForm:
    name: str
    expiry_x: float  # where the expiry date starts, after its caption


class CardPainter:
    """Draws card faces on one canvas; holds that document's forms."""

    def __init__(self, canvas: Canvas, font: str, design: CardDesign) -> None:
        self.canvas = canvas
        self.font = font
        self.design = design
        self.accent = HexColor(design.accent)
        self.missing: dict[str, str] = {}
        self._fronts: dict[tuple[str, str], _FrontForm] = {}
        self._backs: dict[tuple[str, str], str] = {}

    def front(self, card: ReaderCard) -> None:
        c = self.canvas
        form = self._front_form(card.network_name, card.branch_name)
        c.doForm(form.name)
        self._check(card.card_number, card.name)

        size = fit_size(card.name, self.font, 16, CARD_WIDTH - 2 * MARGIN * MM)
        c.setFillColor(BLACK)
        c.setFont(self.font, size)
        c.drawString(MARGIN * MM, NAME_BASELINE * MM, card.name)
        c.setFont(LATIN, 7.5)
        expires = card.expires.strftime(self.design.date_format)
        c.drawString(form.expiry_x, EXPIRY_BASELINE * MM, expires)

        bars = code128(card.card_number)
        module = min(
            MAX_MODULE * MM,
            (CARD_WIDTH - 2 * MARGIN * MM) / (bars.width + 2 * CODE128_QUIET_MODULES),
        )
        x = (CARD_WIDTH - bars.width * module) / 2
        draw_symbol(c, bars, x, BARS_BOTTOM * MM, module, (BARS_TOP - BARS_BOTTOM) * MM)
        c.setFont(LATIN, 8)
        c.drawCentredString(CARD_WIDTH / 2, NUMBER_BASELINE * MM, card.card_number)

    def back(self, card: ReaderCard) -> None:
        c = self.canvas
        c.doForm(self._back_form(card.network_name, card.rules))
        symbol = qr(card.card_number)
        left = CARD_WIDTH - (MARGIN + QR_SIZE) * MM
        draw_symbol(c, symbol, left, QR_BOTTOM * MM, QR_SIZE * MM / symbol.width, QR_SIZE * MM)
        c.setFillColor(BLACK)
        c.setFont(LATIN, 6.5)
        c.drawCentredString(left + QR_SIZE * MM / 2, QR_NUMBER_BASELINE * MM, card.card_number)

    def _check(self, key: str, text: str) -> None:
        chars = missing_glyphs(self.font, text)
        if chars:
            self.missing[key] = chars

    def _front_form(self, network: str, branch: str) -> _FrontForm:
        key = (network, branch)
        if key in self._fronts:
            return self._fronts[key]
        d, c, font = self.design, self.canvas, self.font
        self._check(network, network)
        self._check(branch, branch)
        name = f"front{len(self._fronts)}"
        c.beginForm(name, 0, 0, CARD_WIDTH, CARD_HEIGHT)
        c.setFillColor(self.accent)
        c.rect(0, BAND_BOTTOM * MM, CARD_WIDTH, CARD_HEIGHT - BAND_BOTTOM * MM, stroke=0, fill=1)
        c.rect(0, 0, CARD_WIDTH, STRIPE * MM, stroke=0, fill=1)

        c.setFillColor(WHITE)
        title_width = stringWidth(d.title, font, 9)
        c.setFont(font, 9)
        c.drawRightString(CARD_WIDTH - MARGIN * MM, BAND_BASELINE * MM, d.title)
        room = CARD_WIDTH - 2 * MARGIN * MM - title_width - 4 * MM
        c.setFont(font, fit_size(network, font, 12, room))
        c.drawString(MARGIN * MM, BAND_BASELINE * MM, network)

        c.setFillColor(GREY)
        c.setFont(font, 6.5)
        c.drawString(MARGIN * MM, BRANCH_BASELINE * MM, d.branch_caption)
        c.drawString(MARGIN * MM, EXPIRY_BASELINE * MM, d.expiry_caption)
        gap = 2 * MM
        caption_width = max(
            stringWidth(d.branch_caption, font, 6.5), stringWidth(d.expiry_caption, font, 6.5)
        )
        value_x = MARGIN * MM + caption_width + gap
        c.setFillColor(BLACK)
        c.setFont(font, fit_size(branch, font, 7.5, CARD_WIDTH - value_x - MARGIN * MM))
        c.drawString(value_x, BRANCH_BASELINE * MM, branch)
        c.endForm()
        form = _FrontForm(name, value_x)
        self._fronts[key] = form
        return form

    def _back_form(self, network: str, rules: str) -> str:
        key = (network, rules)
        if key in self._backs:
            return self._backs[key]
        d, c, font = self.design, self.canvas, self.font
        self._check(network, network)
        self._check(d.rules_caption, rules)
        name = f"back{len(self._backs)}"
        c.beginForm(name, 0, 0, CARD_WIDTH, CARD_HEIGHT)
        c.setFillColor(self.accent)
        c.rect(0, 0, CARD_WIDTH, STRIPE * MM, stroke=0, fill=1)
        c.setFont(font, 8)
        c.drawString(MARGIN * MM, (RULES_TOP_BASELINE + 4.5) * MM, d.rules_caption)

        # The QR code keeps its quiet zone clear: text stops 4 modules short of it, counting
        # modules of the smallest QR version (21 wide), the widest a module gets.
        qr_left = CARD_WIDTH - (MARGIN + QR_SIZE) * MM
        quiet = QR_QUIET_MODULES * QR_SIZE * MM / 21 + 1 * MM
        width = qr_left - quiet - MARGIN * MM
        lines = wrap(rules, font, RULES_SIZE, width)
        room = int((RULES_TOP_BASELINE - RULES_BOTTOM) * MM // RULES_LEADING) + 1
        if len(lines) > room:  # too long for the card: cut and say so with an ellipsis
            lines = [*lines[: room - 1], lines[room - 1][:-1] + "…"]
        c.setFillColor(BLACK)
        text = c.beginText(MARGIN * MM, RULES_TOP_BASELINE * MM)
        text.setFont(font, RULES_SIZE, RULES_LEADING)
        for line in lines:
            text.textLine(line)
        c.drawText(text)

        c.setFillColor(GREY)
        c.setFont(font, 6.5)
        c.drawString(MARGIN * MM, 3.2 * MM, network)
        c.endForm()
        self._backs[key] = name
        return name

