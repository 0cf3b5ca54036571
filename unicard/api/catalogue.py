"""The union catalogue over HTTP: records, copies, ISBN and barcode lookups, holdings by
branch, barcode ranges and the merge log."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, delete, get, patch, post, put
from litestar.datastructures import State
from litestar.di import Provide

from unicard.api.auth import current_staff
from unicard.api.schemas import set_fields
from unicard.catalogue import services
from unicard.readers.permissions import StaffPrincipal

__all__ = ["CatalogueController"]


class _In(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class RecordIn(_In):
    """Either `marcxml` (one record, MARC 21 or UNIMARC) or the quick-cataloguing fields."""

    marcxml: str | None = None
    title: str | None = None
    authors: list[str] = []
    isbns: list[str] = []
    publisher: str | None = None
    place: str | None = None
    year: int | None = None
    clc: str | None = None
    language: str | None = None
    subjects: list[str] = []
    summary: str | None = None

    def command(self) -> services.RecordInput:
        return services.RecordInput(
            marcxml=self.marcxml, title=self.title, authors=tuple(self.authors),
            isbns=tuple(self.isbns), publisher=self.publisher, place=self.place,
            year=self.year, clc=self.clc, language=self.language,
            subjects=tuple(self.subjects), summary=self.summary)


class ItemIn(_In):
    branch: str
    barcode: str | None = None
    call_number: str = ""
    shelving_location: str = ""
    item_type: str = "book"
    price: str | None = None
    not_for_loan: bool = False


class ItemPatch(_In):
    call_number: str | msgspec.UnsetType = msgspec.UNSET
    shelving_location: str | msgspec.UnsetType = msgspec.UNSET
    item_type: str | msgspec.UnsetType = msgspec.UNSET
    price: str | msgspec.UnsetType | None = msgspec.UNSET
    not_for_loan: bool | msgspec.UnsetType = msgspec.UNSET
    home_org: str | msgspec.UnsetType = msgspec.UNSET
    status: str | msgspec.UnsetType = msgspec.UNSET
    copy_number: str | msgspec.UnsetType = msgspec.UNSET


class RangeIn(_In):
    branch: str
    count: int


class CatalogueController(Controller):
    path = "/api/catalogue"
    tags = ["catalogue"]
    dependencies = {"staff": Provide(current_staff)}

    @post("/records", summary="Create a record from MARCXML or quick-cataloguing fields")
    async def create_record(self, data: RecordIn, staff: StaffPrincipal,
                            state: State) -> dict[str, Any]:
        return await services.create_record(data.command(), staff, state.clock)

    @get("/records/{record_id:int}", summary="A record with its copies")
    async def record(self, record_id: int, staff: StaffPrincipal) -> dict[str, Any]:
        return await services.get_record(record_id)

    @put("/records/{record_id:int}", summary="Replace a record's description")
    async def replace_record(self, record_id: int, data: RecordIn, staff: StaffPrincipal,
                             state: State) -> dict[str, Any]:
        return await services.replace_record(record_id, data.command(), staff, state.clock)

    @delete("/records/{record_id:int}", summary="Delete a record that has no copies")
    async def delete_record(self, record_id: int, staff: StaffPrincipal, state: State) -> None:
        await services.delete_record(record_id, staff, state.clock)

    @get("/records/{record_id:int}/holdings", summary="Copies grouped by branch, with status")
    async def holdings(self, record_id: int, staff: StaffPrincipal) -> list[dict[str, Any]]:
        return await services.holdings_by_branch(record_id)

    @post("/records/{record_id:int}/items", summary="Add a copy (barcode from the branch range "
          "when omitted)")
    async def create_item(self, record_id: int, data: ItemIn, staff: StaffPrincipal,
                          state: State) -> dict[str, Any]:
        command = services.NewItem(**{f: getattr(data, f) for f in data.__struct_fields__})
        return await services.create_item(record_id, command, staff, state.clock)

    @get("/records/{record_id:int}/merges", summary="Union-catalogue merges into this record")
    async def merges(self, record_id: int, staff: StaffPrincipal) -> list[dict[str, Any]]:
        return await services.list_merges(record_id)

    @get("/merges", summary="The latest union-catalogue merges")
    async def all_merges(self, staff: StaffPrincipal, limit: int = 50) -> list[dict[str, Any]]:
        return await services.list_merges(None, min(limit, 500))

    @get("/isbn/{isbn:str}", summary="Records by ISBN-10 or ISBN-13")
    async def by_isbn(self, isbn: str, staff: StaffPrincipal) -> list[dict[str, Any]]:
        return await services.records_by_isbn(isbn)

    @get("/items/{barcode:str}", summary="A copy by its barcode")
    async def item(self, barcode: str, staff: StaffPrincipal) -> dict[str, Any]:
        return await services.get_item(barcode)

    @patch("/items/{barcode:str}", summary="Change a copy's call number, location, type, …")
    async def update_item(self, barcode: str, data: ItemPatch, staff: StaffPrincipal,
                          state: State) -> dict[str, Any]:
        return await services.update_item(barcode, set_fields(data), staff, state.clock)

    @delete("/items/{barcode:str}", summary="Delete a copy that never circulated")
    async def delete_item(self, barcode: str, staff: StaffPrincipal, state: State) -> None:
        await services.delete_item(barcode, staff, state.clock)

    @post("/barcode-ranges", summary="Reserve a block of item barcodes for a branch")
    async def barcode_range(self, data: RangeIn, staff: StaffPrincipal,
                            state: State) -> dict[str, Any]:
        return await services.allocate_barcode_range(data.branch, data.count, staff,
                                                     state.clock)
