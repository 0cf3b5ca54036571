"""Readers sign in with card number and PIN; repeated failures lock the card."""

from __future__ import annotations

import pytest

from unicard.errors import Unauthenticated
from unicard.readers.id_numbers import check_character
from unicard.readers.services import Registration, register_reader, sign_in_reader
from unicard.readers.staff import principal_for_token, reader_for_token, sign_in_staff


def id_number(seq: int) -> str:
    body = f"33070219800101{seq:03d}"
    return body + check_character(body)


async def test_pin_lockout_after_repeated_failures(network, settings, clock):
    reader = await register_reader(Registration("孙二", id_number(1), "adult", "EAST-B1",
                                                pin="4321"),
                                   network.east_librarian, settings, clock)
    for attempt in range(settings.pin_max_failures - 1):
        with pytest.raises(Unauthenticated) as refused:
            await sign_in_reader(reader.card_number, "0000", settings, clock)
        assert refused.value.code == "pin-wrong"
        assert refused.value.context["attempts_left"] == settings.pin_max_failures - attempt - 1
    with pytest.raises(Unauthenticated) as refused:
        await sign_in_reader(reader.card_number, "0000", settings, clock)
    assert refused.value.code == "pin-locked"
    with pytest.raises(Unauthenticated) as refused:  # even the right PIN waits out the lock
        await sign_in_reader(reader.card_number, "4321", settings, clock)
    assert refused.value.code == "pin-locked"
    clock.advance(minutes=settings.pin_lockout_minutes + 1)
    session = await sign_in_reader(reader.card_number, "4321", settings, clock)
    assert await reader_for_token(session.token, clock) == reader.id


async def test_staff_sign_in_and_session_expiry(network, settings, clock):
    with pytest.raises(Unauthenticated):
        await sign_in_staff("admin", "wrong", settings, clock)
    session = await sign_in_staff("admin", "admin-password", settings, clock)
    assert (await principal_for_token(session.token, clock)).scope_org == "NET"
    clock.advance(hours=settings.session_hours + 1)
    with pytest.raises(Unauthenticated) as refused:
        await principal_for_token(session.token, clock)
    assert refused.value.code == "session-expired"
