"""Hybrid ranking: passages scored by their words and by their meaning.

In ``hybrid`` mode (the default where the index holds vectors) the candidates are the articles
the query's words rank best (as in ``lexical`` mode) and the NEAREST articles in meaning (the
cosine of the article's vector to the query's, over every article the filters allow). Every
passage of a candidate is scored::

    hybrid = LEXICAL_WEIGHT * words / best words
           + SEMANTIC_WEIGHT * cosine(passage vector, query vector)
           + RELATED_WEIGHT * related / best related

``words`` is the passage's BM25 plus HYBRID_ARTICLE_WEIGHT times its article's (scoring.py);
``related`` is the evidence of its words equal or close in meaning to the query's (related.py:
for each query word, the passage's best such word's cosine, 1 for the word itself, times that
word's idf). The best are taken over
the candidates; in a query of more than SHORT_QUERY distinct words the cosine weighs less
and the related words not at all. A passage with none of the query's words can rank when it
is close in meaning. Articles found by meaning alone count in ``total`` and the facets only
when one of their passages is shown: the matching articles are those holding the query's
words, plus the answers shown.

A query that requires words (``+word``, ``AND``) or is not a flat list of words keeps its
lexical matches: meaning reorders them, it adds none. The model is English
(embedding.serves): an article in another language is ranked by its words alone, its
passages get no meaning part and no related words, and meaning alone brings none of them.
The weights were chosen on the judged passages of benchmarks/passages.py
(benchmarks/README.md "Passages" gives the search).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from newsearch.index import passage_terms as stored_terms
from newsearch.index.segments import Ints, SegmentView
from newsearch.index.vectors import VectorTable
from newsearch.search.arrays import unique
from newsearch.search.bm25 import idf
from newsearch.search.matching import TIE_ROOM, Matching
from newsearch.search.plan import QueryPlan
from newsearch.search.related import Related, content_words
from newsearch.search.scoring import ARTICLE_WEIGHT, PassageScorer, PassageTerms, article_terms
from newsearch.search.selection import Candidate, Loader, pick
from newsearch.text import embedding
from newsearch.text.analysis import normalize_word

Mode = Literal["lexical", "hybrid"]
MODES: tuple[Mode, ...] = ("lexical", "hybrid")
DEFAULT_MODE: Mode = "hybrid"
# The parts of a passage's hybrid score (benchmarks/README.md "Passages" has the search):
LEXICAL_WEIGHT = 0.6  # its words: BM25 + HYBRID_ARTICLE_WEIGHT x its article's, over the best
SEMANTIC_WEIGHT = 0.4  # its vector's cosine to the query's
# Its words and related words (related.py: evidence, a query word a passage holds counting
# whole), over the best candidate's: TIME 0.685 -> 0.701, CRAN 0.321 -> 0.322 MAP, the judged
# passages' recall@10 0.765 -> 0.801 and MRR 0.470 -> 0.512 (0.4 then lost "troops died").
RELATED_WEIGHT = 0.5
# A query of more distinct words than this carries its meaning in its words: meaning's parts
# are weighted by (SHORT_QUERY / words) ** SHARE_POWER past it (CRAN's long questions: MAP
# 0.285 at full weight, 0.315 so; the judged questions, 2-7 words, are unchanged), and the
# article's part of the words' score moves from HYBRID_ARTICLE_WEIGHT towards lexical mode's
# (TIME 0.670 -> 0.678 MAP, CRAN unchanged): as meaning's share falls to 0 the ranking becomes
# lexical mode's exactly (TIME 0.702, CRAN 0.321; benchmarks/README.md). The related words'
# evidence counts in short queries only: past SHORT_QUERY words most query words have related
# words in most passages, and their sum drowns the words asked for (TIME 0.678 -> 0.685, CRAN
# 0.314 -> 0.321 MAP; the judged questions and the seeds' casualty passages unchanged).
SHORT_QUERY = 6
SHARE_POWER = 2
HYBRID_ARTICLE_WEIGHT = 1.0  # the article's part of the words' score at full share
LONG_ARTICLE_WEIGHT = ARTICLE_WEIGHT  # ... and at none: lexical mode's
NEAREST = 50  # articles nearest in meaning added to the candidates
# Candidate articles whose passages are read (for 10 results; 3 a result past that), the best
# by their own estimate: 30 answer the judged questions as 100 do, in a third of the time.
ARTICLES = 30
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


Bounds = list[tuple[int, int]]
# (docnum, stored fields, passage bounds) -> each passage's index terms and content words
Analysis = tuple[list[PassageTerms], list[frozenset[str]]]
Analysed = Callable[[int, dict[str, Any], Bounds], Analysis]


class PassageWords:
    """Each article's passages analysed once (index terms for BM25, words for meaning), the
    most recent ``size`` articles kept: candidates recur from query to query."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._kept: OrderedDict[int, Analysis] = OrderedDict()

    def __call__(self, docnum: int, fields: dict[str, Any], bounds: Bounds) -> Analysis:
        found = self._kept.get(docnum)
        if found is None:
            body = fields["body"]
            terms = article_terms(fields)  # (stored with the article: not analysed again)
            words = stored_terms.decode_words(fields.get(stored_terms.WORDS), len(bounds))
            if words is None:  # (none stored: the words the model knows are taken below)
                words = [frozenset(content_words(body[a:b])) for a, b in bounds]
            found = terms, words
            self._kept[docnum] = found
            if len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return found


