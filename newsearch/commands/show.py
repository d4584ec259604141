"""``newsearch show ID``: one whole article (each hit names its id), with a query's matches
lit as in the results."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from newsearch.commands.options import DEFAULT_INDEX, IndexOpt, JsonOpt, ModeChoice


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
    from newsearch import cli, render
    from newsearch.errors import NewsearchError
    from newsearch.search.engine import SearchEngine

    try:
        cli._ensure_index(index)
        with SearchEngine(index) as engine:
            found = engine.article(article_id, query=query, mode=mode)
    except NewsearchError as exc:
        cli._fail(str(exc))
    if as_json:
        cli._emit_json(render.article_view_json(found))
    else:
        render.print_notices(cli._err(), found.notices)
        render.print_article(cli._out(), found, rich=sys.stdout.isatty())
