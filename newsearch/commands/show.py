"""``newsearch show ID``: one whole article (each hit names its id), with a query's matches
lit as in the results."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from newsearch import render
from newsearch.commands import console
from newsearch.commands.options import DEFAULT_INDEX, IndexOpt, JsonOpt, ModeChoice
from newsearch.commands.render_stories import print_copies
from newsearch.models import ArticleView


def show(
    article_id: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="The article's id as a hit shows it (its start will do if no other id has it).",
            show_default=False,
        ),
    ],
    query: Annotated[
        str | None,
        typer.Option(
            "--query",
            "-q",
            metavar="QUERY",
            help="Light the query's matches (words, phrases, as for `newsearch query`).",
            show_default=False,
        ),
    ] = None,
    index: IndexOpt = Path(DEFAULT_INDEX),
    as_json: JsonOpt = False,
    mode: Annotated[
        ModeChoice,
        typer.Option(
            help="hybrid: light related words too (_like this_); lexical: the query's words only.",
            show_default=True,
        ),
    ] = "hybrid",
) -> None:
    """The whole article: title, source, date, author, url, path, tags, entities and text
    (--json: its passages' offsets too), the query's matches lit with --query, and its
    copies with what each changed.

    Examples:

    \b
      newsearch show c8ff5ddc5b3b4af8
      newsearch show c8ff5d --query "Kursk casualties"
      newsearch show c8ff5ddc5b3b4af8 --query Kursk --json
    """
    from newsearch import render
    from newsearch.errors import NewsearchError
    from newsearch.search.engine import SearchEngine

    try:
        console.ensure_index(index)
        with SearchEngine(index) as engine:
            found = engine.article(article_id, query=query, mode=mode)
    except NewsearchError as exc:
        console.fail(str(exc))
    if as_json:
        console.emit_json(render.article_view_json(found))
    else:
        render.print_notices(console.err(), found.notices)
        print_article(console.out(), found, rich=sys.stdout.isatty())


def print_article(console: Console, v: ArticleView, rich: bool) -> None:
    """The article: its title (the query's words lit), a line of metadata, its tags and
    entities, then its body with its paragraphs, the query's words lit as in results."""
    a = v.article
    style = "bold" if rich else ""
    head = render.marked(a.title or "(untitled)", v.title_highlights, (), rich)
    head.stylize(style)
    console.print(head)
    when = a.date.isoformat() if a.date else "unknown date"
    line = f"{a.source or 'unknown source'}, {when}" + (f", by {a.author}" if a.author else "")
    console.print(Text(render.escape(line)))
    dim = "dim" if rich else ""
    for label, value in (("url", a.url), ("path", a.path), ("id", a.id), ("language", a.language)):
        if value:
            console.print(Text(f"{label}: {render.escape(value)}", style=dim))
    if v.tags:
        tags = ", ".join(f"{k}: {v}" for k, v in v.tags)
        console.print(Text(f"tags: {render.escape(tags)}", style=dim))
    if v.entities:
        names = ", ".join(f"{e.name} ({e.type})" for e in v.entities)
        console.print(Text(f"entities: {render.escape(names)}", style=dim))
    console.print()
    console.print(render.marked(v.body, v.highlights, v.related, rich, lines=True))
    if v.query is not None:
        console.print()
        found = f"{len(v.highlights)} matches of '{render.escape(render.clip(v.query))}'"
        if v.related:
            found += f", {len(v.related)} related words"
        console.print(Text(found, style=dim))
    if v.copies:  # its copy group, each copy's changes (newsearch/stories/)
        print_copies(console, v, rich)
