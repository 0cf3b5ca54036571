"""Readers under the one card: register, scan, edit, block, replace card."""

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.datastructures import State
from litestar.di import Provide

from unicard.api.auth import current_staff
from unicard.api.schemas import (
    CardReplaceIn,
    ReaderBlockIn,
    ReaderPatch,
    RegisterIn,
    ScanOut,
    set_fields,
)
from unicard.readers import services
from unicard.readers.card_numbers import ScanKind, classify_scan
from unicard.readers.permissions import StaffPrincipal
from unicard.readers.services import ReaderRecord

__all__ = ["ReaderController", "ScanController"]


class ReaderController(Controller):
    path = "/api/readers"
    tags = ["readers"]
    dependencies = {"staff": Provide(current_staff)}

    @post("/", summary="Register a reader; valid at every branch at once")
    async def register(self, data: RegisterIn, staff: StaffPrincipal, state: State) -> ReaderRecord:
        reg = services.Registration(**{f: getattr(data, f) for f in data.__struct_fields__})
        return await services.register_reader(reg, staff, state.settings,
                                                         state.clock)

    @get("/{card_number:str}", summary="Look a reader up by card number (desk scan)")
    async def by_card(self, card_number: str, staff: StaffPrincipal, state: State) -> ReaderRecord:
        return await services.find_by_card(card_number, staff, state.clock)

    @patch("/{card_number:str}", summary="Change contact details, category, home branch, PIN")
    async def update(self, card_number: str, data: ReaderPatch, staff: StaffPrincipal,
                     state: State) -> ReaderRecord:
        return await services.update_reader(card_number, set_fields(data), staff,
                                                       state.clock)

    @post("/{card_number:str}/block", summary="Block borrowing, with a reason", status_code=200)
    async def block(self, card_number: str, data: ReaderBlockIn, staff: StaffPrincipal,
                    state: State) -> ReaderRecord:
        return await services.block_reader(card_number, data.reason, staff,
                                                      state.clock)

    @post("/{card_number:str}/unblock", summary="Lift a block", status_code=200)
    async def unblock(self, card_number: str, staff: StaffPrincipal, state: State) -> ReaderRecord:
        return await services.unblock_reader(card_number, staff, state.clock)

    @post("/{card_number:str}/report-lost", summary="Refuse this card everywhere from now on",
          status_code=200)
    async def report_lost(self, card_number: str, staff: StaffPrincipal,
                          state: State) -> ReaderRecord:
        return await services.report_card_lost(card_number, staff, state.clock)

    @post("/{card_number:str}/replace-card", summary="Issue a new card number for the account",
          status_code=200)
    async def replace(self, card_number: str, data: CardReplaceIn, staff: StaffPrincipal,
                      state: State) -> ReaderRecord:
        return await services.replace_card(card_number, staff, data.at_org,
                                                      state.clock, data.new_card_number)


class ScanController(Controller):
    """One scan box: tells a card from an item barcode before anything is looked up."""

    path = "/api/scan"
    tags = ["readers"]
    dependencies = {"staff": Provide(current_staff)}

    @get("/{code:str}", summary="What was scanned: a card (with its reader) or an item")
    async def scan(self, code: str, staff: StaffPrincipal, state: State) -> ScanOut:
        kind = classify_scan(code)
        if kind is ScanKind.CARD:
            record = await services.find_by_card(code, staff, state.clock)
            return ScanOut(kind.value, code.strip(), record)
        return ScanOut(kind.value, code.strip())
