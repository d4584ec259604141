"""The HTTP API: ``/api/search``, ``/api/facets``, ``/api/compare``, ``/api/articles/{id}``,
``/api/entities``, ``/api/stats``, ``/api/suggest``; GET only, JSON out.

Each answer is the JSON the command prints with ``--json`` (render.py's serialisers, one for
both). The parameters are the command's options by their engine names (``q``, ``limit``,
``page`` or ``offset``, ``sort``, ``mode``, ``per_article``, ``collapse``, ``explain``,
``feedback``, ``facets``, and the filters: ``source``, ``since``, ``until``, ``person``,
``org``, ``place``, ``entity``, ``topic``, ``tag``, ``exclude``, each list filter repeated for
several values). They are declared here for the OpenAPI page and checked by ``SearchState``,
which the HTML page uses too: one set of bounds and messages for both.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from newsearch import render
from newsearch.commands import render_compare
from newsearch.search.engine import SearchEngine
from newsearch.web.host import EngineHost
from newsearch.web.state import (
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_PER_ARTICLE,
    BadParameter,
    SearchState,
)

router = APIRouter(prefix="/api", tags=["api"])
MAX_FACET_LIMIT = 1000
MAX_ARTICLES = 200  # articles a compare reads

Words = Annotated[
    str,
    Query(
        description='The query, as for `newsearch query`: words, "phrases", -word, '
        "field:value filters (at most 2,000 characters).",
    ),
]
Mode = Annotated[
    Literal["hybrid", "lexical"],
    Query(description="hybrid: by words and meaning (related words lit); lexical: words alone."),
]


async def filter_parameters(
    source: Annotated[list[str], Query(description="Only this source (repeat: any).")] = [],  # noqa: B006
    since: Annotated[str | None, Query(description="From this date: YYYY[-MM[-DD]].")] = None,
    until: Annotated[str | None, Query(description="Up to this date, inclusive.")] = None,
    person: Annotated[list[str], Query(description="Only articles naming this person.")] = [],  # noqa: B006
    org: Annotated[list[str], Query(description="Only articles naming this organisation.")] = [],  # noqa: B006
    place: Annotated[list[str], Query(description="Only articles naming this place.")] = [],  # noqa: B006
    entity: Annotated[list[str], Query(description="Only articles naming this entity.")] = [],  # noqa: B006
    topic: Annotated[list[str], Query(description="Only articles with this topic tag.")] = [],  # noqa: B006
    tag: Annotated[list[str], Query(description="NAME=VALUE, e.g. category=BUSINESS.")] = [],  # noqa: B006
    language: Annotated[
        list[str], Query(description="Only articles in this language: a code (de) or a name.")
    ] = [],  # noqa: B006
    exclude: Annotated[
        list[str], Query(description="FIELD:VALUE to leave out, e.g. source:RFA (repeat).")
    ] = [],  # noqa: B006
) -> None:
    """The filters, declared for the OpenAPI page (SearchState reads them from the URL: every
    list filter of the engine, search/filters.py; a test checks that each is declared here)."""


Filters = Annotated[None, Depends(filter_parameters)]


def host(request: Request) -> EngineHost:
    found: EngineHost = request.app.state.host
    return found


def json_response(obj: Any, status: int = 200) -> Response:
    """``obj`` as the command's ``--json`` writes it (render.to_json), on one line."""
    return Response(render.to_json(obj, indent=None), status, media_type="application/json")


def _state(request: Request) -> SearchState:
    return SearchState.parse(request.query_params)


@router.get("/search", summary="Ranked passages (the JSON of newsearch query --json)")
async def search(
    request: Request,
    _filters: Filters,
    q: Words = "",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Passages.")] = 10,
    page: Annotated[int | None, Query(ge=1, description="Page N of `limit` passages.")] = None,
    offset: Annotated[
        int | None, Query(ge=0, le=MAX_OFFSET, description="Skip this many passages.")
    ] = None,
    sort: Literal["relevance", "newest", "oldest"] = "relevance",
    mode: Mode = "hybrid",
    per_article: Annotated[
        int | None, Query(ge=1, le=MAX_PER_ARTICLE, description="At most N of one article.")
    ] = None,
    collapse: Annotated[bool, Query(description="Near-duplicate passages once.")] = False,
    explain: Annotated[bool, Query(description="Per-term scores of each passage.")] = False,
    feedback: Annotated[bool, Query(description="Rank again with RM3 feedback.")] = False,
    facets: Annotated[bool, Query(description="Facet counts over the matches too.")] = False,
    date_bucket: Literal["day", "month", "year"] = "day",
    facet_limit: Annotated[int, Query(ge=1, le=MAX_FACET_LIMIT)] = 10,
) -> Response:
    state = _state(request)
    options = state.search_options()
    if facets:
        options.update(facets=True, date_bucket=date_bucket, facet_limit=facet_limit)

    def call(engine: SearchEngine) -> str:  # (the text is what the cache keeps)
        return render.to_json(render.results_json(engine.search(state.q, **options)), indent=None)

    key = ("search", state, facets, date_bucket, facet_limit)
    text = await host(request).run(call, key)
    return Response(text, media_type="application/json")


