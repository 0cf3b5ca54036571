"""Printing a branch's reader cards: the PDF decodes back to exactly the current card numbers."""

from __future__ import annotations

from datetime import date

import pytest

from tests.pdf_probe import decode_barcodes, font_names
from unicard.errors import Forbidden, NotFound
from unicard.printing import print_reader_cards
from unicard.readers.id_numbers import check_character
from unicard.readers.services import Registration, register_reader, replace_card


def id_number(seq: int) -> str:
    body = f"33070219880808{seq:03d}"
    return body + check_character(body)


async def test_branch_cards_decode_to_the_current_numbers(network, settings, clock):
    east = [await register_reader(Registration(f"东{i}", id_number(i), "adult", "EAST-B1"),
                                  network.east_librarian, settings, clock) for i in range(3)]
    await register_reader(Registration("西一", id_number(9), "adult", "WEST-B1"),
                          network.west_librarian, settings, clock)
    replaced = await replace_card(east[0].card_number, network.east_librarian, "EAST-B1", clock)
    job = await print_reader_cards(network.east_librarian, settings, "EAST", layout="sheet")
    decoded = decode_barcodes(job.pdf)
    expected = {replaced.card_number, east[1].card_number, east[2].card_number}
    assert sorted(decoded) == sorted(expected)  # the lost number is not printed again
    assert any("WenQuanYi" in name for name in font_names(job.pdf))
    single = await print_reader_cards(network.east_librarian, settings, "EAST-B1",
                                      card_numbers=[east[1].card_number], layout="single")
    assert decode_barcodes(single.pdf) == [east[1].card_number]


async def test_printing_checks_scope_and_selection(network, settings, clock):
    with pytest.raises(Forbidden):
        await print_reader_cards(network.east_librarian, settings, "WEST")
    with pytest.raises(NotFound) as empty:
        await print_reader_cards(network.east_librarian, settings, "EAST",
                                 since=date(2030, 1, 1))
    assert empty.value.code == "nothing-to-print"
