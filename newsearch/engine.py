"""Search: ranked passages with highlights, facets over matching articles, filters, sorting.

Results are copied into the dataclasses of ``newsearch.models`` while the searcher is open; no
Whoosh object leaves this module.
"""

from __future__ import annotations

import datetime as dt
import heapq
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from whoosh import collectors
from whoosh import query as wq
from whoosh.searching import Searcher

from newsearch import store
from newsearch.analysis import add_known_stems, term_spans
from newsearch.feedback import FEEDBACK_DOCS, expanded_weights, relevance_model
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
from newsearch.ranking import (
    ARTICLE_WEIGHT,
    CachedBM25F,
    PassageScorer,
    article_query,
    clauses,
    explain,
    passage_terms,
)
from newsearch.spelling import STEMS_FILE, Speller, load_stems, load_vocabulary

Sort = Literal["relevance", "newest", "oldest"]
DateBucket = Literal["day", "month", "year"]
FACET_NAMES = ("source", "date", "person", "org", "place")
UNKNOWN = "unknown"
FEEDBACK_DEFAULT = False
PER_ARTICLE = 3  # passages of one article among the results, while others have some to show
_STEMS_LOADED: set[tuple[Path, int]] = set()  # (generation, mtime) of stem tables loaded


def _article_depth(limit: int) -> int:
    """How many of the best articles to draw passages from."""
    return min(max(limit * 3, 50), 2000)


@dataclass(frozen=True)
class _Candidate:
    """A passage on its way to becoming a Hit: passage ``index`` of article ``docnum``."""

    score: float
    docnum: int
    index: int
    fields: dict[str, Any]


def _pick(cands: list[_Candidate], limit: int) -> list[_Candidate]:
    """The best ``limit`` passages, at most PER_ARTICLE from any one article unless there are
    too few others; best first."""
    ranked = sorted(cands, key=lambda c: (-c.score, c.docnum, c.index))
    chosen: list[_Candidate] = []
    passed: list[_Candidate] = []
    per: Counter[int] = Counter()
    for c in ranked:
        if len(chosen) >= limit:
            break
        if per[c.docnum] < PER_ARTICLE:
            per[c.docnum] += 1
            chosen.append(c)
        else:
            passed.append(c)
    chosen += passed[: limit - len(chosen)]
    return sorted(chosen, key=lambda c: (-c.score, c.docnum, c.index))


class _TopAndEvery(collectors.TopCollector):  # type: ignore[misc]
    """The best documents by score, and on the way every matching document number (the
    total and the facets need them; a second, unscored search would visit them again)."""

    def prepare(self, top_searcher: Searcher, q: Any, context: Any) -> None:
        super().prepare(top_searcher, q, context)
        self.every: list[int] = []

    def _collect(self, global_docnum: int, score: float) -> Any:
        self.every.append(global_docnum)
        return super()._collect(global_docnum, score)


