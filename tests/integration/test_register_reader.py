"""Registering readers: valid everywhere, one account per ID number, nothing written on error."""

from __future__ import annotations

import pytest

from unicard.errors import Conflict, Forbidden, InvalidInput, NotFound
from unicard.events import Event
from unicard.readers.card_numbers import format_card_number, format_item_barcode, is_card_number
from unicard.readers.id_numbers import check_character
from unicard.readers.services import Registration, find_by_card, register_reader
from unicard.readers.tables import Card, Reader


def id_number(seq: int, born: str = "19850612") -> str:
    body = f"330702{born}{seq:03d}"
    return body + check_character(body)


async def counts() -> tuple[int, int, int]:
    return (await Reader.count(), await Card.count(), await Event.count())


async def test_registered_reader_has_a_checked_card_and_a_masked_id(network, settings, clock):
    record = await register_reader(
        Registration("张三", id_number(1), "adult", "EAST-B1", phone="13800138000", pin="2468"),
        network.east_librarian, settings, clock)
    assert is_card_number(record.card_number)
    assert record.id_number_masked == "330*************" + id_number(1)[-2:]
    assert record.status == "active"
    assert record.birth_date.isoformat() == "1985-06-12"
    stored = await Reader.select().first()
    assert id_number(1) not in str(stored)  # the full number is never stored
    # valid everywhere: a librarian of another county finds the reader by scanning the card
    found = await find_by_card(record.card_number, network.west_librarian, clock)
    assert found.id == record.id


async def test_same_id_number_twice_points_at_the_existing_account(network, settings, clock):
    first = await register_reader(Registration("张三", id_number(2), "adult", "EAST-B1"),
                                  network.east_librarian, settings, clock)
    before = await counts()
    with pytest.raises(Conflict) as refused:
        # typed at another county, upgraded from a 15-digit card: still the same person
        await register_reader(Registration("张三", id_number(2), "adult", "WEST-B1"),
                              network.west_librarian, settings, clock)
    assert refused.value.code == "reader-already-registered"
    assert refused.value.context["card_number"] == first.card_number
    assert await counts() == before


@pytest.mark.parametrize(
    ("change", "error", "code"),
    [
        ({"id_number": "330702198506120010"}, InvalidInput, "id-number-invalid"),
        ({"home_org": "NOWHERE"}, NotFound, "org-not-found"),
        ({"category": "pirate"}, InvalidInput, "category-unknown"),
        ({"card_number": format_item_barcode(5)}, InvalidInput, "card-number-looks-like-item"),
        ({"card_number": "T002267"}, InvalidInput, "card-number-looks-like-item"),
        ({"pin": "12"}, InvalidInput, "pin-invalid"),
        ({"home_org": "WEST-B1"}, Forbidden, "out-of-scope"),
    ],
)
async def test_bad_registrations_write_nothing(network, settings, clock, change, error, code):
    values = {"name": "李四", "id_number": id_number(3), "category": "adult",
              "home_org": "EAST-B1"} | change
    before = await counts()
    with pytest.raises(error) as refused:
        await register_reader(Registration(**values), network.east_librarian, settings, clock)
    assert refused.value.code == code
    assert await counts() == before


async def test_duplicate_card_number_is_refused(network, settings, clock):
    number = format_card_number(990001)
    await register_reader(Registration("王五", id_number(4), "adult", "EAST-B1",
                                       card_number=number),
                          network.east_librarian, settings, clock)
    before = await counts()
    with pytest.raises(Conflict) as refused:
        await register_reader(Registration("赵六", id_number(5), "adult", "EAST-B1",
                                           card_number=number),
                              network.east_librarian, settings, clock)
    assert refused.value.code == "card-number-taken"
    assert await counts() == before


async def test_allocated_card_numbers_are_distinct(network, settings, clock):
    numbers = set()
    for seq in range(10, 15):
        record = await register_reader(Registration("读者", id_number(seq), "adult", "EAST-B1"),
                                       network.east_librarian, settings, clock)
        numbers.add(record.card_number)
    assert len(numbers) == 5
