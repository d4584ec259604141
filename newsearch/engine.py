"""Search: ranked passages with highlights, facets over matching articles, filters, sorting.

Results are copied into the dataclasses of ``newsearch.models`` while the searcher is open; no
Whoosh object leaves this module.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from whoosh import query as wq
from whoosh.searching import Searcher

from newsearch import store
from newsearch.analysis import term_spans
from newsearch.models import (
    ENTITY_TYPES,
    ArticleInfo,
    Entity,
    FacetValue,
    Hit,
    IndexStats,
    SearchResults,
    TermContribution,
)
from newsearch.querying import (
    Filters,
    QueryBuilder,
    extract_filters,
    filter_query,
    positive_terms,
    restrict,
    with_filters,
)
from newsearch.ranking import ARTICLE_WEIGHT, article_query, explain, weighting_for
from newsearch.spelling import Speller, load_vocabulary

Sort = Literal["relevance", "newest", "oldest"]
DateBucket = Literal["day", "month", "year"]
FACET_NAMES = ("source", "date", "person", "org", "place")
UNKNOWN = "unknown"


def _article_depth(limit: int) -> int:
    """How many of the best articles to draw passages from."""
    return min(max(limit * 3, 50), 2000)


def _passage_depth(limit: int) -> int:
    """How many of the best passages (on their own score) to blend."""
    return max(limit * 10, 200)


class _ArticleFacets:
    """Per-article facet values of the whole index, loaded once per open searcher."""

    def __init__(self, searcher: Searcher) -> None:
        self.by_id: dict[str, dict[str, Any]] = {}
        names: dict[tuple[str, str], Counter[str]] = {}
        for fields in searcher.documents(kind="a"):
            meta = fields["meta"]
            ents: dict[str, set[str]] = {"person": set(), "org": set(), "place": set()}
            for kind, name, key in meta.get("entities", []):
                ents[kind].add(key)
                names.setdefault((kind, key), Counter())[name] += 1
            src = meta.get("source")
            if src:
                names.setdefault(("source", src.lower()), Counter())[src] += 1
            self.by_id[fields["article_id"]] = {
                "source": src.lower() if src else None,
                "date": meta.get("date"),
                **ents,
            }
        self.display = {k: c.most_common(1)[0][0] for k, c in names.items()}


class SearchEngine:
    """Query an index built by ``build_index``: ``with SearchEngine("index") as engine: ...``."""

    def __init__(self, index_dir: str | os.PathLike[str] = "index") -> None:
        self.index_dir = Path(index_dir)
        self._gen = store.current_generation(self.index_dir)
        self._ix = store.open_index(self.index_dir)
        self._seen = -1
        self._ids: Any = None
        self._builder = QueryBuilder(self._ix.schema)
        self._searcher: Searcher | None = None
        self._facets: _ArticleFacets | None = None
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
            self._searcher.weighting = weighting_for(self._searcher)
            self._seen = self._ix.latest_generation()
        return self._searcher

    def _fresh(self) -> Searcher:
        """The searcher, reopened if another process committed or rebuilt the index since."""
        gen = store.current_generation(self.index_dir)
        if gen != self._gen:  # rebuilt: the old generation is gone, open the new one
            self._forget()
            self._ix.close()
            self._ix, self._gen = store.open_index(self.index_dir), gen
        elif self._searcher is not None and self._ix.latest_generation() != self._seen:
            self._forget()
        return self._s()

    def _article_ids(self) -> Any:
        """docnum -> article id, for the open searcher."""
        if self._ids is None:
            self._ids = self._s().reader().column_reader("article_id")
        return self._ids

    def _forget(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._facets = None
        self._ids = None
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
        explain: bool = False,
    ) -> SearchResults:
        """Ranked passages for ``query`` (free text, phrases in quotes, ``field:value`` filters).

        ``explain=True`` fills each hit's ``explanation`` with per-term contributions.
        """
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
        )
        q, negative = self._builder.text_query(text)
        must, mask = filter_query(flt)
        if negative is not None:
            mask = negative if mask is None else wq.Or([mask, negative])
        s = self._fresh()
        if s.doc_count_all() == 0:  # an index with nothing committed yet
            empty: dict[str, tuple[FacetValue, ...]] = (
                {n: () for n in FACET_NAMES} if facets else {}
            )
            return SearchResults(query=query, total=0, results=(), facets=empty)
        # Text fields exist only on passages, so a text query needs no kind filter.
        matching = restrict(q if q is not None else wq.Term("kind", "p"), must, mask)
        if q is None or sort != "relevance":
            found = s.search(
                matching, limit=limit, sortedby="oldest" if sort == "oldest" else "newest"
            )
            ranked = [(h.docnum, float(h.score or 0.0) if q else 0.0) for h in found]
            article_docs: dict[str, tuple[int, float]] = {}
        else:
            ranked, article_docs = self._blended(s, q, must, flt, mask, limit)
        terms = positive_terms(q) if q is not None else set()
        hits = [
            self._hit(s, rank, docnum, score, terms, q if explain else None, article_docs)
            for rank, (docnum, score) in enumerate(ranked[:limit], start=1)
        ]
        # Facets and the total count every matching passage, not just the ones returned.
        every = s.search(matching, limit=None, scored=False)
        facet_values: dict[str, tuple[FacetValue, ...]] = {}
        if facets:
            facet_values = self._facet_counts(every.docs(), date_bucket, facet_limit)
        return SearchResults(
            query=query,
            total=len(every),
            results=tuple(hits),
            facets=facet_values,
            suggestion=self._suggest(text) if q is not None else None,
        )

    def _blended(
        self,
        s: Searcher,
        q: wq.Query,
        must: wq.Query | None,
        flt: Filters,
        mask: wq.Query | None,
        limit: int,
    ) -> tuple[list[tuple[int, float]], dict[str, tuple[int, float]]]:
        """Passages ranked by their score plus ARTICLE_WEIGHT x their article's score.

        The best articles are found first; their matching passages are then scored and
        blended, so a strong passage in an article about something else ranks below it.
        """
        # Articles are filtered by metadata only: excluded words are a matter for the passages.
        meta_mask = filter_query(flt)[1]
        top = s.search(restrict(article_query(q), must, meta_mask), limit=_article_depth(limit))
        if top.scored_length() == 0:
            return [], {}
        column = self._article_ids()
        articles = {column[h.docnum]: (h.docnum, float(h.score)) for h in top}
        # The best passages on their own merit, then blended; passages of articles outside
        # the best ones get the weakest article score found (an upper bound of theirs).
        floor = min(score for _, score in articles.values())
        passages = s.search(restrict(q, must, mask), limit=_passage_depth(limit))
        ranked = [
            (
                h.docnum,
                float(h.score) + ARTICLE_WEIGHT * articles.get(column[h.docnum], (0, floor))[1],
            )
            for h in passages
        ]
        ranked.sort(key=lambda x: (-x[1], x[0]))
        return ranked, {str(k): v for k, v in articles.items()}

    def _hit(
        self,
        s: Searcher,
        rank: int,
        docnum: int,
        score: float,
        terms: set[str],
        explain_query: wq.Query | None,
        article_docs: dict[str, tuple[int, float]],
    ) -> Hit:
        fields = s.stored_fields(docnum)
        meta, text, aid = fields["meta"], fields["text"], fields["article_id"]
        explanation: list[TermContribution] = []
        if explain_query is not None:
            explanation = explain(s, docnum, explain_query)
            if aid in article_docs:
                adoc = article_docs[aid][0]
                explanation += explain(s, adoc, article_query(explain_query), ARTICLE_WEIGHT)
        return Hit(
            rank=rank,
            score=score,
            text=text,
            highlights=tuple((a, b) for term, a, b in term_spans(text) if term in terms),
            start=meta["s"],
            end=meta["e"],
            article=self._article(aid),
            entities=tuple(Entity(name, kind) for kind, name in meta.get("ents", [])),
            explanation=tuple(explanation),
        )

    def _suggest(self, text: str) -> str | None:
        """The query with words the index does not hold corrected, if any can be."""
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
        af = self._article_facets()
        recs = af.by_id.values()
        dates = sorted(r["date"] for r in recs if r["date"])
        manifest = store.read_manifest(store.current_generation(self.index_dir) or self.index_dir)
        updated = manifest.get("updated") or manifest.get("created")
        return IndexStats(
            articles=len(af.by_id),
            passages=s.doc_count() - len(af.by_id),
            sources=len({r["source"] for r in recs if r["source"]}),
            first_date=dt.date.fromisoformat(dates[0]) if dates else None,
            last_date=dt.date.fromisoformat(dates[-1]) if dates else None,
            entities={k: len({key for r in recs for key in r[k]}) for k in ENTITY_TYPES},
            size_bytes=store.size_on_disk(self.index_dir),
            updated=dt.datetime.fromisoformat(updated) if updated else None,
            index_dir=str(self.index_dir),
        )

    def _article_facets(self) -> _ArticleFacets:
        s = self._s()
        if self._facets is None:
            self._facets = _ArticleFacets(s)
        return self._facets

    def _article(self, article_id: str) -> ArticleInfo:
        info = self._articles.get(article_id)
        if info is None:
            fields = self._s().document(pid="a:" + article_id) or {}
            meta = fields.get("meta", {})
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

    def _facet_counts(
        self, docnums: Iterable[int], bucket: DateBucket, limit: int
    ) -> dict[str, tuple[FacetValue, ...]]:
        af = self._article_facets()
        column = self._article_ids()
        articles = {column[d] for d in docnums}
        counts: dict[str, Counter[str]] = {name: Counter() for name in FACET_NAMES}
        cut = {"day": 10, "month": 7, "year": 4}[bucket]
        for aid in articles:
            rec = af.by_id.get(aid.decode() if isinstance(aid, bytes) else aid)
            if rec is None:
                continue
            counts["source"][af.display.get(("source", rec["source"]), UNKNOWN)] += 1
            counts["date"][rec["date"][:cut] if rec["date"] else UNKNOWN] += 1
            for kind in ("person", "org", "place"):
                for key in rec[kind]:
                    counts[kind][af.display.get((kind, key), key)] += 1
        return {
            name: tuple(
                FacetValue(v, n) for v, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))
            )[:limit]
            for name, c in counts.items()
        }
