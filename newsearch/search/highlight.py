"""Highlights: the places in a passage that earned it score, from the plan's clauses.

A word lights where it occurs; a phrase only where its words occur in order within its slop
(``"Kim Jong Un"`` lights those three words together, not every "UN"); a clause asked of the
title alone lights nothing in the body; a prefix, wildcard or fuzzy word lights the index terms
it stood for. So what is lit is exactly what the passage was scored for.
"""

from __future__ import annotations

from collections.abc import Sequence

from newsearch.search.plan import Clause
from newsearch.search.scoring import occurrences
from newsearch.text.analysis import term_spans

Span = tuple[int, int]


def highlights(text: str, clauses: Sequence[Clause], field: str = "text") -> tuple[Span, ...]:
    """``(start, end)`` offsets into ``text`` of what ``clauses`` match there, in order."""
    wanted = [c for c in clauses if field in c.fields]
    if not wanted:
        return ()
    spans = list(term_spans(text))
    terms = [t for t, _, _ in spans]
    vocabulary = {w for c in wanted for w in c.words}
    if not vocabulary.intersection(terms):
        return ()
    lit: set[int] = set()
    for c in wanted:
        for found in occurrences(terms, c.words, c.slop):
            lit.update(found)
    return tuple((spans[i][1], spans[i][2]) for i in sorted(lit))
