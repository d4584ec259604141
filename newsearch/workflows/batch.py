"""A batch of queries answered with one SearchEngine: for each, the number of matching
articles, the first and last date among them, and the best passages.

The dates come from the engine's date order (two searches sorted oldest and newest first, one
article each: numpy over the sort keys, no passage scored but that one's), not from scoring
every match. Undated articles are never a first or last date; a query whose articles are all
undated has none. In ``hybrid`` mode the articles shown for their meaning count in the total,
as ``newsearch query`` counts them, and their dates too.

A batch checks names against an archive, so it ranks by the query's words by default
(``mode="lexical"``): the total is then the number of articles holding them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from newsearch.errors import QueryError
from newsearch.models import Hit, SearchResults
from newsearch.search.engine import SearchEngine
from newsearch.search.filters import Filters
from newsearch.search.hybrid import Mode
from newsearch.workflows.batch_file import BatchQuery

DEFAULT_LIMIT = 3
DEFAULT_MODE: Mode = "lexical"


@dataclass(frozen=True)
class BatchAnswer:
    """One row's answer: ``total`` matching articles, the first and last ``date`` among them
    (None when none is dated), the best passages, the engine's notices and spelling
    ``suggestion`` (a name written otherwise in the index); or the row's ``error`` (``total``
    is then None)."""

    query: BatchQuery
    total: int | None = None
    first_date: dt.date | None = None
    last_date: dt.date | None = None
    results: tuple[Hit, ...] = ()
    notices: tuple[str, ...] = ()
    error: str | None = None
    suggestion: str | None = None


def run_batch(
    engine: SearchEngine,
    queries: Iterable[BatchQuery],
    *,
    limit: int = DEFAULT_LIMIT,
    mode: Mode = DEFAULT_MODE,
    filters: Filters | None = None,
    progress: Callable[[BatchAnswer], None] | None = None,
) -> Iterator[BatchAnswer]:
    """Answer each query in turn (``limit`` passages each; 0: counts and dates only), with
    ``filters`` applied to every row on top of its own. A row that was read with an error, or
    that the engine refuses (a date that does not exist, an unknown filter), is answered
    with that error; the others are unaffected. ``progress`` is called after each answer."""
    if not isinstance(limit, int) or limit < 0:
        raise QueryError(f"limit must be a whole number, 0 or more (got {limit!r})")
    for query in queries:
        if query.error is not None:
            answer = BatchAnswer(query, error=query.error)
        else:
            try:
                answer = _answer(engine, query, limit, mode, filters)
            except QueryError as exc:
                answer = BatchAnswer(query, error=str(exc))
        if progress is not None:
            progress(answer)
        yield answer


def _answer(
    engine: SearchEngine, q: BatchQuery, limit: int, mode: Mode, base: Filters | None
) -> BatchAnswer:
    options: dict[str, Any] = {"filters": base, **q.filters}
    if limit == 0:  # no passage shown (nor any answer by meaning): the articles counted
        total = engine.count(q.search, **options)
        found = SearchResults(q.search, total, ())
    else:
        found = engine.search(q.search, limit=limit, mode=mode, **options)
    first = last = None
    if found.total:
        oldest = engine.search(q.search, limit=1, sort="oldest", **options).results
        newest = engine.search(q.search, limit=1, sort="newest", **options).results
        # (an undated article sorts last either way: a first hit undated means none is dated)
        days = [h.article.date for h in (*oldest[:1], *newest[:1], *found.results)]
        dated = [d for d in days if d is not None]
        if dated:
            first, last = min(dated), max(dated)
    return BatchAnswer(
        q,
        total=found.total,
        first_date=first,
        last_date=last,
        results=found.results,
        notices=found.notices,
        suggestion=found.suggestion,
    )
