"""Search: ranked passages with highlights, facets over matching articles, filters, sorting.

Results are copied into the dataclasses of ``newsearch.models`` while the searcher is open; no
Whoosh object leaves this module.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from whoosh import collectors
from whoosh import query as wq
from whoosh.searching import Searcher

from newsearch.index import store
from newsearch.models import (
    ArticleInfo,
    Entity,
    FacetValue,
    Hit,
    IndexStats,
    SearchResults,
    TermContribution,
)
from newsearch.search.date_order import DateOrder, Order
from newsearch.search.facets import FACET_NAMES, DateBucket, FacetTable
from newsearch.search.feedback import FEEDBACK_DOCS, expanded_weights, relevance_model
from newsearch.search.matching import BulkScorer, Ints, Mask
from newsearch.search.query import (
    Filters,
    QueryBuilder,
    extract_filters,
    filter_query,
    positive_terms,
    restrict,
    with_filters,
)
from newsearch.search.scoring import (
    ARTICLE_WEIGHT,
    CachedBM25F,
    PassageScorer,
    article_query,
    clauses,
    explain,
    passage_terms,
)
from newsearch.search.selection import Candidate, blended, in_order
from newsearch.search.spelling import STEMS_FILE, Speller, load_stems, load_vocabulary
from newsearch.text.analysis import add_known_stems, normalize_word, term_spans

Sort = Literal["relevance", "newest", "oldest"]
FEEDBACK_DEFAULT = False
_STEMS_LOADED: set[tuple[Path, int]] = set()  # (generation, mtime) of stem tables loaded


def _article_depth(limit: int) -> int:
    """How many of the best articles to draw passages from."""
    return min(max(limit * 3, 50), 2000)


class _TopAndEvery(collectors.TopCollector):  # type: ignore[misc]
    """The best documents by score, and on the way every matching document number (the
    total and the facets need them; a second, unscored search would visit them again)."""

    def prepare(self, top_searcher: Searcher, q: Any, context: Any) -> None:
        super().prepare(top_searcher, q, context)
        self.every: list[int] = []

    def _collect(self, global_docnum: int, score: float) -> Any:
        self.every.append(global_docnum)
        found = super()._collect(global_docnum, score)
        # Whoosh raises the bar to the heap's lowest score and then drops the words of an OR
        # that cannot reach it: fine for the top, but "every" would miss their articles.
        self.minscore = 0
        return found


class SearchEngine:
    """Query an index built by ``build_index``: ``with SearchEngine("index") as engine: ...``."""

    def __init__(self, index_dir: str | os.PathLike[str] = "index") -> None:
        self.index_dir = Path(index_dir)
        self._gen = store.current_generation(self.index_dir)
        self._ix = store.open_index(self.index_dir)
        self._seen = -1
        self._builder = QueryBuilder(self._ix.schema)
        self._searcher: Searcher | None = None
        self._facets: FacetTable | None = None
        self._bulk: BulkScorer | None = None
        self._dates: DateOrder | None = None
        self._articles: dict[str, ArticleInfo] = {}
        self._speller: Speller | None = None

    def __enter__(self) -> SearchEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._ix.close()

    def _s(self) -> Searcher:
        """The open searcher (opened on first use)."""
        if self._searcher is None:
            self._searcher = self._ix.searcher()
            self._searcher.weighting = CachedBM25F()
            self._seen = self._ix.latest_generation()
            # Open each segment's stored fields now: Whoosh opens them on the first document
            # read from the segment (~10 ms each at 216k articles), in the middle of a query.
            for sub, _ in self._searcher.leaf_searchers():
                if sub.doc_count_all():
                    sub.reader().stored_fields(0)
        return self._searcher

    def _load_stems(self) -> None:
        """The stems of the index's vocabulary, unless loaded since the index last changed."""
        if self._gen is None:
            return
        try:
            key = (self._gen, (self._gen / STEMS_FILE).stat().st_mtime_ns)
        except OSError:
            return
        if key not in _STEMS_LOADED:
            add_known_stems(load_stems(self._gen))
            _STEMS_LOADED.add(key)

    def _fresh(self) -> Searcher:
        """The searcher, reopened if another process committed or rebuilt the index since."""
        gen = store.current_generation(self.index_dir)
        if gen != self._gen:  # rebuilt: the old generation is gone, open the new one
            self._forget()
            self._ix.close()
            self._ix, self._gen = store.open_index(self.index_dir), gen
        elif self._searcher is not None and self._ix.latest_generation() != self._seen:
            self._forget()
        self._load_stems()
        return self._s()

    def _forget(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._facets = None
        self._bulk = None
        self._dates = None
        self._articles.clear()
        self._speller = None

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
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
        exclude: str | Sequence[str] | None = None,
        explain: bool = False,
        feedback: bool = FEEDBACK_DEFAULT,
    ) -> SearchResults:
        """Ranked passages for ``query`` (free text, phrases in quotes, ``field:value`` filters).

        ``explain=True`` fills each hit's ``explanation`` with per-term contributions.
        ``feedback=True`` ranks articles again with words their best ones share (RM3,
        feedback.py); what matches, the total and the facets stay those of the query.
        """
        s = self._fresh()  # first: it loads the index's stems, which parsing the query uses
        text, parsed = extract_filters(query)
        flt = with_filters(
            (filters or Filters()).merged(parsed),
            source=source,
            since=since,
            until=until,
            person=person,
            org=org,
            place=place,
            entity=entity,
            topic=topic,
            exclude=exclude,
        )
        q, negative = self._builder.text_query(text)
        must, mask = filter_query(flt)
        if negative is not None:  # -word: articles that hold the word anywhere are out
            negative = article_query(negative)
            mask = negative if mask is None else wq.Or([mask, negative])
        if s.doc_count_all() == 0:  # an index with nothing committed yet
            empty: dict[str, tuple[FacetValue, ...]] = (
                {n: () for n in FACET_NAMES} if facets else {}
            )
            return SearchResults(query=query, total=0, results=(), facets=empty)
        article_scoring = article_query(q) if q is not None else wq.Every()
        matching = restrict(article_scoring, must, mask)
        scorer = PassageScorer(s, clauses(s, q)) if q is not None else None
        if q is None or sort != "relevance":
            every = self._every(s, q, matching, must, mask)
            order: Order = "oldest" if sort == "oldest" else "newest"
            firsts = self._date_order().first(every, order, limit)
            ranked = in_order(s.stored_fields, firsts, scorer, limit)
        else:
            top, every, words = self._match(s, q, matching, must, mask, _article_depth(limit))
            expansion = self._expansion(s, top, q) if feedback else None
            if expansion is not None:  # the same articles, scored with the feedback words too
                found = s.search(wq.AndMaybe(matching, expansion), limit=_article_depth(limit))
                top = [(hit.docnum, float(hit.score)) for hit in found]
                article_scoring = wq.Or([article_scoring, expansion])
                words = None
            assert scorer is not None
            ranked = blended(s.stored_fields, top, scorer, limit, words)
        terms = positive_terms(q) if q is not None else set()
        hits = [
            self._hit(s, rank, c, terms, scorer if explain else None, article_scoring)
            for rank, c in enumerate(ranked[:limit], start=1)
        ]
        facet_values: dict[str, tuple[FacetValue, ...]] = {}
        if facets:  # over every matching article, not just the ones returned
            matched = np.zeros(s.doc_count_all(), np.bool_)
            matched[every] = True
            facet_values = self._facet_table().facets(matched, date_bucket, facet_limit)
        return SearchResults(
            query=query,
            total=len(every),
            results=tuple(hits),
            facets=facet_values,
            suggestion=self._suggest(s, text) if q is not None else None,
        )

    def _match(
        self,
        s: Searcher,
        q: wq.Query,
        matching: wq.Query,
        must: wq.Query | None,
        mask: wq.Query | None,
        depth: int,
    ) -> tuple[list[tuple[int, float]], Ints, dict[int, dict[str, tuple[float, bool]]] | None]:
        """The best ``depth`` articles as ``(docnum, score)``, every matching docnum, and the
        query words each of the best holds (None if not known): in numpy for a query of plain
        words (bulk.py), else by Whoosh (``matching``)."""
        found = self._bulk_scorer().search(q, must, mask, depth)
        if found is not None:
            return found.top, found.docnums, found.words
        collector = _TopAndEvery(depth, usequality=False)
        s.search_with_collector(matching, collector)
        top = [(hit.docnum, float(hit.score)) for hit in collector.results()]
        return top, np.asarray(collector.every, dtype=np.int64), None

    def _every(
        self,
        s: Searcher,
        q: wq.Query | None,
        matching: wq.Query,
        must: wq.Query | None,
        mask: wq.Query | None,
    ) -> Ints:
        """Every matching docnum, ascending, unranked (to be listed by date)."""
        bulk = self._bulk_scorer()
        if q is None:
            return bulk.filtered(must, mask)
        found = bulk.search(q, must, mask, 0)
        if found is not None:
            return found.docnums
        return np.fromiter(sorted(s.docs_for_query(matching)), np.int64)

    def _date_order(self) -> DateOrder:
        s = self._s()
        if self._dates is None:
            self._dates = DateOrder(s)
        return self._dates

    def _bulk_scorer(self) -> BulkScorer:
        s = self._s()
        if self._bulk is None:
            self._bulk = BulkScorer(s, s.weighting, self._gen)
        return self._bulk

    def _expansion(self, s: Searcher, top: list[tuple[int, float]], q: wq.Query) -> wq.Query | None:
        """RM3: the words the best articles share, as an OR of weighted terms (None if none)."""
        docs: list[tuple[float, list[str]]] = []
        for docnum, score in top[:FEEDBACK_DOCS]:
            fields = s.stored_fields(docnum)
            text = f"{fields['meta'].get('title') or ''}\n\n{fields['body']}"
            docs.append((score, [t for t, _, _ in term_spans(text) if not t.isdigit()]))
        own = positive_terms(q)
        weights = expanded_weights(sorted(own), relevance_model(docs))
        extra: list[wq.Query] = [
            wq.Term("text", w, boost=weight) for w, weight in weights.items() if w not in own
        ]
        return article_query(wq.Or(extra)) if extra else None

    def _hit(
        self,
        s: Searcher,
        rank: int,
        c: Candidate,
        terms: set[str],
        scorer: PassageScorer | None,
        article_scoring: wq.Query,
    ) -> Hit:
        fields = c.fields
        meta, body, aid = fields["meta"], fields["body"], fields["article_id"]
        passages = meta["passages"]
        start, end, ents = passages[c.index] if passages else (0, 0, [])
        text = body[start:end]
        explanation: list[TermContribution] = []
        if scorer is not None:  # given when explaining
            title = meta["title"]
            p = passage_terms(body, [(start, end)], title if c.index == 0 else None)[0]
            explanation = scorer.contributions(p)
            explanation += explain(s, c.docnum, article_scoring, ARTICLE_WEIGHT)
        return Hit(
            rank=rank,
            score=c.score,
            text=text,
            highlights=tuple((a, b) for term, a, b in term_spans(text) if term in terms),
            start=start,
            end=end,
            article=self._article(aid, fields),
            entities=tuple(Entity(name, kind) for kind, name in ents),
            explanation=tuple(explanation),
        )

    def _suggest(self, s: Searcher, text: str) -> str | None:
        """The query with words the index does not hold corrected, if any can be."""
        reader = s.reader()
        if all(
            len(word) < 3 or term is None or ("text", term) in reader
            for word in re.findall(r"[^\W\d_]+", text)
            for term in [normalize_word(word)]
        ):  # every word is in the index: nothing to correct (no vocabulary to load)
            return None
        if self._speller is None:
            gen = store.current_generation(self.index_dir)
            self._speller = Speller(load_vocabulary(gen) if gen else Counter())
        if not self._speller.vocabulary:
            return None
        return self._speller.suggest(text)

    def facets(
        self, query: str = "", *, date_bucket: DateBucket = "day", limit: int = 10, **filters: Any
    ) -> dict[str, tuple[FacetValue, ...]]:
        """Facet counts alone, over the articles matching ``query`` (all articles if empty)."""
        res = self.search(
            query, limit=1, facets=True, date_bucket=date_bucket, facet_limit=limit, **filters
        )
        return res.facets

    def stats(self) -> IndexStats:
        """Counts, date range, size on disk and time of the last update of the index."""
        s = self._fresh()
        live = self._bulk_scorer().live
        summary = self._facet_table().summary(live)
        manifest = store.read_manifest(store.current_generation(self.index_dir) or self.index_dir)
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
        )

    @staticmethod
    def _passage_count(s: Searcher, live: Mask) -> int:
        """Passages of the live articles: the index's total, less those of deleted articles
        (their documents stay in a segment until it is merged)."""
        gone = np.flatnonzero(~live)
        deleted = sum(len(s.stored_fields(int(d))["meta"]["passages"]) for d in gone)
        return int(s.field_length("passages")) - deleted

    def _facet_table(self) -> FacetTable:
        s = self._s()
        if self._facets is None:
            bulk = self._bulk_scorer()
            self._facets = FacetTable(s, bulk.live, bulk.copies)
        return self._facets

    def _article(self, article_id: str, fields: dict[str, Any]) -> ArticleInfo:
        info = self._articles.get(article_id)
        if info is None:
            meta = fields["meta"]
            date = meta.get("date")
            info = ArticleInfo(
                id=article_id,
                title=meta.get("title"),
                source=meta.get("source"),
                author=meta.get("author"),
                date=dt.date.fromisoformat(date) if date else None,
                path=meta.get("path", ""),
                url=meta.get("url"),
            )
            self._articles[article_id] = info
        return info
