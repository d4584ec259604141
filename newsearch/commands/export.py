"""``query``'s pages, formats and whole result sets (``--page``, ``--offset``, ``--format``,
``--all``, ``--count``) and the ``count`` command: options, their checks, and the writers
that stream rows to stdout (CSV, JSON Lines, JSON) with a progress line on stderr."""

from __future__ import annotations

import csv
import os
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from newsearch import render
from newsearch.commands import console
from newsearch.commands.options import DEFAULT_INDEX, IndexOpt, JsonOpt, WordsArg, filter_options
from newsearch.models import Hit, SearchResults

FormatChoice = Literal["csv", "jsonl", "json"]

OffsetOpt = Annotated[
    int | None,
    typer.Option(
        "--offset", metavar="N", min=0, help="Skip the first N passages.", show_default=False
    ),
]
PageOpt = Annotated[
    int | None,
    typer.Option(
        "--page",
        metavar="N",
        min=1,
        help="Page N of the results, --limit passages a page (pages never overlap).",
        show_default=False,
    ),
]
FormatOpt = Annotated[
    FormatChoice | None,
    typer.Option(
        "--format",
        help="Write the results as CSV (columns in the README), JSON Lines or JSON.",
        show_default=False,
    ),
]
AllOpt = Annotated[
    bool,
    typer.Option(
        "--all",
        help="Every matching passage (--per-article N: the N best of each article), "
        "streamed in --format for a spreadsheet or script; ranked by words.",
    ),
]
CountOpt = Annotated[
    bool, typer.Option("--count", help="Print only the number of matching articles.")
]


@dataclass(frozen=True)
class Output:
    """What ``query`` was asked to print: one page (from ``offset``), a count, or all."""

    offset: int = 0
    format: FormatChoice | None = None
    every: bool = False
    count: bool = False


def _bad(option: str, message: str) -> typer.BadParameter:
    """A usage error (exit 2) about ``option``."""
    return typer.BadParameter(message, param_hint=f"'{option}'")


def output(
    limit: int,
    offset: int | None,
    page: int | None,
    fmt: FormatChoice | None,
    every: bool,
    count: bool,
    as_json: bool,
    single: dict[str, bool],
) -> Output:
    """The options checked together (a usage error for those that contradict each other);
    ``single``: the page-only options given (``--facets`` ...), by name."""
    if page is not None and offset is not None:
        raise _bad("--page", "give --page or --offset, not both")
    if as_json and fmt not in (None, "json"):
        raise _bad("--format", f"--json is --format json: drop --json or --format {fmt}")
    fmt = "json" if as_json and (every or fmt) else fmt
    if count and (every or fmt or page is not None or offset is not None):
        raise _bad("--count", "it prints a number: drop --all, --format, --page, --offset")
    given = [name for name, on in single.items() if on]
    if fmt in ("csv", "jsonl") and single.get("--facets"):
        raise _bad("--facets", f"--format {fmt} writes passages: facets come with --json")
    if every and (page is not None or offset is not None):
        raise _bad("--all", "it lists every passage: drop --page and --offset")
    if every and not fmt:
        raise _bad("--all", "it writes rows for a file: add --format csv, jsonl or json")
    if every and given:
        raise _bad("--all", f"it ranks by words alone: drop {', '.join(given)}")
    start = (page - 1) * limit if page is not None else offset or 0
    return Output(start, fmt, every, count)


def _safe_stdout(write: Iterable[None]) -> None:
    """Run a writer; a reader that closed the pipe (``| head``) ends it quietly."""
    try:
        for _ in write:
            pass
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # (Python flushes stdout again at exit)
        raise typer.Exit(0) from None


