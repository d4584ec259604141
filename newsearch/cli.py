"""The ``newsearch`` command: parse options, call the library, render. Nothing else lives here.

Help is click's plain layout (``rich_markup_mode=None``): flags show without a ``<bool>`` type,
choices show as ``<relevance|newest|oldest>``, the examples in each docstring keep their lines
(``\\b``), and no help text is read as rich markup.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from newsearch import render
from newsearch.commands import console
from newsearch.commands import export as cli_export
from newsearch.commands.batch import batch
from newsearch.commands.cluster import SearchClusterOpt
from newsearch.commands.cluster import engine as cluster_engine
from newsearch.commands.compare import CollapseOpt, compare
from newsearch.commands.entities import entities
from newsearch.commands.index import index
from newsearch.commands.options import (
    DEFAULT_INDEX,
    BucketOpt,
    IndexOpt,
    JsonOpt,
    ModeChoice,
    QueryCommand,
    SortChoice,
    WordsArg,
    filter_options,
)
from newsearch.commands.serve import serve
from newsearch.commands.show import show
from newsearch.commands.stories import (
    CollapseCopiesOpt,
    RecencyOpt,
    similar,
    stories,
    story,
    timeline,
)
from newsearch.commands.watch import watch_app
from newsearch.errors import NewsearchError

app = typer.Typer(
    help="Full-text passage search over news articles.",
    epilog="""Examples:

\b
  newsearch index seeds/
  newsearch query Kursk casualties
  newsearch facets Kursk --since 2025-04
""",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        import newsearch

        typer.echo(f"newsearch {newsearch.__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Full-text passage search over news articles."""


app.command()(index)  # (first in the help, as in the pipeline)


@app.command(cls=QueryCommand)
@filter_options
def query(
    words: Annotated[
        list[str],
        typer.Argument(
            metavar="QUERY",
            help='Words, "phrases", field:value filters, -word to leave a word out: '
            "several words are one query.",
            show_default=False,
        ),
    ],
    index: IndexOpt = Path(DEFAULT_INDEX),
    limit: Annotated[
        int, typer.Option("--limit", "-n", metavar="N", min=1, help="Passages to show.")
    ] = 10,
    as_json: JsonOpt = False,
    facets: Annotated[
        bool, typer.Option("--facets", help="Show facet counts over the matches too.")
    ] = False,
    sort: Annotated[
        SortChoice,
        typer.Option(help="Best first, or by date (undated articles last).", show_default=True),
    ] = "relevance",
    date_bucket: BucketOpt = "day",
    facet_limit: Annotated[
        int,
        typer.Option("--facet-limit", metavar="N", min=1, help="Values per facet (--facets)."),
    ] = 10,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show why each passage ranked (per-term scores).")
    ] = False,
    feedback: Annotated[
        bool,
        typer.Option(
            "--feedback",
            help="Rank again with words the best articles share (RM3): helps short, "
            "technical queries; measured in benchmarks/README.md.",
        ),
    ] = False,
    mode: Annotated[
        ModeChoice,
        typer.Option(
            help="hybrid: by words and meaning (answers in other words, related words lit "
            "_like this_); lexical: by the query's words alone.",
            show_default=True,
        ),
    ] = "hybrid",
    per_article: Annotated[
        int | None,
        typer.Option(
            "--per-article",
            metavar="N",
            min=1,
            help="At most N passages of one article while other articles have some to show "
            "[default: 2].",
            show_default=False,
        ),
    ] = None,
    offset: cli_export.OffsetOpt = None,
    page: cli_export.PageOpt = None,
    fmt: cli_export.FormatOpt = None,
    every: cli_export.AllOpt = False,
    count: cli_export.CountOpt = False,
    collapse: CollapseOpt = False,
    collapse_copies: CollapseCopiesOpt = False,
    recency: RecencyOpt = None,
    cluster: SearchClusterOpt = None,
    filters: dict[str, Any] | None = None,
) -> None:
    """Ranked passages with the query terms highlighted (each article's best first).

    Examples:

    \b
      newsearch query Kursk casualties --page 2
      newsearch query '"mutual defense treaty"' -Putin --all --format csv > treaty.csv
      newsearch query Kursk --person "kim jong-un" --since 2025-04 --facets
    """
    text = " ".join(words)
    single = {"--facets": facets, "--explain": explain, "--feedback": feedback}
    shown = cli_export.output(limit, offset, page, fmt, every, count, as_json, single)
    if shown.count:
        return cli_export.print_count(text, index, as_json, filters or {}, cluster)
    if shown.every and shown.format:
        return cli_export.export_all(
            text, index, shown.format, sort, per_article, filters or {}, cluster
        )
    try:
        console.ensure_index(index)
        with cluster_engine(index, cluster) as engine:
            results = engine.search(
                text,
                limit=limit,
                sort=sort,
                facets=facets,
                facet_limit=facet_limit,
                date_bucket=date_bucket,
                explain=explain,
                feedback=feedback,
                mode=mode,
                offset=shown.offset,
                collapse=collapse,
                collapse_copies=collapse_copies,
                **_given(per_article=per_article, recency=recency),
                **(filters or {}),
            )
    except NewsearchError as exc:
        console.fail(str(exc))
    if shown.format:
        render.print_notices(console.err(), results.notices)
        cli_export.write_page(results, shown.format)
    elif as_json:
        console.emit_json(render.results_json(results))
    else:
        render.print_notices(console.err(), results.notices)
        render.print_results(console.out(), results, rich=sys.stdout.isatty())


