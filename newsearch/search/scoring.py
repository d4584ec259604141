"""Scoring: BM25F on articles, BM25 on their passages, and the blend of the two.

The index holds one document per article. A query is answered in two steps (engine.py): Whoosh
ranks the articles by BM25 over their text (title and body: one field, half the postings to walk
of two); then the passages of the best articles
are scored here, in Python, with BM25 over the passage's own words (the title counting on the
first passage) and the index's statistics.

A passage's final score is its own score plus ``ARTICLE_WEIGHT`` times its article's score: a
passage from an article that is about the query as a whole beats an equally matching passage
from an article that mentions it in passing. Chosen on CRAN, confirmed on TIME
(benchmarks/README.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq
from whoosh import scoring
from whoosh.searching import Searcher

from newsearch.index.schema import TEXT_FIELDS
from newsearch.models import TermContribution
from newsearch.text.analysis import terms_between

ARTICLE_WEIGHT = 3.0
K1 = 1.6  # chosen on CRAN (0.9: 0.316, 1.2: 0.319, 1.6: 0.3205, 2.0: 0.3204 MAP; b 0.75)
B = 0.75
MAX_EXPANSIONS = 64  # terms a prefix or wildcard stands for when scoring passages


class CachedBM25F(scoring.BM25F):  # type: ignore[misc]
    """Whoosh's BM25F with each term's IDF and average field length computed once per searcher
    (Whoosh recomputes them for every segment of every search)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(B=B, K1=K1, **kwargs)
        self._stats: dict[tuple[str, bytes], tuple[float, float]] = {}

    def scorer(self, searcher: Searcher, fieldname: str, text: bytes, qf: int = 1) -> Any:
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        b = self._field_B.get(fieldname, self.B)
        stats = self.stats(searcher, fieldname, text)
        return _Scorer(searcher, fieldname, text, b, self.K1, qf, stats)

    def stats(self, searcher: Searcher, fieldname: str, text: bytes) -> tuple[float, float]:
        """``(idf, average field length)`` of a term, from the whole index."""
        key = (fieldname, text)
        stats = self._stats.get(key)
        if stats is None:
            parent = searcher.get_parent()
            stats = self._stats[key] = (idf(parent, fieldname, text), avg_length(parent, fieldname))
        return stats


def idf(searcher: Searcher, fieldname: str, text: bytes | str) -> float:
    docs = max(searcher.doc_count_all(), 1)
    return math.log(docs / (searcher.doc_frequency(fieldname, text) + 1)) + 1


def avg_length(searcher: Searcher, fieldname: str) -> float:
    return (searcher.field_length(fieldname) / max(searcher.doc_count_all(), 1)) or 1.0


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


def article_query(q: wq.Query) -> wq.Query:
    """The query as run on articles (whose ``text`` holds the title and the body): the same,
    with each OR walking postings. Whoosh's default for segments under 5,000 documents reads
    every document number of the segment into an array, in Python, on every query."""
    if q.is_leaf():
        return q
    out = q.apply(article_query)
    if isinstance(out, wq.Or):
        out.matcher_type = wq.Or.DEFAULT_MATCHER
    return out


@dataclass(frozen=True)
class Clause:
    """One positive part of a query, as passages are scored: a word or a phrase (``words``
    in order), in the body and/or the title, with its boost and IDF."""

    words: tuple[str, ...]
    fields: frozenset[str]
    boost: float
    idf: float


def clauses(searcher: Searcher, q: wq.Query) -> list[Clause]:
    """The words and phrases a passage can earn score for (negated parts left out)."""
    out: dict[tuple[tuple[str, ...], frozenset[str]], Clause] = {}

    def add(words: tuple[str, ...], fields: frozenset[str], boost: float) -> None:
        if not words or (words, fields) in out:
            return
        weight = sum(idf(searcher, "text", w) for w in words)
        out[(words, fields)] = Clause(words, fields, boost, weight)

    def walk(node: wq.Query, boost: float) -> None:
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.AndNot):
            walk(node.a, boost)
            return
        boost *= float(getattr(node, "boost", 1.0) or 1.0)
        if isinstance(node, wq.Phrase):
            if node.fieldname in TEXT_FIELDS:
                add(tuple(node.words), _fields(node.fieldname), boost)
        elif isinstance(node, wq.Term):
            if node.fieldname in TEXT_FIELDS:
                add((_text(node.text),), _fields(node.fieldname), boost)
        elif node.is_leaf():  # prefix, wildcard, fuzzy, range: the terms they stand for
            field = getattr(node, "fieldname", None)
            if field in TEXT_FIELDS:
                expanded = list(node.expanded_terms(searcher.reader()))[:MAX_EXPANSIONS]
                for _, text in expanded:
                    add((_text(text),), _fields(field), boost)
        else:
            for child in node.children():
                walk(child, boost)

    walk(q, 1.0)
    return list(out.values())