def article_weight(share: float) -> float:
    """The article's part of a passage's words score, for meaning's ``share`` of the query."""
    return share * HYBRID_ARTICLE_WEIGHT + (1 - share) * LONG_ARTICLE_WEIGHT


def blend(
    load: Loader,
    articles: dict[int, float],
    scorer: PassageScorer,
    table: VectorTable,
    query: Vector,
    related: Related,
    rarity: Callable[[str], float],
    analysed: Analysed,
    share: float = 1.0,
) -> list[Candidate]:
    """Every passage of the candidate ``articles`` (docnum -> article score, 0 for those found
    by meaning alone), with its hybrid score."""
    raw: list[tuple[float, float, int, int, dict[str, Any]]] = []
    said: list[frozenset[str]] = []  # each passage's words, for the related words' evidence
    for docnum, article_score in articles.items():
        fields = load(docnum)
        bounds = [(p[0], p[1]) for p in fields["meta"]["passages"]]
        served = embedding.serves(fields["meta"].get("language"))
        if not bounds or not (served or article_score):  # (meaning alone: its language only)
            continue
        vectors = table.passages(docnum)
        sims = vectors @ query if served and len(vectors) == len(bounds) else np.zeros(len(bounds))
        base = article_weight(share) * article_score
        terms, content = analysed(docnum, fields, bounds)
        for i, p in enumerate(terms):
            raw.append((scorer.score(p) + base, float(sims[i]), docnum, i, fields))
            said.append(content[i] if served else frozenset())  # (no related words there)
    if not raw:
        return []
    lex = np.array([r[0] for r in raw])
    sim = np.array([r[1] for r in raw])
    rel = related.evidence(said, rarity)
    related_share = share if share >= 1.0 else 0.0  # (short queries only: RELATED_WEIGHT)
    lexn = lex / (lex.max() or 1.0)
    reln = rel / (rel.max() or 1.0)
    out = []
    for (_, _, docnum, i, fields), ln, sn, rn in zip(raw, lexn, sim, reln, strict=True):
        words = LEXICAL_WEIGHT * float(ln)
        meaning = share * SEMANTIC_WEIGHT * float(sn) + related_share * RELATED_WEIGHT * float(rn)
        out.append(Candidate(words + meaning, docnum, i, fields, meaning, words))
    return out


