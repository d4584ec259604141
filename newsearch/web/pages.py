"""The HTML pages: search (``/``), one article (``/articles/{id}``), compare (``/compare``).

Server-rendered with Jinja2 (autoescape on: every value a template prints is escaped unless
it is Markup that markup.py built from escaped pieces). A page's whole state is its URL
(state.py): the form, the facet links, the histogram's bars and the pager are plain links and
a GET form, so that search and filters work with JavaScript off; static/app.js only submits
the form when a choice changes.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from newsearch.commands import render_compare
from newsearch.models import (
    ArticleInfo,
    ArticleView,
    FacetValue,
    IndexStats,
    PassageSpan,
    SearchResults,
)
from newsearch.search.engine import SearchEngine
from newsearch.search.filters import LIST_FILTERS, parse_date_bound
from newsearch.web import api, markup
from newsearch.web.state import SearchState

router = APIRouter(include_in_schema=False)
FACETS_SHOWN = 8  # values of a facet shown; the rest behind "more"
FACET_VALUES = 30  # values of a facet asked for
MOST_BARS = 400
ENTITY_FILTERS = ("person", "org", "place")
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(resources.files("newsearch.web") / "templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals.update(marked=markup.marked, safe_url=markup.safe_url, figure=render_compare.figure)


def article_url(article_id: str, state: SearchState | None = None, anchor: str = "") -> str:
    """The article view's address (its id quoted: ids come from the sources)."""
    qs = state.query_string() if state is not None else ""
    return f"/articles/{quote(article_id, safe='')}" + (f"?{qs}" if qs else "") + anchor


def headline(a: ArticleInfo) -> str:
    """An article's title, else its file's name."""
    return a.title or f"(untitled: {a.path.rsplit('/', 1)[-1] or a.id})"


_env.globals.update(article_url=article_url, headline=headline)


def render_page(name: str, code: int = 200, /, **context: Any) -> HTMLResponse:
    return HTMLResponse(_env.get_template(name).render(**context), status_code=code)


@router.get("/", response_class=HTMLResponse)
async def search_page(request: Request) -> HTMLResponse:
    state = SearchState.parse(request.query_params)
    host = api.host(request)
    key = ("page", host.version(), state)  # the page as the index was when it was drawn
    found, html = host.recall(key)
    if not found:
        html = await _search_html(request, state)
        host.keep(key, html)
    return HTMLResponse(html)


async def _search_html(request: Request, state: SearchState) -> str:
    stats: IndexStats = await api.index_stats(request)
    first, last = _date_range(stats, state)
    bucket = markup.bucket_for(first, last)
    facet_limit = min(max(FACET_VALUES, markup.bars_needed(first, last, bucket) + 1), MOST_BARS)
    options = state.search_options()

    def call(engine: SearchEngine) -> SearchResults:
        return engine.search(
            state.q, facets=True, date_bucket=bucket, facet_limit=facet_limit, **options
        )

    results: SearchResults = await api.host(request).run(call, ("page", state, bucket, facet_limit))
    chart = markup.histogram(
        results.facets.get("date", ()),
        bucket,
        lambda label: state.url(since=label, until=label),
    )
    return _env.get_template("search.html").render(
        state=state,
        results=results,
        stats=stats,
        facets=_facets(state, results.facets),
        chart=chart,
        pager=_pager(state, results),
        title=f"{state.q} - newsearch" if state.q else "newsearch",
    )


def _date_range(stats: IndexStats, state: SearchState) -> tuple[dt.date | None, dt.date | None]:
    """The dates the histogram spans: the index's, narrowed by the date filters."""
    first, last = stats.first_date, stats.last_date
    if state.since:
        first = max(filter(None, (first, parse_date_bound(state.since, end=False))))
    if state.until:
        last = min(filter(None, (last, parse_date_bound(state.until, end=True))))
    if first and last and first > last:
        first, last = last, first
    return first, last


def _facets(state: SearchState, facets: dict[str, tuple[FacetValue, ...]]) -> list[dict[str, Any]]:
    """The sidebar: each facet but the dates, its values with the links that add, remove
    and exclude them (a tag facet ``category`` filters ``tag=category=VALUE``)."""
    out: list[dict[str, Any]] = []
    for name, found in facets.items():
        if name == "date" or not found:
            continue
        kind = name if name in LIST_FILTERS else "tag"
        values = []
        for v in found:
            value = v.value if kind != "tag" else f"{name}={v.value}"
            linkable = not (name == "source" and v.value == "unknown")
            values.append(
                {
                    "label": v.value,
                    "count": v.count,
                    "on": state.has(kind, value),
                    "toggle": state.toggled(kind, value) if linkable else None,
                    "exclude": state.excluding(kind, value) if linkable else None,
                }
            )
        out.append({"name": name, "shown": values[:FACETS_SHOWN], "more": values[FACETS_SHOWN:]})
    return out


def _pager(state: SearchState, results: SearchResults) -> dict[str, Any]:
    more = len(results.results) == state.limit
    return {
        "page": state.page,
        "previous": state.url(page=state.page - 1) if state.page > 1 else None,
        "next": state.url(page=state.page + 1) if more else None,
        "first": results.offset + 1,
        "last": results.offset + len(results.results),
    }


@router.get("/articles/{article_id:path}", response_class=HTMLResponse)
async def article_page(request: Request, article_id: str) -> HTMLResponse:
    state = SearchState.parse(request.query_params)
    view = await api.article_view(request, article_id, state.q or None, state.mode)
    spans = _spans(view)
    return render_page(
        "article.html",
        state=state,
        view=view,
        spans=spans,
        entity_filters=ENTITY_FILTERS,
        title=f"{headline(view.article)} - newsearch",
    )


def _spans(view: ArticleView) -> list[tuple[int, int, PassageSpan | None]]:
    """The body cut into its passages, and the text between them where there is any."""
    out: list[tuple[int, int, PassageSpan | None]] = []
    pos = 0
    for p in sorted(view.passages, key=lambda p: p.start):
        if p.start > pos and view.body[pos : p.start].strip():
            out.append((pos, p.start, None))
        out.append((max(p.start, pos), p.end, p))
        pos = max(pos, p.end)
    if view.body[pos:].strip():
        out.append((pos, len(view.body), None))
    return out


@router.get("/compare", response_class=HTMLResponse)
async def compare_page(request: Request) -> HTMLResponse:
    state = SearchState.parse(request.query_params)
    found = None
    if state.q.strip() or state.filtered:
        found = await api.run_compare(request, state, 30)
    return render_page(
        "compare.html",
        state=state,
        found=found,
        verdict=render_compare.verdict,
        title=f"compare {state.q} - newsearch",
    )


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """The message on a page with the search form (what was asked kept in it)."""
    q = request.query_params.get("q", "")[:2000]
    return render_page(
        "error.html", status, status=status, message=message, state=SearchState(q=q), title="Error"
    )


def docs_page(available: bool) -> HTMLResponse:
    """Swagger UI over /openapi.json, its files and start-up script served from here."""
    return render_page("docs.html", available=available, title="newsearch API")
