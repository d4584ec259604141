"""The ``newsearch`` command: parse options, call the library, render. Nothing else lives here.

Help is click's plain layout (``rich_markup_mode=None``): flags show without a ``<bool>`` type,
choices show as ``<relevance|newest|oldest>``, the examples in each docstring keep their lines
(``\\b``), and no help text is read as rich markup.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperCommand

from newsearch import render
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
DEFAULT_INDEX = "index"
DEFAULT_SEEDS = "seeds"
ERROR_CHARS = 300  # an error line is cut here: none echoes a whole query back

# The engine's choices (mypy checks them against its ``sort`` and ``date_bucket`` types).
SortChoice = Literal["relevance", "newest", "oldest"]
BucketChoice = Literal["day", "month", "year"]

IndexOpt = Annotated[
    Path,
    typer.Option(
        "--index",
        metavar="DIR",
        envvar="NEWSEARCH_INDEX",
        help="Index directory.",
        show_default=True,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts.")]
BucketOpt = Annotated[
    BucketChoice, typer.Option(help="Count dates by day, month or year.", show_default=True)
]


def _multi(metavar: str, help: str, check: Callable[[Any], Any] | None = None) -> Any:
    option = typer.Option(metavar=metavar, help=help, show_default=False, callback=check)
    return Annotated[list[str] | None, option]


def _field_values(items: list[str] | None) -> list[str] | None:
    """A usage error for an --exclude that is not FIELD:VALUE (the engine checks the field)."""
    for item in items or []:
        name, sep, value = item.partition(":")
        if not sep or not name.strip() or not value.strip():
            raise typer.BadParameter(f"{render.clip(item)!r}: use FIELD:VALUE, e.g. source:RFA")
    return items


# The filters `query` and `facets` share, each defined once here and added to both commands by
# `filter_options`; their names are the engine's keyword arguments.
FILTER_OPTIONS: tuple[inspect.Parameter, ...] = tuple(
    inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
    for name, annotation in (
        (
            "source",
            _multi("NAME", "Only articles from this source, e.g. RFA (repeat: any of them)."),
        ),
        (
            "since",
            Annotated[
                str | None,
                typer.Option(metavar="DATE", help="From this date: YYYY, YYYY-MM or YYYY-MM-DD."),
            ],
        ),
        (
            "until",
            Annotated[
                str | None,
                typer.Option(metavar="DATE", help="Up to this date, inclusive: YYYY[-MM[-DD]]."),
            ],
        ),
        (
            "person",
            _multi("NAME", 'Only articles naming this person, e.g. "Kim Jong Un" (repeat: all).'),
        ),
        ("org", _multi("NAME", "Only articles naming this organisation (repeat: all of them).")),
        (
            "place",
            _multi("NAME", "Only articles naming this place, e.g. Kursk (repeat: all of them)."),
        ),
        (
            "entity",
            _multi("NAME", "Only articles naming this person, organisation or place (repeat)."),
        ),
        (
            "topic",
            _multi("TOPIC", "Only articles with this topic tag, e.g. grain (repeat: all of them)."),
        ),
        (
            "exclude",
            _multi(
                "FIELD:VALUE",
                "Leave out FIELD:VALUE, e.g. source:RFA or person:Putin (repeat).",
                _field_values,
            ),
        ),
    )
)


def filter_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the filter options to ``command``, which receives them as one ``filters`` mapping
    (only the options given) in place of its own ``filters`` parameter."""
    signature = inspect.signature(command, eval_str=True)
    names = [p.name for p in FILTER_OPTIONS]

    def with_filters(**kwargs: Any) -> None:
        given = {name: kwargs.pop(name) for name in names}
        command(**kwargs, filters={k: v for k, v in given.items() if v not in (None, [])})

    own = [p for p in signature.parameters.values() if p.name != "filters"]
    with_filters.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*own, *FILTER_OPTIONS]
    )
    with_filters.__name__ = command.__name__
    with_filters.__qualname__ = command.__qualname__
    with_filters.__doc__ = command.__doc__
    with_filters.__module__ = command.__module__
    return with_filters


class QueryCommand(TyperCommand):
    """A command whose QUERY words may start with "-": ``query Kursk -Putin`` leaves Putin out,
    where click would stop at "No such option: -P". Such a word (not one of the command's own
    options) and the other words move, in their order, after a "--"; a mistyped long option
    (``--jsn``) stays an option, so it is still a usage error."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, words_after_dashes(args, self.get_params(ctx)))


def words_after_dashes(args: list[str], params: list[Any]) -> list[str]:
    """``args`` with the query words after a "--" if any of them starts with "-" (else as is).
    A short option's value may be attached only as digits (``-n5``): ``-nuclear`` is a word."""
    takes_value: dict[str, bool] = {}
    for p in params:
        if getattr(p, "param_type_name", None) == "option":
            flag = bool(getattr(p, "is_flag", False) or getattr(p, "count", False))
            takes_value.update(dict.fromkeys(p.opts, not flag))
            takes_value.update(dict.fromkeys(p.secondary_opts, False))
    options: list[str] = []
    words: list[str] = []
    moved = False
    tokens = iter(args)
    for token in tokens:
        name = token.split("=", 1)[0] if token.startswith("--") else token
        if token == "--":
            words.extend(tokens)
        elif name in takes_value:
            options.append(token)
            value = next(tokens, None) if takes_value[name] and name == token else None
            if value is not None:
                options.append(value)
        elif token[:2] in takes_value and takes_value[token[:2]] and token[2:].isdigit():
            options.append(token)  # -n5
        elif token.startswith("--"):
            options.append(token)  # unknown: click says so, with its suggestions
        else:
            moved = moved or (token.startswith("-") and len(token) > 1)
            words.append(token)
    return [*options, "--", *words] if moved else args