def candidates(
    lexical: list[tuple[int, float]],
    near: list[tuple[int, float]],
    table: VectorTable,
    query: Vector,
    most: int,
) -> dict[int, float]:
    """The articles to draw passages from (docnum -> lexical score, 0 for those found by
    meaning alone): of the lexical best and those nearest in meaning, the ``most`` best by
    the article's own hybrid estimate (its words' score over the best, its vector's cosine),
    so that passages are read only where they could rank."""
    scores = dict(lexical)
    for docnum, _ in near:
        scores.setdefault(docnum, 0.0)
    if len(scores) <= most:
        return scores
    docnums = np.fromiter(scores, np.int64, len(scores))
    words = np.fromiter(scores.values(), np.float64, len(scores))
    estimate = LEXICAL_WEIGHT * words / (words.max() or 1.0) + SEMANTIC_WEIGHT * (
        np.einsum("ij,j->i", table.articles[docnums], query)  # (not @: related._cosines)
    )
    kth = np.partition(estimate, len(estimate) - most)[len(estimate) - most]
    tied = np.flatnonzero(estimate >= kth)  # (ties with the last kept too: matching._best)
    keep = docnums[tied[np.argsort(-estimate[tied], kind="stable")][: most * TIE_ROOM]]
    return {int(d): scores[int(d)] for d in keep}


class HybridRanker:
    """Hybrid mode over one open searcher: its vectors (read when first asked for), the rarity
    of words, and each article's passages analysed; ``notice`` says why it ranks by words
    alone when the index's vectors are another model's."""

    def __init__(self, view: SegmentView, made_by: str | None) -> None:
        self._view = view
        self._searcher = view.searcher
        self._table: VectorTable | None = None
        self.notice: str | None = None
        self._usable = made_by == embedding.MODEL_ID  # no vectors, or another model's
        if made_by is not None and not self._usable:
            self.notice = (
                f"the index's vectors were made by another embedding model ({made_by}): "
                "ranked by words alone; rebuild the index with `newsearch index PATHS "
                "--rebuild` to search by meaning too"
            )
        self._idf: dict[str, float] = {}
        self._analysed = PassageWords()

    def rank(
        self,
        plan: QueryPlan,
        matching: Matching,
        top: list[tuple[int, float]],
        every: Ints,
        scorer: PassageScorer,
        limit: int,
        per_article: int,
    ) -> tuple[list[Candidate], Ints, Related] | None:
        """The passages to show, the matching articles (with those shown for their meaning)
        and the related words to light; None when the query must be ranked by words (no
        vectors, or no word of it the model knows whole)."""
        if not self._usable:
            return None
        if self._table is None:
            self._table = VectorTable(self._view, embedding.default_embedder().dim)
        table = self._table
        embedder = embedding.default_embedder()
        text = query_text(plan)
        words = content_words(text)
        if not table.any or not any(embedder.knows(w) for w in words):
            return None  # (a made-up word's pieces are near any word sharing them)
        vector = embedder.embed([text])[0]
        if not vector.any():
            return None
        related = Related(embedder, words)
        near = matching.nearest(plan, every, widens(plan), table, vector, NEAREST, MIN_SIMILARITY)
        arts = candidates(top, near, table, vector, max(ARTICLES, 3 * limit))
        load = self._searcher.stored_fields
        share = min(1.0, SHORT_QUERY / max(len(set(words)), 1)) ** SHARE_POWER  # long: less
        cands = blend(
            load, arts, scorer, table, vector, related, self._rarity, self._analysed, share
        )
        ranked = pick(cands, limit, per_article)
        shown = np.fromiter((c.docnum for c in ranked[:limit]), np.int64)
        return ranked, unique(every, shown), related

    def _rarity(self, word: str) -> float:
        """How rare a word is in the index (its idf; 0 for a stop word or unknown word)."""
        found = self._idf.get(word)
        if found is None:
            term = normalize_word(word)
            s = self._searcher
            df = s.doc_frequency("text", term) if term else 0
            found = idf(s.doc_count_all(), df) if df else 0.0
            self._idf[word] = found
        return found
