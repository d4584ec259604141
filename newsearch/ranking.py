"""Scoring: BM25F with per-kind statistics, article evidence blended into passage scores,
and per-term explanations.

The index holds two kinds of documents, so Whoosh's own BM25F (which divides lengths and
document frequencies by every document) would mix passage and article statistics. FieldBM25F
takes the number of documents that carry each field instead.

A passage's final score is its own BM25F score plus ``ARTICLE_WEIGHT`` times its article's
BM25F score: a passage from an article that is about the query as a whole beats an equally
matching passage from an article that mentions it in passing. Chosen on CRAN, confirmed on TIME
(benchmarks/README.md).
"""

from __future__ import annotations

import copy
import math
from typing import Any

from whoosh import query as wq
from whoosh import scoring
from whoosh.searching import Searcher

from newsearch.models import TermContribution
from newsearch.schema import ARTICLE_FIELDS

ARTICLE_WEIGHT = 3.0
K1 = 1.2
B = 0.75


class FieldBM25F(scoring.BM25F):  # type: ignore[misc]
    """BM25F whose IDF and average length count only the documents that have the field."""

    def __init__(self, field_docs: dict[str, int], **kwargs: Any) -> None:
        super().__init__(B=B, K1=K1, **kwargs)
        self.field_docs = field_docs
        self._stats: dict[tuple[str, bytes], tuple[float, float]] = {}  # per searcher

    def scorer(self, searcher: Searcher, fieldname: str, text: bytes, qf: int = 1) -> Any:
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        key = (fieldname, text)
        stats = self._stats.get(key)
        if stats is None:  # idf and average length once per term, not once per segment
            parent = searcher.get_parent()
            docs = self.field_docs.get(fieldname) or parent.doc_count_all()
            df = parent.doc_frequency(fieldname, text)
            avgfl = (parent.field_length(fieldname) / max(docs, 1)) or 1
            stats = self._stats[key] = (math.log(docs / (df + 1)) + 1, avgfl)
        b = self._field_B.get(fieldname, self.B)
        return _Scorer(searcher, fieldname, text, b, self.K1, qf, stats)


class _Scorer(scoring.BM25FScorer):  # type: ignore[misc]
    def __init__(
        self,
        searcher: Searcher,
        fieldname: str,
        text: bytes,
        b: float,
        k1: float,
        qf: int,
        stats: tuple[float, float],
    ) -> None:
        self.idf, self.avgfl = stats
        self.B = b
        self.K1 = k1
        self.qf = qf
        self.setup(searcher, fieldname, text)


def weighting_for(searcher: Searcher) -> FieldBM25F:
    passages = searcher.doc_frequency("kind", "p")
    articles = searcher.doc_frequency("kind", "a")
    counts = {"text": passages, "title": passages, "atext": articles, "atitle": articles}
    return FieldBM25F(counts)


def article_query(q: wq.Query) -> wq.Query:
    """The passage query rewritten for article documents: fields renamed, phrases loosened to
    all of their words (article text has no positions), exclusions left to the passages."""
    if isinstance(q, wq.AndNot):
        return article_query(q.a)
    if isinstance(q, wq.Not):
        return wq.NullQuery
    if isinstance(q, wq.And) and any(isinstance(c, wq.Not) for c in q.children()):
        kept = [article_query(c) for c in q.children() if not isinstance(c, wq.Not)]
        return kept[0] if len(kept) == 1 else wq.And(kept)
    if isinstance(q, wq.Phrase):
        name = ARTICLE_FIELDS.get(q.fieldname, q.fieldname)
        return wq.And([wq.Term(name, w) for w in q.words], boost=q.boost)
    if isinstance(q, wq.Term) and q.fieldname == "text":  # the article's words and its title
        return wq.Or([wq.Term("atext", q.text, boost=q.boost), wq.Term("atitle", q.text)])
    if q.is_leaf():
        field = getattr(q, "fieldname", None)
        if field not in ARTICLE_FIELDS:
            return q
        renamed = copy.copy(q)
        renamed.fieldname = ARTICLE_FIELDS[field]
        return renamed
    return q.apply(article_query)


def explain(
    searcher: Searcher, docnum: int, q: wq.Query, weight: float = 1.0
) -> list[TermContribution]:
    """Each query term's BM25F contribution to document ``docnum`` (times ``weight``)."""
    out: list[TermContribution] = []
    w = searcher.weighting
    seen: set[tuple[str, Any]] = set()
    for fieldname, text in q.iter_all_terms(phrases=True):
        if (fieldname, text) in seen or fieldname not in searcher.schema:
            continue
        seen.add((fieldname, text))
        term = wq.Term(fieldname, text)
        m = term.matcher(searcher, searcher.boolean_context())
        if not m.is_active():
            continue
        m.skip_to(docnum)
        if m.is_active() and m.id() == docnum:
            scorer = w.scorer(searcher, fieldname, text)
            word = text.decode("utf-8") if isinstance(text, bytes) else str(text)
            out.append(TermContribution(word, fieldname, weight * float(scorer.score(m))))
    return out