@router.get("/facets", summary="Facet counts (the JSON of newsearch facets --json)")
async def facets(
    request: Request,
    _filters: Filters,
    q: Words = "",
    limit: Annotated[int, Query(ge=1, le=MAX_FACET_LIMIT, description="Values a facet.")] = 10,
    date_bucket: Literal["day", "month", "year"] = "day",
) -> Response:
    state = _state(request)

    def call(engine: SearchEngine) -> Any:
        return engine.search(
            state.q,
            limit=1,
            facets=True,
            facet_limit=limit,
            date_bucket=date_bucket,
            **state.filters,
        )

    res = await host(request).run(call, ("facets", state.q, state, limit, date_bucket))
    return json_response(render.facet_counts_json(state.q, res.facets, res.notices))


@router.get("/compare", summary="Figures per claim group (the JSON of newsearch compare --json)")
async def compare(
    request: Request,
    _filters: Filters,
    q: Words = "",
    articles: Annotated[int, Query(ge=1, le=MAX_ARTICLES, description="Best articles read.")] = 30,
    limit: Annotated[int | None, Query(ge=1, description="The N largest groups.")] = None,
) -> Response:
    state = _state(request)
    found = await run_compare(request, state, articles)
    out = render_compare.comparison_json(found)
    if limit is not None:
        out["groups"] = out["groups"][:limit]
    return json_response(out)


async def run_compare(request: Request, state: SearchState, articles: int) -> Any:
    """``engine.compare`` on the compare engine (its first parse of an article is slow)."""
    if not state.q.strip() and not state.filtered:
        raise BadParameter("give a query (q) or a filter: compare reads the articles matching it")

    def call(engine: SearchEngine) -> Any:
        return engine.compare(state.q, articles=articles, **state.filters)

    return await host(request).run(call, ("compare", state, articles), pool="compare")


@router.get(
    "/articles/{article_id:path}", summary="One article (the JSON of newsearch show --json)"
)
async def article(
    request: Request,
    article_id: str,
    q: Annotated[str | None, Query(description="Light this query's matches.")] = None,
    mode: Mode = "hybrid",
) -> Response:
    found = await article_view(request, article_id, q or None, mode)
    return json_response(render.article_view_json(found))


async def article_view(request: Request, article_id: str, q: str | None, mode: str) -> Any:
    """``engine.article`` of the id in the address (read from the raw path: an id may hold
    ``/``, ``?`` or ``%2F``, each quoted once by the page's links)."""
    raw = request.scope.get("raw_path")
    if raw:
        article_id = unquote(raw.decode("latin-1").split("/articles/", 1)[1])
    if mode not in ("hybrid", "lexical"):
        raise BadParameter(f"mode {render.clip(mode)!r} not understood: use hybrid, lexical")

    def call(engine: SearchEngine) -> Any:
        return engine.article(article_id, query=q, mode=mode)  # type: ignore[arg-type]

    return await host(request).run(call, ("article", article_id, q, mode))


@router.get("/entities", summary="The entities most named (the JSON of newsearch entities --json)")
async def entities(
    request: Request,
    _filters: Filters,
    q: Words = "",
    type: Literal["person", "org", "place"] | None = None,
    with_: Annotated[str | None, Query(alias="with", description="Named with this one.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_FACET_LIMIT)] = 20,
) -> Response:
    state = _state(request)

    def call(engine: SearchEngine) -> Any:
        return engine.entities(state.q, type=type, with_=with_, limit=limit, **state.filters)

    found = await host(request).run(call, ("entities", state, type, with_, limit))
    return json_response(render.entities_json(state.q, with_, found))


@router.get("/stats", summary="What the index holds (the JSON of newsearch stats --json)")
async def stats(request: Request) -> Response:
    return json_response(render.stats_json(await index_stats(request)))


async def index_stats(request: Request) -> Any:
    return await host(request).run(lambda engine: engine.stats(), ("stats",))


@router.get("/suggest", summary="The query with words the index does not hold corrected")
async def suggest(request: Request, q: Words = "") -> Response:
    """``{"query", "suggestion"}``: the "did you mean" of a search (null when every word is
    in the index or none can be corrected)."""
    text = request.query_params.get("q", "")

    def call(engine: SearchEngine) -> Any:
        return engine.search(text, limit=1, mode="lexical")

    res = await host(request).run(call, ("suggest", text))
    return json_response(
        {"query": text, "suggestion": res.suggestion, "notices": list(res.notices)}
    )
