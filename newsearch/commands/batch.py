"""``newsearch batch FILE``: a list of names or queries checked against the whole index at once
(Datashare's batch search): each query's matching articles, first and last date, best
passages, as a table, CSV or JSON."""

from __future__ import annotations

import contextlib
import csv
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from newsearch import render
from newsearch.commands import console
from newsearch.commands.options import DEFAULT_INDEX, IndexOpt, ModeChoice, filter_options

if TYPE_CHECKING:
    from newsearch.models import Hit
    from newsearch.workflows import BatchAnswer

FormatChoice = Literal["text", "csv", "json"]
SNIPPET_CHARS = 140  # a passage in the table: this much around its first match


@filter_options
def batch(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A CSV with a `query` column (and per-row options: phrase, proximity, fuzzy, "
            "source, since, until, person, org, place, entity, topic, exclude), or a text "
            "file with one query a line.",
            show_default=False,
        ),
    ],
    index: IndexOpt = Path(DEFAULT_INDEX),
    limit: Annotated[
        int,
        typer.Option(
            "--limit", "-n", metavar="N", min=0, help="Passages per query (0: counts and dates)."
        ),
    ] = 3,
    output: Annotated[
        FormatChoice,
        typer.Option(
            "--format", "-f", help="A table, CSV rows or one JSON object.", show_default=True
        ),
    ] = "text",
    as_json: Annotated[bool, typer.Option("--json", help="The same as --format json.")] = False,
    mode: Annotated[
        ModeChoice,
        typer.Option(
            help="lexical: the articles holding the query's words; hybrid: answers by meaning "
            "too, as `newsearch query` gives them.",
            show_default=True,
        ),
    ] = "lexical",
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 if any row could not be searched.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    filters: dict[str, Any] | None = None,
) -> None:
    """Many queries at once: each one's matching articles, first and last date, best passages.

    A bad row (no query, a date that does not exist) is reported with its line number and
    answered with its error; the others are answered as usual. Filters given here apply to
    every row, on top of the row's own.

    Examples:

    \b
      newsearch batch names.txt
      newsearch batch names.csv --format csv > found.csv
      newsearch batch names.csv --since 2024 --limit 0 --json
    """
    from newsearch.errors import NewsearchError
    from newsearch.search.engine import SearchEngine
    from newsearch.search.filters import gather
    from newsearch.workflows import read_batch, run_batch

    fmt: FormatChoice = "json" if as_json else output
    err = console.err()
    answers: list[BatchAnswer] = []
    try:
        console.ensure_index(index)
        todo = read_batch(file)
        common = gather("", None, **(filters or {}))[1] if filters else None
        for notice in todo.notices:
            err.print(Text(f"Notice: {render.escape(notice)}"))
        with SearchEngine(index) as engine, _progress(len(todo.queries), quiet) as tick:
            rows = _csv_writer() if fmt == "csv" else None
            for answer in run_batch(
                engine, todo.queries, limit=limit, mode=mode, filters=common, progress=tick
            ):
                if answer.error:
                    where = f"{todo.path} line {answer.query.line}"
                    err.print(Text(f"{render.escape(where)}: {render.escape(answer.error)}"))
                if rows is not None:
                    rows(answer)
                answers.append(replace(answer, results=()) if rows is not None else answer)
    except NewsearchError as exc:
        console.fail(str(exc))
    if fmt == "json":
        console.emit_json({"queries": [batch_answer_json(a) for a in answers]})
    elif fmt == "text":
        _print_table(console.out(), answers, rich=sys.stdout.isatty())
    if strict and any(a.error for a in answers):
        raise typer.Exit(1)


