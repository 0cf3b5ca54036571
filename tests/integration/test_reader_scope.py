"""Every staff action checks scope: a county librarian cannot block another county's reader."""

from __future__ import annotations

import pytest

from unicard.errors import Forbidden
from unicard.events import Event
from unicard.readers.id_numbers import check_character
from unicard.readers.services import (
    Registration,
    block_reader,
    register_reader,
    unblock_reader,
    update_reader,
)
from unicard.readers.tables import Reader


def id_number(seq: int) -> str:
    body = f"33070219700101{seq:03d}"
    return body + check_character(body)


async def test_block_is_limited_to_the_readers_home_subtree(network, settings, clock):
    reader = await register_reader(Registration("吴九", id_number(1), "adult", "WEST-B1"),
                                   network.west_librarian, settings, clock)
    events = await Event.count()
    with pytest.raises(Forbidden) as refused:
        await block_reader(reader.card_number, "unpaid fines", network.east_librarian, clock)
    assert refused.value.code == "out-of-scope"
    assert (await Reader.select(Reader.status).first())["status"] == "active"
    assert await Event.count() == events
    blocked = await block_reader(reader.card_number, "unpaid fines", network.admin, clock)
    assert (blocked.status, blocked.block_reason) == ("blocked", "unpaid fines")
    assert (await unblock_reader(reader.card_number, network.west_librarian, clock)).status \
        == "active"


async def test_hall_staff_cannot_edit_readers(network, settings, clock):
    reader = await register_reader(Registration("郑十", id_number(2), "adult", "EAST-B1"),
                                   network.east_librarian, settings, clock)
    with pytest.raises(Forbidden) as refused:
        await update_reader(reader.card_number, {"phone": "13900000000"}, network.hall_staff,
                            clock)
    assert refused.value.code == "role-forbidden"


async def test_moving_a_reader_needs_scope_at_both_ends(network, settings, clock):
    reader = await register_reader(Registration("钱一", id_number(3), "adult", "EAST-B1"),
                                   network.east_librarian, settings, clock)
    with pytest.raises(Forbidden):
        await update_reader(reader.card_number, {"home_org": "WEST-B1"},
                            network.east_librarian, clock)
    moved = await update_reader(reader.card_number, {"home_org": "WEST-B1"}, network.admin,
                                clock)
    assert moved.home_org == "WEST-B1"
