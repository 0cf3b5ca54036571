"""The Meilisearch engine: the same query model, served by a Meilisearch server."""

from search_index.meili.engine import MeiliEngine

__all__ = ["MeiliEngine"]
