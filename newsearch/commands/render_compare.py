"""``newsearch compare`` as JSON and as a table per group (render.py's rules: pure ``*_json``
functions, every text from an article printed as a ``rich.text.Text`` through ``escape``).
A module of its own: render.py is past the size the project keeps modules under."""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from newsearch.models import ArticleInfo, Claim, ClaimGroup, Comparison
from newsearch.render import MARK_CLOSE, MARK_OPEN, article_json, clip, escape

WIDTH = 160  # a table's width off a terminal (piped, in a file)
COLUMNS = (  # name, widest (None: the rest)
    ("outlet", 24),
    ("date", 10),
    ("figure", 16),
    ("what", 24),
    ("attribution", 28),
    ("sentence", None),
)


def _number(x: float) -> int | float:
    """A whole value as an int (``4000``, not ``4000.0``)."""
    return int(x) if math.isfinite(x) and x == int(x) else x


def claim_json(c: Claim) -> dict[str, Any]:
    """A claim: its value and qualifier, the sentence (``text``) with the figure at
    ``start``..``end``, who says so, its article, and the other articles carrying the
    sentence nearly word for word (``also_in``, ids)."""
    return {
        "value": _number(c.value),
        "qualifier": c.qualifier,
        "text": c.text,
        "start": c.start,
        "end": c.end,
        "attribution": c.attribution,
        "article": article_json(c.article),
        "also_in": [a.id for a in c.also_in],
    }


def comparison_json(c: Comparison) -> dict[str, Any]:
    """``{"query", "groups": [{"label", "counts", "event", "agree", "claims": [...]}]}``."""
    return {
        "query": c.query,
        "groups": [
            {
                "label": g.label,
                "counts": g.counts,
                "event": g.event,
                "agree": g.agree,
                "claims": [claim_json(x) for x in g.claims],
            }
            for g in c.groups
        ],
    }


def figure(c: Claim) -> str:
    """The figure as a qualifier and a value: ``~4,000``, ``>11,000``, ``10,000-12,000``."""

    def shown(x: float) -> str:
        return f"{x:,.0f}" if x == int(x) else f"{x:,.2f}".rstrip("0")

    if c.low != c.high and math.isfinite(c.high):
        return f"{shown(c.low)}-{shown(c.high)}"
    return ("" if c.qualifier == "=" else c.qualifier) + shown(c.value)


CONTEXT = 90  # characters of the sentence shown either side of the figure


def _sentence(c: Claim, rich: bool) -> Text:
    """The sentence with the figure lit, cut to ``CONTEXT`` characters either side of it."""
    start, end = max(0, c.start - CONTEXT), min(len(c.text), c.end + CONTEXT)
    before = ("…" if start else "") + c.text[start : c.start]
    after = c.text[c.end : end] + ("…" if end < len(c.text) else "")
    out = Text(escape(before, newline=" "))
    lit = escape(c.text[c.start : c.end], newline=" ")
    if rich:
        out.append(lit, style="bold yellow")
    else:
        out.append(MARK_OPEN + lit + MARK_CLOSE)
    out.append(escape(after, newline=" "))
    return out


def _outlet(a: ArticleInfo) -> str:
    """An article as a table names it: its source, else its title, else its file."""
    return escape(clip(a.source or a.title or a.path.rsplit("/", 1)[-1] or a.id, 40))


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def verdict(g: ClaimGroup) -> str:
    """The line under a group's table: do its figures agree, and how far apart are they."""
    if len(g.claims) < 2:
        return "one figure"
    ratio = f"the largest is {g.spread:.3g}x the smallest" if g.spread > 1 else "the same figure"
    if g.agree:
        return f"agree: one value fits every figure's range ({ratio})"
    return f"DIFFER: no value fits every figure's range ({ratio})"


def print_comparison(console: Console, c: Comparison, rich: bool) -> None:
    """A table per group (outlet, date, figure, what, attribution, the sentence with the
    figure lit), then whether its figures agree; a line of totals."""
    if not c.groups:
        shown = escape(clip(c.query))
        console.print(Text(f"No figures to compare in the articles matching '{shown}'."))
    width = console.width if rich else max(console.width, WIDTH)
    for g in c.groups:
        ids = {x.article.id for x in g.claims} | {a.id for x in g.claims for a in x.also_in}
        title = f"{escape(g.label)}: {_count(len(g.claims), 'figure')}, "
        table = Table(
            title=Text(title + _count(len(ids), "article")),
            title_justify="left",
            width=None if rich else width,
        )
        for column, most in COLUMNS:
            table.add_column(column, overflow="fold", max_width=most, ratio=None if most else 1)
        for x in g.claims:
            who = Text(_outlet(x.article))
            if x.also_in:
                others = ", ".join(_outlet(a) for a in x.also_in)
                who.append(f" (also in {len(x.also_in)}: {others})")
            what = " ".join(w for w in (x.counts, x.event) if w)
            table.add_row(
                who,
                Text(x.article.date.isoformat() if x.article.date else "-"),
                Text(figure(x)),
                Text(escape(what)),
                Text(escape(x.attribution or "-")),
                _sentence(x, rich),
            )
        console.print(table, width=width, crop=False)
        style = "bold red" if rich and not g.agree else ""
        console.print(Text(verdict(g), style=style))
        console.print()
    figures = sum(len(g.claims) for g in c.groups)
    console.print(
        Text(
            f"{figures} figures in {len(c.groups)} groups from the best {c.articles} of "
            f"{c.total} matching articles"
        )
    )
