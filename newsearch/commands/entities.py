"""``newsearch entities``: the index's entities as the corpus resolved them (one name, one
type, every variant), and the entities named with one (``--with``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from newsearch.commands import console
from newsearch.commands.options import DEFAULT_INDEX, IndexOpt, JsonOpt, filter_options

TypeChoice = Literal["person", "org", "place"]


@filter_options
def entities(
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="QUERY",
            help="A query as for `newsearch query`: entities of its articles (all if none).",
            show_default=False,
        ),
    ] = None,
    index: IndexOpt = Path(DEFAULT_INDEX),
    as_json: JsonOpt = False,
    kind: Annotated[
        TypeChoice | None,
        typer.Option("--type", "-t", help="Only entities of this type.", show_default=False),
    ] = None,
    with_: Annotated[
        str | None,
        typer.Option(
            "--with",
            metavar="NAME",
            help="Only articles naming NAME: the entities named with it most often.",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", metavar="N", min=1, help="Entities to list.")
    ] = 20,
    filters: dict[str, Any] | None = None,
) -> None:
    """Entities with the number of articles naming them, and the names each was seen under.

    Examples:

    \b
      newsearch entities
      newsearch entities Kursk --type person
      newsearch entities --with "Kim Jong Un" --limit 10 --json
    """
    from newsearch import render
    from newsearch.errors import NewsearchError
    from newsearch.search.engine import SearchEngine

    text = " ".join(words or [])
    try:
        console.ensure_index(index)
        with SearchEngine(index) as engine:
            found = engine.entities(text, type=kind, with_=with_, limit=limit, **(filters or {}))
    except NewsearchError as exc:
        console.fail(str(exc))
    if as_json:
        console.emit_json(render.entities_json(text, with_, found))
    else:
        render.print_entities(console.out(), found)