def _fields(fieldname: str) -> frozenset[str]:
    # A word asked of the text also counts in the title: the article's text holds both.
    return frozenset(TEXT_FIELDS) if fieldname == "text" else frozenset([fieldname])


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


@dataclass(frozen=True)
class PassageTerms:
    """A passage's index terms in order (stop words dropped, as in the index)."""

    terms: tuple[str, ...]
    title: tuple[str, ...] = ()


def passage_terms(
    body: str, bounds: Sequence[tuple[int, int]], title: str | None
) -> list[PassageTerms]:
    """The index terms of each passage ``body[start:end]``; the title goes with the first."""
    title_terms = terms_between(title) if title else ()
    return [
        PassageTerms(terms_between(body, start, end), title_terms if i == 0 else ())
        for i, (start, end) in enumerate(bounds)
    ]


def _count(terms: tuple[str, ...], words: tuple[str, ...]) -> int:
    if len(words) == 1:
        return terms.count(words[0])
    n, first = len(words), words[0]
    return sum(
        1
        for i, t in enumerate(terms)
        if t == first and terms[i : i + n] == words  # consecutive: stop words are not terms
    )


class PassageScorer:
    """BM25 of a passage for a list of clauses; the average passage length comes from the
    index (text length over number of passages)."""

    def __init__(self, searcher: Searcher, query_clauses: list[Clause]) -> None:
        self.clauses = query_clauses
        passages = searcher.field_length("passages") or max(searcher.doc_count_all(), 1)
        self.avg_len = (searcher.field_length("text") / passages) or 1.0
        self.avg_title = avg_length(searcher, "title")

    def contributions(self, p: PassageTerms) -> list[TermContribution]:
        out: list[TermContribution] = []
        for c in self.clauses:
            for field, terms, avg in (
                ("text", p.terms, self.avg_len),
                ("title", p.title, self.avg_title),
            ):
                if field not in c.fields or not terms:
                    continue
                tf = _count(terms, c.words)
                if tf:
                    norm = K1 * (1 - B + B * len(terms) / avg)
                    score = c.boost * c.idf * tf * (K1 + 1) / (tf + norm)
                    out.append(TermContribution(" ".join(c.words), field, score))
        return out

    def ceiling(self, held: dict[str, tuple[float, bool]] | None = None) -> float:
        """More than any passage can score: each clause at its limit in every field; or, with
        ``held`` (each query word its article holds: times in its text, in its title?), each
        clause at most as often as its rarest word, and in the title only if all are there."""
        total = 0.0
        for c in self.clauses:
            top = c.boost * c.idf * (K1 + 1)
            if held is None:
                total += top * len(c.fields)
                continue
            if any(w not in held for w in c.words):
                continue
            # A phrase occurs at most as often as its rarest word; where the phrase itself was
            # counted, that count.
            tf, in_title = held.get(
                " ".join(c.words),
                (min(held[w][0] for w in c.words), all(held[w][1] for w in c.words)),
            )
            if "text" in c.fields and tf:
                total += top * tf / (tf + K1 * (1 - B + B * tf / self.avg_len))
            if "title" in c.fields and in_title:
                total += top
        return total

    def score(self, p: PassageTerms) -> float:
        return sum(c.score for c in self.contributions(p))


def explain(
    searcher: Searcher, docnum: int, q: wq.Query, weight: float = 1.0
) -> list[TermContribution]:
    """Each query term's BM25 contribution (boost included) to article ``docnum``, times
    ``weight``, with the field named ``atext``/``atitle`` (the article's text and title)."""
    out: list[TermContribution] = []
    w = searcher.weighting
    seen: set[tuple[str, Any]] = set()
    for fieldname, text, boost in _weighted_terms(q, 1.0):
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
            name = {"text": "atext", "title": "atitle"}.get(fieldname, fieldname)
            score = weight * boost * float(scorer.score(m))
            out.append(TermContribution(_text(text), name, score))
    return out


def _weighted_terms(q: wq.Query, boost: float) -> list[tuple[str, Any, float]]:
    """``(field, term, boost)`` of every positive term of ``q``, boosts multiplied down."""
    if isinstance(q, wq.Not):
        return []
    if isinstance(q, wq.AndNot):
        return _weighted_terms(q.a, boost)
    boost *= float(getattr(q, "boost", 1.0) or 1.0)
    if q.is_leaf():
        return [(f, t, boost) for f, t in q.iter_all_terms(phrases=True)]
    return [x for child in q.children() for x in _weighted_terms(child, boost)]
