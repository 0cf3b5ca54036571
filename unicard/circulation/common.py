"""What the circulation use cases share: who acts where, the events and outbox rows a use case
collects and writes in one go, row-to-view builders, money and local time, and the mapping of
rule refusals to domain errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NoReturn

import msgspec

from unicard.audit import Actor
from unicard.bulk import as_utc
from unicard.circulation.guards import Refusal, RefusalCode
from unicard.circulation.sql import Ref, WriteBatch
from unicard.circulation.states import HoldState, InvalidTransition, ItemStatus
from unicard.circulation.views import HoldView, ItemView, ReaderView
from unicard.clock import NETWORK_TZ, Clock
from unicard.db import is_sqlite
from unicard.errors import Conflict, RuleViolation
from unicard.readers.permissions import StaffPrincipal

__all__ = [
    "Changes",
    "Desk",
    "as_bool",
    "as_date",
    "as_utc",
    "for_update",
    "hold_view",
    "item_view",
    "local",
    "money",
    "raise_refusal",
    "raise_transition",
    "reader_view",
    "staff_actor",
]

FEN = Decimal("0.01")
# Conflicts rather than rule refusals: the request clashes with the item's current state.
_CONFLICT_CODES = frozenset({RefusalCode.ITEM_ON_LOAN, RefusalCode.ALREADY_ON_HOLD})


@dataclass(frozen=True)
class Desk:
    """Where and by whom a desk action happens: a staff member (or kiosk account) at an org."""

    staff: StaffPrincipal
    at_org: str

    @property
    def actor(self) -> Actor:
        return staff_actor(self.staff)


def staff_actor(staff: StaffPrincipal) -> Actor:
    return Actor("staff", staff.staff_id, staff.username)


def money(value: Any) -> Decimal:
    """Amounts to the fen; SQLite hands NUMERIC back as floats in computed columns."""
    if value is None:
        return Decimal("0.00")
    return Decimal(str(value)).quantize(FEN, rounding=ROUND_HALF_UP)


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def as_bool(value: Any) -> bool:
    return bool(value) and value not in ("0", "false", "f")


def network_tz(clock: Clock) -> tzinfo:
    return getattr(clock, "tz", None) or NETWORK_TZ


def local(moment: datetime, clock: Clock) -> datetime:
    """Opening hours and due days are wall-clock facts of the network's zone."""
    return moment.astimezone(network_tz(clock))


def for_update(alias: str) -> str:
    """Row lock clause: PostgreSQL locks the row; SQLite's writers are queued already."""
    return "" if is_sqlite() else f" FOR UPDATE OF {alias}"


def raise_refusal(refusal: Refusal) -> NoReturn:
    cls = Conflict if refusal.code in _CONFLICT_CODES else RuleViolation
    raise cls(refusal.message, code=refusal.code.value, **dict(refusal.context))


def raise_transition(exc: InvalidTransition, **context: Any) -> NoReturn:
    raise RuleViolation(str(exc), code="invalid-transition", state=exc.state.value,
                        action=exc.action.value, **context) from None


def reader_view(row: dict[str, Any], *, open_loans: int = 0, open_holds: int = 0) -> ReaderView:
    """From a reader row (+ `card_state` when it was found by a card number)."""
    card_lost = row.get("card_state", "current") != "current" or row["status"] == "card_lost"
    return ReaderView(
        id=int(row["id"]),
        expires_on=as_date(row["expires_on"]),
        card_lost=card_lost,
        blocked=row["status"] == "blocked",
        fines_owed=money(row["fines_owed"]),
        open_loans=open_loans,
        open_holds=open_holds,
    )


def item_view(row: dict[str, Any], codes: dict[int, str], *, holdable: bool = True,
              hold_reader_id: int | None = None) -> ItemView:
    return ItemView(
        id=int(row["id"]),
        record_id=int(row["record"]),
        status=ItemStatus(row["status"]),
        branch=codes[row["current_org"]],
        home_branch=codes[row["home_org"]],
        holdable=holdable,
        not_for_loan=as_bool(row["not_for_loan"]),
        hold_reader_id=hold_reader_id,
    )


def hold_view(row: dict[str, Any], codes: dict[int, str]) -> HoldView:
    return HoldView(
        id=int(row["id"]),
        reader_id=int(row["reader"]),
        record_id=int(row["record"]),
        pickup_branch=codes[row["pickup_org"]],
        placed_at=as_utc(row["placed_at"]),  # type: ignore[arg-type]
        item_id=row["item"],
        state=HoldState(row["state"]),
        suspended_until=as_date(row["suspended_until"]),
    )


_encoder = msgspec.json.Encoder(enc_hook=str, decimal_format="string")


def _json(data: dict[str, Any]) -> str:
    return _encoder.encode(data).decode()


@dataclass
class Changes:
    """The events and outbox rows of one use case, written together before it commits.

    Events say who did what where; an outbox row (topic "availability", key the record id)
    tells the search worker that where that record's copies are changed, and nothing else.
    """

    actor: Actor
    at: datetime
    org_code: str = ""
    events: list[tuple[Any, ...]] = field(default_factory=list)
    records: set[int] = field(default_factory=set)
    # Ids returned by this use case's write batches (`sql.Ref`).
    ids: dict[str, int | None] = field(default_factory=dict)

    def batch(self) -> WriteBatch:
        return WriteBatch(self.ids)

    def event(self, action: str, subject_kind: str, subject_id: Any,
              data: dict[str, Any] | None = None, org_code: str | None = None) -> None:
        self.events.append((
            self.at, self.actor.kind, self.actor.id,
            self.org_code if org_code is None else org_code, action, subject_kind,
            subject_id if isinstance(subject_id, Ref) else str(subject_id), _json(data or {}),
        ))

    def availability(self, record_id: int) -> None:
        self.records.add(int(record_id))

    async def flush(self, batch: WriteBatch | None = None) -> None:
        """Write the events and outbox rows: into `batch` (which is then run) or at once."""
        own = batch is None
        batch = self.batch() if batch is None else batch
        if self.events:
            marks = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?)"] * len(self.events))
            batch.add("INSERT INTO event (at, actor_kind, actor_id, org_code, action, "
                      f"subject_kind, subject_id, data) VALUES {marks}",
                      [value for row in self.events for value in row])
        if self.records:
            marks = ", ".join(["('availability', ?, ?, 0)"] * len(self.records))
            batch.add(f"INSERT INTO outbox (topic, key, created_at, attempts) VALUES {marks}",
                      [value for record in sorted(self.records)
                       for value in (str(record), self.at)])
        self.events, self.records = [], set()
        if batch or not own:
            await batch.run()
