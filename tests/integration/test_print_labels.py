"""Item labels for a branch's new copies: barcodes decode back, spine labels keep shelf order."""

from __future__ import annotations

import pytest

from tests.pdf_probe import decode_barcodes
from unicard.catalogue.services import NewItem, RecordInput, create_item, create_record
from unicard.errors import Forbidden, InvalidInput
from unicard.printing import print_item_labels


async def test_barcode_and_spine_labels(network, settings, clock):
    librarian = network.east_librarian
    record = await create_record(RecordInput(title="平凡的世界", authors=("路遥",),
                                             isbns=("9787020024940",), clc="I247.57"),
                                 librarian, clock)
    barcodes = []
    for call_number in ("I247.57/L78/3", "I247.57/L78/10", "I247.57/L78"):
        item = await create_item(record["id"], NewItem(branch="EAST-B1",
                                                       call_number=call_number),
                                 librarian, clock)
        barcodes.append(item["barcode"])
    job = await print_item_labels(librarian, settings, "EAST", kind="barcode", sheet="a4-5x13")
    assert sorted(decode_barcodes(job.pdf)) == sorted(barcodes)
    spine = await print_item_labels(librarian, settings, "EAST", kind="spine")
    assert spine.stats.items == 3
    with pytest.raises(Forbidden):
        await print_item_labels(librarian, settings, "WEST")
    with pytest.raises(InvalidInput):
        await print_item_labels(librarian, settings, "EAST", sheet="a4-9x99")