class _ArticleFacets:
    """Per-article facet values of the whole index by document number, loaded once per open
    searcher."""

    def __init__(self, searcher: Searcher) -> None:
        self.by_doc: dict[int, dict[str, Any]] = {}
        self.passages = 0
        names: dict[tuple[str, str], Counter[str]] = {}
        reader = searcher.reader()
        for docnum in reader.all_doc_ids():
            meta = reader.stored_fields(docnum)["meta"]
            ents: dict[str, set[str]] = {"person": set(), "org": set(), "place": set()}
            for kind, name, key in meta.get("entities", []):
                ents[kind].add(key)
                names.setdefault((kind, key), Counter())[name] += 1
            src = meta.get("source")
            if src:
                names.setdefault(("source", src.lower()), Counter())[src] += 1
            self.passages += len(meta.get("passages", ()))
            self.by_doc[docnum] = {
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
            self._searcher.weighting = CachedBM25F()
            self._seen = self._ix.latest_generation()
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
            order = "oldest" if sort == "oldest" else "newest"
            found = s.search(matching, limit=limit, sortedby=order)
            every = None
            ranked = self._in_order(s, found, scorer, limit)
        else:
            collector = _TopAndEvery(_article_depth(limit), usequality=False)
            s.search_with_collector(matching, collector)
            found, every = collector.results(), collector.every
            expansion = self._expansion(s, found, q) if feedback else None
            if expansion is not None:  # the same articles, scored with the feedback words too
                found = s.search(wq.AndMaybe(matching, expansion), limit=_article_depth(limit))
                article_scoring = wq.Or([article_scoring, expansion])
            assert scorer is not None
            ranked = self._blended(s, found, scorer, limit)
        terms = positive_terms(q) if q is not None else set()
        hits = [
            self._hit(s, rank, c, terms, scorer if explain else None, article_scoring)
            for rank, c in enumerate(ranked[:limit], start=1)
        ]
        facet_values: dict[str, tuple[FacetValue, ...]] = {}
        if facets:  # over every matching article, not just the ones returned
            docs = found.docs() if every is None else every
            facet_values = self._facet_counts(docs, date_bucket, facet_limit)
        return SearchResults(
            query=query,
            total=len(found) if every is None else len(every),
            results=tuple(hits),
            facets=facet_values,
            suggestion=self._suggest(text) if q is not None else None,
        )

    def _expansion(self, s: Searcher, found: Any, q: wq.Query) -> wq.Query | None:
        """RM3: the words the best articles share, as an OR of weighted terms (None if none)."""
        docs: list[tuple[float, list[str]]] = []
        for hit in found[:FEEDBACK_DOCS]:
            fields = s.stored_fields(hit.docnum)
            text = f"{fields['meta'].get('title') or ''}\n\n{fields['body']}"
            docs.append((float(hit.score), [t for t, _, _ in term_spans(text) if not t.isdigit()]))
        own = positive_terms(q)
        weights = expanded_weights(sorted(own), relevance_model(docs))
        extra: list[wq.Query] = [
            wq.Term("text", w, boost=weight) for w, weight in weights.items() if w not in own
        ]
        return article_query(wq.Or(extra)) if extra else None

    def _passages(
        self, s: Searcher, docnum: int, scorer: PassageScorer | None
    ) -> list[tuple[float, int, dict[str, Any]]]:
        """``(score, passage index, stored fields)`` of an article's passages worth showing, in
        text order: those holding a query word; the lead passage if none does or no query."""
        fields = s.stored_fields(docnum)
        bounds = [(p[0], p[1]) for p in fields["meta"]["passages"]]
        if scorer is None or not bounds:
            return [(0.0, 0, fields)]
        scored = [
            (scorer.score(p), i)
            for i, p in enumerate(passage_terms(fields["body"], bounds, fields["meta"]["title"]))
        ]
        kept = [(score, i, fields) for score, i in scored if score > 0]
        return kept or [(0.0, 0, fields)]

    def _in_order(
        self, s: Searcher, found: Any, scorer: PassageScorer | None, limit: int
    ) -> list[_Candidate]:
        """Sorted by date: each article's passages in text order, until ``limit``."""
        out: list[_Candidate] = []
        for hit in found:
            for score, i, fields in self._passages(s, hit.docnum, scorer):
                out.append(_Candidate(score, hit.docnum, i, fields))
            if len(out) >= limit:
                break
        return out

    def _blended(
        self, s: Searcher, found: Any, scorer: PassageScorer, limit: int
    ) -> list[_Candidate]:
        """Passages ranked by their score plus ARTICLE_WEIGHT x their article's score, at most
        PER_ARTICLE from one article while other articles have passages to show.

        Articles are visited best first; once no passage of the next article could enter the
        results (its article score plus the best score a passage can have is too low), the rest
        are not read.
        """
        cands: list[_Candidate] = []
        best: list[float] = []  # min-heap of the `limit` best scores, cap ignored
        ceiling = scorer.ceiling()
        for hit in found:
            article_score = float(hit.score)
            bound = ARTICLE_WEIGHT * article_score + ceiling
            # The capped selection's floor is at most the uncapped one: check that first
            # (cheap), and pick under the cap only when the bound falls below it.
            if len(best) >= limit and bound < best[0] and bound < _pick(cands, limit)[-1].score:
                break
            for score, i, fields in self._passages(s, hit.docnum, scorer):
                blended = score + ARTICLE_WEIGHT * article_score
                cands.append(_Candidate(blended, hit.docnum, i, fields))
                if len(best) < limit:
                    heapq.heappush(best, blended)
                elif blended > best[0]:
                    heapq.heapreplace(best, blended)
        return _pick(cands, limit)

    def _hit(
        self,
        s: Searcher,
        rank: int,
        c: _Candidate,
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
        self._fresh()
        af = self._article_facets()
        recs = af.by_doc.values()
        dates = sorted(r["date"] for r in recs if r["date"])
        manifest = store.read_manifest(store.current_generation(self.index_dir) or self.index_dir)
        updated = manifest.get("updated") or manifest.get("created")
        return IndexStats(
            articles=len(af.by_doc),
            passages=af.passages,
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

    def _facet_counts(
        self, docnums: Iterable[int], bucket: DateBucket, limit: int
    ) -> dict[str, tuple[FacetValue, ...]]:
        af = self._article_facets()
        counts: dict[str, Counter[str]] = {name: Counter() for name in FACET_NAMES}
        cut = {"day": 10, "month": 7, "year": 4}[bucket]
        for docnum in docnums:
            rec = af.by_doc.get(docnum)
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
