"""The rendering of stories, timelines, similar articles and an article's copies: text for
people (rich, colour on a terminal), JSON for scripts, and the timeline as a PNG (matplotlib,
imported only then)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from newsearch.models import (
    ArticleInfo,
    ArticleView,
    FacetValue,
    SimilarArticles,
    Story,
    StoryList,
    StoryView,
    Timeline,
)
from newsearch.render import article_json, clip, copy_json, escape

BAR = 50  # characters of the longest bar
COLOURS = ("cyan", "magenta", "yellow", "green", "blue", "red")
OTHER = "other outlets"
MARKS = "#*+=o%"  # an outlet's part of a bar without colour


def _values(values: tuple[FacetValue, ...]) -> list[dict[str, Any]]:
    return [{"value": v.value, "count": v.count} for v in values]


def story_json(s: Story) -> dict[str, Any]:
    return {
        "id": s.id,
        "size": s.size,
        "matched": s.matched,
        "first_date": s.first_date.isoformat() if s.first_date else None,
        "last_date": s.last_date.isoformat() if s.last_date else None,
        "sources": _values(s.sources),
        "entities": _values(s.entities),
        "words": list(s.words),
        "headline": article_json(s.headline),
    }


def stories_json(r: StoryList) -> dict[str, Any]:
    """``newsearch stories --json``."""
    return {
        "query": r.query,
        "total": r.total,
        "notices": list(r.notices),
        "stories": [story_json(s) for s in r.stories],
    }


def story_view_json(v: StoryView) -> dict[str, Any]:
    """``newsearch story ID --json``: the story and its articles in date order."""
    return {"story": story_json(v.story), "articles": [article_json(a) for a in v.articles]}


def timeline_json(t: Timeline, figures: bool = False) -> dict[str, Any]:
    """``newsearch timeline --json``: each period's count and its outlets' (``date`` is the
    period: a day, an ISO week ``2025-W18`` or a month); the counts plus ``undated`` make
    ``total``. (``by`` and ``period`` repeat ``bucket`` and ``date``.) With ``figures``,
    ``marks``: the periods where a figure changed, each with its group, the figure, the one
    before it and the article."""
    marks = [
        {
            "date": m.period,
            "group": m.group,
            "figure": m.figure,
            "previous": m.previous,
            "article": article_json(m.article),
        }
        for m in t.marks
    ]
    return {
        **({"marks": marks} if figures else {}),
        "query": t.query,
        "bucket": t.bucket,
        "by": t.bucket,
        "total": t.total,
        "counts": [
            {
                "date": p.period,
                "period": p.period,
                "count": p.count,
                "sources": {v.value: v.count for v in p.sources},
            }
            for p in t.periods
        ],
        "undated": t.undated,
        "undated_sources": {v.value: v.count for v in t.undated_sources},
        "notices": list(t.notices),
    }


def similar_json(r: SimilarArticles) -> dict[str, Any]:
    """``newsearch similar ID --json``."""
    return {
        "article": article_json(r.article),
        "words": list(r.words),
        "results": [
            {"article": article_json(x.article), "score": x.score, "same_story": x.same_story}
            for x in r.results
        ],
        "copies": [copy_json(c) for c in r.copies],
    }


def _name(a: ArticleInfo) -> str:
    return a.title or Path(a.path).name or a.id


def _line(a: ArticleInfo) -> Text:
    when = a.date.isoformat() if a.date else "undated   "
    return Text(f"{when}  {escape(clip(_name(a), 70))}  [{escape(a.source or 'unknown source')}]")


def print_story(console: Console, s: Story, rich: bool) -> None:
    span = "undated"
    if s.first_date and s.last_date:
        first, last = s.first_date.isoformat(), s.last_date.isoformat()
        span = first if first == last else f"{first} .. {last}"
    size = f"{s.size} articles" + (f", {s.matched} matching" if s.matched != s.size else "")
    head = Text(f"{s.id}  ", style="bold" if rich else "")
    head.append(escape(clip(_name(s.headline), 80)), style="bold" if rich else "")
    console.print(head)
    console.print(Text(f"  {size}, {span}"))
    outlets = ", ".join(f"{v.value} {v.count}" for v in s.sources)
    console.print(Text(f"  outlets: {escape(clip(outlets, 200))}", style="dim" if rich else ""))
    if s.entities:
        names = ", ".join(f"{v.value} {v.count}" for v in s.entities)
        console.print(Text(f"  entities: {escape(clip(names, 200))}", style="dim" if rich else ""))
    if s.words:
        console.print(Text(f"  words: {escape(', '.join(s.words))}", style="dim" if rich else ""))


def print_stories(console: Console, r: StoryList, rich: bool) -> None:
    if not r.stories:
        what = f" with articles matching '{escape(clip(r.query))}'" if r.query else ""
        console.print(Text(f"No stories{what}."))
        return
    for s in r.stories:
        print_story(console, s, rich)
        console.print()
    shown = f"{len(r.stories)} of {r.total} stories"
    console.print(
        Text(shown + (f" with articles matching '{escape(clip(r.query))}'" if r.query else ""))
    )


def print_story_view(console: Console, v: StoryView, rich: bool) -> None:
    print_story(console, v.story, rich)
    console.print()
    for a in v.articles:
        line = _line(a)
        line.append(f"  id {a.id}", style="dim" if rich else "")
        console.print(line)


def print_similar(console: Console, r: SimilarArticles, rich: bool) -> None:
    console.print(Text(f"Like {escape(clip(_name(r.article), 80))} (id {r.article.id}):"))
    if r.words:
        console.print(Text(f"  by its words: {escape(', '.join(r.words))}", style="dim"))
    if not r.results:
        console.print(Text("No similar articles."))
    for n, x in enumerate(r.results, start=1):
        line = Text(f"{n}. ")
        line.append(_line(x.article))
        line.append(
            f"  score {x.score:.2f}" + ("  same story" if x.same_story else ""), style="dim"
        )
        console.print(line)
        console.print(Text(f"   id {x.article.id}", style="dim"))
    if r.copies:
        names = ", ".join(sorted({c.article.source or "unknown" for c in r.copies}))
        console.print(Text(f"Its copies, left out: {len(r.copies)} ({escape(clip(names))})"))


def print_copies(console: Console, v: ArticleView, rich: bool) -> None:
    """``newsearch show``: the article's copy group, each copy with what it changed."""
    console.print()
    console.print(Text(f"copies ({len(v.copies)}):", style="bold" if rich else ""))
    for c in v.copies:
        role = "the original" if c.original else f"similarity {c.similarity:.2f}"
        line = Text("  ")
        line.append(_line(c.article))
        line.append(f"  {role}, id {c.article.id}", style="dim" if rich else "")
        console.print(line)
        for x in c.changes:
            where = "headline" if x.passage < 0 else f"passage {x.passage}"
            change = Text(f"    {where}: ")
            if x.removed:
                change.append(f"-[{escape(clip(x.removed, 120))}]", style="red" if rich else "")
            if x.removed and x.added:
                change.append(" ")
            if x.added:
                change.append(f"+[{escape(clip(x.added, 120))}]", style="green" if rich else "")
            console.print(change)
        if not c.changes:
            console.print(Text("    the same words", style="dim" if rich else ""))


