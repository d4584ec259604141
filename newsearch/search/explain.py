"""Explain: what each clause of the plan added to an article's score (``--explain``).

Passages explain themselves (scoring.PassageScorer.contributions); the article's part is each
query word's BM25 in the article, as the article was ranked, read here from Whoosh's matchers.
"""

from __future__ import annotations

from collections.abc import Sequence

from whoosh import query as wq
from whoosh.searching import Searcher

from newsearch.models import TermContribution
from newsearch.search.plan import Clause

ARTICLE_FIELDS = {"text": "atext", "title": "atitle"}  # as the JSON and the CLI name them


def article_contributions(
    searcher: Searcher,
    docnum: int,
    clauses: Sequence[Clause],
    weight: float = 1.0,
    extra: Sequence[tuple[str, float]] = (),
) -> list[TermContribution]:
    """Each query word's BM25 contribution (boost included) to article ``docnum``, times
    ``weight``; ``extra`` are feedback words ``(term, boost)`` asked of the text."""
    terms = [(c.field, w, c.boost) for c in clauses for w in c.words]
    terms += [("text", w, boost) for w, boost in extra]
    out: list[TermContribution] = []
    seen: set[tuple[str, str]] = set()
    scoring = searcher.weighting
    for fieldname, text, boost in terms:
        if (fieldname, text) in seen or fieldname not in searcher.schema:
            continue
        seen.add((fieldname, text))
        m = wq.Term(fieldname, text).matcher(searcher, searcher.boolean_context())
        if not m.is_active():
            continue
        m.skip_to(docnum)
        if m.is_active() and m.id() == docnum:
            btext = searcher.schema[fieldname].to_bytes(text)
            score = weight * boost * float(scoring.scorer(searcher, fieldname, btext).score(m))
            out.append(TermContribution(text, ARTICLE_FIELDS.get(fieldname, fieldname), score))
    return out
