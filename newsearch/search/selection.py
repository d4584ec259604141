"""Which passages to show: each article's passages scored, blended with the article's score;
each article's best passage first (those within FIRST_ROUND of the best), then the rest by
score, at most PER_ARTICLE of one article while others have some to show (both measured on
benchmarks/passages.py: benchmarks/README.md).

Articles come best first from the engine (numpy or Whoosh); their stored fields are loaded
through ``load`` only for articles whose passages could still enter the results.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from newsearch.search.scoring import ARTICLE_WEIGHT, PassageScorer, article_terms

PER_ARTICLE = 2  # passages of one article among the results, while others have some to show
# An article's best passage scoring this share of the best comes first (0.5 until hybrid's
# evidence counted the query's own words, which spread the scores: the seeds' four articles
# then no longer came first for "Kursk casualties"; judged passages' nDCG@10 0.567 -> 0.561).
FIRST_ROUND = 0.45
Loader = Callable[[int], dict[str, Any]]  # an article's stored fields by document number


@dataclass(frozen=True)
class Candidate:
    """A passage on its way to becoming a Hit: passage ``index`` of article ``docnum``."""

    score: float
    docnum: int
    index: int
    fields: dict[str, Any]
    meaning: float | None = None  # hybrid mode: the score's part from the passage's vector
    words: float | None = None  # hybrid mode: its part from the query's words


def _rank(c: Candidate) -> tuple[float, str, int, int]:
    """Best first; passages of equal score by their article's id, then in text order: an
    order that no layout of the index changes (document numbers follow the writing order,
    which Whoosh's parallel writer and a sharded index do not keep)."""
    return -c.score, str(c.fields.get("article_id", "")), c.docnum, c.index


def pick(cands: list[Candidate], limit: int, per_article: int = PER_ARTICLE) -> list[Candidate]:
    """The best ``limit`` passages, best first, each article's best passage before any
    article's second: articles whose best passage scores at least FIRST_ROUND of the best
    passage's score come first (one passage each, by score), then the rest by score, at most
    ``per_article`` from any one article unless there are too few others."""
    ranked = sorted(cands, key=_rank)
    if not ranked:
        return []
    floor = ranked[0].score * FIRST_ROUND if ranked[0].score > 0 else 0.0
    firsts: list[Candidate] = []
    rest: list[Candidate] = []
    seen: set[int] = set()
    for c in ranked:
        if c.docnum not in seen and c.score >= floor:
            seen.add(c.docnum)
            firsts.append(c)
        else:
            rest.append(c)
    room = max(1, (limit + 1) // 2)  # the first round fills at most half the results
    chosen = firsts[:room]
    rest = sorted(firsts[room:] + rest, key=_rank)
    per: Counter[int] = Counter(c.docnum for c in chosen)
    passed: list[Candidate] = []
    for c in rest:
        if len(chosen) >= limit:
            break
        if per[c.docnum] < per_article:
            per[c.docnum] += 1
            chosen.append(c)
        else:
            passed.append(c)
    return chosen + passed[: limit - len(chosen)]


def floor_of(cands: list[Candidate], limit: int, per_article: int = PER_ARTICLE) -> float | None:
    """A score below which no passage could take a place among those ``pick`` shows (None
    while fewer than ``limit`` are chosen, or while the selection holds more than
    PER_ARTICLE of one article for want of others). Below the first round's bar (which only
    rises as better passages come) a passage can only enter by score."""
    picked = pick(cands, limit, per_article)
    if len(picked) < limit or max(Counter(c.docnum for c in picked).values()) > per_article:
        return None
    low = min(c.score for c in picked)
    top = max(c.score for c in cands)
    if len({c.docnum for c in picked}) < limit and top > 0:  # a new article could come first
        low = min(low, top * FIRST_ROUND)
    return low


def article_passages(
    load: Loader, docnum: int, scorer: PassageScorer | None
) -> list[tuple[float, int, dict[str, Any]]]:
    """``(score, passage index, stored fields)`` of an article's passages worth showing, in
    text order: those holding a query word; the lead passage if none does or no query."""
    fields = load(docnum)
    bounds = [(p[0], p[1]) for p in fields["meta"]["passages"]]
    if scorer is None or not bounds:
        return [(0.0, 0, fields)]
    scored = [(scorer.score(p), i) for i, p in enumerate(article_terms(fields))]
    kept = [(score, i, fields) for score, i in scored if score > 0]
    return kept or [(0.0, 0, fields)]


def in_order(
    load: Loader, docnums: list[int], scorer: PassageScorer | None, limit: int
) -> list[Candidate]:
    """Sorted by date: each article's passages in text order, until ``limit``."""
    out: list[Candidate] = []
    for docnum in docnums:
        for score, i, fields in article_passages(load, docnum, scorer):
            out.append(Candidate(score, docnum, i, fields))
        if len(out) >= limit:
            break
    return out


def blended(
    load: Loader,
    top: list[tuple[int, float]],
    scorer: PassageScorer,
    limit: int,
    words: dict[int, dict[str, tuple[float, bool]]] | None = None,
    per_article: int = PER_ARTICLE,
) -> list[Candidate]:
    """Passages ranked by their score plus ARTICLE_WEIGHT x their article's score, at most
    PER_ARTICLE from one article while other articles have passages to show.

    Articles are visited best first. An article none of whose passages could enter the
    results (its score plus the most its passages can score: ``words`` says which query
    words it holds, when known) is not read; once that holds whatever words an article
    holds, the rest are not read either.
    """
    cands: list[Candidate] = []
    best: list[float] = []  # min-heap of the `limit` best scores, cap ignored
    floor: float | None = None  # of the capped selection, None while it can still change
    stale = True
    ceiling = scorer.ceiling()
    for docnum, article_score in top:
        base = ARTICLE_WEIGHT * article_score
        held = words.get(docnum) if words is not None else None
        bound = base + (ceiling if held is None else scorer.ceiling(held))
        # The capped selection's floor is at most the uncapped one: check that first (cheap).
        if len(best) >= limit and bound < best[0]:
            if stale:
                floor, stale = floor_of(cands, limit, per_article), False
            if floor is not None and bound < floor:
                if base + ceiling < floor:  # nor any article after it
                    break
                continue
        for score, i, fields in article_passages(load, docnum, scorer):
            total = score + base
            cands.append(Candidate(total, docnum, i, fields))
            stale = True
            if len(best) < limit:
                heapq.heappush(best, total)
            elif total > best[0]:
                heapq.heapreplace(best, total)
    return pick(cands, limit, per_article)
