"""Circulation over HTTP: the desk (check-out, check-in, renew, transits, hold shelf, pull list,
holds, fines, item statuses) and the reader's own account (loans, renewals, holds, fines).

Refusals are problem details with the stable codes of `circulation.guards.RefusalCode` and
the domain errors. The desk endpoints resolve the session through a short in-process cache
(`api.auth.STAFF_SESSIONS`, `READER_SESSIONS`): a scan is one request, and the session lookup
would otherwise cost a round trip per scan.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import Provide

from unicard.api.auth import (
    READER_COOKIE,
    READER_SESSIONS,
    STAFF_COOKIE,
    STAFF_SESSIONS,
    token_of,
)
from unicard.circulation import fees, holds, lists, services
from unicard.circulation.common import Desk
from unicard.circulation.fees import FeeLine, ItemStatusChange, PaymentReceipt
from unicard.circulation.holds import HoldLine, ShelfEntry
from unicard.circulation.lists import LoanLine, TransitLists
from unicard.circulation.services import CheckinReceipt, LoanReceipt
from unicard.errors import Unauthenticated
from unicard.readers.permissions import StaffPrincipal
from unicard.readers.staff import principal_for_token, reader_for_token

__all__ = ["CirculationController", "ReaderCirculationController"]

async def desk_staff(request: Request[Any, Any, Any], state: State) -> StaffPrincipal:
    token = token_of(request, STAFF_COOKIE)
    if not token:
        raise Unauthenticated("sign in as staff first", code="unauthenticated")
    return await STAFF_SESSIONS.get(token, lambda: principal_for_token(token, state.clock))


async def signed_in_reader(request: Request[Any, Any, Any], state: State) -> int:
    token = token_of(request, READER_COOKIE)
    if not token:
        raise Unauthenticated("sign in with your card number and PIN", code="unauthenticated")
    return await READER_SESSIONS.get(token, lambda: reader_for_token(token, state.clock))


class _In(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class CheckoutIn(_In):
    card_number: str
    barcode: str
    at_org: str


class ScanIn(_In):
    barcode: str
    at_org: str


class RenewIn(_In):
    barcode: str
    at_org: str
    channel: Literal["desk", "kiosk"] = "desk"
    # At a kiosk the reader scans their card first; the loan must be theirs.
    card_number: str | None = None


class DispatchIn(_In):
    at_org: str
    barcodes: list[str] | None = None


class StaffHoldIn(_In):
    card_number: str
    pickup_org: str
    record_id: int | None = None
    barcode: str | None = None


class ReaderHoldIn(_In):
    pickup_org: str
    record_id: int | None = None
    barcode: str | None = None


class SuspendIn(_In):
    until: date | None = None


class PayIn(_In):
    card_number: str
    amount: str
    at_org: str
    fee_ids: list[int] | None = None


class WaiveIn(_In):
    reason: str
    amount: str | None = None


class AtOrgIn(_In):
    at_org: str


class DamagedIn(_In):
    at_org: str
    repair_cost: str | None = None


class ClaimIn(_In):
    at_org: str
    accept: bool


class Done(msgspec.Struct):
    ok: bool = True
    count: int = 0


_STAFF = {"staff": Provide(desk_staff)}


class CirculationController(Controller):
    path = "/api/circulation"
    tags = ["circulation"]
    dependencies = _STAFF

    @post("/checkout", status_code=200, summary="Lend an item to a reader at this desk")
    async def checkout(self, data: CheckoutIn, staff: StaffPrincipal,
                       state: State) -> LoanReceipt:
        return await services.check_out(data.card_number, data.barcode,
                                        Desk(staff, data.at_org), state.clock)

    @post("/checkin", status_code=200,
          summary="Take an item back anywhere: one instruction (shelve / hold shelf / send to)")
    async def checkin(self, data: ScanIn, staff: StaffPrincipal,
                      state: State) -> CheckinReceipt:
        return await services.check_in(data.barcode, Desk(staff, data.at_org), state.clock)

    @post("/renew", status_code=200, summary="Renew a loan at the desk or a kiosk")
    async def renew(self, data: RenewIn, staff: StaffPrincipal, state: State) -> LoanReceipt:
        return await services.renew(data.barcode, Desk(staff, data.at_org), state.clock,
                                    channel=data.channel, card_number=data.card_number)

    @get("/transits", summary="A branch's transits: to send, on the way, overdue")
    async def transits(self, org: str, staff: StaffPrincipal, state: State,
                       overdue_days: int = lists.TRANSIT_OVERDUE_DAYS) -> TransitLists:
        return await lists.transit_lists(org, state.clock, staff, overdue_days)

    @post("/transits/receive", status_code=200,
          summary="Receive a copy in transit here and complete its routing")
    async def receive(self, data: ScanIn, staff: StaffPrincipal,
                      state: State) -> CheckinReceipt:
        return await services.receive_transit(data.barcode, Desk(staff, data.at_org),
                                              state.clock)

    @post("/transits/dispatch", status_code=200,
          summary="The outgoing bin (or the listed copies) left with the van")
    async def dispatch(self, data: DispatchIn, staff: StaffPrincipal, state: State) -> Done:
        count = await lists.dispatch_transits(data.at_org, staff, state.clock, data.barcodes)
        return Done(count=count)

    @get("/hold-shelf", summary="Holds ready for pickup at a branch, and copies to clear")
    async def hold_shelf(self, org: str, staff: StaffPrincipal,
                         state: State) -> list[ShelfEntry]:
        return await holds.hold_shelf(org, state.clock, staff)

    @post("/hold-shelf/clear", status_code=200,
          summary="A copy of an expired or cancelled hold was taken off the shelf")
    async def clear_shelf(self, data: ScanIn, staff: StaffPrincipal, state: State) -> Done:
        count = await holds.clear_shelf_entry(data.barcode, data.at_org, staff, state.clock)
        return Done(count=count)

    @get("/pull-list", summary="Copies on this branch's shelves targeted for holds")
    async def pull_list(self, org: str, staff: StaffPrincipal,
                        state: State) -> list[dict[str, Any]]:
        return await holds.pull_list(org, state.clock, staff)

    @get("/holds", summary="Holds of a reader, a record or a pickup branch, with why they wait")
    async def holds_view(self, staff: StaffPrincipal, state: State,
                         card_number: str | None = None, record_id: int | None = None,
                         pickup_org: str | None = None,
                         open_only: bool = True) -> list[HoldLine]:
        return await holds.list_holds(state.clock, card_number=card_number,
                                      record_id=record_id, pickup_org=pickup_org,
                                      open_only=open_only, staff=staff)

    @post("/holds", summary="Place a hold for a reader (title: record_id, item: barcode)")
    async def place_hold(self, data: StaffHoldIn, staff: StaffPrincipal,
                         state: State) -> HoldLine:
        return await holds.place_hold(holds.staff_asks(staff), data.pickup_org, state.clock,
                                      record_id=data.record_id, barcode=data.barcode,
                                      card_number=data.card_number)

    @post("/holds/{hold_id:int}/cancel", status_code=200, summary="Cancel a hold")
    async def cancel_hold(self, hold_id: int, staff: StaffPrincipal, state: State) -> Done:
        await holds.cancel_hold(hold_id, holds.staff_asks(staff), state.clock)
        return Done()

    @post("/holds/{hold_id:int}/suspend", status_code=200,
          summary="Suspend a hold until a date (or until resumed)")
    async def suspend_hold(self, hold_id: int, data: SuspendIn, staff: StaffPrincipal,
                           state: State) -> HoldLine:
        return await holds.suspend_hold(hold_id, holds.staff_asks(staff), state.clock,
                                        data.until)

    @post("/holds/{hold_id:int}/resume", status_code=200, summary="Resume a suspended hold")
    async def resume_hold(self, hold_id: int, staff: StaffPrincipal,
                          state: State) -> HoldLine:
        return await holds.resume_hold(hold_id, holds.staff_asks(staff), state.clock)

    @get("/readers/{card_number:str}/loans", summary="A reader's loans across the network")
    async def reader_loans(self, card_number: str, staff: StaffPrincipal,
                           state: State) -> list[LoanLine]:
        return await lists.reader_loans(state.clock, card_number=card_number)

    @get("/readers/{card_number:str}/fines", summary="A reader's fees and fines")
    async def reader_fines(self, card_number: str, staff: StaffPrincipal,
                           all: bool = False) -> list[FeeLine]:
        return await fees.list_fees(card_number=card_number, include_settled=all)

    @post("/fines/pay", status_code=200, summary="Take a payment (oldest fees first)")
    async def pay(self, data: PayIn, staff: StaffPrincipal, state: State) -> PaymentReceipt:
        return await fees.pay_fines(data.card_number, data.amount, Desk(staff, data.at_org),
                                    state.clock, data.fee_ids)

    @post("/fines/{fee_id:int}/waive", status_code=200,
          summary="Waive all or part of a fee charged within your scope")
    async def waive(self, fee_id: int, data: WaiveIn, staff: StaffPrincipal,
                    state: State) -> FeeLine:
        return await fees.waive_fee(fee_id, staff, data.reason, state.clock, data.amount)

    @get("/overdue", summary="Loans past their due day lent in an org's subtree")
    async def overdue(self, org: str, staff: StaffPrincipal, state: State,
                      limit: int = 500) -> list[LoanLine]:
        return await lists.overdue_loans(state.clock, org=org, limit=limit, staff=staff)

    @post("/items/{barcode:str}/lost", status_code=200,
          summary="The borrower lost it: replacement and processing fees")
    async def lost(self, barcode: str, data: AtOrgIn, staff: StaffPrincipal,
                   state: State) -> ItemStatusChange:
        return await fees.declare_lost(barcode, Desk(staff, data.at_org), state.clock)

    @post("/items/{barcode:str}/claims-returned", status_code=200,
          summary="The reader says it was returned: fines stop")
    async def claims_returned(self, barcode: str, data: AtOrgIn, staff: StaffPrincipal,
                              state: State) -> ItemStatusChange:
        return await fees.claim_returned(barcode, Desk(staff, data.at_org), state.clock)

    @post("/items/{barcode:str}/resolve-claim", status_code=200,
          summary="Accept a claim (copy missing) or reject it (declared lost)")
    async def resolve_claim(self, barcode: str, data: ClaimIn, staff: StaffPrincipal,
                            state: State) -> ItemStatusChange:
        return await fees.resolve_claim(barcode, data.accept, Desk(staff, data.at_org),
                                        state.clock)

    @post("/items/{barcode:str}/damaged", status_code=200,
          summary="Out of circulation as damaged; a returning borrower pays repair or more")
    async def damaged(self, barcode: str, data: DamagedIn, staff: StaffPrincipal,
                      state: State) -> ItemStatusChange:
        return await fees.mark_damaged(barcode, Desk(staff, data.at_org), state.clock,
                                       repair_cost=data.repair_cost)

    @post("/items/{barcode:str}/missing", status_code=200,
          summary="Not found on the shelf or in transit")
    async def missing(self, barcode: str, data: AtOrgIn, staff: StaffPrincipal,
                      state: State) -> ItemStatusChange:
        return await fees.declare_missing(barcode, Desk(staff, data.at_org), state.clock)

    @post("/items/{barcode:str}/repair", status_code=200, summary="Back in circulation")
    async def repair(self, barcode: str, data: AtOrgIn, staff: StaffPrincipal,
                     state: State) -> ItemStatusChange:
        return await fees.repair(barcode, Desk(staff, data.at_org), state.clock)


class ReaderCirculationController(Controller):
    """The signed-in reader's own loans, holds and fines."""

    path = "/api/reader"
    tags = ["reader account"]
    dependencies = {"reader_id": Provide(signed_in_reader)}

    @get("/loans", summary="My loans, soonest due first")
    async def loans(self, reader_id: int, state: State) -> list[LoanLine]:
        return await lists.reader_loans(state.clock, reader_id=reader_id)

    @post("/loans/{loan_id:int}/renew", status_code=200, summary="Renew one of my loans")
    async def renew(self, loan_id: int, reader_id: int, state: State) -> LoanReceipt:
        return await services.renew_online(reader_id, loan_id, state.clock)

    @get("/holds", summary="My holds with their place in the queue")
    async def holds(self, reader_id: int, state: State) -> list[HoldLine]:
        return await holds.list_holds(state.clock, reader_id=reader_id)

    @post("/holds", summary="Place a hold for pickup at any branch that accepts holds")
    async def place_hold(self, data: ReaderHoldIn, reader_id: int, state: State) -> HoldLine:
        return await holds.place_hold(holds.reader_asks(reader_id), data.pickup_org,
                                      state.clock, record_id=data.record_id,
                                      barcode=data.barcode)

    @post("/holds/{hold_id:int}/cancel", status_code=200, summary="Cancel my hold")
    async def cancel_hold(self, hold_id: int, reader_id: int, state: State) -> Done:
        await holds.cancel_hold(hold_id, holds.reader_asks(reader_id), state.clock)
        return Done()

    @post("/holds/{hold_id:int}/suspend", status_code=200, summary="Suspend my hold")
    async def suspend_hold(self, hold_id: int, data: SuspendIn, reader_id: int,
                           state: State) -> HoldLine:
        return await holds.suspend_hold(hold_id, holds.reader_asks(reader_id), state.clock,
                                        data.until)

    @post("/holds/{hold_id:int}/resume", status_code=200, summary="Resume my hold")
    async def resume_hold(self, hold_id: int, reader_id: int, state: State) -> HoldLine:
        return await holds.resume_hold(hold_id, holds.reader_asks(reader_id), state.clock)

    @get("/fines", summary="My fees and fines")
    async def fines(self, reader_id: int, all: bool = False) -> list[FeeLine]:
        return await fees.list_fees(reader_id=reader_id, include_settled=all)
