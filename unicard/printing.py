"""Use cases of printing: which reader cards and item labels a branch prints, handed to the
`cards` package as plain data."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal

from cards import (
    CardsError,
    ItemLabel,
    NothingToPrint,
    ReaderCard,
    RenderStats,
    SpineLabel,
    render_cards,
    render_labels,
)
from unicard.catalogue.tables import Item
from unicard.clock import NETWORK_TZ
from unicard.db import read_transaction
from unicard.errors import InvalidInput, NotFound, Unavailable
from unicard.network.services import load_tree, require_org
from unicard.network.tree import NetworkTree
from unicard.readers.permissions import Action, StaffPrincipal, ensure_allowed
from unicard.readers.tables import Card
from unicard.settings import Settings

__all__ = [
    "CARD_RULES",
    "PrintJob",
    "item_labels",
    "print_item_labels",
    "print_reader_cards",
    "reader_cards",
]

CARD_RULES = (
    "本证全市通用，可在任一分馆借书、还书和预约。\n"
    "请妥善保管，遗失请及时到任一服务点挂失补办。\n"
    "凭本证可预约各文化馆的活动室和公益培训课程。\n"
    "This card is valid at every library and cultural hall of the network."
)


@dataclass(frozen=True)
class PrintJob:
    pdf: bytes
    stats: RenderStats


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, NETWORK_TZ)


async def reader_cards(tree: NetworkTree, branch: str, since: date | None,
                       card_numbers: Sequence[str]) -> list[ReaderCard]:
    """Current cards issued in the branch's subtree (since a date), or the named cards;
    a replaced card prints with its new number because only current cards are chosen."""
    query = Card.select(
        Card.number, Card.issued_by_org.code.as_alias("issued_at_org"),
        Card.reader.name.as_alias("name"), Card.reader.expires_on.as_alias("expires_on"),
    ).where(Card.state == "current")
    if card_numbers:
        query = query.where(Card.number.is_in(list(card_numbers)))
    else:
        query = query.where(Card.issued_by_org.code.is_in(tree.subtree(branch)))
        if since is not None:
            query = query.where(Card.issued_at >= _start_of(since))
    rows = await query.order_by(Card.number)
    if card_numbers:
        found = {row["number"] for row in rows}
        missing = [n for n in card_numbers if n not in found]
        if missing:
            raise NotFound(f"no current card with number {missing[0]}", code="card-not-found",
                           card_numbers=missing)
    network = tree.node(tree.path(branch)[-1]).name_zh
    return [
        ReaderCard(card_number=row["number"], name=row["name"], network_name=network,
                   branch_name=tree.node(row["issued_at_org"] or branch).name_zh,
                   expires=row["expires_on"], rules=CARD_RULES)
        for row in rows
    ]


def _render(render: Callable[[io.BytesIO], RenderStats]) -> PrintJob:
    buffer = io.BytesIO()
    try:
        stats = render(buffer)
    except NothingToPrint:
        raise NotFound("nothing to print for this selection", code="nothing-to-print") from None
    except CardsError as exc:
        # A missing font is a deployment problem, named by its setting.
        raise Unavailable(str(exc), code="printing-unavailable") from None
    return PrintJob(buffer.getvalue(), stats)


async def print_reader_cards(staff: StaffPrincipal | None, settings: Settings, branch: str, *,
                             since: date | None = None, card_numbers: Sequence[str] = (),
                             layout: Literal["sheet", "single"] = "sheet",
                             with_back: bool = False,
                             on_total: Callable[[int], None] | None = None,
                             progress: Callable[[int], None] | None = None) -> PrintJob:
    if layout not in ("sheet", "single"):
        raise InvalidInput(f"layout {layout!r} is not 'sheet' or 'single'",
                           code="layout-invalid")
    async with read_transaction():
        tree = await load_tree()
        require_org(tree, branch, "branch")
        if staff is not None:
            ensure_allowed(staff, Action.PRINT_CARDS, tree.path(branch))
        cards = await reader_cards(tree, branch, since, card_numbers)
    if on_total:
        on_total(len(cards))
    font = settings.cjk_font or None
    return _render(lambda out: render_cards(cards, out, layout=layout, font_path=font,
                                            with_back=with_back, progress=progress))


async def item_labels(tree: NetworkTree, branch: str, since: date | None,
                      barcodes: Sequence[str], kind: str) -> list[SpineLabel | ItemLabel]:
    query = Item.select(Item.barcode, Item.call_number, Item.shelving_location,
                        Item.home_org.code.as_alias("home"))
    if barcodes:
        query = query.where(Item.barcode.is_in(list(barcodes)))
    else:
        query = query.where(Item.home_org.code.is_in(tree.subtree(branch)))
        if since is not None:
            query = query.where(Item.created_at >= _start_of(since))
    rows = await query.order_by(Item.call_number_sort).order_by(Item.barcode)
    if kind == "spine":
        return [SpineLabel(row["call_number"], row["shelving_location"] or None)
                for row in rows if row["call_number"]]
    return [ItemLabel(row["barcode"], tree.node(row["home"]).name_zh) for row in rows]


async def print_item_labels(staff: StaffPrincipal | None, settings: Settings, branch: str, *,
                            kind: Literal["spine", "barcode"] = "barcode",
                            since: date | None = None, barcodes: Sequence[str] = (),
                            sheet: str = "a4-3x8", skip: int = 0,
                            on_total: Callable[[int], None] | None = None,
                            progress: Callable[[int], None] | None = None) -> PrintJob:
    from cards import LABEL_SHEETS

    if kind not in ("spine", "barcode"):
        raise InvalidInput(f"label kind {kind!r} is not 'spine' or 'barcode'",
                           code="label-kind-invalid")
    if sheet not in LABEL_SHEETS:
        raise InvalidInput(f"sheet {sheet!r} is not one of {sorted(LABEL_SHEETS)}",
                           code="label-sheet-invalid")
    async with read_transaction():
        tree = await load_tree()
        require_org(tree, branch, "branch")
        if staff is not None:
            ensure_allowed(staff, Action.CATALOGUE, tree.path(branch))
        labels = await item_labels(tree, branch, since, barcodes, kind)
    if on_total:
        on_total(len(labels))
    font = settings.cjk_font or None
    return _render(lambda out: render_labels(labels, out, sheet=sheet, font_path=font,
                                             skip=skip, progress=progress))


