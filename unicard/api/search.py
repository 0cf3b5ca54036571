"""The OPAC search over HTTP: one query model, whatever the engine; open to everyone."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import msgspec
from litestar import Controller, get
from litestar.datastructures import State
from litestar.params import Parameter

from search_index import Facet, Query, SearchResult, Sort

__all__ = ["SearchController", "result_out"]


def result_out(result: SearchResult) -> dict[str, Any]:
    return {
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "pages": result.pages,
        "total_is_estimate": result.total_is_estimate,
        "facets": result.facets,
        "hits": [
            {"id": hit.id, "score": hit.score, "highlights": hit.highlights,
             **msgspec.to_builtins(hit.document)}
            for hit in result.hits
        ],
    }


class SearchController(Controller):
    path = "/api/search"
    tags = ["search"]

    @get("/", summary="Search the union catalogue, with live availability per branch")
    async def search(
        self,
        state: State,
        q: str = "",
        available_at: str | None = None,
        held_by: str | None = None,
        material_type: str | None = None,
        language: str | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        clc: str | None = None,
        subject: str | None = None,
        facet: Annotated[list[Facet] | None, Parameter(query="facet")] = None,
        sort: Sort = Sort.RELEVANCE,
        page: int = 1,
        per_page: int = 20,
    ) -> dict[str, Any]:
        query = Query(text=q, available_at=available_at, held_by=held_by,
                      material_type=material_type, language=language, year_from=year_from,
                      year_to=year_to, clc=clc, subject=subject, facets=tuple(facet or ()),
                      sort=sort, page=page, per_page=per_page)
        result = await asyncio.to_thread(state.search.search, query)
        return result_out(result)
