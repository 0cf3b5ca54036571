"""The embedded search engine: SQLite FTS5 in an index file of its own."""

from search_index.embedded.engine import EmbeddedEngine

__all__ = ["EmbeddedEngine"]
