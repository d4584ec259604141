"""The search engine: the core (core.py: an index kept open and fresh, plans, search) and
every other view of a plan: facets, entities, one article, compare, count, export, stats,
timeline, stories, story and similar articles.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
from whoosh.searching import Searcher

from newsearch.errors import NoStoriesError, QueryError
from newsearch.index import keys, store
from newsearch.index.segments import Mask
from newsearch.models import (
    ENTITY_TYPES,
    ArticleView,
    Claim,
    Comparison,
    EntitySummary,
    EntityType,
    ExportResults,
    FacetValue,
    IndexStats,
    SimilarArticles,
    StoryList,
    StoryView,
    Timeline,
)
from newsearch.search import article_view
from newsearch.search.core import EngineCore
from newsearch.search.export import Exporter, Progress
from newsearch.search.facets import DateBucket
from newsearch.search.filters import Filters
from newsearch.search.hybrid import DEFAULT_MODE, MODES, Mode, query_text
from newsearch.search.plan import Sort
from newsearch.text import embedding

FIGURE_ARTICLES = 50  # the best matching articles whose figures a timeline marks

if TYPE_CHECKING:
    from newsearch.stories.listing import Stories


class SearchEngine(EngineCore):
    """Query an index built by ``build_index``: ``with SearchEngine("index") as engine: ...``.

    ``fast_path=False`` answers every query with Whoosh's matchers (the numpy scorer is only
    ever a faster way to the same answers: tests compare the two)."""

    def facets(
        self, query: str = "", *, date_bucket: DateBucket = "day", limit: int = 10, **filters: Any
    ) -> dict[str, tuple[FacetValue, ...]]:
        """Facet counts alone, over the articles matching ``query`` (all articles if empty),
        with the same filters as ``search``."""
        res = self.search(
            query, limit=1, facets=True, date_bucket=date_bucket, facet_limit=limit, **filters
        )
        return res.facets

    def entities(
        self,
        query: str = "",
        *,
        type: EntityType | None = None,
        with_: str | None = None,
        limit: int = 20,
        **filters: Any,
    ) -> tuple[EntitySummary, ...]:
        """The entities most named by the articles matching ``query`` (all articles if empty;
        the same filters as ``search``), of one ``type`` or all, with their counts and the
        names each was seen under. ``with_``: only articles naming that entity, which is not
        listed itself: the entities named with it most often, with exact counts."""
        if type is not None and type not in ENTITY_TYPES:
            raise QueryError(f"entity type {type!r}: use {', '.join(ENTITY_TYPES)}")
        if not isinstance(limit, int) or limit < 1:
            raise QueryError(f"limit must be a whole number of at least 1 (got {limit!r})")
        if with_:
            given = filters.get("entity") or ()
            filters["entity"] = (*((given,) if isinstance(given, str) else given), with_)
        plan = self.plan(query, **filters)
        s = self._s()
        if s.doc_count_all() == 0 or not plan.searchable:
            return ()
        matched = np.zeros(s.doc_count_all(), np.bool_)
        matched[self._matching().every(plan)] = True
        table = self._facet_table()
        leave_out = table.resolution.find(keys.entity_term(with_)) if with_ else None
        kinds = (type,) if type is not None else ENTITY_TYPES
        return table.entities(matched, kinds, limit, leave_out or "")

    def article(
        self, article_id: str, *, query: str | None = None, mode: Mode = DEFAULT_MODE
    ) -> ArticleView:
        """The whole article ``article_id`` (each hit's ``article.id``; the start of one id
        will do) with its metadata, entities and passages; with ``query``, its matches lit
        (in hybrid mode, words close in meaning too). ArticleNotFoundError if none."""
        if mode not in MODES:
            raise QueryError(f"mode {mode!r} not understood: use {', '.join(MODES)}")
        plan = self.plan(query) if query else None
        self._fresh()  # (plan reads it fresh too; without a query, so must this)
        view = self._segments()
        docnum = article_view.find(view, article_id, str(self.index_dir))
        made_by = store.read_manifest(self._gen or self.index_dir).get("embedding")
        related = None
        if plan is not None and mode == "hybrid" and made_by == embedding.MODEL_ID:
            related = article_view.related_words(plan, query_text(plan))
        found = article_view.view(view, docnum, plan, related)
        from newsearch.stories.lookup import copies_of  # its copies, what each changed

        copies = copies_of(view, self._gen, self._hits.article, view.stored_fields(docnum))
        return replace(found, copies=copies) if copies else found

    def compare(
        self,
        query: str,
        *,
        articles: int = 30,
        filters: Filters | None = None,
        **options: Any,
    ) -> Comparison:
        """The quantitative claims of the ``articles`` best matching ``query`` (the syntax and
        filters of ``search``; newest first for filters alone): figures, what they count, the
        event and who says so, grouped, each group's agreement judged (newsearch/compare/)."""
        from newsearch.compare.run import Source, compare

        if not isinstance(articles, int) or articles < 1:
            raise QueryError(f"articles must be a whole number of at least 1 (got {articles!r})")
        plan = self.plan(query, filters=filters, **options)
        s = self._s()
        if s.doc_count_all() == 0 or not plan.searchable:
            return Comparison(query, 0, 0, (), plan.notices)
        if plan.positive is None:
            every = self._matching().every(plan)
            docnums = self._date_order().first(every, "newest", articles)
        else:
            found = self._matching().ranked(plan, articles)
            every, docnums = found.docnums, [d for d, _ in found.top]
        fields = [s.stored_fields(d) for d in docnums]
        sources = [
            Source(self._hits.article(f["article_id"], f["meta"]), f["body"], f.get("hash") or "")
            for f in fields
        ]
        return compare(query, sources, len(every), self._gen, plan.notices)

    def count(self, query: str = "", *, filters: Filters | None = None, **options: Any) -> int:
        """How many articles match ``query`` with these filters (as in ``search``): its
        ``total`` in lexical mode, without scoring a passage. (A hybrid search's total adds
        the answers it shows for their meaning alone.)"""
        plan = self.plan(query, filters=filters, **options)
        if self._s().doc_count_all() == 0 or not plan.searchable:
            return 0
        return len(self._matching().every(plan))

    def export(
        self,
        query: str,
        *,
        sort: Sort = "relevance",
        per_article: int | None = None,
        highlights: bool = True,
        progress: Progress | None = None,
        filters: Filters | None = None,
        **options: Any,
    ) -> ExportResults:
        """Every passage worth showing of every article ``count`` counts (at most
        ``per_article`` of each, its best), ranked as in lexical mode or by date (export.py);
        ``progress(read, of)`` is told how far the articles are read. Iterate ``rows`` while
        the engine is open."""
        if per_article is not None and (not isinstance(per_article, int) or per_article < 1):
            raise QueryError(f"per-article must be at least 1 (got {per_article!r})")
        plan = self.plan(query, sort=sort, filters=filters, **options)
        if self._s().doc_count_all() == 0 or not plan.searchable:
            return ExportResults(query, 0, iter(()), plan.notices)
        view, matching, dates = self._segments(), self._matching(), self._date_order()
        rows = Exporter(view, matching, dates, plan, per_article, highlights)
        return ExportResults(query, rows.total, rows.rows(progress), plan.notices)

    def stats(self) -> IndexStats:
        """Counts, date range, size on disk and time of the last update of the index."""
        s = self._fresh()
        live = self._segments().live
        summary = self._facet_table().summary(live)
        gen = store.current_generation(self.index_dir)
        manifest = store.read_manifest(gen or self.index_dir)
        updated = manifest.get("updated") or manifest.get("created")
        return IndexStats(
            articles=int(live.sum()),
            passages=self._passage_count(s, live),
            sources=summary["sources"],
            first_date=summary["first_date"],
            last_date=summary["last_date"],
            entities=summary["entities"],
            size_bytes=store.size_on_disk(self.index_dir),
            updated=dt.datetime.fromisoformat(updated) if updated else None,
            index_dir=str(self.index_dir),
            vectors=manifest.get("embedding") is not None,
            stories=store.has_stories(gen),
        )

    @staticmethod
    def _passage_count(s: Searcher, live: Mask) -> int:
        """Passages of the live articles: the index's total, less those of deleted articles
        (their documents stay in a segment until it is merged)."""
        gone = np.flatnonzero(~live)
        deleted = sum(len(s.stored_fields(int(d))["meta"]["passages"]) for d in gone)
        return int(s.field_length("passages")) - deleted

    # -- stories (newsearch/stories/): timeline, stories, similar articles -------------------

    def timeline(
        self,
        query: str = "",
        *,
        bucket: str = "auto",
        mode: Mode = DEFAULT_MODE,
        figures: bool = False,
        filters: Filters | None = None,
        **options: Any,
    ) -> Timeline:
        """The articles matching ``query`` (its ``total``: the same articles as ``search``'s
        first page and its date facet) per day, week or month (``bucket``; ``auto`` by the
        span) and per outlet, and how many are undated (stories/timeline.py); with
        ``figures``, the periods where the figures of ``compare`` over the same query changed
        (stories/figures.py)."""
        from newsearch.stories.timeline import period_of, timeline

        plan, every = self._matched(query, mode, filters, options)
        size = self._s().doc_count_all()
        notices = plan.notices + self._hybrid_notice(mode) if size else plan.notices
        found = timeline(query, self._facet_table(), every, size, bucket, notices)  # type: ignore[arg-type]
        if not figures or not query.strip():
            return found
        from newsearch.stories.figures import marks

        compared = self.compare(query, articles=FIGURE_ARTICLES, filters=filters, **options)
        chosen = found.bucket

        def period(c: Claim) -> str | None:
            return period_of(c.article.date, chosen) if c.article.date else None  # type: ignore[arg-type]

        return replace(found, marks=tuple(marks(compared, period)))

    def stories(
        self,
        query: str = "",
        *,
        limit: int = 20,
        min_size: int = 2,
        mode: Mode = DEFAULT_MODE,
        filters: Filters | None = None,
        **options: Any,
    ) -> StoryList:
        """The stories holding articles that match ``query`` (all if empty; the filters of
        ``search``), most matching articles first: size, dates, outlets, entities, words and
        a representative headline; stories of fewer than ``min_size`` articles left out."""
        if not isinstance(limit, int) or limit < 1:
            raise QueryError(f"limit must be a whole number of at least 1 (got {limit!r})")
        if not isinstance(min_size, int) or min_size < 1:
            raise QueryError(f"min size must be a whole number of at least 1 (got {min_size!r})")
        self._need_stories()
        plan, every = self._matched(query, mode, filters, options)
        return self._stories().listing(query, every, limit, min_size, plan.notices)

    def story(self, story_id: str) -> StoryView:
        """Story ``story_id`` (the start of its id will do) and its articles in date order."""
        self._need_stories()
        return self._stories().view(story_id)

    def _need_stories(self) -> None:
        """NoStoriesError for an index built without stories (``--no-stories``)."""
        self._fresh()
        if not store.has_stories(self._gen):
            raise NoStoriesError(
                f"the index at {self.index_dir} was built without stories (--no-stories): "
                f"rebuild it with them to group its articles (`newsearch index PATHS --rebuild "
                f"--index {self.index_dir}`)"
            )

    def _stories(self) -> Stories:
        from newsearch.stories.listing import Stories

        view = self._segments()
        return Stories(view, self._facet_table(), self._hits.article, self._vectors())

    def similar(
        self,
        article_id: str,
        *,
        limit: int = 10,
        filters: Filters | None = None,
        **options: Any,
    ) -> SimilarArticles:
        """Articles like ``article_id`` (the start of an id will do) by content: its salient
        words and its vector (stories/similar.py), best first; its copies left out and listed
        apart. Filters as in ``search`` narrow the candidates."""
        from newsearch.stories.similar import Context, similar_articles

        if not isinstance(limit, int) or limit < 1:
            raise QueryError(f"limit must be a whole number of at least 1 (got {limit!r})")
        self._fresh()
        view = self._segments()
        docnum = article_view.find(view, article_id, str(self.index_dir))
        context = Context(
            view, self._matching(), lambda q: self.plan(q, filters=filters, **options),
            self._gen, self._hits.article, self._vectors(),
        )  # fmt: skip
        return similar_articles(context, docnum, limit)
