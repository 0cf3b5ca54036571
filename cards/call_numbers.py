"""Breaking a call number (索书号) into spine-label lines the way Chinese libraries shelve.

One line per `/` segment: class number (中图法), book number (种次号 or 著者号), then any
local marks (volume, copy, year). An optional location line prints first; it is shelved
by but never part of the call number. Full-width slashes from Chinese input count too.
"""

from __future__ import annotations

__all__ = ["spine_lines"]

_SLASHES = str.maketrans({"／": "/"})


def spine_lines(call_number: str, location: str | None = None) -> list[str]:
    """`I247.57/C451/2` → `["I247.57", "C451", "2"]`, after `location` if there is one."""
    segments = [s.strip() for s in call_number.translate(_SLASHES).split("/")]
    lines = [s for s in segments if s]
    if location and location.strip():
        lines.insert(0, location.strip())
    return lines
