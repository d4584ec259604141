"""Indexing: ``build_index`` takes the write lock, opens the live index (or a new generation,
swapped in when complete), and makes one run over the inputs (``run.py``: each item read is
judged by ``identity.py``, new, changed, moved, unchanged, duplicate or skipped, and written as
its index document, ``document.py``, committing as it goes). A dry run judges the same items
against the live index and writes nothing.

Every item read ends in exactly one of the summary's counts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from newsearch.errors import IndexVersionError, InputError, PruneNotConfirmedError
from newsearch.index import store
from newsearch.ingest.document import Embed
from newsearch.ingest.heap import quiet_collector
from newsearch.ingest.identity import Key
from newsearch.ingest.ner_pool import Extractor, default_processes, extract_batches
from newsearch.ingest.prepare import DocumentMaker
from newsearch.ingest.readers import (
    DEFAULT_OPTIONS,
    ReadOptions,
    csv_options,
    finish,
    iter_items,
)
from newsearch.ingest.readers.options import FieldUse, parse_fields, parse_tag_fields
from newsearch.ingest.readers.tree import check_paths
from newsearch.ingest.run import (
    BATCH,
    Confirm,
    Progress,
    Run,
    Tally,
    body_of,
    item_of,
    stored_keys,
)
from newsearch.models import Article, IndexSummary, Skip

__all__ = ["BATCH", "PruneNotConfirmedError", "build_index"]

Input = str | os.PathLike[str] | Article
# A field mapping: {"body": "text"}, ["body=text", "title=headline"] or "body=text,title=2".
FieldSpec = str | Mapping[str, int | str] | Sequence[str] | None
# Articles between commits. With Whoosh's parallel writer (--no-entities) each commit is a
# barrier (its sub-writers finish and the next batch waits), so fewer is faster (Reuters: 5
# commits -> 2 took 1.9-2.2x raw Whoosh to 1.7-2.1x), and it adds a segment per writer process
# that Whoosh's merge policy leaves alone (segments of equal size): a query looks each of its
# words up in every segment (Reuters x10 in a new process, p95 of a query's first run: 22
# segments 92 ms, 6 segments 56 ms). So without entities each commit doubles the next, up to
# COMMIT_MOST: 8 segments at 216k articles, a first commit as soon as ever, and a kill -9
# loses at most half the run's work (the next run redoes it). With entities the single writer
# commits while the NER workers go on, and a big commit at the end would keep them idle.
# (Defaults: ``build_index(commit_every=..., max_segments=...)`` sets them for one run.)
COMMIT_EVERY = 20000
COMMIT_MOST = 100000
COMMIT_EVERY_WITH_ENTITIES = 5000
MAX_SEGMENTS = 8
# Batches a run without entities must have for a document worker (prepare.py) to pay: one
# takes ~1.5 s to start (its models), this process makes a batch's documents in ~0.3 s, and
# 600 Reuters articles (3 batches) took 4.2 s with one against 3.5 s without.
MAKER_BATCHES = 8


def _items(inputs: Iterable[Input], options: ReadOptions) -> Iterator[tuple[Article | Skip, bool]]:
    """Every item, and whether it was given as an object (not read from a file)."""
    paths: list[str | os.PathLike[str]] = []
    for item in inputs:
        if isinstance(item, Article):
            if paths:
                yield from ((x, False) for x in iter_items(paths, options))
                paths = []
            yield finish(item, options), True
        else:
            paths.append(item)
    if paths:
        yield from ((x, False) for x in iter_items(paths, options))


def build_index(
    inputs: Input | Iterable[Input],
    index_dir: str | os.PathLike[str] = "index",
    *,
    rebuild: bool = False,
    prune: bool = False,
    dry_run: bool = False,
    confirm: Confirm = False,
    entities: bool = True,
    vectors: bool = True,
    stories: bool | None = None,
    extractor: Extractor | None = None,
    progress: Progress | None = None,
    lock_timeout: float = store.WRITE_TIMEOUT,
    processes: int | None = None,
    fields: FieldSpec = None,
    tag_fields: FieldSpec = None,
    csv_columns: str | Mapping[str, int | str] | None = None,
    reading: ReadOptions = DEFAULT_OPTIONS,
    commit_every: int | None = None,
    max_segments: int = MAX_SEGMENTS,
) -> IndexSummary:
    """Index files, directories and/or Article objects into ``index_dir``.

    An existing index is updated incrementally (new, changed and unchanged articles by content
    hash); ``rebuild=True`` builds a fresh one beside it and swaps it in only when complete.
    Entities are extracted with ``processes`` worker processes (default: one per core).
    ``vectors`` gives every article and passage its vector (the embedding model shipped in
    ``newsearch.text.embedding``) for hybrid search; without them queries rank by words.
    ``stories`` finds each article's copies and groups articles into stories (the engine's
    ``stories``, ``story``; copies folded in results): a choice an index keeps (None: the
    index's, on for a new one); ``stories=False`` saves about a quarter of a run without
    entities. Turning them on or off for an index needs ``rebuild``.
    ``fields`` maps article fields to record fields for JSON, JSON Lines, CSV/TSV and feeds:
    ``{"title": "headline", "body": "short_description", "date": "meta.published"}`` (or
    ``["body=short_description", ...]``; a CSV column by header name or 1-based number); fields
    not mapped are found by their usual names. ``tag_fields`` names record fields whose values
    become tags (``["category"]``, ``{"section": "meta.section"}``): filtered with
    ``search(tag="category=BUSINESS")`` and counted as facets. ``csv_columns`` (deprecated: use
    ``fields``) maps CSV columns, e.g. ``"title=2,body=3"``. A bad mapping raises InputError
    before anything is written. ``reading`` holds the other reading options (``ReadOptions``:
    the CSV header and delimiter, the file size limit). ``commit_every`` articles are written
    between commits (default: ``COMMIT_EVERY``, doubling at each commit up to ``COMMIT_MOST``,
    or ``COMMIT_EVERY_WITH_ENTITIES`` with entities); past ``max_segments`` segments the run
    merges the small ones. Every setting holds for this run only.

    A file moved or renamed keeps its article (``identity.py``: identity follows the source's
    id, the place, and the text): counted ``moved``, never pruned. ``prune=True`` removes the
    articles whose text is nowhere in the input any more and whose file is gone or no longer
    holds them. A prune of more than half the index's articles needs ``confirm``: True, or a
    function called with (articles to remove, articles in the index) that returns True; else
    ``PruneNotConfirmedError`` is raised and the run's last commit is not made: nothing is
    pruned (a run long enough to commit on the way keeps those commits, which a re-run finds
    unchanged). ``dry_run=True`` reads everything and writes nothing (no lock, no
    index created, no entities extracted): the summary counts what a run would do and lists
    its ``moves`` and ``prunes``.
    """
    started = time.monotonic()
    if (commit_every is not None and commit_every < 1) or max_segments < 1:
        raise InputError(
            f"commit_every={commit_every}, max_segments={max_segments}: give numbers from 1"
        )
    root = Path(index_dir)
    if isinstance(inputs, str | os.PathLike | Article):
        inputs = [inputs]
    if isinstance(inputs, Collection):  # a path that does not exist: an error, no empty index
        check_paths(inputs)
    if entities and extractor is None and not dry_run:
        from newsearch.ingest.entities import SpacyExtractor

        extractor = SpacyExtractor()
    if not entities:
        extractor = None
    if csv_columns:  # raises InputError with the fix before anything is written
        csv = reading.csv
        reading = replace(
            reading, csv=csv_options(csv_columns, header=csv.header, delimiter=csv.delimiter)
        )
    reading = _mapping(reading, fields, tag_fields)
    if dry_run:
        return _dry_run(inputs, root, rebuild, prune, reading, progress)
    with store.write_lock(root, lock_timeout):
        shadow = rebuild or not store.exists(root)
        if shadow:
            gen, ix = store.new_generation(root)
            stories = stories_choice(root, gen, stories, fresh=True)
            if not store.exists(root):
                store.publish(
                    root, gen
                )  # a first build is live (empty) at once, and grows by commit
                shadow = False
        else:
            if store.is_sharded(root):  # its shards are written by a cluster run
                raise InputError(
                    f"the index at {root} is sharded: update it with `newsearch index PATHS "
                    f"--index {root} --cluster local:N` (newsearch.cluster.build_sharded), "
                    "or make it one index with --rebuild"
                )
            gen = store.current_generation(root)  # type: ignore[assignment]
            stories = stories_choice(root, gen, stories, fresh=False)
            ix = store.open_index(root)
        # With entities, the entity workers use the cores and one writer keeps up. Without,
        # the cores are shared by document workers (prepare.py: half as many as cores) and
        # Whoosh's writer processes.
        cores = processes or default_processes()
        makers = 0 if extractor is not None or cores < 2 else max(1, cores // 2)
        # (One writer process a core: each writes its own segment at the end, and with one
        # process for two cores that tail took Reuters 77 s against 45 s.)
        writer_procs = 0 if extractor is not None or cores < 2 else cores
        default = COMMIT_EVERY if writer_procs > 0 else COMMIT_EVERY_WITH_ENTITIES
        embed, embedding = _embedding(gen, root) if vectors else (None, None)
        run = Run(
            ix,
            gen,
            progress,
            writer_procs,
            commit_every=default if commit_every is None else commit_every,
            max_segments=max_segments,
            commit_most=COMMIT_MOST if commit_every is None and writer_procs > 0 else None,
            reading=reading,
            embed=embed,
            embedding=embedding,
            stories=stories,
        )
        with quiet_collector() as settle:  # (heap.py: the run's end collects)
            try:
                batches = run.batches(_items(inputs, reading))
                if makers:
                    maker = DocumentMaker(vectors=embed is not None, stories=stories)
                    made = extract_batches(
                        maker, batches, item_of, makers, inline_below=1, least=MAKER_BATCHES
                    )
                    for batch, prepared in made:
                        run.write(batch, [()] * len(batch), prepared)
                        settle()
                else:
                    for batch, mentions in extract_batches(extractor, batches, body_of, processes):
                        run.write(batch, mentions)
                        settle()
                if prune:
                    run.prune(confirm)
                run.commit()
                run.merge()
                store.touch(gen)
            except BaseException:
                run.cancel()
                if shadow:
                    store.discard(gen)
                raise
            finally:
                ix.close()
            if shadow:
                store.publish(root, gen)
    return _summary(run.tally, root, started, reading)


def _mapping(reading: ReadOptions, fields: FieldSpec, tag_fields: FieldSpec) -> ReadOptions:
    """The run's reading options with its field mapping checked (InputError naming the
    problem and the fix) and a fresh count of which record field each field is read from."""
    mapped, tags_too = parse_fields(fields)
    tags = {**tags_too, **parse_tag_fields(tag_fields)}
    return replace(
        reading,
        fields={**reading.fields, **mapped},
        tags={**reading.tags, **tags},
        used=FieldUse(),
    )


def _unused(reading: ReadOptions) -> list[str]:
    """A warning for each mapping no record read used (a misspelt field?)."""
    used = reading.used
    if used is None:
        return []
    found = {f for f, _ in used.counts}
    notes = [
        f"--field {name}={source}: no record read has {source!r}; check the name "
        "(JSON keys and CSV headers as written; a.b for a nested field)"
        for name, source in reading.fields.items()
        if name not in found
    ]
    notes += [
        f"--tag-field {name}={source}: no record read has {source!r}; check the name"
        for name, source in reading.tags.items()
        if f"tag {name}" not in found
    ]
    return notes


def stories_choice(root: Path, gen: Path, asked: bool | None, fresh: bool) -> bool:
    """Whether the run keeps copies and stories: as asked for a new generation (default on,
    recorded in its manifest), else as the index was built (asking otherwise: InputError)."""
    if fresh:
        chosen = True if asked is None else asked
        store.write_manifest(gen, stories=chosen)
        return chosen
    kept = store.has_stories(gen)
    if asked is not None and asked != kept:
        if kept:
            fix = "update it without --no-stories, or rebuild it without them: `newsearch "
            fix += f"index PATHS --rebuild --no-stories --index {root}`"
        else:
            fix = "update it without --stories, or rebuild it with them: `newsearch index "
            fix += f"PATHS --rebuild --index {root}`"
        state = "with" if kept else "without"
        raise InputError(
            f"the index at {root} was built {state} stories: {fix}; nothing was indexed"
        )
    return kept


def _embedding(gen: Path, root: Path) -> tuple[Embed, str]:
    """The embedding model's ``embed`` and id; an index whose vectors another model made is
    not added to (their vectors and the new ones could not be compared)."""
    from newsearch.text.embedding import MODEL_ID, default_embedder

    made_by = store.read_manifest(gen).get("embedding")
    if made_by not in (None, MODEL_ID):
        raise IndexVersionError(
            f"the index at {root} holds vectors of another embedding model ({made_by}; this "
            f"newsearch has {MODEL_ID}): rebuild it with "
            f"`newsearch index PATHS --rebuild --index {root}`"
        )
    return default_embedder().embed, MODEL_ID


def _dry_run(
    inputs: Iterable[Input],
    root: Path,
    rebuild: bool,
    prune: bool,
    reading: ReadOptions,
    progress: Progress | None,
) -> IndexSummary:
    """What a run would do, judged against the live index (none, or ``rebuild``: an empty
    one), writing nothing."""
    started = time.monotonic()
    stored: list[Key] = []
    if not rebuild and store.exists(root):
        ix = store.open_index(root)
        try:
            stored = stored_keys(ix)
        finally:
            ix.close()
    run = Run(None, None, progress, commit_every=1, max_segments=1, reading=reading, stored=stored)
    for _ in run.batches(_items(inputs, reading)):
        pass  # a dry run queues no changes
    if prune:
        run.prune(True)
    return _summary(run.tally, root, started, reading, dry_run=True)


def _summary(
    t: Tally, root: Path, started: float, reading: ReadOptions, dry_run: bool = False
) -> IndexSummary:
    return IndexSummary(
        read=t.read,
        indexed=t.counts["indexed"],
        updated=t.counts["updated"],
        unchanged=t.counts["unchanged"],
        duplicate=t.counts["duplicate"],
        moved=t.counts["moved"],
        skipped=tuple(t.skipped),
        pruned=len(t.prunes),
        warnings=(*t.warnings, *_unused(reading)),
        duplicates=tuple(t.duplicates),
        moves=tuple(t.moves),
        prunes=tuple(t.prunes),
        dry_run=dry_run,
        index_dir=str(root),
        seconds=time.monotonic() - started,
        fields=reading.used.summary() if reading.used is not None else {},
        ignored=dict(sorted(t.ignored.items())),
    )
