"""``newsearch stories``, ``story``, ``timeline`` and ``similar``: the same story told many
times, grouped, and followed over time (newsearch/stories/); ``query --collapse-copies`` and
``--recency`` are defined here too."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from newsearch.commands import console
from newsearch.commands.options import (
    DEFAULT_INDEX,
    IndexOpt,
    JsonOpt,
    ModeChoice,
    WordsArg,
    filter_options,
)

BucketChoice = Literal["auto", "day", "week", "month"]

# `query --collapse-copies` and `query --recency`
CollapseCopiesOpt = Annotated[
    bool,
    typer.Option(
        "--collapse-copies",
        help="Show one result per copy group (syndicated, re-sent, corrected copies): the "
        'original, "and N copies (outlets ...)"; JSON: "copies".',
    ),
]
RecencyOpt = Annotated[
    str | None,
    typer.Option(
        "--recency",
        metavar="HALF_LIFE",
        help="Newer first: a dated article's score halves per HALF_LIFE (7d, 2w, 6m, 1y) of "
        "age before the index's newest article; undated articles keep their places.",
        show_default=False,
    ),
]
ModeOpt = Annotated[
    ModeChoice,
    typer.Option(
        help="Count the articles as `query` does in this mode (its total).", show_default=True
    ),
]


@filter_options
def stories(
    words: WordsArg = None,
    index: IndexOpt = Path(DEFAULT_INDEX),
    as_json: JsonOpt = False,
    limit: Annotated[
        int, typer.Option("--limit", "-n", metavar="N", min=1, help="Stories to list.")
    ] = 20,
    min_size: Annotated[
        int,
        typer.Option("--min-size", metavar="N", min=1, help="Only stories of N articles or more."),
    ] = 2,
    mode: ModeOpt = "hybrid",
    filters: dict[str, Any] | None = None,
) -> None:
    """Stories: articles grouped by the words they share within days, with their size, dates,
    outlets, entities and a headline; those with the most matching articles first.

    Examples:

    \b
      newsearch stories
      newsearch stories Kursk --since 2025-04 --limit 5
      newsearch stories "oil prices" --min-size 5 --json
    """
    from newsearch.commands import render_stories as out
    from newsearch.errors import NewsearchError
    from newsearch.search.engine import SearchEngine

    text = " ".join(words or [])
    try:
        console.ensure_index(index)
        with SearchEngine(index) as engine:
            found = engine.stories(
                text, limit=limit, min_size=min_size, mode=mode, **(filters or {})
            )
    except NewsearchError as exc:
        console.fail(str(exc))
    if as_json:
        console.emit_json(out.stories_json(found))
    else:
        from newsearch import render

        render.print_notices(console.err(), found.notices)
        out.print_stories(console.out(), found, rich=sys.stdout.isatty())


def story(
    story_id: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="A story's id as `newsearch stories` lists it (its start will do).",
            show_default=False,
        ),
    ],
    index: IndexOpt = Path(DEFAULT_INDEX),
    as_json: JsonOpt = False,
) -> None:
    """One story and its articles in date order (undated ones last); `query story:ID` searches
    within it.

    Examples:

    \b
      newsearch story s49df5012b0f
      newsearch story s49df --json
    """
    from newsearch.commands import render_stories as out
    from newsearch.errors import NewsearchError
    from newsearch.search.engine import SearchEngine

    try:
        console.ensure_index(index)
        with SearchEngine(index) as engine:
            found = engine.story(story_id)
    except NewsearchError as exc:
        console.fail(str(exc))
    if as_json:
        console.emit_json(out.story_view_json(found))
    else:
        out.print_story_view(console.out(), found, rich=sys.stdout.isatty())


@filter_options
def timeline(
    words: WordsArg = None,
    index: IndexOpt = Path(DEFAULT_INDEX),
    as_json: JsonOpt = False,
    by: Annotated[
        BucketChoice,
        typer.Option(
            "--by", help="Count by day, week or month (auto: by the span).", show_default=True
        ),
    ] = "auto",
    png: Annotated[
        Path | None,
        typer.Option("--png", metavar="FILE", help="Draw the chart as a PNG image in FILE too."),
    ] = None,
    mode: ModeOpt = "hybrid",
    figures: Annotated[
        bool,
        typer.Option(
            "--figures",
            help="Mark the periods where the story's figures changed (the claims `newsearch "
            "compare` finds in the 50 best matching articles).",
        ),
    ] = False,
    filters: dict[str, Any] | None = None,
) -> None:
    """The matching articles per day, week or month and outlet, as a bar chart; the counts
    and the undated articles add up to the query's total.

    Examples:

    \b
      newsearch timeline "oil prices" --by week --png oil.png
      newsearch timeline Kursk --source RFA --json
      newsearch timeline "North Korean troops" --figures
    """
    from newsearch.commands import render_stories as out
    from newsearch.errors import NewsearchError
    from newsearch.search.engine import SearchEngine

    text = " ".join(words or [])
    try:
        console.ensure_index(index)
        with SearchEngine(index) as engine:
            found = engine.timeline(text, bucket=by, mode=mode, figures=figures, **(filters or {}))
    except NewsearchError as exc:
        console.fail(str(exc))
    if png is not None:
        try:
            out.timeline_png(found, png)
        except (OSError, ValueError) as exc:
            console.fail(f"could not write {png}: {exc} (check the folder exists and is writable)")
    if as_json:
        console.emit_json(out.timeline_json(found, figures))
    else:
        from newsearch import render

        render.print_notices(console.err(), found.notices)
        out.print_timeline(console.out(), found, rich=sys.stdout.isatty())
        if png is not None:
            console.err().print(f"Chart written to {png}")


@filter_options
def similar(
    article_id: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="The article's id as a hit shows it (its start will do).",
            show_default=False,
        ),
    ],
    index: IndexOpt = Path(DEFAULT_INDEX),
    as_json: JsonOpt = False,
    limit: Annotated[
        int, typer.Option("--limit", "-n", metavar="N", min=1, help="Articles to list.")
    ] = 10,
    filters: dict[str, Any] | None = None,
) -> None:
    """Articles like one article by their content (its salient words, its vector); its
    copies are left out and named apart.

    Examples:

    \b
      newsearch similar c8ff5ddc5b3b4af8
      newsearch similar c8ff5d --since 2025-04 --limit 5 --json
    """
    from newsearch.commands import render_stories as out
    from newsearch.errors import NewsearchError
    from newsearch.search.engine import SearchEngine

    try:
        console.ensure_index(index)
        with SearchEngine(index) as engine:
            found = engine.similar(article_id, limit=limit, **(filters or {}))
    except NewsearchError as exc:
        console.fail(str(exc))
    if as_json:
        console.emit_json(out.similar_json(found))
    else:
        out.print_similar(console.out(), found, rich=sys.stdout.isatty())
