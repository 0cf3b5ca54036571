"""Plain SQL for circulation on the current transaction's connection: `unicard.bulk` on
PostgreSQL; on SQLite the statements run inline on the event loop thread.

Circulation's statements are point reads and single-row writes on indexes, tens of µs each.
A hop to aiosqlite's thread and back costs more than that, and on SQLite the write lock is held
for every hop of a transaction, so under load the hops, not the database, set the pace. Inline,
a whole check-out runs without yielding to the loop: the lock is held for the work alone.
Only call these inside `write_transaction()` / `read_transaction()`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from unicard import bulk
from unicard.bulk import execute_short as execute
from unicard.db import SingleStatements, current_engine, is_sqlite

__all__ = ["LockNeeded", "Ref", "WriteBatch", "execute", "execute_many", "fetch"]

# The only shape of update a guard applies to: one row by its id.
_UPDATE_BY_ID = re.compile(r"UPDATE (\w+) SET .* WHERE id = \?", re.DOTALL)


class LockNeeded(Exception):
    """A use case tried without locks (`db.single_statements`) must be run again in a locking
    transaction: its case needs more than one write, or a row changed since it was read
    (nothing was written)."""


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
        self._guards: dict[tuple[str, int], str] = {}
        # Shared by the batches of one use case (`Changes.ids`), so a `Ref` resolves in a
        # later batch too.
        self.ids: dict[str, int | None] = {} if ids is None else ids

    def add(self, sql: str, args: Sequence[Any] = (), *, returning: str | None = None) -> None:
        """Queue a write; `returning` names the id it returns (RETURNING id is appended)."""
        self._parts.append((sql, list(args), returning))

    def guard(self, table: str, row_id: int, version: str) -> None:
        """PostgreSQL: this batch's update of `table` row `row_id` (`UPDATE … WHERE id = ?`)
        applies only while the row is still at `version` (its `xmin` when read); otherwise the
        whole batch fails with `LockNeeded` and nothing is written. For use cases that read
        without a lock (`db.single_statements`)."""
        self._guards[(table, int(row_id))] = version

    def __bool__(self) -> bool:
        return bool(self._parts)

    async def run(self) -> dict[str, int | None]:
        parts, self._parts = self._parts, []
        guards, self._guards = self._guards, {}
        if not parts:
            return self.ids
        transaction = current_engine().current_transaction.get()
        if isinstance(transaction, SingleStatements):
            # Each statement commits on its own here: a second write would leave the first
            # one standing if it failed.
            transaction.writes += 1
            if transaction.writes > 1:
                raise RuntimeError("a use case in single_statements() writes with one batch")
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
        ctes, names, guarded = [], [], []
        for n, (sql, args, name) in enumerate(parts):
            update = _UPDATE_BY_ID.fullmatch(sql)
            version = guards.pop((update[1], args[-1]), None) if update else None
            if version is not None:
                sql, args = f"{sql} AND xmin::text = ?", [*args, version]
            text = self._render(sql, args, values)
            cte = _cte(name) if name else f"w_{n}"
            if name is not None or version is not None:
                text += " RETURNING id"
            if name is not None:
                names.append(name)
            if version is not None:
                guarded.append(f"EXISTS (SELECT 1 FROM {cte})")
            ctes.append(f"{cte} AS ({text})")
        if guards:  # a guarded row this batch does not update: nothing would protect it
            raise LockNeeded(f"no guarded update of {sorted(guards)} in the batch")
        select = [f"(SELECT id FROM {_cte(n)}) AS {_cte(n)}" for n in names]
        if guarded:
            select.append(f"unicard_require({' AND '.join(guarded)}, 'row versions') AS ok")
        statement = f"WITH {', '.join(ctes)} SELECT {', '.join(select) or '1 AS done'}"
        try:
            rows = await bulk.fetch(statement, values)
        except Exception as exc:
            if guarded and getattr(exc, "sqlstate", None) == "40001":
                raise LockNeeded("a row changed since it was read") from exc
            raise
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
