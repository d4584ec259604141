"""``newsearch compare``: who says what figure, on whose authority, and where they disagree."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from newsearch.commands import console
from newsearch.commands.options import DEFAULT_INDEX, IndexOpt, JsonOpt, filter_options
from newsearch.errors import NewsearchError

# `query --collapse`
CollapseOpt = Annotated[
    bool,
    typer.Option(
        "--collapse",
        help="Show a passage several outlets carry nearly word for word once, listing the "
        'others ("also in"; JSON: "also_in", their article ids).',
    ),
]


@filter_options
def compare(
    words: Annotated[
        list[str],
        typer.Argument(
            metavar="QUERY",
            help="A query as for `newsearch query`: the figures of its best articles.",
            show_default=False,
        ),
    ],
    index: IndexOpt = Path(DEFAULT_INDEX),
    as_json: JsonOpt = False,
    articles: Annotated[
        int,
        typer.Option(
            "--articles",
            metavar="N",
            min=1,
            help="Read the N best matching articles (more: slower the first time).",
        ),
    ] = 30,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            "-n",
            metavar="N",
            min=1,
            help="Show the N groups with the most articles [default: all].",
            show_default=False,
        ),
    ] = None,
    filters: dict[str, Any] | None = None,
) -> None:
    """Figures the matching articles give (killed, deployed, sold...), grouped by what they
    count, with who says so, and whether the outlets' figures agree.

    The first compare of an article parses its sentences (about a second to load the
    language model); its claims are kept beside the index, so the next compare is quick.

    Examples:

    \b
      newsearch compare North Korean troops
      newsearch compare Kursk --json
      newsearch compare "oil prices" --since 1987-03 --articles 50 --limit 5
    """
    from dataclasses import replace

    from newsearch import render
    from newsearch.commands import render_compare
    from newsearch.errors import NewsearchError
    from newsearch.search.engine import SearchEngine

    text = " ".join(words)
    try:
        console.ensure_index(index)
        with SearchEngine(index) as engine:
            found = engine.compare(text, articles=articles, **(filters or {}))
    except NewsearchError as exc:
        console.fail(str(exc))
    if limit is not None:
        found = replace(found, groups=found.groups[:limit])
    render.print_notices(console.err(), found.notices)
    if as_json:
        console.emit_json(render_compare.comparison_json(found))
    else:
        render_compare.print_comparison(console.out(), found, rich=sys.stdout.isatty())


def claims_for_compare(index: Path, asked: bool | None) -> dict[str, Any]:
    """The claims found for compare after an index run (compare/prepare.py): all of them if
    ``asked``, else only if few articles lack them."""
    from newsearch.compare.prepare import AUTO_LIMIT, prepare_claims

    try:
        done = prepare_claims(index, limit=None if asked else AUTO_LIMIT)
    except NewsearchError as exc:
        console.fail(str(exc))
    return {
        "parsed": done.parsed,
        "kept": done.kept,
        "left": done.left,
        "claims": done.claims,
        "seconds": round(done.seconds, 2),
    }


def claims_line(found: dict[str, Any]) -> str:
    line = f"Claims for compare: {found['claims']} found in {found['parsed']} articles"
    line += f" in {found['seconds']} s" + (
        f", {found['kept']} kept before" if found["kept"] else ""
    )
    if found["left"]:
        line += f"; {found['left']} articles left to compare (index --claims finds them all)"
    return line + "."
