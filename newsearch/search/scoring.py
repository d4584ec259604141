"""Passage scoring: BM25 of a passage for the query plan's clauses, with the index's statistics.

The index holds one document per article. A query is answered in two steps (engine.py): the
articles are ranked by BM25 over their text (matching.py); then the passages of the best
articles are scored here, with BM25 over the passage's own words (the title counting on the
first passage) and the index's statistics (bm25.py: the one formula).

A passage's final score is its own score plus ``ARTICLE_WEIGHT`` times its article's score: a
passage from an article that is about the query as a whole beats an equally matching passage
from an article that mentions it in passing. Chosen on CRAN, confirmed on TIME
(benchmarks/README.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from whoosh.searching import Searcher

from newsearch.index import passage_terms as stored_terms
from newsearch.models import TermContribution
from newsearch.search.bm25 import avg_length, bm25, idf_of, saturation
from newsearch.search.plan import Clause
from newsearch.text.analysis import terms_between

ARTICLE_WEIGHT = 3.0


@dataclass(frozen=True)
class PassageTerms:
    """A passage's index terms in order (stop words dropped, as in the index), in its
    article's ``language`` (None: an index that kept none, English)."""

    terms: tuple[str, ...]
    title: tuple[str, ...] = ()
    language: str | None = None


def passage_terms(
    body: str,
    bounds: Sequence[tuple[int, int]],
    title: str | None,
    language: str | None = None,
) -> list[PassageTerms]:
    """The index terms of each passage ``body[start:end]`` in the article's ``language``
    (its stored code; None: English); the title goes with the first."""
    title_terms = terms_between(title, language=language) if title else ()
    return [
        PassageTerms(
            terms_between(body, start, end, language), title_terms if i == 0 else (), language
        )
        for i, (start, end) in enumerate(bounds)
    ]


def article_terms(fields: Mapping[str, Any]) -> list[PassageTerms]:
    """The index terms of each passage of an article (its stored fields): those stored with
    it (index/passage_terms.py), else made from its text (the same)."""
    meta = fields["meta"]
    language = meta.get("language")
    bounds = [(p[0], p[1]) for p in meta["passages"]]
    stored = stored_terms.decode(fields.get(stored_terms.FIELD), len(bounds))
    if stored is None:
        return passage_terms(fields["body"], bounds, meta["title"], language)
    title, each = stored
    return [PassageTerms(terms, title if i == 0 else (), language) for i, terms in enumerate(each)]


def occurrences(terms: Sequence[str], words: Sequence[str], slop: int = 1) -> list[list[int]]:
    """Where ``words`` occur in ``terms`` in order, each at most ``slop`` positions after the
    one before (1: side by side; stop words are not terms, as in the index): the positions of
    each occurrence's words. A single word: each place it is."""
    first = words[0]
    if len(words) == 1:
        return [[i] for i, t in enumerate(terms) if t == first]
    found: list[list[int]] = []
    for i, t in enumerate(terms):
        if t != first:
            continue
        at, taken = i, [i]
        for w in words[1:]:
            nxt = next(
                (k for k in range(at + 1, min(at + slop, len(terms) - 1) + 1) if terms[k] == w),
                None,
            )
            if nxt is None:
                break
            at = nxt
            taken.append(nxt)
        else:
            found.append(taken)
    return found


def _count(terms: Sequence[str], c: Clause) -> int:
    if len(c.words) == 1:
        return terms.count(c.words[0])
    return len(occurrences(terms, c.words, c.slop))


class PassageScorer:
    """BM25 of a passage for the plan's clauses; the average passage length comes from the
    index (text length over number of passages)."""

    def __init__(self, searcher: Searcher, clauses: Sequence[Clause]) -> None:
        self.clauses = list(dict.fromkeys(clauses))
        self.idf = {c: sum(idf_of(searcher, "text", w) for w in c.words) for c in self.clauses}
        passages = searcher.field_length("passages") or max(searcher.doc_count_all(), 1)
        self.avg_len = (searcher.field_length("text") / passages) or 1.0
        self.avg_title = avg_length(searcher, "title")

    def contributions(self, p: PassageTerms) -> list[TermContribution]:
        out: list[TermContribution] = []
        for c in self.clauses:
            if not c.applies(p.language):  # a form of other languages than the article's
                continue
            for field, terms, avg in (
                ("text", p.terms, self.avg_len),
                ("title", p.title, self.avg_title),
            ):
                if field not in c.fields or not terms:
                    continue
                tf = _count(terms, c)
                if tf:
                    score = c.boost * bm25(self.idf[c], float(tf), float(len(terms)), avg)
                    out.append(TermContribution(c.key, field, score))
        return out

    def ceiling(self, held: dict[str, tuple[float, bool]] | None = None) -> float:
        """More than any passage can score: each clause at its limit in every field; or, with
        ``held`` (each query word its article holds: times in its text, in its title?), each
        clause at most as often as its rarest word, and in the title only if all are there."""
        total = 0.0
        for c in self.clauses:
            top = c.boost * saturation(self.idf[c])
            if held is None:
                total += top * len(c.fields)
                continue
            if any(w not in held for w in c.words):
                continue
            # A phrase occurs at most as often as its rarest word; where the phrase itself was
            # counted, that count.
            tf, in_title = held.get(
                c.key,
                (min(held[w][0] for w in c.words), all(held[w][1] for w in c.words)),
            )
            if "text" in c.fields and tf:
                # at most as if the passage held nothing else (the shortest it can be)
                total += c.boost * bm25(self.idf[c], tf, tf, self.avg_len)
            if "title" in c.fields and in_title:
                total += top
        return total

    def score(self, p: PassageTerms) -> float:
        return sum(c.score for c in self.contributions(p))
