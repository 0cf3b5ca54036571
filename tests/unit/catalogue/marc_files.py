"""Where the shared MARC test files are, and reading one completely for a test.

The files are used in place, never copied: `../shared/data/marc` next to the repository,
or `$UNICARD_SHARED_DATA/marc` (the same variable tests/conftest.py honours).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from unicard.catalogue.marc_read import read_marc
from unicard.catalogue.read_result import ReadSummary, RecordRead

_DEFAULT = Path(__file__).resolve().parents[3].parent / "shared/data"
SHARED_DATA = Path(os.environ.get("UNICARD_SHARED_DATA", _DEFAULT))
MARC = SHARED_DATA / "marc"
if not (MARC / "SOURCES.md").is_file():
    raise RuntimeError(f"MARC test data not found at {MARC}; set UNICARD_SHARED_DATA")
FOLDERS = ("marc21/binary", "marc21/xml", "unimarc", "cnmarc", "cjk", "broken")


def files_in(folder: str) -> list[str]:
    """Names of the record files in one folder (LICENSES and SOURCES.md live elsewhere)."""
    return sorted(p.name for p in (MARC / folder).iterdir() if p.is_file())


@dataclass
class ReadAll:
    items: list[RecordRead]
    summary: ReadSummary
    syntax: str

    @property
    def records(self) -> list:  # pymarc.Record, the ones not rejected
        return [i.record for i in self.items if i.record is not None]


def read_file(relative: str, **options: object) -> ReadAll:
    """Read a whole shared file with `read_marc` and keep every item and the summary."""
    with (MARC / relative).open("rb") as stream:
        reader = read_marc(stream, **options)  # type: ignore[arg-type]
        items = list(reader)
    return ReadAll(items, reader.summary, reader.syntax)
