"""Search for the union catalogue: one query model, two engines behind one protocol.

Takes plain :class:`Document` values and :class:`Query` values; imports nothing from the app.
The embedded engine (SQLite FTS5 index file) is the default; Meilisearch is selected by URL::

    engine = open_engine(index_path=data_dir / "search.sqlite")   # or meili_url=..., meili_key=...
    engine.upsert([Document(id="b1", title="红楼梦", authors=["曹雪芹"], held_by=["NET", "B1"])])
    result = engine.search(Query(text="hlm", available_at="B1", facets=(Facet.MATERIAL_TYPE,)))
    missing = engine.update_availability([Availability(id="b1", held_by=["NET", "B1"])])

Every engine call is synchronous and may raise :class:`SearchUnavailable` (answer 503).
"""

from search_index.engine import Progress, SearchEngine, open_engine
from search_index.errors import InvalidQuery, SearchError, SearchUnavailable
from search_index.model import (
    MAX_PER_PAGE,
    MAX_TOTAL_HITS,
    Availability,
    Copies,
    Document,
    Facet,
    Health,
    Hit,
    Query,
    SearchResult,
    Sort,
)

__all__ = [
    "MAX_PER_PAGE",
    "MAX_TOTAL_HITS",
    "Availability",
    "Copies",
    "Document",
    "Facet",
    "Health",
    "Hit",
    "InvalidQuery",
    "Progress",
    "Query",
    "SearchEngine",
    "SearchError",
    "SearchResult",
    "SearchUnavailable",
    "Sort",
    "open_engine",
]
