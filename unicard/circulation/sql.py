"""Plain SQL for circulation on the current transaction's connection: `unicard.bulk` on
PostgreSQL; on SQLite the statements run inline on the event loop thread.

Circulation's statements are point reads and single-row writes on indexes, tens of µs each.
A hop to aiosqlite's thread and back costs more than that, and on SQLite the write lock is held
for every hop of a transaction, so under load the hops, not the database, set the pace. Inline,
a whole check-out runs without yielding to the loop: the lock is held for the work alone.
Only call these inside `write_transaction()` / `read_transaction()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from unicard import bulk
from unicard.bulk import execute_short as execute
from unicard.db import current_engine, is_sqlite

__all__ = ["Ref", "WriteBatch", "execute", "execute_many", "fetch"]


def _raw() -> Any:
    transaction = current_engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("circulation SQL must run inside write_transaction()/read_transaction()")
    return transaction.connection.raw


async def fetch(sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
    if is_sqlite():
        return _raw().execute(sql, tuple(args)).fetchall()  # type: ignore[no-any-return]
    return await bulk.fetch(sql, args)


async def execute_many(sql: str, rows: Iterable[Sequence[Any]]) -> None:
    if is_sqlite():
        batch = [tuple(row) for row in rows]
        if batch:
            _raw().executemany(sql, batch)
        return
    await bulk.execute_many(sql, rows)


@dataclass(frozen=True)
class Ref:
    """The id returned by an earlier statement of the same `WriteBatch` (as text: `as_text`)."""

    name: str
    as_text: bool = False


class WriteBatch:
    """The writes of one use case, sent together.

    PostgreSQL: one statement, a data-modifying `WITH` whose parts are the writes, so a whole
    check-out is one round trip instead of five. SQLite: each statement inline, in order. The
    parts run on one snapshot in no set order on PostgreSQL, so a batch must not write one row
    twice nor read what another part writes, except the ids earlier parts return (`Ref`).
    Flush (`run`) before reading anything the batch changes.
    """

    def __init__(self, ids: dict[str, int | None] | None = None) -> None:
        self._parts: list[tuple[str, list[Any], str | None]] = []
        # Shared by the batches of one use case (`Changes.ids`), so a `Ref` resolves in a
        # later batch too.
        self.ids: dict[str, int | None] = {} if ids is None else ids

    def add(self, sql: str, args: Sequence[Any] = (), *, returning: str | None = None) -> None:
        """Queue a write; `returning` names the id it returns (RETURNING id is appended)."""
        self._parts.append((sql, list(args), returning))

    def __bool__(self) -> bool:
        return bool(self._parts)

    async def run(self) -> dict[str, int | None]:
        parts, self._parts = self._parts, []
        if not parts:
            return self.ids
        if is_sqlite():
            raw = _raw()
            for sql, args, name in parts:
                bound = tuple(self._resolve(a) for a in args)
                if name is None:
                    raw.execute(sql, bound)
                else:
                    rows = raw.execute(sql + " RETURNING id", bound).fetchall()
                    self.ids[name] = int(rows[0]["id"]) if rows else None
            return self.ids
        values: list[Any] = []
        ctes, names = [], []
        for n, (sql, args, name) in enumerate(parts):
            text = self._render(sql, args, values)
            if name is not None:
                text += " RETURNING id"
                names.append(name)
            ctes.append(f"{_cte(name) if name else f'w_{n}'} AS ({text})")
        select = ", ".join(f"(SELECT id FROM {_cte(n)}) AS {_cte(n)}" for n in names)
        rows = await bulk.fetch(f"WITH {', '.join(ctes)} SELECT {select or '1 AS done'}",
                                values)
        for name in names:
            found = rows[0][_cte(name)]
            self.ids[name] = int(found) if found is not None else None
        return self.ids

    def _resolve(self, arg: Any) -> Any:
        if isinstance(arg, Ref):
            found = self.ids[arg.name]
            return str(found) if arg.as_text else found
        return arg

    def _render(self, sql: str, args: list[Any], values: list[Any]) -> str:
        """`?` → `$n`, or the id of an earlier part for a `Ref`; bulk's own translation is
        skipped because the text then holds no `?`."""
        pieces = sql.split("?")
        if len(pieces) != len(args) + 1:
            raise ValueError(f"{len(args)} arguments for {len(pieces) - 1} placeholders")
        out = [pieces[0]]
        for arg, rest in zip(args, pieces[1:], strict=True):
            if isinstance(arg, Ref) and arg.name in self.ids:
                values.append(self._resolve(arg))
                out.append(f"${len(values)}")
            elif isinstance(arg, Ref):
                cast = "::text" if arg.as_text else ""
                out.append(f"(SELECT id{cast} FROM {_cte(arg.name)})")
            else:
                values.append(arg)
                out.append(f"${len(values)}")
            out.append(rest)
        return "".join(out)


def _cte(name: str) -> str:
    return f"r_{name}"
