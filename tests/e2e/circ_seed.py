"""Seeding a running e2e server's database with synthetic copies and readers (a separate
process with the server's environment, like `unicard demo`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from .conftest import Server

ADMIN = ("admin", "unicard-admin-2026")


def seed(server: Server, tmp: Path, *, items: int = 0, readers: int = 0,
         copies_per_record: int = 1, branches: tuple[str, ...] = ()) -> dict[str, Any]:
    out = tmp / f"seed-{items}-{readers}-{copies_per_record}.json"
    command = [sys.executable, "-m", "unicard.circulation.synthetic", "--items", str(items),
               "--readers", str(readers), "--copies-per-record", str(copies_per_record),
               "--out", str(out)]
    for branch in branches:
        command += ["--branch", branch]
    subprocess.run(command, env=server.env, check=True, capture_output=True, timeout=120)
    return json.loads(out.read_text(encoding="utf-8"))
