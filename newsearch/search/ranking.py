"""One ranking of a query's passages for a number of places: the core of ``engine.search``.

The matching articles are ranked (matching.py), by date or by relevance (with feedback words
and, in hybrid mode, meaning: hybrid.py), and their passages chosen (selection.py). Paging
(paging.py) asks for rankings of several sizes, so the ranking is a function of its size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from whoosh.searching import Searcher

from newsearch.index.segments import Ints
from newsearch.search.date_order import DateOrder, Order
from newsearch.search.feedback import feedback_words
from newsearch.search.hybrid import HybridRanker, Mode
from newsearch.search.matching import Matching
from newsearch.search.plan import QueryPlan, Sort
from newsearch.search.related import Related
from newsearch.search.scoring import PassageScorer
from newsearch.search.selection import Candidate, blended, in_order


def article_depth(limit: int) -> int:
    """How many of the best articles to draw passages from."""
    return min(max(limit * 3, 50), 2000)


@dataclass(frozen=True)
class Ranking:
    """The passages to show, best first (at least ``size`` when there are so many), the
    matching articles (with those shown for their meaning), the related words to light and
    the feedback words the articles were ranked with."""

    ranked: list[Candidate]
    every: Ints
    related: Related | None = None
    extra: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Ranker:
    """Ranks one plan's passages over an open searcher, for any size (``rank(size)``)."""

    searcher: Searcher
    matching: Matching
    dates: Callable[[], DateOrder]
    hybrid: Callable[[], HybridRanker]
    plan: QueryPlan
    scorer: PassageScorer | None
    sort: Sort
    feedback: bool
    mode: Mode
    per_article: int

    def __call__(self, size: int) -> Ranking:
        s, plan, scorer, matching = self.searcher, self.plan, self.scorer, self.matching
        if plan.positive is None or self.sort != "relevance":
            every = matching.every(plan)
            order: Order = "oldest" if self.sort == "oldest" else "newest"
            firsts = self.dates().first(every, order, size)
            return Ranking(in_order(s.stored_fields, firsts, scorer, size), every)
        assert scorer is not None
        depth = article_depth(size)
        found = matching.ranked(plan, depth)
        top, every, words = found.top, found.docnums, found.words
        extra: list[tuple[str, float]] = []
        if self.feedback:
            own = (w for c in plan.clauses for w in c.words)
            extra = feedback_words(s.stored_fields, top, own)
        if extra:  # the same articles, scored with the feedback words too
            top, words = matching.rescored(plan, extra, depth), None
        hybrid = (
            self.hybrid().rank(plan, matching, top, every, scorer, size, self.per_article)
            if self.mode == "hybrid"
            else None
        )
        if hybrid is not None:
            ranked, every, related = hybrid  # answers found by meaning count as matches
            return Ranking(ranked, every, related, tuple(extra))
        ranked = blended(s.stored_fields, top, scorer, size, words, self.per_article)
        return Ranking(ranked, every, None, tuple(extra))
