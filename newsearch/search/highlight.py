"""Highlights: the places in a passage that earned it score, from the plan's clauses.

A word lights where it occurs; a phrase only where its words occur in order within its slop
(``"Kim Jong Un"`` lights those three words together, not every "UN"); a clause asked of the
title alone lights nothing in the body; a prefix, wildcard or fuzzy word lights the index terms
it stood for. So what is lit is exactly what the passage was scored for. A passage is read in
its article's language, and lights the forms asked of that language (plan.Clause.languages);
the bigrams of a CJK word light as one span.
"""

from __future__ import annotations

from collections.abc import Sequence

from newsearch.search.plan import Clause
from newsearch.search.scoring import occurrences
from newsearch.text.analysis import term_spans
from newsearch.text.languages import family

Span = tuple[int, int]


def highlights(
    text: str, clauses: Sequence[Clause], field: str = "text", language: str | None = None
) -> tuple[Span, ...]:
    """``(start, end)`` offsets into ``text`` of what ``clauses`` match there, in order;
    ``text`` read in ``language`` (its article's code). Without one, it is read in every
    language its clauses are asked of (English when they name none)."""
    if language is not None:
        return _lit(text, [c for c in clauses if c.applies(language)], field, language)
    asked = {code for c in clauses for code in c.languages or ()}
    readings = {family(code): code for code in sorted(asked)} or {"en": "en"}
    found: set[Span] = set()
    for code in readings.values():
        found.update(_lit(text, [c for c in clauses if c.applies(code)], field, code))
    return _merged(sorted(found))


def _lit(text: str, clauses: Sequence[Clause], field: str, language: str) -> tuple[Span, ...]:
    wanted = [c for c in clauses if field in c.fields]
    if not wanted:
        return ()
    spans = list(term_spans(text, language))
    terms = [t for t, _, _ in spans]
    vocabulary = {w for c in wanted for w in c.words}
    if not vocabulary.intersection(terms):
        return ()
    lit: set[int] = set()
    for c in wanted:
        for found in occurrences(terms, c.words, c.slop):
            lit.update(found)
    return _merged([(spans[i][1], spans[i][2]) for i in sorted(lit)])


def _merged(spans: list[Span]) -> tuple[Span, ...]:
    """Spans in order, those that overlap (a CJK word's bigrams) joined into one."""
    out: list[Span] = []
    for start, end in spans:
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return tuple(out)
