"""Turning results into JSON objects and terminal text (rich on a terminal, plain otherwise).

The ``*_json`` functions are pure (a model in, plain dicts and lists out): the CLI's ``--json``
and any other front end share them. The ``print_*`` functions print every piece of text from a
user or an article (query, suggestion, notices, titles, sources, paths, facet values, stats) as
a ``rich.text.Text``, which rich never reads as markup (``[/b]``) or emoji codes (``:fire:``),
whatever the console's settings; echoes of the query are cut to ``ECHO_CHARS``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from newsearch.models import (
    ArticleInfo,
    FacetValue,
    Hit,
    IndexStats,
    IndexSummary,
    SearchResults,
)

MARK_OPEN, MARK_CLOSE = "**", "**"
ECHO_CHARS = 80  # the query (or a suggestion) said back to the user is cut here
NOTICE_CHARS = 300
_FIELD_NAMES = {
    "text": "passage",
    "title": "title",
    "atext": "article",
    "atitle": "article title",
}


def clip(text: str, limit: int = ECHO_CHARS) -> str:
    """``text`` if it fits in ``limit`` characters, else its start and an ellipsis."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def article_json(a: ArticleInfo) -> dict[str, Any]:
    return {
        "id": a.id,
        "title": a.title,
        "source": a.source,
        "author": a.author,
        "date": a.date.isoformat() if a.date else None,
        "path": a.path,
        "url": a.url,
    }


def hit_json(h: Hit) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rank": h.rank,
        "score": round(h.score, 4),
        "text": h.text,
        "highlights": [list(x) for x in h.highlights],
        "start": h.start,
        "end": h.end,
        "article": article_json(h.article),
    }
    if h.entities:
        out["entities"] = [{"name": e.name, "type": e.type} for e in h.entities]
    if h.explanation:
        out["explain"] = [dataclasses.asdict(c) for c in h.explanation]
    return out


def facets_json(facets: Mapping[str, tuple[FacetValue, ...]]) -> dict[str, Any]:
    return {k: [{"value": v.value, "count": v.count} for v in vals] for k, vals in facets.items()}


def results_json(r: SearchResults) -> dict[str, Any]:
    out: dict[str, Any] = {
        "query": r.query,
        "total": r.total,
        "notices": list(r.notices),
        "results": [hit_json(h) for h in r.results],
    }
    if r.facets:
        out["facets"] = facets_json(r.facets)
    if r.suggestion:
        out["suggestion"] = r.suggestion
    return out


def facet_counts_json(
    query: str, facets: Mapping[str, tuple[FacetValue, ...]], notices: Sequence[str] = ()
) -> dict[str, Any]:
    """Facet counts alone (``newsearch facets``), with the query they count and what the
    parser repaired in it."""
    return {"query": query, "notices": list(notices), "facets": facets_json(facets)}


def summary_json(s: IndexSummary) -> dict[str, Any]:
    return {
        "read": s.read,
        "indexed": s.indexed,
        "updated": s.updated,
        "unchanged": s.unchanged,
        "duplicate": s.duplicate,
        "skipped": len(s.skipped),
        "pruned": s.pruned,
        "skips": [{"path": k.path, "location": k.location, "reason": k.reason} for k in s.skipped],
        "duplicates": [{"path": d, "duplicate_of": k} for d, k in s.duplicates],
        "warnings": list(s.warnings),
        "index": s.index_dir,
        "seconds": round(s.seconds, 3),
    }


def stats_json(s: IndexStats) -> dict[str, Any]:
    return {
        "articles": s.articles,
        "passages": s.passages,
        "sources": s.sources,
        "first_date": s.first_date.isoformat() if s.first_date else None,
        "last_date": s.last_date.isoformat() if s.last_date else None,
        "entities": s.entities,
        "size_bytes": s.size_bytes,
        "updated": s.updated.isoformat() if s.updated else None,
        "index": s.index_dir,
    }


def highlighted(h: Hit, rich: bool) -> Text:
    out = Text()
    pos = 0
    for start, end in h.highlights:
        out.append(h.text[pos:start])
        if rich:
            out.append(h.text[start:end], style="bold yellow")
        else:
            out.append(MARK_OPEN + h.text[start:end] + MARK_CLOSE)
        pos = end
    out.append(h.text[pos:])
    return out


def print_notices(console: Console, notices: Sequence[str]) -> None:
    """What the parser repaired in the query, one ``Notice:`` line each (the CLI: on stderr)."""
    for notice in notices:
        console.print(Text(f"Notice: {clip(notice, NOTICE_CHARS)}"))


def print_results(console: Console, r: SearchResults, rich: bool) -> None:
    if r.suggestion:
        console.print(Text(f"Did you mean: {clip(r.suggestion)}", style="italic" if rich else ""))
    if not r.results:
        console.print(Text(f"No passages match {clip(r.query)!r}."))
    for h in r.results:
        a = h.article
        head = Text(f"{h.rank}. ", style="bold" if rich else "")
        head.append(a.title or "(untitled)", style="bold" if rich else "")
        when = a.date.isoformat() if a.date else "unknown date"
        head.append(f"  [{a.source or 'unknown source'}, {when}]")
        head.append(f"  score {h.score:.2f}", style="dim" if rich else "")
        console.print(head)
        console.print(highlighted(h, rich))
        console.print(Text(f"{a.path}  (id {a.id}, chars {h.start}-{h.end})", style="dim"))
        if h.explanation:
            parts = [
                f"{_FIELD_NAMES.get(c.field, c.field)} {c.term} {c.score:+.2f}"
                for c in h.explanation
            ]
            console.print(Text("    why: " + ", ".join(parts), style="dim" if rich else ""))
        console.print()
    if r.results:  # with none, "No passages match" above says it all
        articles = len({h.article.id for h in r.results})
        shown = f"{len(r.results)} passages from {articles} of {r.total} matching articles"
        console.print(Text(shown))
    if r.facets:
        print_facets(console, r.facets)


def print_facets(console: Console, facets: Mapping[str, tuple[FacetValue, ...]]) -> None:
    for name, values in facets.items():
        table = Table(
            title=Text(name, style="table.title"), show_header=False, box=None, title_justify="left"
        )
        for v in values:
            table.add_row(Text(v.value), Text(str(v.count)))
        if not values:
            table.add_row(Text("(none)"), Text(""))
        console.print(table)


def print_summary(console: Console, s: IndexSummary) -> None:
    for k in s.skipped:
        console.print(Text(f"skipped {k.describe()}"))
    for w in s.warnings:
        console.print(Text(f"warning {w}"))
    console.print(
        Text(
            f"{s.read} read: {s.indexed} indexed, {s.updated} updated, {s.unchanged} unchanged, "
            f"{s.duplicate} duplicate, {len(s.skipped)} skipped"
            + (f", {s.pruned} pruned" if s.pruned else "")
            + f" in {s.seconds:.1f} s -> {s.index_dir}"
        )
    )


def print_stats(console: Console, s: IndexStats) -> None:
    table = Table(show_header=False, box=None)
    for key, value in stats_json(s).items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items()) or "-"
        table.add_row(Text(key), Text("-" if value is None else str(value)))
    console.print(table)
