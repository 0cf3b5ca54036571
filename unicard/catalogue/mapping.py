"""Mapping a pymarc record to `BibFields`: the one entry point, per MARC format.

The mapping itself lives in `map_marc21` and `map_unimarc` (one module per format);
`BibFields`, `is_richer` and the vocabularies in `bib_fields`, re-exported here.
"""

from __future__ import annotations

from pymarc import Record

from unicard.catalogue.bib_fields import BibFields, MaterialType, RecordKind, is_richer, richness
from unicard.catalogue.map_marc21 import map_marc21
from unicard.catalogue.map_unimarc import map_unimarc
from unicard.catalogue.marc_flavour import Flavour

__all__ = [
    "BibFields",
    "MaterialType",
    "RecordKind",
    "is_richer",
    "map_marc21",
    "map_record",
    "map_unimarc",
    "richness",
]


def map_record(record: Record, flavour: Flavour | str) -> BibFields:
    """Map with the format's rules; `flavour` comes from `RecordRead.flavour`."""
    if Flavour(flavour) is Flavour.UNIMARC:
        return map_unimarc(record)
    return map_marc21(record)