def _rows(hits: Iterable[Hit], fmt: FormatChoice, head: dict[str, Any]) -> Iterator[None]:
    """Write ``hits`` to stdout in ``fmt``, one at a time (``head``: the JSON object's other
    keys, before ``results``)."""
    out = sys.stdout
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(render.EXPORT_COLUMNS)
        for h in hits:
            writer.writerow(render.csv_row(h))
            yield
    elif fmt == "jsonl":
        for h in hits:
            out.write(render.to_json(render.hit_json(h), indent=None) + "\n")
            yield
    else:
        text = render.to_json({**head, "results": []}, indent=None)
        out.write(text[: -len("[]}")] + "[")
        for n, h in enumerate(hits):
            out.write(("," if n else "") + "\n" + render.to_json(render.hit_json(h), indent=None))
            yield
        out.write("\n]}\n")


def write_page(results: SearchResults, fmt: FormatChoice) -> None:
    """One page of results in ``fmt`` (``json``: as ``--json`` prints it)."""

    def whole() -> Iterator[None]:
        sys.stdout.write(render.to_json(render.results_json(results)) + "\n")
        yield

    _safe_stdout(whole() if fmt == "json" else _rows(results.results, fmt, {}))


class _Progress:
    """A line on stderr while the articles are read (a terminal only), and a last line
    saying what was written (always: one line, for a log)."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()
        self.started = time.monotonic()

    def __call__(self, read: int, of: int) -> None:
        if self.live:
            sys.stderr.write(f"\rexport: read {read:,} of {of:,} articles")
            sys.stderr.flush()

    def done(self, rows: int, total: int) -> None:
        seconds = time.monotonic() - self.started
        clear = "\r\x1b[K" if self.live else ""
        sys.stderr.write(
            f"{clear}exported {rows:,} passages of {total:,} matching articles in {seconds:.1f} s\n"
        )


def export_all(
    text: str,
    index: Path,
    fmt: FormatChoice,
    sort: str,
    per_article: int | None,
    filters: dict[str, Any],
    cluster: str | None = None,
) -> None:
    """``query --all``: every matching passage, streamed in ``fmt``."""
    from newsearch.commands.cluster import engine as cluster_engine
    from newsearch.errors import NewsearchError

    progress = _Progress()
    written = 0
    try:
        console.ensure_index(index)
        with cluster_engine(index, cluster) as engine:
            found = engine.export(
                text,
                sort=sort,  # type: ignore[arg-type]
                per_article=per_article,
                highlights=fmt != "csv",  # a spreadsheet has no use for offsets
                progress=progress,
                **filters,
            )
            render.print_notices(console.err(), found.notices)

            def counted() -> Iterator[Hit]:
                nonlocal written
                for h in found.rows:
                    written += 1
                    yield h

            head = {"query": found.query, "total": found.total, "notices": list(found.notices)}
            _safe_stdout(_rows(counted(), fmt, head))
    except NewsearchError as exc:
        console.fail(str(exc))
    progress.done(written, found.total)


def print_count(
    text: str, index: Path, as_json: bool, filters: dict[str, Any], cluster: str | None = None
) -> None:
    """The number of matching articles: the number alone, or ``{"query", "total",
    "notices"}`` with ``--json``."""
    from newsearch.commands.cluster import engine as cluster_engine
    from newsearch.errors import NewsearchError

    try:
        console.ensure_index(index)
        with cluster_engine(index, cluster) as engine:
            plan = engine.plan(text, **filters)
            total = engine.count(text, **filters)
    except NewsearchError as exc:
        console.fail(str(exc))
    if as_json:
        console.emit_json({"query": text, "total": total, "notices": list(plan.notices)})
    else:
        render.print_notices(console.err(), plan.notices)
        sys.stdout.write(f"{total}\n")


@filter_options
def count(
    words: WordsArg = None,
    index: IndexOpt = Path(DEFAULT_INDEX),
    as_json: JsonOpt = False,
    filters: dict[str, Any] | None = None,
) -> None:
    """The number of articles matching the query and filters (no passage is scored): the
    articles holding its words, as `query --mode lexical` counts them.

    Examples:

    \b
      newsearch count Kursk
      newsearch count '"crane strike"' --since 2024-03 --json
      newsearch count --source RFA
    """
    print_count(" ".join(words or []), index, as_json, filters or {})
