"""The Meilisearch engine, through the official ``meilisearch`` client.

Settings are applied on first use and whenever they differ from the server's (idempotent, so
every start may call :meth:`MeiliEngine.ensure_ready`). Writes wait for their task to finish,
so an outbox entry is only done once the change is searchable. A server that cannot be
reached, answers 5xx or does not finish a task in time raises :class:`SearchUnavailable`.
"""

from __future__ import annotations

import contextlib
import html
import itertools
import time
from collections.abc import Iterable, Iterator
from typing import Any

import meilisearch
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchTimeoutError,
)

from search_index.engine import Progress
from search_index.errors import SearchError, SearchUnavailable
from search_index.meili.documents import (
    PRIMARY_KEY,
    availability_update,
    from_meili,
    primary_key,
    to_meili,
)
from search_index.meili.filters import build_filter, quote
from search_index.meili.settings import index_settings
from search_index.model import Availability, Document, Health, Hit, Query, SearchResult, Sort
from search_index.text import (
    call_number_key,
    is_han,
    isbn13,
    looks_like_call_number,
    normalize,
    segment,
    split_runs,
)

__all__ = ["MeiliEngine", "meili_query_text"]

# Private-use characters as highlight tags: the text is HTML-escaped after Meilisearch marks
# it, then they become <mark>; tags that were HTML already would let record text inject markup.
_PRE, _POST = "\ue000", "\ue001"
_BATCH = 1_000
_HIGHLIGHTED = ["title", "authors", "subjects", "notes", "publisher"]
#: Settings whose value is a whole map we own (not an object of options with defaults).
_WHOLE_SETTINGS = {"synonyms"}


def meili_query_text(text: str) -> str:
    """The ``q`` sent to Meilisearch: Chinese words of one or two characters are spelled out
    character by character so they match the ``chars`` field inside longer words (楼梦 in
    红楼梦), as the embedded engine's character phrases do; the rest is sent folded."""
    parts: list[str] = []
    for han, run in split_runs(normalize(text)):
        if not han:
            parts.append(run)
            continue
        for word in segment(run):
            parts.append(" ".join(word) if len(word) <= 2 else word)
    return " ".join(parts)


def _holds(current: Any, wanted: Any) -> bool:
    """Whether the server's setting already has what we want (it reports defaults for keys
    we never set, so objects are compared on our keys only)."""
    if isinstance(wanted, dict):
        return isinstance(current, dict) and all(
            _holds(current.get(k), v) for k, v in wanted.items()
        )
    return bool(current == wanted)


def _marked(text: Any) -> str:
    if isinstance(text, list):
        text = "; ".join(str(t) for t in text)
    escaped = html.escape(str(text), quote=False)
    return escaped.replace(_PRE, "<mark>").replace(_POST, "</mark>")