def _out() -> Console:
    return Console(highlight=False, soft_wrap=not sys.stdout.isatty(), markup=False, emoji=False)


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)


def _fail(message: str) -> None:
    _err().print(Text(f"Error: {render.clip(message, ERROR_CHARS)}"))
    raise typer.Exit(1)


def _emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=1) + "\n")


def _ensure_index(index: Path) -> None:
    """On a fresh clone, build the default index from seeds/ before the first query."""
    from newsearch.index import store

    if store.exists(index):
        return
    if index != Path(DEFAULT_INDEX) or not Path(DEFAULT_SEEDS).is_dir():
        _fail(f"no index at {index}: build one with `newsearch index PATHS --index {index}`")
    _err().print(Text(f"No index at {index}/ yet: building it from {DEFAULT_SEEDS}/ first."))
    from newsearch.ingest.pipeline import build_index

    build_index(DEFAULT_SEEDS, index)


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


@app.command()
def index(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATHS", help="Files or directories (default: seeds/).", show_default=False
        ),
    ] = None,
    index: IndexOpt = Path(DEFAULT_INDEX),
    as_json: JsonOpt = False,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Build from scratch, swapped in atomically.")
    ] = False,
    prune: Annotated[
        bool, typer.Option("--prune", help="Remove articles whose files are gone.")
    ] = False,
    entities: Annotated[
        bool, typer.Option(help="Extract named entities (spaCy).", show_default=True)
    ] = True,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 if any input is skipped.")
    ] = False,
    report: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Write every skip as JSON here.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    csv_columns: Annotated[
        str | None,
        typer.Option(
            metavar="MAPPING",
            help="CSV columns to fields, e.g. title=2,body=3 (1-based or header names).",
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", metavar="N", min=1, help="Processes for entity extraction."),
    ] = None,
) -> None:
    """Index articles (default: seeds/); re-running updates the index incrementally.

    Examples:

    \b
      newsearch index seeds/
      newsearch index news/ --index news-index --no-entities --report skips.json
      newsearch index news.csv --csv-columns title=headline,body=text --json
    """
    from newsearch.ingest.pipeline import build_index
    from newsearch.progress import progress_bar

    inputs = [str(p) for p in (paths or [Path(DEFAULT_SEEDS)])]
    try:
        with progress_bar(enabled=not quiet and not as_json and sys.stderr.isatty()) as tick:
            summary = build_index(
                inputs,
                index,
                rebuild=rebuild,
                prune=prune,
                entities=entities,
                progress=tick,
                processes=jobs,
                csv_columns=csv_columns,
            )
    except NewsearchError as exc:
        _fail(str(exc))
    if report:
        report.write_text(json.dumps(render.summary_json(summary)["skips"], indent=1) + "\n")
    if as_json:
        _emit_json(render.summary_json(summary))
    else:
        render.print_summary(_err(), summary)
    if strict and summary.skipped:
        raise typer.Exit(1)


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
    filters: dict[str, Any] | None = None,
) -> None:
    """Ranked passages with the query terms highlighted.

    Examples:

    \b
      newsearch query Kursk casualties
      newsearch query '"mutual defense treaty"' -Putin --limit 3 --json
      newsearch query Kursk --person "kim jong-un" --since 2025-04 --facets
    """
    from newsearch.search.engine import SearchEngine

    text = " ".join(words)
    try:
        _ensure_index(index)
        with SearchEngine(index) as engine:
            results = engine.search(
                text,
                limit=limit,
                sort=sort,
                facets=facets,
                date_bucket=date_bucket,
                explain=explain,
                feedback=feedback,
                **(filters or {}),
            )
    except NewsearchError as exc:
        _fail(str(exc))
    if as_json:
        _emit_json(render.results_json(results))
    else:
        render.print_notices(_err(), results.notices)
        render.print_results(_out(), results, rich=sys.stdout.isatty())


@app.command(cls=QueryCommand)
@filter_options
def facets(
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="QUERY",
            help="A query as for `newsearch query`; all articles if none.",
            show_default=False,
        ),
    ] = None,
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
        _ensure_index(index)
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
        _fail(str(exc))
    render.print_notices(_err(), res.notices)
    if as_json:
        _emit_json(render.facet_counts_json(text, res.facets, res.notices))
    else:
        render.print_facets(_out(), res.facets)


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
        _ensure_index(index)
        with SearchEngine(index) as engine:
            info = engine.stats()
    except NewsearchError as exc:
        _fail(str(exc))
    if as_json:
        _emit_json(render.stats_json(info))
    else:
        render.print_stats(_out(), info)


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
        detail = render.clip(" ".join(str(exc).split()), ERROR_CHARS)
        sys.stderr.write(
            f"Error: unexpected {type(exc).__name__}: {detail} (a bug or a broken install: "
            "set NEWSEARCH_DEBUG=1 to see the traceback, and please report it)\n"
        )
        sys.exit(1)