def _csv_writer() -> Callable[[BatchAnswer], None]:
    """Rows written to stdout as each answer comes: the header first."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([*BATCH_COLUMNS, *render.EXPORT_COLUMNS])

    def write(answer: BatchAnswer) -> None:
        writer.writerows(batch_csv_rows(answer))

    return write


@contextlib.contextmanager
def _progress(total: int, quiet: bool) -> Iterator[Callable[[Any], None] | None]:
    """A progress bar on stderr, on a terminal only (and not with --quiet)."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    console = Console(stderr=True)
    with Progress(
        "batch", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console,
        transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("batch", total=total)
        yield lambda _answer: bar.advance(task)


def _print_table(console: Console, answers: list[BatchAnswer], rich: bool) -> None:
    table = Table(show_header=True, box=None, show_lines=rich)
    for column in ("line", "query", "articles", "first", "last", "best passages"):
        table.add_column(column, no_wrap=column in ("line", "articles", "first", "last"))
    for a in answers:
        query = Text(render.escape(render.clip(a.query.search or a.query.query)))
        if a.error:
            shown = Text(render.escape(a.error), style="red" if rich else "")
            table.add_row(Text(str(a.query.line)), query, Text("error"), Text(""), Text(""), shown)
            continue
        passages = Text("\n").join(_snippet(h, rich) for h in a.results)
        if a.suggestion and not a.results:
            passages = Text(f"Did you mean: {render.escape(render.clip(a.suggestion))}")
        table.add_row(
            Text(str(a.query.line)),
            query,
            Text(str(a.total)),
            Text(a.first_date.isoformat() if a.first_date else "-"),
            Text(a.last_date.isoformat() if a.last_date else "-"),
            passages,
        )
    console.print(table)
    answered = [a for a in answers if not a.error]
    found = sum(1 for a in answered if a.total)
    failed = len(answers) - len(answered)
    console.print(
        Text(
            f"{len(answers)} quer{'y' if len(answers) == 1 else 'ies'}: {found} found in the "
            f"index, {len(answered) - found} not" + (f", {failed} with an error" if failed else "")
        )
    )


def _snippet(h: Hit, rich: bool) -> Text:
    """The passage's title and date, and its text around the first match, matches lit."""
    a = h.article
    where = Text(
        render.escape(render.clip(a.title or "(untitled)", 60)), style="bold" if rich else ""
    )
    where.append(f" [{a.date.isoformat() if a.date else 'undated'}] ")
    first = h.highlights[0][0] if h.highlights else 0
    start = max(0, first - SNIPPET_CHARS // 3)
    end = min(len(h.text), start + SNIPPET_CHARS)
    inside = [(s - start, e - start) for s, e in h.highlights if s >= start and e <= end]
    near = [(s - start, e - start) for s, e in h.related if s >= start and e <= end]
    part = replace(h, text=h.text[start:end], highlights=tuple(inside), related=tuple(near))
    where.append("…" if start else "")
    where.append(render.highlighted(part, rich))
    where.append("…" if end < len(h.text) else "")
    return where


def batch_answer_json(a: BatchAnswer) -> dict[str, Any]:
    """One query of ``newsearch batch --format json``: as written and as searched, its line
    in the file, the matching articles' count and first and last dates, the best passages
    (as in ``query --json``), the engine's notices and spelling suggestion (when it has one),
    the row's error (null when answered) and the row's other columns."""
    q = a.query
    out: dict[str, Any] = {
        "query": q.query,
        "line": q.line,
        "search": q.search,
        "filters": q.filters,
        "total": a.total,
        "first_date": a.first_date.isoformat() if a.first_date else None,
        "last_date": a.last_date.isoformat() if a.last_date else None,
        "results": [render.hit_json(h) for h in a.results],
        "notices": list(a.notices),
        "error": a.error,
    }
    if a.suggestion:
        out["suggestion"] = a.suggestion
    if q.columns:
        out["columns"] = dict(q.columns)
    return out


# ``newsearch batch --format csv``: these columns, then render.EXPORT_COLUMNS of a passage.
BATCH_COLUMNS = ("line", "query", "total", "first_date", "last_date", "error")


def batch_csv_rows(a: BatchAnswer) -> list[list[str | int | float]]:
    """A batch answer as rows of BATCH_COLUMNS + render.EXPORT_COLUMNS: one per passage, or one with
    the passage's columns empty when none is shown (an error, no match, ``--limit 0``)."""
    head: list[str | int | float] = [
        a.query.line,
        render.cell(a.query.query),
        "" if a.total is None else a.total,
        a.first_date.isoformat() if a.first_date else "",
        a.last_date.isoformat() if a.last_date else "",
        render.cell(a.error),
    ]
    if not a.results:
        return [head + [""] * len(render.EXPORT_COLUMNS)]
    return [head + render.csv_row(h) for h in a.results]
