"""CPU seconds by party for the server benchmarks (Linux /proc): the server process and its
children, the PostgreSQL backends of one database, the whole machine. The machine is shared
with whatever else runs, so each figure comes with who spent the CPU."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["backends_cpu", "machine_cpu", "machine_iowait", "process_cpu", "tree_cpu"]

_TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process and its threads."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / _TICK


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its live descendants (uvicorn workers, the indexer)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                children.setdefault(int(_stat_fields(int(entry.name))[1]), []).append(
                    int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            total += process_cpu(current)
        except (OSError, IndexError, ValueError):
            continue
        todo.extend(children.get(current, ()))
    return total


def backends_cpu(database: str | None) -> float:
    """CPU seconds of the PostgreSQL backends serving `database` (named in their titles)."""
    total = 0.0
    if not database:
        return total
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
            if b"postgres" in title and database.encode() in title:
                total += process_cpu(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return total


def _machine_ticks() -> list[int]:
    """The machine's CPU counters (/proc/stat, all cores): user, nice, system, idle, iowait…"""
    return [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]


def machine_cpu() -> float:
    """Busy CPU seconds of the whole machine, all cores."""
    values = _machine_ticks()
    return (sum(values[:8]) - values[3] - values[4]) / _TICK


def machine_iowait() -> float:
    """Seconds the machine's cores sat idle waiting for the disk (/proc/stat iowait): on a
    shared VM the disk now and then stalls every commit at once, which a p99 then shows."""
    return _machine_ticks()[4] / _TICK
