"""The engine's core: an index kept open and fresh, query plans, and the search itself.

A search goes: filters gathered from every route and the text parsed (query.py) -> one
QueryPlan (plan.py) -> the matching articles, ranked (matching.py: numpy over whole posting
lists for flat plans, Whoosh for the rest) -> their passages scored and chosen (scoring.py,
selection.py) -> hits with highlights (results.py, highlight.py) and facets (facets.py).
engine.py adds the other views of the same plan (facets, entities, an article, compare,
count, export, stats, timeline, stories, similar).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np
from whoosh.searching import Searcher

from newsearch.errors import EngineClosedError, QueryError
from newsearch.index import store
from newsearch.index.segments import Ints, SegmentView
from newsearch.index.vocabulary import load_vocabulary
from newsearch.models import (
    FacetValue,
    SearchResults,
    TermContribution,
)
from newsearch.search.bm25 import CachedBM25F
from newsearch.search.date_order import DateOrder
from newsearch.search.explain import article_contributions
from newsearch.search.facets import FACET_NAMES, DateBucket, FacetTable
from newsearch.search.filters import Filters, gather
from newsearch.search.hybrid import DEFAULT_MODE, MODES, HybridRanker, Mode
from newsearch.search.lexicon import index_lexicon
from newsearch.search.matching import Matching
from newsearch.search.paging import paged
from newsearch.search.plan import SORTS, Lexicon, QueryPlan, Sort, build
from newsearch.search.query import QueryParser
from newsearch.search.ranking import Ranker, Ranking
from newsearch.search.results import HitMaker
from newsearch.search.scoring import ARTICLE_WEIGHT, PassageScorer
from newsearch.search.selection import PER_ARTICLE
from newsearch.search.spelling import Speller
from newsearch.text import embedding
from newsearch.text.analysis import normalize_word

if TYPE_CHECKING:
    from newsearch.index.vectors import VectorTable

FEEDBACK_DEFAULT = False
# How an engine matches articles over its segments (default: Matching; newsearch/cluster/
# gives one whose shards are matched in a Dask cluster's workers)
MatchingFactory = Callable[[SegmentView, CachedBM25F, bool], Matching]
DATE_BUCKETS = ("day", "month", "year")


class EngineCore:
    """The open index, its searcher and caches, plans and ``search`` (SearchEngine adds the
    other views)."""

    def __init__(
        self,
        index_dir: str | os.PathLike[str] = "index",
        *,
        fast_path: bool = True,
        matching: MatchingFactory = Matching,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.fast_path = fast_path
        self._make_matching = matching
        self._on_close: list[Callable[[], object]] = []
        self._gen: Path | None
        self._gen, self._ix = store.open_live(self.index_dir)
        self._closed = False
        self._seen = -1
        self._parser = QueryParser(self._ix.schema)
        self._searcher: Searcher | None = None
        self._view: SegmentView | None = None  # of the open searcher
        self._facets: FacetTable | None = None
        self._match: Matching | None = None
        self._dates: DateOrder | None = None
        self._hits = HitMaker()
        self._speller: Speller | None = None
        self._lexicon: Lexicon | None = None  # of the open searcher
        self._ranker: HybridRanker | None = None  # of the open searcher

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the index: its files (the segments, the postings copies, the vectors: mapped
        into memory) are let go now, not when the engine is collected."""
        self._forget()
        self._ix.close()
        self._closed = True
        while self._on_close:
            self._on_close.pop()()

    def on_close(self, call: Callable[[], object]) -> None:
        """Call ``call`` when the engine closes (what was opened for it: a cluster's client)."""
        self._on_close.append(call)

    def _s(self) -> Searcher:
        """The open searcher (opened on first use)."""
        if self._searcher is None:
            self._searcher = self._ix.searcher()
            self._searcher.weighting = CachedBM25F()
            self._seen = self._ix.latest_generation()
            # (it opens each segment's stored fields now, not in the middle of a query)
            self._view = SegmentView(self._searcher, self._gen)
        return self._searcher

    def _segments(self) -> SegmentView:
        """The view of the open searcher's segments shared by matching, facets and dates."""
        self._s()
        assert self._view is not None
        return self._view

    def _fresh(self) -> Searcher:
        """The searcher, reopened if another process committed or rebuilt the index since."""
        if self._closed:
            raise EngineClosedError(
                f"this SearchEngine on {self.index_dir} is closed: open a new one"
            )
        gen = store.current_generation(self.index_dir)
        if gen != self._gen:  # rebuilt: the old generation is gone, open the new one
            self._forget()
            self._ix.close()
            self._gen, self._ix = store.open_live(self.index_dir)
        elif self._searcher is not None and self._ix.latest_generation() != self._seen:
            self._forget()
        return self._s()

    def _forget(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._view = None
        self._facets = None
        self._match = None
        self._dates = None
        self._hits = HitMaker()
        self._speller = None
        self._lexicon = None
        self._ranker = None

    def plan(
        self,
        query: str,
        *,
        sort: Sort = "relevance",
        filters: Filters | None = None,
        **options: Any,
    ) -> QueryPlan:
        """The plan of ``query`` with these filters (``source=``, ``since=``, ... as in
        ``search``): what will be matched, scored, highlighted and left out."""
        if sort not in SORTS:
            raise QueryError(f"sort {sort!r} not understood: use {', '.join(SORTS)}")
        s = self._fresh()  # first: it loads the index's stems, which parsing the query uses
        text, merged = gather(query, filters, **options)
        parsed = self._parser.parse(text)
        if self._lexicon is None:  # once per searcher: it buckets the vocabulary when asked
            self._lexicon = index_lexicon(s, self._vocabulary)
            self._lexicon.entities = lambda: self._facet_table().resolution
        return build(query, parsed, merged, sort, self._lexicon)

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        offset: int = 0,
        sort: Sort = "relevance",
        facets: bool = False,
        date_bucket: DateBucket = "day",
        facet_limit: int = 10,
        filters: Filters | None = None,
        source: str | Sequence[str] | None = None,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        person: str | Sequence[str] | None = None,
        org: str | Sequence[str] | None = None,
        place: str | Sequence[str] | None = None,
        entity: str | Sequence[str] | None = None,
        topic: str | Sequence[str] | None = None,
        tag: str | Sequence[str] | None = None,
        language: str | Sequence[str] | None = None,
        story: str | Sequence[str] | None = None,
        exclude: str | Sequence[str] | Sequence[tuple[str, str]] | None = None,
        explain: bool = False,
        feedback: bool = FEEDBACK_DEFAULT,
        mode: Mode = DEFAULT_MODE,
        per_article: int = PER_ARTICLE,
        collapse: bool = False,
        collapse_copies: bool = False,
        recency: str | float | None = None,
    ) -> SearchResults:
        """Ranked passages for ``query`` (words, "phrases", ``field:value`` filters; the
        syntax is in the README), best first: each article's best passage first, at most
        ``per_article`` from one article while others match.

        ``mode="hybrid"`` (where the index holds vectors) ranks passages by their words and
        their meaning, finds answers worded otherwise and lights related words (hybrid.py);
        ``mode="lexical"`` by words alone.

        ``offset=N`` skips the first N passages: pages of one ``limit`` never overlap and
        leave nothing out, and page 1 is the query without paging (paging.py).

        ``explain=True`` fills each hit's ``explanation`` with per-term contributions.
        ``feedback=True`` ranks articles again with words their best ones share (RM3,
        feedback.py); what matches, the total and the facets stay those of the query.
        ``collapse=True`` shows a passage several articles carry nearly word for word once,
        the others in its ``also_in`` (compare/duplicates.py).
        ``collapse_copies=True`` shows one hit per copy group (syndicated, re-sent, corrected
        copies), its other articles in the hit's ``copies``; ``recency="7d"`` multiplies a
        dated hit's score by 0.5 per half-life of age (from the index's newest article),
        undated hits keeping their places (newsearch/stories/).
        """
        given = dict(locals())  # (the arguments, for a collapsed search's deeper run)
        if not isinstance(limit, int) or limit < 1:
            raise QueryError(f"limit must be a whole number of at least 1 (got {limit!r})")
        if not isinstance(offset, int) or offset < 0:
            raise QueryError(f"offset must be a whole number, 0 or more (got {offset!r})")
        if date_bucket not in DATE_BUCKETS:
            raise QueryError(f"date bucket {date_bucket!r}: use {', '.join(DATE_BUCKETS)}")
        if not isinstance(facet_limit, int) or facet_limit < 1:
            raise QueryError(f"facet limit must be at least 1 (got {facet_limit!r})")
        if mode not in MODES:
            raise QueryError(f"mode {mode!r} not understood: use {', '.join(MODES)}")
        if not isinstance(per_article, int) or per_article < 1:
            raise QueryError(f"per-article must be at least 1 (got {per_article!r})")
        if collapse:  # the page cut from a deeper ranking with its near duplicates gone
            from newsearch.compare.duplicates import collapsed

            skip = ("self", "query", "limit", "offset", "collapse")
            same = {k: v for k, v in given.items() if k not in skip}
            return collapsed(lambda n: self.search(query, limit=n, **same), limit, offset)
        if collapse_copies or recency is not None:
            return self._reordered(query, given)
        plan = self.plan(
            query,
            sort=sort,
            filters=filters,
            source=source,
            since=since,
            until=until,
            person=person,
            org=org,
            place=place,
            entity=entity,
            topic=topic,
            tag=tag,
            language=language,
            story=story,
            exclude=exclude,
        )
        s = self._s()
        empty: dict[str, tuple[FacetValue, ...]] = {n: () for n in FACET_NAMES} if facets else {}
        if s.doc_count_all() == 0 or not plan.searchable:
            return SearchResults(query, 0, (), empty, notices=plan.notices, offset=offset)
        clauses = plan.clauses
        scorer = PassageScorer(s, clauses) if plan.positive is not None else None
        found = self._paged(plan, scorer, sort, feedback, mode, per_article, limit, offset)
        ranked, every, related, extra = found.ranked, found.every, found.related, found.extra

        def article_part(docnum: int) -> list[TermContribution]:
            return article_contributions(s, docnum, clauses, ARTICLE_WEIGHT, extra)

        hits = tuple(
            self._hits.hit(
                rank, c, clauses, scorer if explain else None, article_part, related=related
            )
            for rank, c in enumerate(ranked[offset : offset + limit], start=offset + 1)
        )
        facet_values: dict[str, tuple[FacetValue, ...]] = {}
        if facets:  # over every matching article, not just the ones returned
            matched = np.zeros(s.doc_count_all(), np.bool_)
            matched[every] = True
            facet_values = self._facet_table().facets(matched, date_bucket, facet_limit)
        return SearchResults(
            query=query,
            total=len(every),
            results=hits,
            facets=facet_values,
            suggestion=self._suggest(s, plan) if plan.positive is not None else None,
            notices=plan.notices + self._hybrid_notice(mode),
            offset=offset,
        )

    def _paged(
        self,
        plan: QueryPlan,
        scorer: PassageScorer | None,
        sort: Sort,
        feedback: bool,
        mode: Mode,
        per_article: int,
        limit: int,
        offset: int,
    ) -> Ranking:
        """The ranking's page (offset 0: the ranking of ``limit``) and every matching article."""
        ranker = Ranker(
            self._s(), self._matching(), self._date_order, self._hybrid, plan, scorer, sort,
            feedback, mode, per_article,
        )  # fmt: skip
        return paged(ranker, limit, offset)

    def _matched(
        self, query: str, mode: Mode, filters: Filters | None, options: dict[str, Any]
    ) -> tuple[QueryPlan, Ints]:
        """The plan of ``query`` and the articles its first page counts in its ``total`` (and
        facets): those holding its words, and in hybrid mode those shown for their meaning."""
        if mode not in MODES:
            raise QueryError(f"mode {mode!r} not understood: use {', '.join(MODES)}")
        plan = self.plan(query, filters=filters, **options)
        s = self._s()
        if s.doc_count_all() == 0 or not plan.searchable:
            return plan, np.empty(0, np.int64)
        scorer = PassageScorer(s, plan.clauses) if plan.positive is not None else None
        found = self._paged(plan, scorer, "relevance", FEEDBACK_DEFAULT, mode, PER_ARTICLE, 10, 0)
        return plan, np.asarray(found.every, np.int64)

    def _reordered(self, query: str, given: dict[str, Any]) -> SearchResults:
        """``search`` with copies collapsed and/or recency blended (stories/reorder.py)."""
        from newsearch.stories import lookup, reorder
        from newsearch.stories.groups import groups_of
        from newsearch.stories.recency import half_life_days

        recency = given["recency"]
        half_life = half_life_days(recency) if recency is not None else None
        self._fresh()
        view = self._segments()
        how = reorder.Reorder(
            half_life=half_life,
            newest=self._facet_table().summary(view.live)["last_date"] if half_life else None,
            groups=(lambda ids: groups_of(self._gen, ids)) if given["collapse_copies"] else None,
            infos=lambda ids: lookup.infos(view, self._hits.article, ids),
        )
        skip = ("self", "query", "limit", "offset", "collapse_copies", "recency")
        same = {k: v for k, v in given.items() if k not in skip}
        run = lambda n: self.search(query, limit=n, **same)  # noqa: E731
        return reorder.reordered(run, given["limit"], given["offset"], how)

    def _hybrid_notice(self, mode: Mode) -> tuple[str, ...]:
        notice = self._hybrid().notice if mode == "hybrid" else None
        return (notice,) if notice else ()

    def _hybrid(self) -> HybridRanker:
        view = self._segments()
        if self._ranker is None:
            made_by = store.read_manifest(self._gen or self.index_dir).get("embedding")
            self._ranker = HybridRanker(view, made_by)
        return self._ranker

    def _date_order(self) -> DateOrder:
        view = self._segments()
        if self._dates is None:
            self._dates = DateOrder(view)
        return self._dates

    def _matching(self) -> Matching:
        view = self._segments()
        if self._match is None:
            self._match = self._make_matching(view, view.searcher.weighting, self.fast_path)
        return self._match

    def _vocabulary(self) -> Counter[str]:
        if self._speller is None:
            gen = store.current_generation(self.index_dir)
            self._speller = Speller(load_vocabulary(gen) if gen else Counter())
        return self._speller.vocabulary

    def _suggest(self, s: Searcher, plan: QueryPlan) -> str | None:
        """The query with words the index does not hold corrected, if any can be."""
        reader = s.reader()
        if all(
            len(word) < 3 or term is None or ("text", term) in reader
            for word in plan.vocabulary_words
            for term in [normalize_word(word)]
        ):  # every word is in the index: nothing to correct (no vocabulary to load)
            return None
        if not self._vocabulary():
            return None
        assert self._speller is not None
        return self._speller.suggest(re.sub(r"[^\W\d_]+[~*]\d*", " ", plan.text))

    def _facet_table(self) -> FacetTable:
        view = self._segments()
        if self._facets is None:
            self._facets = FacetTable(view)
        return self._facets

    def _vectors(self) -> VectorTable | None:
        """The open searcher's article vectors, if the index holds this model's (else None)."""
        from newsearch.stories.similar import vector_table

        made_by = store.read_manifest(self._gen or self.index_dir).get("embedding")
        return vector_table(self._segments()) if made_by == embedding.MODEL_ID else None
