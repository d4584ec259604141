"""Hybrid ranking: passages scored by their words and by their meaning.

In ``hybrid`` mode (the default where the index holds vectors) the candidates are the articles
the query's words rank best (as in ``lexical`` mode) and the NEAREST articles in meaning (the
cosine of the article's vector to the query's, over every article the filters allow). Every
passage of a candidate is scored::

    hybrid = LEXICAL_WEIGHT * words / best words
           + SEMANTIC_WEIGHT * cosine(passage vector, query vector)
           + RELATED_WEIGHT * related / best related

``words`` is the passage's BM25 plus HYBRID_ARTICLE_WEIGHT times its article's (scoring.py);
``related`` is the evidence of its words close in meaning to the query's (related.py: for each
query word, its best related word's cosine times that word's idf). The best are taken over
the candidates. A passage with none of the query's words can rank when it is close in
meaning. Articles found by meaning alone count in ``total`` and the facets only when one of
their passages is shown: the matching articles are those holding the query's words, plus the
answers shown.

A query that requires words (``+word``, ``AND``) or is not a flat list of words keeps its
lexical matches: meaning reorders them, it adds none. The weights were chosen on the judged
passages of benchmarks/passages.py (benchmarks/README.md "Passages" gives the search).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from newsearch.index.vectors import VectorTable
from newsearch.search.plan import QueryPlan
from newsearch.search.related import Related, content_words
from newsearch.search.scoring import PassageScorer, passage_terms
from newsearch.search.selection import Candidate, Loader

Mode = Literal["lexical", "hybrid"]
MODES: tuple[Mode, ...] = ("lexical", "hybrid")
DEFAULT_MODE: Mode = "hybrid"
# The parts of a passage's hybrid score (benchmarks/README.md "Passages" has the search):
LEXICAL_WEIGHT = 0.6  # its words: BM25 + HYBRID_ARTICLE_WEIGHT x its article's, over the best
SEMANTIC_WEIGHT = 0.4  # its vector's cosine to the query's
RELATED_WEIGHT = 0.4  # its related words (related.py: evidence), over the best candidate's
HYBRID_ARTICLE_WEIGHT = 1.0  # the article's part of the words' score (lexical mode: 3)
NEAREST = 50  # articles nearest in meaning added to the candidates
MIN_SIMILARITY = 0.2  # an article's cosine below which meaning alone does not bring it

Vector = npt.NDArray[np.float32]
_SYNTAX = re.compile(r"""(?:^|\s)(?:-|NOT\s+)\S+|\b(?:AND|OR|NOT)\b|\w+:\S+|[+"()*~^]|~\d+""")


def query_text(plan: QueryPlan) -> str:
    """The words of the query as a reader would say them: filters, excluded words, operators
    and syntax taken out."""
    return " ".join(_SYNTAX.sub(" ", plan.text).split())


def widens(plan: QueryPlan) -> bool:
    """Whether articles with none of the query's words may be candidates: only for a flat
    query of plain words, none of them required (a phrase asks for those words)."""
    return plan.flat and all(
        not g.required and all(len(c.words) == 1 for c in g.clauses) for g in plan.groups
    )


def nearest(
    table: VectorTable, query: Vector, allowed: npt.NDArray[np.int64], k: int = NEAREST
) -> list[tuple[int, float]]:
    """``(docnum, cosine)`` of the ``k`` allowed articles nearest ``query``, nearest first."""
    if not len(allowed):
        return []
    pool = allowed[table.present[allowed]]
    sims = table.article_similarity(query)[pool]
    keep = sims >= MIN_SIMILARITY
    pool, sims = pool[keep], sims[keep]
    if len(pool) > k:
        part = np.argpartition(-sims, k - 1)[:k]
        pool, sims = pool[part], sims[part]
    order = np.lexsort((pool, -sims))
    return [(int(pool[i]), float(sims[i])) for i in order]


def blend(
    load: Loader,
    articles: dict[int, float],
    scorer: PassageScorer,
    table: VectorTable,
    query: Vector,
    related: Related,
    rarity: Callable[[str], float],
) -> list[Candidate]:
    """Every passage of the candidate ``articles`` (docnum -> article score, 0 for those found
    by meaning alone), with its hybrid score."""
    raw: list[tuple[float, float, float, int, int, dict[str, Any]]] = []
    for docnum, article_score in articles.items():
        fields = load(docnum)
        bounds = [(p[0], p[1]) for p in fields["meta"]["passages"]]
        if not bounds:
            continue
        vectors = table.passages(docnum)
        sims = vectors @ query if len(vectors) == len(bounds) else np.zeros(len(bounds))
        base = HYBRID_ARTICLE_WEIGHT * article_score
        body = fields["body"]
        terms = passage_terms(body, bounds, fields["meta"]["title"])
        for i, p in enumerate(terms):
            lexical = scorer.score(p) + base
            said = content_words(body[bounds[i][0] : bounds[i][1]])
            evidence = related.evidence(said, rarity)
            raw.append((lexical, float(sims[i]), evidence, docnum, i, fields))
    if not raw:
        return []
    lex = np.array([r[0] for r in raw])
    sim = np.array([r[1] for r in raw])
    rel = np.array([r[2] for r in raw])
    lexn = lex / (lex.max() or 1.0)
    reln = rel / (rel.max() or 1.0)
    out = []
    for (_, _, _, docnum, i, fields), ln, sn, rn in zip(raw, lexn, sim, reln, strict=True):
        words = LEXICAL_WEIGHT * float(ln)
        meaning = SEMANTIC_WEIGHT * float(sn) + RELATED_WEIGHT * float(rn)
        out.append(Candidate(words + meaning, docnum, i, fields, meaning, words))
    return out


def candidates(lexical: list[tuple[int, float]], near: list[tuple[int, float]]) -> dict[int, float]:
    """The articles to draw passages from: the lexical best (docnum -> score) and those
    nearest in meaning (with no lexical score unless they have one)."""
    out = dict(lexical)
    for docnum, _ in near:
        out.setdefault(docnum, 0.0)
    return out