def _outlets(t: Timeline) -> list[str]:
    """The outlets drawn apart (the most counted), the rest as one."""
    totals: dict[str, int] = {}
    for p in t.periods:
        for v in p.sources:
            totals[v.value] = totals.get(v.value, 0) + v.count
    ranked = sorted(totals, key=lambda k: (-totals[k], k))
    return ranked[: len(COLOURS) - 1] if len(ranked) > len(COLOURS) else ranked


def print_timeline(console: Console, t: Timeline, rich: bool) -> None:
    """A bar per period, each outlet's part in its colour (or mark), the count after it."""
    if not t.periods and not t.undated:
        console.print(Text(f"No articles match '{escape(clip(t.query))}'."))
        return
    drawn = _outlets(t)
    changed = {m.period for m in t.marks}
    style = {name: COLOURS[i] for i, name in enumerate(drawn)}
    mark = {name: MARKS[i % len(MARKS)] for i, name in enumerate(drawn)}
    most = max((p.count for p in t.periods), default=1)
    width = max((len(p.period) for p in t.periods), default=7)
    legend = Text("by " + t.bucket + ": ")
    for name in [*drawn, OTHER]:
        legend.append(
            f"{mark.get(name, '.')} " if not rich else "\u2588 ", style=style.get(name, "white")
        )
        legend.append(f"{escape(name)}  ")
    console.print(legend)
    for p in t.periods:
        line = Text(f"{p.period:<{width}} ")
        parts: dict[str, int] = {}
        for v in p.sources:
            key = v.value if v.value in style else OTHER
            parts[key] = parts.get(key, 0) + v.count
        for name in [*drawn, OTHER]:
            n = parts.get(name, 0)
            if n:
                cells = max(1, round(n * BAR / most))
                char = "\u2588" if rich else mark.get(name, ".")
                line.append(char * cells, style=style.get(name, "white") if rich else "")
        line.append(f" {p.count}")
        if p.period in changed:
            line.append(" * figures changed", style="bold" if rich else "")
        console.print(line)
    tail = f"{t.total} matching articles"
    if t.undated:
        tail += f", {t.undated} undated (not drawn)"
    console.print(Text(tail))
    for m in t.marks:  # (timeline --figures)
        was = f" (was {m.previous})" if m.previous else " (first)"
        said = f"{m.article.source or _name(m.article)}"
        console.print(Text(escape(f"{m.period}  {m.group}: {m.figure}{was}, {said}")))


def timeline_png(t: Timeline, path: Path) -> None:
    """The timeline as a stacked bar chart, one colour per outlet, written to ``path``."""
    import matplotlib

    matplotlib.use("Agg")  # (no display needed)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    drawn = _outlets(t)
    labels = [p.period for p in t.periods]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.3 * len(labels) + 2), 4))
    bottom = [0] * len(labels)
    for name in [*drawn, OTHER]:
        counts = [
            sum(
                v.count
                for v in p.sources
                if (v.value == name) or (name == OTHER and v.value not in drawn)
            )
            for p in t.periods
        ]
        if any(counts):
            ax.bar(labels, counts, bottom=bottom, label=name)
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    for m in {m.period for m in t.marks} & set(labels):  # where a figure changed
        at = labels.index(m)
        ax.annotate(
            "figures changed", (at, bottom[at]), ha="center", va="bottom", fontsize="x-small"
        )
    undated = f" ({t.undated} undated, not drawn)" if t.undated else ""
    ax.set_title(f"{t.query or 'all articles'}: {t.total} articles by {t.bucket}{undated}")
    ax.set_ylabel("articles")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize="small")
    ax.tick_params(axis="x", labelrotation=60, labelsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
