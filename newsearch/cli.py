"""The ``newsearch`` command: parse options, call the library, render. Nothing else lives here."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from newsearch import render
from newsearch.errors import NewsearchError

app = typer.Typer(
    help="Full-text passage search over news articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
DEFAULT_INDEX = "index"
DEFAULT_SEEDS = "seeds"

IndexOpt = Annotated[
    Path,
    typer.Option("--index", envvar="NEWSEARCH_INDEX", help="Index directory.", show_default=True),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts.")]
Multi = Annotated[list[str] | None, typer.Option()]


def _out() -> Console:
    return Console(highlight=False, soft_wrap=not sys.stdout.isatty())


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str) -> None:
    _err().print(f"Error: {message}", markup=False)
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
    _err().print(f"No index at {index}/ yet: building it from {DEFAULT_SEEDS}/ first.")
    from newsearch.ingest.pipeline import build_index

    build_index(DEFAULT_SEEDS, index)


@app.command()
def index(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or directories.")] = None,
    index: IndexOpt = Path(DEFAULT_INDEX),
    as_json: JsonOpt = False,
    rebuild: Annotated[
        bool, typer.Option(help="Build from scratch, swapped in atomically.")
    ] = False,
    prune: Annotated[bool, typer.Option(help="Remove articles whose files are gone.")] = False,
    entities: Annotated[bool, typer.Option(help="Extract named entities (spaCy).")] = True,
    strict: Annotated[bool, typer.Option(help="Exit 1 if any input is skipped.")] = False,
    report: Annotated[Path | None, typer.Option(help="Write every skip as JSON here.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    csv_columns: Annotated[
        str | None,
        typer.Option(help="CSV columns to fields, e.g. title=2,body=3 (1-based or header names)."),
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Processes for entity extraction.")
    ] = None,
) -> None:
    """Index articles (default: seeds/); re-running updates the index incrementally."""
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


@app.command()
def query(
    text: Annotated[str, typer.Argument(help='Query: words, "phrases", field:value filters.')],
    index: IndexOpt = Path(DEFAULT_INDEX),
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Passages to show.")] = 10,
    as_json: JsonOpt = False,
    facets: Annotated[bool, typer.Option("--facets", help="Show facet counts too.")] = False,
    source: Multi = None,
    since: Annotated[str | None, typer.Option(help="From this date (YYYY[-MM[-DD]]).")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date (YYYY[-MM[-DD]]).")] = None,
    person: Multi = None,
    org: Multi = None,
    place: Multi = None,
    entity: Multi = None,
    topic: Multi = None,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Leave out FIELD:VALUE, e.g. source:RFA.")
    ] = None,
    sort: Annotated[str, typer.Option(help="relevance, newest or oldest.")] = "relevance",
    date_bucket: Annotated[str, typer.Option(help="Date facet by day, month or year.")] = "day",
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
) -> None:
    """Ranked passages with the query terms highlighted."""
    if sort not in ("relevance", "newest", "oldest"):
        raise typer.BadParameter("use relevance, newest or oldest", param_hint="--sort")
    if date_bucket not in ("day", "month", "year"):
        raise typer.BadParameter("use day, month or year", param_hint="--date-bucket")
    from newsearch.search.engine import SearchEngine
    from newsearch.search.query import Filters

    excluded = []
    for item in exclude or []:
        name, sep, value = item.partition(":")
        if not sep or not value.strip():
            raise typer.BadParameter(f"{item!r}: use FIELD:VALUE", param_hint="--exclude")
        excluded.append((name.strip().lower(), value.strip()))
    try:
        _ensure_index(index)
        with SearchEngine(index) as engine:
            results = engine.search(
                text,
                limit=limit,
                filters=Filters(exclude=tuple(excluded)),
                sort=sort,  # type: ignore[arg-type]
                facets=facets,
                date_bucket=date_bucket,  # type: ignore[arg-type]
                source=source,
                since=since,
                until=until,
                person=person,
                org=org,
                place=place,
                entity=entity,
                topic=topic,
                explain=explain,
                feedback=feedback,
            )
    except NewsearchError as exc:
        _fail(str(exc))
    if as_json:
        _emit_json(render.results_json(results))
    else:
        render.print_results(_out(), results, rich=sys.stdout.isatty())


@app.command()
def facets(
    text: Annotated[str, typer.Argument(help="Optional query; all articles if empty.")] = "",
    index: IndexOpt = Path(DEFAULT_INDEX),
    as_json: JsonOpt = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Values per facet.")] = 10,
    date_bucket: Annotated[str, typer.Option(help="day, month or year.")] = "day",
) -> None:
    """Facet counts (source, date, person, org, place) over the matching articles."""
    from newsearch.search.engine import SearchEngine

    try:
        _ensure_index(index)
        with SearchEngine(index) as engine:
            values = engine.facets(text, limit=limit, date_bucket=date_bucket)  # type: ignore[arg-type]
    except NewsearchError as exc:
        _fail(str(exc))
    if as_json:
        _emit_json({"query": text, "facets": render.facets_json(values)})
    else:
        render.print_facets(_out(), values)


@app.command()
def stats(index: IndexOpt = Path(DEFAULT_INDEX), as_json: JsonOpt = False) -> None:
    """What the index holds: articles, passages, sources, dates, entities, size."""
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
        sys.stderr.write(
            f"Error: unexpected {type(exc).__name__}: {exc} (a bug or a broken install: "
            "set NEWSEARCH_DEBUG=1 to see the traceback, and please report it)\n"
        )
        sys.exit(1)
