"""``newsearch similar ID`` (``engine.similar``): articles like one article, by content.

The article's salient words are its ``WORDS`` words weighing most by tf-idf over the index
(the headline's words counting twice; a word no other article holds is no help), asked as
one query (any of them, BM25): its best ``DEPTH`` matches are candidates, as are the
``DEPTH`` articles whose vectors are nearest the article's (where the index holds vectors of
this model). A candidate's score is the mean of its BM25 over the best one's and its vectors'
cosine (its BM25 alone without vectors). The article's copies (copies.py) are left out of the
results and listed apart; an article of its story is marked.
"""

from __future__ import annotations

import re
import weakref
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from newsearch.index.segments import SegmentView
from newsearch.index.vectors import VectorTable
from newsearch.models import ArticleInfo, SimilarArticle, SimilarArticles
from newsearch.search.bm25 import idf
from newsearch.search.matching import Matching
from newsearch.search.plan import QueryPlan
from newsearch.stories.lookup import copies_of
from newsearch.text import embedding
from newsearch.text.analysis import normalize_word

WORDS = 20
DEPTH = 100
_WORD = re.compile(r"[^\W\d_]+(?:['’.-][^\W\d_]+)*")
_tables: weakref.WeakKeyDictionary[SegmentView, VectorTable] = weakref.WeakKeyDictionary()


def salient_words(view: SegmentView, title: str | None, body: str) -> list[str]:
    """The article's words that weigh most by tf-idf over the index (as written, once each)."""
    s = view.searcher
    total = s.doc_count_all()
    counts: Counter[str] = Counter()
    surface: dict[str, str] = {}
    for text, weight in ((body, 1), (title or "", 2)):
        for word in _WORD.findall(text):
            term = normalize_word(word)
            if term is None or len(term) < 2:
                continue
            counts[term] += weight
            surface.setdefault(term, word)
    weights: dict[str, float] = {}
    for term, n in counts.items():
        df = s.doc_frequency("text", term)
        if df >= 2:  # held by another article too
            weights[term] = (1 + np.log(n)) * idf(total, df)
    best = sorted(weights, key=lambda t: (-weights[t], t))[:WORDS]
    return [surface[t] for t in best]


def vector_table(view: SegmentView) -> VectorTable:
    """The open searcher's article vectors (read once per view)."""
    table = _tables.get(view)
    if table is None:
        table = _tables[view] = VectorTable(view, embedding.default_embedder().dim)
    return table


@dataclass(frozen=True)
class Scored:
    docnum: int
    score: float


def rank(
    docnum: int,
    lexical: list[tuple[int, float]],
    allowed: npt.NDArray[np.int64],
    table: VectorTable | None,
    leave_out: Callable[[int], bool],
    limit: int,
) -> list[Scored]:
    """The ``limit`` best candidates (see the module's docstring), ``leave_out`` left out."""
    words = {d: s for d, s in lexical if d != docnum}
    best = max(words.values(), default=0.0) or 1.0
    cosines: dict[int, float] = {}
    if table is not None and table.present[docnum]:
        sims = table.article_similarity(table.articles[docnum])
        pool = allowed[table.present[allowed] & (allowed != docnum)]
        if len(pool):
            near = pool[np.argsort(-sims[pool], kind="stable")[:DEPTH]]
            cosines = {int(d): float(sims[d]) for d in near}
        for d in words:
            cosines.setdefault(d, float(sims[d]) if table.present[d] else 0.0)
    scored = []
    for d in set(words) | set(cosines):
        if leave_out(d):
            continue
        lexical_part = words.get(d, 0.0) / best
        score = (lexical_part + max(cosines.get(d, 0.0), 0.0)) / 2 if cosines else lexical_part
        scored.append(Scored(d, round(score, 4)))
    scored.sort(key=lambda c: (-c.score, c.docnum))
    return scored[:limit]


@dataclass(frozen=True)
class Context:
    """What ``similar_articles`` needs of the engine: the open searcher's view and matching,
    a plan for a query (with the caller's filters), the generation (copies), article
    metadata from stored fields, and the article vectors (None: the index has none)."""

    view: SegmentView
    matching: Matching
    plan: Callable[[str], QueryPlan]
    generation: Path | None
    info: Callable[[str, dict[str, Any]], ArticleInfo]
    vectors: VectorTable | None


def similar_articles(c: Context, docnum: int, limit: int) -> SimilarArticles:
    """The articles like article ``docnum`` (see the module's docstring)."""
    fields = c.view.stored_fields(docnum)
    words = salient_words(c.view, fields["meta"].get("title"), fields["body"])
    plan = c.plan(" ".join(words))
    lexical = c.matching.ranked(plan, DEPTH).top if plan.positive is not None else []
    allowed = c.matching.bulk.filtered(*c.matching.restrictions(plan))
    copies = copies_of(c.view, c.generation, c.info, fields)
    copy_ids = {x.article.id for x in copies}
    story = fields.get("story")

    def stored(d: int) -> dict[str, Any]:
        found: dict[str, Any] = c.view.stored_fields(d)
        return found

    ranked = rank(
        docnum, lexical, allowed, c.vectors, lambda d: stored(d)["article_id"] in copy_ids, limit
    )
    results = []
    for r in ranked:
        other = stored(r.docnum)
        same = story is not None and other.get("story") == story
        results.append(SimilarArticle(c.info(other["article_id"], other["meta"]), r.score, same))
    info = c.info(fields["article_id"], fields["meta"])
    return SimilarArticles(info, tuple(results), copies, tuple(words))