def _given(**options: Any) -> dict[str, Any]:
    """The options the user gave (the engine's defaults hold for the rest)."""
    return {k: v for k, v in options.items() if v is not None}


@app.command(cls=QueryCommand)
@filter_options
def facets(
    words: WordsArg = None,
    index: IndexOpt = Path(DEFAULT_INDEX),
    as_json: JsonOpt = False,
    limit: Annotated[
        int, typer.Option("--limit", "-n", metavar="N", min=1, help="Values per facet.")
    ] = 10,
    date_bucket: BucketOpt = "day",
    filters: dict[str, Any] | None = None,
) -> None:
    """Facet counts (source, date, person, org, place) over the matching articles.

    Examples:

    \b
      newsearch facets
      newsearch facets Kursk troops --exclude source:RFA --limit 5
      newsearch facets --since 2025-04 --date-bucket month --json
    """
    from newsearch.search.engine import SearchEngine

    text = " ".join(words or [])
    try:
        console.ensure_index(index)
        with SearchEngine(index) as engine:
            res = engine.search(
                text,
                limit=1,
                facets=True,
                facet_limit=limit,
                date_bucket=date_bucket,
                **(filters or {}),
            )
    except NewsearchError as exc:
        console.fail(str(exc))
    render.print_notices(console.err(), res.notices)
    if as_json:
        console.emit_json(render.facet_counts_json(text, res.facets, res.notices))
    else:
        render.print_facets(console.out(), res.facets)


@app.command()
def stats(index: IndexOpt = Path(DEFAULT_INDEX), as_json: JsonOpt = False) -> None:
    """What the index holds: articles, passages, sources, dates, entities, size.

    Examples:

    \b
      newsearch stats
      newsearch stats --index news-index --json
    """
    from newsearch.search.engine import SearchEngine

    try:
        console.ensure_index(index)
        with SearchEngine(index) as engine:
            info = engine.stats()
    except NewsearchError as exc:
        console.fail(str(exc))
    if as_json:
        console.emit_json(render.stats_json(info))
    else:
        render.print_stats(console.out(), info)


app.command(cls=QueryCommand)(entities)
app.command(cls=QueryCommand)(compare)
app.command()(show)
app.command(cls=QueryCommand)(cli_export.count)
app.command()(batch)
app.add_typer(watch_app, name="watch")
app.command()(serve)
for command in (stories, timeline, similar):  # newsearch/stories/: copies, stories, timelines
    app.command(cls=QueryCommand)(command)
app.command()(story)


def main() -> None:
    """The console entry point: a one-line error instead of a traceback, even for a bug."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted: the index keeps its last commit.\n")
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("NEWSEARCH_DEBUG"):
            raise
        detail = render.clip(" ".join(str(exc).split()), console.ERROR_CHARS)
        sys.stderr.write(
            f"Error: unexpected {type(exc).__name__}: {detail} (a bug or a broken install: "
            "set NEWSEARCH_DEBUG=1 to see the traceback, and please report it)\n"
        )
        sys.exit(1)
