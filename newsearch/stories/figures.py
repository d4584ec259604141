"""The periods of a timeline where the story's figures changed (compare/, issue 17's claims).

A query's claims are grouped by compare (what they count and the event: "soldiers killed or
wounded", "troops deployed"). In each group, taken in date order, a figure is marked where it
first appears and wherever a later article gives another (a value more than compare's
"about" margin, 15%, from the figure before it: "around 4,000" after "some 300"); a repeat of
the same figure marks nothing. Undated articles' figures have no day and mark nothing. A mark
names its period of the timeline, the group, the figure as written and the one before it, and
the article.
"""

from __future__ import annotations

from collections.abc import Callable

from newsearch.compare.numbers import ABOUT
from newsearch.models import Claim, Comparison, TimelineMark

QUALIFIER_WORDS = {"=": "", "~": "~", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def figure(c: Claim) -> str:
    """A claim's figure as the timeline shows it: qualifier and value (``~4,000``)."""
    value = f"{c.value:,.0f}" if c.value == int(c.value) else f"{c.value:,.3g}"
    return QUALIFIER_WORDS.get(c.qualifier, c.qualifier) + value


def _differs(c: Claim, before: Claim) -> bool:
    """Whether ``c`` gives another figure than ``before``: its value is another by more than
    compare's "about" margin (~4,000 and 4,100 are one figure; "at least 20" and then "45"
    two, though the second does not contradict the first)."""
    return abs(c.value - before.value) > ABOUT * max(abs(c.value), abs(before.value))


def marks(comparison: Comparison, period: Callable[[Claim], str | None]) -> list[TimelineMark]:
    """The changes of figure of each claim group, in date order (``period`` gives a claim's
    period of the timeline, None when its article is undated)."""
    out: list[TimelineMark] = []
    for group in comparison.groups:
        dated = [(c.article.date, c) for c in group.claims if c.article.date is not None]
        dated.sort(key=lambda pair: (pair[0], pair[1].article.id, pair[1].sentence_start))
        before: Claim | None = None
        for _, c in dated:
            if before is None or _differs(c, before):
                at = period(c)
                if at is not None:
                    shown = figure(before) if before is not None else None
                    out.append(TimelineMark(at, group.label, figure(c), shown, c.article))
                before = c
    out.sort(key=lambda m: (m.period, m.group, m.article.id))
    return out
