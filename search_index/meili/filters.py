"""Query model → Meilisearch filter expression, every value quoted and escaped.

Values come from users (org codes, subjects): inside double quotes a backslash escapes the
next character, so quotes and backslashes in values cannot end the string or inject operators.
"""

from __future__ import annotations

from search_index.fields import clc_key, subject_key
from search_index.model import Query

__all__ = ["build_filter", "quote"]


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_filter(query: Query, extra: list[str] | None = None) -> list[str]:
    """Conditions ANDed together (Meilisearch's array form; each element one condition)."""
    conds: list[str] = list(extra or [])
    if query.available_at is not None:
        conds.append(f"available_at = {quote(query.available_at)}")
    if query.held_by is not None:
        conds.append(f"held_by = {quote(query.held_by)}")
    if query.material_type is not None:
        conds.append(f"material_type = {quote(query.material_type)}")
    if query.language is not None:
        conds.append(f"language = {quote(query.language)}")
    if query.year_from is not None:
        conds.append(f"year >= {int(query.year_from)}")
    if query.year_to is not None:
        conds.append(f"year <= {int(query.year_to)}")
    if query.clc:
        conds.append(f"clc_prefixes = {quote(clc_key(query.clc))}")
    if query.subject:
        conds.append(f"subject_keys = {quote(subject_key(query.subject))}")
    return conds
