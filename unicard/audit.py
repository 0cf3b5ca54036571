"""Appending events: one call per state change, inside the use case's transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from unicard.events import Event

__all__ = ["SYSTEM", "Actor", "append_event"]


@dataclass(frozen=True)
class Actor:
    """Who caused a change: a staff member, a reader signing in themselves, or the system."""

    kind: str  # staff | reader | system
    id: int | None = None
    name: str = ""


SYSTEM = Actor("system", None, "system")


async def append_event(
    actor: Actor,
    action: str,
    at: datetime,
    *,
    org_code: str = "",
    subject_kind: str = "",
    subject_id: str | int = "",
    data: dict[str, Any] | None = None,
) -> None:
    await Event.insert(
        Event(
            at=at,
            actor_kind=actor.kind,
            actor_id=actor.id,
            org_code=org_code,
            action=action,
            subject_kind=subject_kind,
            subject_id=str(subject_id),
            data=json.dumps(data or {}, ensure_ascii=False, default=str),
        )
    )
