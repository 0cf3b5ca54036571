"""Card replacement: the old number stays in history and is refused at every desk."""

from __future__ import annotations

import pytest

from unicard.errors import Conflict, RuleViolation
from unicard.readers.id_numbers import check_character
from unicard.readers.services import (
    Registration,
    card_history,
    find_by_card,
    register_reader,
    replace_card,
    report_card_lost,
)


def id_number(seq: int) -> str:
    body = f"33070219900101{seq:03d}"
    return body + check_character(body)


async def test_replaced_card_is_refused_and_new_card_carries_the_account(network, settings,
                                                                          clock):
    old = await register_reader(Registration("陈七", id_number(1), "adult", "EAST-B1"),
                                network.east_librarian, settings, clock)
    # the reader lost the card and walks into a branch of the other county
    new = await replace_card(old.card_number, network.west_librarian, "WEST-B1", clock)
    assert new.id == old.id and new.card_number != old.card_number
    with pytest.raises(RuleViolation) as refused:
        await find_by_card(old.card_number, network.east_librarian, clock)
    assert refused.value.code == "card-lost"
    assert "lost" in refused.value.message
    assert (await find_by_card(new.card_number, network.east_librarian, clock)).id == old.id
    history = await card_history(new.card_number)
    assert [(h["number"], h["state"]) for h in history] == [
        (old.card_number, "lost"), (new.card_number, "current")]
    with pytest.raises(Conflict):
        await replace_card(old.card_number, network.east_librarian, "EAST-B1", clock)


async def test_reported_lost_card_is_refused_until_replaced(network, settings, clock):
    record = await register_reader(Registration("周八", id_number(2), "adult", "EAST-B1"),
                                   network.east_librarian, settings, clock)
    lost = await report_card_lost(record.card_number, network.east_librarian, clock)
    assert lost.status == "card_lost"
    with pytest.raises(RuleViolation, match="lost"):
        await find_by_card(record.card_number, network.east_librarian, clock)
    new = await replace_card(record.card_number, network.east_librarian, "EAST-B1", clock)
    assert new.status == "active"
