"""Spine label lines: one line per `/` segment of the call number, location first."""

from __future__ import annotations

import pytest

from cards import spine_lines


@pytest.mark.parametrize(
    ("call_number", "location", "lines"),
    [
        ("I247.57/C451/2", None, ["I247.57", "C451", "2"]),
        ("I247.57/N2338", None, ["I247.57", "N2338"]),
        ("K86/1:0", "少儿", ["少儿", "K86", "1:0"]),
        ("R711(711)=535/L181/2021", None, ["R711(711)=535", "L181", "2021"]),
        ("TP312／L181", None, ["TP312", "L181"]),  # full-width slash typed in Chinese input
        (" I247.57 / C451 ", "  ", ["I247.57", "C451"]),
        ("I247.57//C451/", None, ["I247.57", "C451"]),
        ("Z228", None, ["Z228"]),
    ],
)
def test_call_number_breaks_into_shelving_lines(
    call_number: str, location: str | None, lines: list[str]
) -> None:
    assert spine_lines(call_number, location) == lines