class MeiliEngine:
    """Search through a Meilisearch server, one index per catalogue."""

    name = "meilisearch"

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        *,
        index_uid: str = "records",
        timeout_s: float = 5.0,
        task_timeout_s: float = 30.0,
        synonyms: dict[str, list[str]] | None = None,
    ) -> None:
        self.url = url
        self.index_uid = index_uid
        self.task_timeout_ms = int(task_timeout_s * 1000)
        self.settings = index_settings(synonyms)
        self.client = meilisearch.Client(url, api_key, timeout=int(max(1, timeout_s)))
        self._ready = False

    # --- plumbing -----------------------------------------------------------------------

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """Client errors → our errors: unreachable or 5xx is "unavailable", 4xx is a bug."""
        try:
            yield
        except MeilisearchCommunicationError as exc:
            raise SearchUnavailable(self.name, f"{self.url}: {exc}") from exc
        except MeilisearchTimeoutError as exc:
            raise SearchUnavailable(self.name, f"{self.url}: timed out: {exc}") from exc
        except MeilisearchApiError as exc:
            if exc.status_code is None or exc.status_code >= 500:
                raise SearchUnavailable(self.name, f"{self.url}: {exc}") from exc
            raise SearchError(f"meilisearch refused a request: {exc}") from exc
        except OSError as exc:  # requests' ConnectionError is an OSError too
            raise SearchUnavailable(self.name, f"{self.url}: {exc}") from exc

    def _wait(self, task: Any) -> None:
        uid = task.task_uid if hasattr(task, "task_uid") else task["taskUid"]
        done = self.client.wait_for_task(uid, timeout_in_ms=self.task_timeout_ms)
        if done.status != "succeeded":
            raise SearchError(f"meilisearch task {uid} {done.status}: {done.error}")

    def _apply_settings(self, uid: str) -> None:
        index = self.client.index(uid)
        current = index.get_settings()
        wanted = {
            k: v
            for k, v in self.settings.items()
            if not (current.get(k) == v if k in _WHOLE_SETTINGS else _holds(current.get(k), v))
        }
        if wanted:
            self._wait(index.update_settings(wanted))

    def _create_index(self, uid: str) -> None:
        try:
            self.client.get_index(uid)
        except MeilisearchApiError as exc:
            if exc.code != "index_not_found":
                raise
            self._wait(self.client.create_index(uid, {"primaryKey": PRIMARY_KEY}))
        self._apply_settings(uid)

    def ensure_ready(self) -> None:
        """Create the index and apply settings if needed; cheap once done."""
        if self._ready:
            return
        with self._guard():
            self._create_index(self.index_uid)
        self._ready = True

    @property
    def _index(self) -> Any:
        self.ensure_ready()
        return self.client.index(self.index_uid)

    # --- writes -------------------------------------------------------------------------

    def _add(self, uid: str, docs: Iterable[Document]) -> int:
        n = 0
        index = self.client.index(uid)
        it = iter(docs)
        while batch := list(itertools.islice(it, _BATCH)):
            latest = {d.id: d for d in batch}
            self._wait(index.add_documents([to_meili(d) for d in latest.values()], PRIMARY_KEY))
            n += len(latest)
        return n

    def upsert(self, docs: Iterable[Document]) -> None:
        index = self._index
        with self._guard():
            self._add(index.uid, docs)

    def update_availability(self, updates: Iterable[Availability]) -> list[str]:
        """Partial documents for the records the index holds.

        "Add or update" would create a skeleton document for an unknown id, so the stored
        records are fetched first, by a filter on the primary key: that says which ids exist
        and gives the record to send back whole with its new availability (a partial update
        replaces an object field, it does not merge into it). A full upsert of the same
        record landing between that read and this write keeps its searchable fields but gets
        the older stored record back, until the record is next upserted.
        """
        latest = {u.id: u for u in updates}  # last update wins, ids in first-seen order
        ids = list(latest)
        if not ids:
            return []
        index = self._index
        missing: list[str] = []
        with self._guard():
            for start in range(0, len(ids), _BATCH):
                chunk = ids[start : start + _BATCH]
                stored = self._stored(index, chunk)
                missing.extend(i for i in chunk if i not in stored)
                partial = [
                    availability_update(latest[i].applied_to(stored[i]))
                    for i in chunk
                    if i in stored
                ]
                if partial:
                    self._wait(index.update_documents(partial, PRIMARY_KEY))
        return missing

    @staticmethod
    def _stored(index: Any, ids: list[str]) -> dict[str, Document]:
        """The stored records of those ids that the index holds, by id."""
        keys = [quote(primary_key(i)) for i in ids]
        found = index.get_documents(
            {
                "filter": f"{PRIMARY_KEY} IN [{', '.join(keys)}]",
                "fields": ["record"],
                "limit": len(keys),
            }
        )
        docs = (from_meili(dict(hit)) for hit in found.results)
        return {d.id: d for d in docs}

    def delete(self, ids: Iterable[str]) -> None:
        keys = [primary_key(i) for i in dict.fromkeys(ids)]
        if not keys:
            return
        index = self._index
        with self._guard():
            self._wait(index.delete_documents(keys))

    def clear(self) -> None:
        index = self._index
        with self._guard():
            self._wait(index.delete_all_documents())

    def reindex(self, docs: Iterable[Document], progress: Progress | None = None) -> int:
        """Build a fresh index beside the live one, then swap them atomically.

        Unlike the embedded engine, writes made by other processes during the build reach
        only the live index: the app should replay outbox entries written since the build
        began (the outbox keeps them; upserts are idempotent).
        """
        self.ensure_ready()
        build_uid = f"{self.index_uid}__build_{int(time.time())}"
        with self._guard():
            self._create_index(build_uid)
            try:
                count = 0
                it = iter(docs)
                while batch := list(itertools.islice(it, _BATCH * 10)):
                    count += self._add(build_uid, batch)
                    if progress is not None:
                        progress(count)
                self._wait(self.client.swap_indexes([{"indexes": [self.index_uid, build_uid]}]))
            finally:
                # After the swap build_uid holds the old documents; before it, the partial build.
                with contextlib.suppress(MeilisearchApiError, MeilisearchCommunicationError):
                    self.client.delete_index(build_uid)
        return count

    def close(self) -> None:
        """Nothing to release: the client opens a connection per request."""

    # --- reads --------------------------------------------------------------------------

    def get(self, doc_id: str) -> Document | None:
        index = self._index
        with self._guard():
            try:
                hit = index.get_document(primary_key(doc_id), {"fields": ["record"]})
            except MeilisearchApiError as exc:
                if exc.code == "document_not_found":
                    return None
                raise
        return from_meili(dict(hit))  # the client's Document iterates as (field, value) pairs

    def count(self) -> int:
        index = self._index
        with self._guard():
            stats = index.get_stats()
        return int(stats.number_of_documents)

    def health(self) -> Health:
        try:
            with self._guard():
                self.client.health()
            return Health(True, self.name, self.count(), self.url)
        except SearchError as exc:
            return Health(False, self.name, None, str(exc))

    def _code_filter(self, text: str) -> str | None:
        code = isbn13(text)
        if code is None and looks_like_call_number(text):
            code = call_number_key(text)
        return None if code is None else f"code_keys = {quote(code)}"

    def search(self, query: Query) -> SearchResult:
        index = self._index
        text = query.text.strip()
        params: dict[str, Any] = {
            "page": query.page,
            "hitsPerPage": query.per_page,
            "facets": [f.value for f in query.facets],
            "matchingStrategy": "all",
            "showRankingScore": True,
        }
        if query.sort is Sort.NEWEST:
            params["sort"] = ["year:desc"]
        elif query.sort is Sort.TITLE:
            params["sort"] = ["title_sort:asc"]
        if query.highlight and text:
            params.update(
                attributesToHighlight=_HIGHLIGHTED,
                highlightPreTag=_PRE,
                highlightPostTag=_POST,
                attributesToCrop=["notes"],
                cropLength=40,
            )
        if text and is_han(text):
            params["locales"] = ["cmn"]
        with self._guard():
            code = self._code_filter(text) if text else None
            if code is not None:
                found = index.search("", {**params, "filter": build_filter(query, [code])})
                if found.get("totalHits"):
                    return self._result(found, query)
            params["filter"] = build_filter(query)
            found = index.search(meili_query_text(text) if text else "", params)
        return self._result(found, query)

    def _result(self, found: dict[str, Any], query: Query) -> SearchResult:
        hits = []
        for raw in found.get("hits", []):
            doc = from_meili(raw)
            highlights: dict[str, str] = {}
            for name, value in (raw.get("_formatted") or {}).items():
                if name in _HIGHLIGHTED and value and _PRE in str(value):
                    highlights[name] = _marked(value)
            score = raw.get("_rankingScore") if query.sort is Sort.RELEVANCE else None
            hits.append(Hit(doc.id, score, doc, highlights))
        facets: dict[str, dict[str, int]] = {}
        distribution = found.get("facetDistribution") or {}
        for facet in query.facets:
            counts = distribution.get(facet.value, {})
            ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            facets[facet.value] = dict(ordered[: query.max_facet_values])
        return SearchResult(
            hits,
            int(found.get("totalHits", found.get("estimatedTotalHits", 0))),
            query.page,
            query.per_page,
            facets,
        )
