"""Print-ready PDFs for staff: reader cards and item labels, within the staff's scope."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter

from unicard.api.auth import current_staff
from unicard.printing import print_item_labels, print_reader_cards
from unicard.readers.permissions import StaffPrincipal

__all__ = ["PrintController"]

PDF = "application/pdf"


class PrintController(Controller):
    path = "/api/print"
    tags = ["printing"]
    dependencies = {"staff": Provide(current_staff)}

    @get("/cards", summary="Reader cards as PDF (A4 10-up sheets or single CR80 pages)",
         media_type=PDF)
    async def cards(
        self, staff: StaffPrincipal, state: State, branch: str,
        since: date | None = None,
        card: Annotated[list[str] | None, Parameter(query="card")] = None,
        layout: Literal["sheet", "single"] = "sheet",
        back: bool = False,
    ) -> Response[bytes]:
        job = await print_reader_cards(staff, state.settings, branch, since=since,
                                       card_numbers=card or (), layout=layout, with_back=back)
        return Response(job.pdf, media_type=PDF, headers={
            "Content-Disposition": f'inline; filename="cards-{branch}.pdf"'})

    @get("/labels", summary="Spine or barcode labels as PDF on a label sheet", media_type=PDF)
    async def labels(
        self, staff: StaffPrincipal, state: State, branch: str,
        kind: Literal["spine", "barcode"] = "barcode",
        sheet: str = "a4-3x8",
        since: date | None = None,
        barcode: Annotated[list[str] | None, Parameter(query="barcode")] = None,
        skip: int = 0,
    ) -> Response[bytes]:
        job = await print_item_labels(staff, state.settings, branch, kind=kind, sheet=sheet,
                                      since=since, barcodes=barcode or (), skip=skip)
        return Response(job.pdf, media_type=PDF, headers={
            "Content-Disposition": f'inline; filename="labels-{branch}-{kind}.pdf"'})
