"""render.py alone: JSON shapes, and text from users and articles printed literally.

The consoles here read markup and emoji codes (rich's defaults), unlike the CLI's: what render
prints must come out as written whatever console it is given.
"""

from __future__ import annotations

import datetime as dt
import io
import json

from rich.console import Console

from newsearch import render
from newsearch.models import (
    ArticleInfo,
    FacetValue,
    Hit,
    IndexStats,
    IndexSummary,
    SearchResults,
    Skip,
    TermContribution,
)

MARKUP = "[red]Alert[/red] [/b] [bold]x[/bold] :fire:"


def console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=400, markup=True, emoji=True, highlight=True), out


def hit(title: str = MARKUP, source: str | None = MARKUP, text: str = "Kursk [/b] now") -> Hit:
    article = ArticleInfo(
        id="a1",
        title=title,
        source=source,
        author=None,
        date=dt.date(2025, 4, 28),
        path="news/[b]odd:fire:.txt",
    )
    return Hit(
        rank=1,
        score=1.5,
        text=text,
        highlights=((0, 5),),
        start=0,
        end=len(text),
        article=article,
        explanation=(TermContribution("[/b]", "text", 0.5),),
    )


def results(**kw: object) -> SearchResults:
    base: dict[str, object] = {"query": "Kursk", "total": 1, "results": (hit(),)}
    return SearchResults(**{**base, **kw})  # type: ignore[arg-type]


def test_clip_cuts_with_an_ellipsis() -> None:
    assert render.clip("short") == "short"
    assert render.clip("x" * 80) == "x" * 80
    cut = render.clip("word " * 100)
    assert len(cut) <= 80 and cut.endswith("…") and cut.startswith("word word")
    assert render.clip("abcdef", 4) == "abc…"


def test_results_json_has_notices_always() -> None:
    out = render.results_json(results())
    assert out["notices"] == []
    assert list(out) == ["query", "total", "notices", "results"]
    noted = render.results_json(results(notices=("closed an unbalanced quote",)))
    assert noted["notices"] == ["closed an unbalanced quote"]
    json.dumps(noted)  # plain data only


def test_results_json_keeps_the_documented_shape() -> None:
    out = render.results_json(
        results(facets={"source": (FacetValue("RFA", 2),)}, suggestion="kursk")
    )
    assert out["facets"] == {"source": [{"value": "RFA", "count": 2}]}
    assert out["suggestion"] == "kursk"
    h = out["results"][0]
    assert set(h) == {
        "rank",
        "score",
        "text",
        "highlights",
        "related",
        "start",
        "end",
        "article",
        "explain",
    }
    assert h["article"]["title"] == MARKUP and h["article"]["date"] == "2025-04-28"


def test_facet_counts_json() -> None:
    values = {"place": (FacetValue("[red]Kursk", 3),)}
    assert render.facet_counts_json("Kursk", values, ["closed a quote"]) == {
        "query": "Kursk",
        "notices": ["closed a quote"],
        "facets": {"place": [{"value": "[red]Kursk", "count": 3}]},
    }


def test_results_print_titles_sources_paths_terms_literally() -> None:
    c, out = console()
    render.print_results(c, results(suggestion="[/b] kursk"), rich=False)
    text = out.getvalue()
    assert f"1. {MARKUP}  [{MARKUP}, 2025-04-28]" in text
    assert "Did you mean: [/b] kursk" in text
    assert "**Kursk** [/b] now" in text
    assert "news/[b]odd:fire:.txt" in text
    assert "why: passage [/b] +0.50" in text


def test_results_print_literally_in_rich_mode_too() -> None:
    c, out = console()
    render.print_results(c, results(suggestion="[bold]x[/bold]"), rich=True)
    text = out.getvalue()
    assert MARKUP in text and "Did you mean: [bold]x[/bold]" in text


def test_no_match_echoes_the_query_literally_and_short() -> None:
    c, out = console()
    render.print_results(c, SearchResults(query="zzqx [/b]", total=0, results=()), rich=False)
    assert out.getvalue() == "No passages match 'zzqx [/b]'.\n"
    c, out = console()
    long = "Kursk casualties " * 100
    render.print_results(c, SearchResults(query=long, total=0, results=()), rich=False)
    line = out.getvalue().strip()
    assert line.startswith("No passages match 'Kursk casualties") and "…" in line
    assert len(line) < 110


def test_long_suggestion_is_cut() -> None:
    c, out = console()
    render.print_results(
        c, SearchResults(query="q", total=0, results=(), suggestion="kursk " * 50), rich=False
    )
    first = out.getvalue().splitlines()[0]
    assert first.startswith("Did you mean: kursk") and first.endswith("…") and len(first) < 100


def test_notices_print_one_line_each_literally() -> None:
    c, out = console()
    render.print_notices(c, ("closed an unbalanced quote", "ignored [/b] :fire:"))
    assert out.getvalue() == "Notice: closed an unbalanced quote\nNotice: ignored [/b] :fire:\n"
    c, out = console()
    render.print_notices(c, ("x" * 5000,))
    assert len(out.getvalue()) < 400


def test_facet_cells_print_literally() -> None:
    c, out = console()
    render.print_facets(c, {"source": (FacetValue(MARKUP, 2), FacetValue("[/b]", 1)), "person": ()})
    text = out.getvalue()
    assert MARKUP in text and "[/b]" in text and "(none)" in text


def test_stats_print_literally() -> None:
    c, out = console()
    info = IndexStats(
        articles=1,
        passages=2,
        sources=1,
        first_date=None,
        last_date=None,
        entities={"person": 0},
        size_bytes=10,
        updated=None,
        index_dir="idx/[/b]:fire:",
    )
    render.print_stats(c, info)
    assert "idx/[/b]:fire:" in out.getvalue()


def test_index_summary_prints_skips_literally() -> None:
    c, out = console()
    summary = IndexSummary(
        read=1,
        skipped=(Skip("in/[b]x.txt", "not text [/b]"),),
        warnings=("odd [red]date",),
        index_dir="idx[/b]",
    )
    render.print_summary(c, summary)
    text = out.getvalue()
    assert "skipped in/[b]x.txt: not text [/b]" in text
    assert "warning odd [red]date" in text and "-> idx[/b]" in text
