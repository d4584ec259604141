"""``newsearch watch``: searches kept beside the index and run again to see what is new
(``add``, ``list``, ``remove``, ``run``)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from newsearch import render
from newsearch.commands import console
from newsearch.commands.options import (
    DEFAULT_INDEX,
    IndexOpt,
    JsonOpt,
    QueryCommand,
    filter_options,
)

if TYPE_CHECKING:
    from newsearch.workflows import Watch, WatchRun

watch_app = typer.Typer(
    help="Watched searches: what is new since each last ran.",
    epilog="""Examples:

\b
  newsearch watch add strikes "dock OR harbour" --since 2024
  newsearch watch run
  newsearch watch run strikes --json
""",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
NameArg = Annotated[
    str,
    typer.Argument(
        metavar="NAME", help="The watch's name (letters, digits, . - _).", show_default=False
    ),
]


@watch_app.command("add", cls=QueryCommand)
@filter_options
def add(
    name: NameArg,
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="QUERY",
            help="A query as for `newsearch query` (none: the filters alone).",
            show_default=False,
        ),
    ] = None,
    index: IndexOpt = Path(DEFAULT_INDEX),
    filters: dict[str, Any] | None = None,
) -> None:
    """Keep a search to run again: its first run shows every match, each later one what is new.

    Examples:

    \b
      newsearch watch add strikes "dock OR harbour"
      newsearch watch add kim '"Kim Jong Un"' --source RFA
    """
    from newsearch.errors import NewsearchError
    from newsearch.search.engine import SearchEngine
    from newsearch.workflows import add_watch

    query = " ".join(words or [])
    try:
        console.ensure_index(index)
        with SearchEngine(index) as engine:
            added = add_watch(engine, name, query, **(filters or {}))
    except NewsearchError as exc:
        console.fail(str(exc))
    shown = render.escape(added.name)
    console.err().print(Text(f"Added watch {shown}: run it with `newsearch watch run {shown}`"))


@watch_app.command("list")
def list_(index: IndexOpt = Path(DEFAULT_INDEX), as_json: JsonOpt = False) -> None:
    """The watches: query, filters, last run, articles shown that still match."""
    from newsearch.errors import NewsearchError
    from newsearch.workflows import list_watches

    try:
        found = list_watches(index)
    except NewsearchError as exc:
        console.fail(str(exc))
    if as_json:
        console.emit_json({"watches": [watch_json(w) for w in found]})
        return
    out = console.out()
    if not found:
        out.print(Text('No watches: add one with `newsearch watch add NAME "QUERY"`.'))
        return
    table = Table(show_header=True, box=None)
    for column in ("name", "query", "filters", "last run", "shown"):
        table.add_column(column)
    for w in found:
        table.add_row(
            Text(render.escape(w.name)),
            Text(render.escape(render.clip(w.query))),
            Text(render.escape(_filters_text(w.filters))),
            Text(w.last_run.isoformat() if w.last_run else "never"),
            Text(str(w.seen)),
        )
    out.print(table)


@watch_app.command("remove")
def remove(name: NameArg, index: IndexOpt = Path(DEFAULT_INDEX)) -> None:
    """Remove a watch (the index is not touched)."""
    from newsearch.errors import NewsearchError
    from newsearch.workflows import remove_watch

    try:
        remove_watch(index, name)
    except NewsearchError as exc:
        console.fail(str(exc))
    console.err().print(Text(f"Removed watch {render.escape(name)}."))


@watch_app.command("run")
def run(
    name: Annotated[
        str | None,
        typer.Argument(metavar="[NAME]", help="One watch (default: all).", show_default=False),
    ] = None,
    index: IndexOpt = Path(DEFAULT_INDEX),
    as_json: JsonOpt = False,
    limit: Annotated[
        int,
        typer.Option(
            "--limit", "-n", metavar="N", min=1, help="Articles shown per watch (--json: all)."
        ),
    ] = 20,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what is new without recording the run.")
    ] = False,
) -> None:
    """The articles that match and were indexed since the watch last ran; the run is recorded.

    Examples:

    \b
      newsearch watch run
      newsearch watch run strikes --json
    """
    from newsearch.errors import NewsearchError
    from newsearch.search.engine import SearchEngine
    from newsearch.workflows import run_watches

    try:
        console.ensure_index(index)
        with SearchEngine(index) as engine:
            runs = run_watches(engine, name, dry_run=dry_run)
    except NewsearchError as exc:
        console.fail(str(exc))
    failed = [r for r in runs if r.error]
    if name is not None and failed:
        console.fail(f"watch {name} could not run: {failed[0].error}")
    for r in failed:
        console.err().print(
            Text(f"Error: watch {render.escape(r.watch)}: {render.escape(r.error or '')}")
        )
    if as_json:
        shown = [watch_run_json(r) for r in runs]
        console.emit_json(shown[0] if name is not None else {"watches": shown})
    elif not runs:
        console.out().print(Text('No watches: add one with `newsearch watch add NAME "QUERY"`.'))
    else:
        _print_runs(
            console.out(), [r for r in runs if not r.error], limit, rich=sys.stdout.isatty()
        )
    if failed:
        raise typer.Exit(1)


def _filters_text(filters: dict[str, Any]) -> str:
    parts = []
    for key, value in filters.items():
        for v in [value] if isinstance(value, str) else value:
            parts.append(f"{key}:{v}")
    return " ".join(parts) or "-"


def _print_runs(console: Console, runs: Sequence[WatchRun], limit: int, rich: bool) -> None:
    for r in runs:
        since = f"since {r.since.isoformat()}" if r.since else "first run"
        head = f"{r.watch}: {len(r.articles)} new ({since}; {r.total} match in all)"
        console.print(Text(render.escape(head), style="bold" if rich else ""))
        for h in r.articles[:limit]:
            a = h.article
            line = Text(f"  {a.date.isoformat() if a.date else 'undated':10}  ")
            line.append(render.escape(a.title or "(untitled)"), style="bold" if rich else "")
            line.append(f"  [{render.escape(a.source or 'unknown source')}]")
            line.append(f"  (id {render.escape(a.id)})", style="dim" if rich else "")
            console.print(line)
            console.print(Text("    ").append(render.highlighted(h, rich)))
        if len(r.articles) > limit:
            more = len(r.articles) - limit
            console.print(Text(f"  ... and {more} more (--limit, or --json for all)"))


def watch_json(w: Watch) -> dict[str, Any]:
    """A watch as ``newsearch watch list --json`` lists it."""
    return {
        "name": w.name,
        "query": w.query,
        "filters": w.filters,
        "created": w.created.isoformat() if w.created else None,
        "last_run": w.last_run.isoformat() if w.last_run else None,
        "seen": w.seen,
    }


def watch_run_json(r: WatchRun) -> dict[str, Any]:
    """``newsearch watch run --json``: the articles new since the watch's last run (null:
    never run), newest first, each with its first matching passage and that passage's
    highlights; ``error`` when the watch could not run."""
    return {
        "watch": r.watch,
        "query": r.query,
        "since": r.since.isoformat() if r.since else None,
        "ran": r.ran.isoformat(),
        "total": r.total,
        **({"error": r.error} if r.error else {}),
        "articles": [
            {
                **render.article_json(h.article),
                "passage": h.text,
                "highlights": [list(x) for x in h.highlights],
            }
            for h in r.articles
        ],
    }
