"""``newsearch index PATHS``: articles read, indexed incrementally (or rebuilt, pruned, on a
cluster), the run's summary, and claims found for compare when few articles lack them."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from newsearch import render
from newsearch.commands import console
from newsearch.commands.cluster import ClusterOpt, DashboardOpt, ShardsOpt, builder
from newsearch.commands.compare import claims_for_compare, claims_line
from newsearch.commands.options import (
    DEFAULT_INDEX,
    IndexOpt,
    JsonOpt,
)
from newsearch.errors import NewsearchError


def _file_size(text: str) -> int:
    """``--max-file-size``: bytes, or K/M/G (2**10...) or KB/MB/GB (10**3...), as coreutils."""
    from newsearch.ingest.readers.options import parse_size

    try:
        return parse_size(text)
    except NewsearchError as exc:
        raise typer.BadParameter(str(exc)) from None


def _prune_confirmation(yes: bool, bar: contextlib.ExitStack) -> bool | Callable[[int, int], bool]:
    """How ``index`` confirms a prune of over half the index: ``--yes``; else, on a terminal,
    a question (the progress bar closed first); else not at all."""
    if yes:
        return True
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return False

    def ask(count: int, total: int) -> bool:
        bar.close()
        question = f"--prune would remove {count} of the index's {total} articles, more than half"
        return typer.confirm(f"{question}. Prune them?", default=False, err=True)

    return ask


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
        bool,
        typer.Option(
            "--prune",
            help="Remove articles whose text is nowhere in PATHS any more (moved files keep "
            "theirs); over half the index needs --yes.",
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show what would change (moves, prunes); write nothing."),
    ] = False,
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help="Confirm a --prune that removes over half the index."),
    ] = False,
    entities: Annotated[
        bool, typer.Option(help="Extract named entities (spaCy).", show_default=True)
    ] = True,
    vectors: Annotated[
        bool,
        typer.Option(
            help="Give each passage a vector for hybrid search (answers in other words).",
            show_default=True,
        ),
    ] = True,
    stories: Annotated[
        bool | None,
        typer.Option(
            "--stories/--no-stories",
            help="Find syndicated copies and group articles into stories (newsearch stories, "
            "story; copies folded in results). Without: about a quarter faster without "
            "entities. An index keeps its choice (default: as built; new: on); to change it, "
            "--rebuild.",
            show_default=False,
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 if any input is skipped.")
    ] = False,
    report: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Write every skip as JSON here.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    field: Annotated[
        list[str] | None,
        typer.Option(
            "--field",
            metavar="NAME=SOURCE",
            help="Read a field from this record field, e.g. body=short_description, "
            "date=meta.published, title=2 (a CSV column; repeat; names: title, body, date, "
            "author, url, source, id). Fields not given are found by their usual names.",
            show_default=False,
        ),
    ] = None,
    tag_field: Annotated[
        list[str] | None,
        typer.Option(
            "--tag-field",
            metavar="FIELD",
            help="Keep this record field as tags to filter (query --tag category=X) and facet, "
            "e.g. category or section=meta.section (repeat).",
            show_default=False,
        ),
    ] = None,
    csv_columns: Annotated[
        str | None,
        typer.Option(
            metavar="MAPPING",
            help="Deprecated: use --field (e.g. --field title=2 --field body=3).",
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            min=1,
            help="Processes for entity extraction (without entities: documents and writing).",
        ),
    ] = None,
    max_file_size: Annotated[
        int,
        typer.Option(
            metavar="SIZE",
            parser=_file_size,
            help="Skip files larger than this: bytes, or 50M (MiB), 100MB (10**6 bytes).",
        ),
    ] = "100MB",  # type: ignore[assignment]
    claims: Annotated[
        bool | None,
        typer.Option(
            "--claims/--no-claims",
            help="Find every article's figures for `newsearch compare` now (spaCy's parser on "
            "sentences with a number), so compare answers without loading a model. Default: "
            "with entities, when at most 200 articles lack them.",
            show_default=False,
        ),
    ] = None,
    cluster: ClusterOpt = None,
    shards: ShardsOpt = None,
    dashboard: DashboardOpt = False,
) -> None:
    """Index articles (default: seeds/); re-running updates the index incrementally.

    Examples:

    \b
      newsearch index seeds/ news.zip --no-entities --report skips.json
      newsearch index news.jsonl --field body=short_description --tag-field category
      newsearch index archive/ --index big --cluster local:2 --shards 4
    """
    from newsearch.ingest.pipeline import PruneNotConfirmedError
    from newsearch.ingest.readers.options import ReadOptions
    from newsearch.progress import progress_bar

    inputs = [str(p) for p in (paths or [Path(console.DEFAULT_SEEDS)])]
    if csv_columns:
        notice = "Notice: --csv-columns is deprecated: use --field (e.g. --field title=2"
        console.err().print(Text(f"{notice} --field body=3), which reads JSON records too"))
    try:
        with contextlib.ExitStack() as bar:
            show = not quiet and not as_json and sys.stderr.isatty()
            tick = bar.enter_context(progress_bar(enabled=show))
            summary = builder(cluster, shards, dashboard, dry_run)(
                inputs,
                index,
                rebuild=rebuild,
                prune=prune,
                dry_run=dry_run,
                confirm=_prune_confirmation(yes, bar),
                entities=entities,
                vectors=vectors,
                stories=stories,
                progress=tick,
                processes=jobs,
                fields=field,
                tag_fields=tag_field,
                csv_columns=csv_columns,
                reading=ReadOptions(max_file_bytes=max_file_size),
            )
    except PruneNotConfirmedError as exc:
        console.fail(
            f"--prune would remove {exc.count} of the index's {exc.total} articles, more than "
            "half: nothing was pruned; list them with --dry-run, and pass --yes to prune them"
        )
    except NewsearchError as exc:
        console.fail(str(exc))
    if report:
        report.write_text(json.dumps(render.summary_json(summary)["skips"], indent=1) + "\n")
    # Unasked, only where spaCy runs anyway (entities) and few articles lack claims.
    wanted = claims if claims is not None else entities
    found = claims_for_compare(index, claims) if wanted and not dry_run else None
    if as_json:
        out = render.summary_json(summary)
        console.emit_json(out if found is None else {**out, "claims": found})
    else:
        render.print_summary(console.err(), summary)
        if found is not None and (found["parsed"] or claims):
            console.err().print(Text(claims_line(found)))
    if strict and summary.skipped:
        raise typer.Exit(1)
