"""What a MARC reader hands back per record, and the import summary built from it.

A problem is a plain string with a fixed prefix so it can go straight into logs and JSON:
`repaired: …` (the record was changed to be usable), `rejected: …` (no record could be
made), `warning: …` (kept as is, worth a look).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import pymarc

from unicard.catalogue.marc_flavour import Flavour

__all__ = ["REJECTED", "REPAIRED", "WARNING", "ReadSummary", "RecordRead", "Status"]

REPAIRED = "repaired: "
REJECTED = "rejected: "
WARNING = "warning: "

Status = Literal["ok", "repaired", "rejected"]


@dataclass(slots=True)
class RecordRead:
    """One record unit found in a file: index from 0, byte offset of its first byte.

    Unpacks as the 4-tuple ``(index, offset, record, problems)``; ``record`` is None
    when the unit was rejected. ``flavour`` and ``encoding`` say how it was read.
    """

    index: int
    offset: int
    record: pymarc.Record | None
    problems: list[str]
    flavour: Flavour | None = None
    encoding: str | None = None

    def __iter__(self) -> Iterator[object]:
        return iter((self.index, self.offset, self.record, self.problems))

    @property
    def status(self) -> Status:
        """Rejected if no record; repaired if anything was changed; warnings alone are ok."""
        if self.record is None:
            return "rejected"
        if any(p.startswith(REPAIRED) for p in self.problems):
            return "repaired"
        return "ok"


@dataclass(slots=True)
class ReadSummary:
    """Counts for the import summary plus every report (index, offset, status, problems)."""

    read: int = 0
    ok: int = 0
    repaired: int = 0
    rejected: int = 0
    warned: int = 0
    reports: list[dict[str, object]] = field(default_factory=list)
    file_problems: list[str] = field(default_factory=list)
    max_reports: int = 10_000  # memory stays flat on a million-record file of bad records
    reports_dropped: int = 0

    def add(self, item: RecordRead) -> None:
        """Count one record; keep a report for anything that was not clean."""
        self.read += 1
        status = item.status
        if status == "ok":
            self.ok += 1
        elif status == "repaired":
            self.repaired += 1
        else:
            self.rejected += 1
        if item.problems:
            if any(p.startswith(WARNING) for p in item.problems):
                self.warned += 1
            if len(self.reports) >= self.max_reports:
                self.reports_dropped += 1
                return
            self.reports.append(
                {
                    "index": item.index,
                    "offset": item.offset,
                    "status": status,
                    "problems": list(item.problems),
                }
            )

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form for `--json`."""
        return {
            "read": self.read,
            "ok": self.ok,
            "repaired": self.repaired,
            "rejected": self.rejected,
            "warned": self.warned,
            "reports": self.reports,
            "reports_dropped": self.reports_dropped,
            "file_problems": self.file_problems,
        }
