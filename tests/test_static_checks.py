"""Static checks that must stay clean: `mypy unicard` reports no errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_reports_no_errors() -> None:
    # Run from the project root so mypy reads [tool.mypy] in pyproject.toml and reuses its
    # cache (a cold run takes ~15 s, a warm one ~1 s).
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "unicard"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, f"mypy unicard failed:\n{result.stdout}{result.stderr}"
