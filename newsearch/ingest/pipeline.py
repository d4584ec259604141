"""Indexing: read items, decide what each one is (new, changed, unchanged, duplicate, skipped),
attach entities and write each as its index document (``document.py``), committing as it goes.

Every item read ends in exactly one of the summary's counts.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from whoosh.index import Index
from whoosh.writing import IndexWriter

from newsearch.errors import InputError
from newsearch.index import postings_copy as sidecar
from newsearch.index import store
from newsearch.index.postings_copy import SidecarCodec
from newsearch.index.vocabulary import count_words, save_vocabulary
from newsearch.index.whoosh_compat import segment_count, segment_ids
from newsearch.ingest.document import build_document, content_hash, norm_hash
from newsearch.ingest.ner_pool import Extractor, default_processes, extract_batches
from newsearch.ingest.readers import DEFAULT_OPTIONS, ReadOptions, csv_options, iter_items
from newsearch.ingest.readers.tree import check_paths
from newsearch.models import Article, IndexSummary, Mention, Skip

Input = str | os.PathLike[str] | Article
Progress = Callable[[int], None]
# Articles between commits. With Whoosh's parallel writer (--no-entities) each commit is a
# barrier (its sub-writers finish and the next batch waits), so fewer is faster (Reuters: 5
# commits -> 2 took 1.9-2.2x raw Whoosh to 1.7-2.1x). With entities the single writer commits
# while the NER workers go on, and a big commit at the end would keep them idle. A kill -9 loses
# at most this many articles' work, which the next run redoes (about a minute either way).
# (Defaults: ``build_index(commit_every=..., max_segments=...)`` sets them for one run.)
COMMIT_EVERY = 20000
COMMIT_EVERY_WITH_ENTITIES = 5000
MAX_SEGMENTS = 8
BATCH = 256


def _where(path: str, location: str | None) -> str:
    return f"{path}:{location}" if location else path


def _body(item: tuple[Article, bool]) -> str:
    return item[0].body


@dataclass
class _Tally:
    read: int = 0
    indexed: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicate: int = 0
    pruned: int = 0
    skipped: list[Skip] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)


def _items(inputs: Iterable[Input], options: ReadOptions) -> Iterator[Article | Skip]:
    paths: list[str | os.PathLike[str]] = []
    for item in inputs:
        if isinstance(item, Article):
            if paths:
                yield from iter_items(paths, options)
                paths = []
            yield item
        else:
            paths.append(item)
    if paths:
        yield from iter_items(paths, options)


class _Run:
    """One indexing run over an open index."""

    def __init__(
        self,
        ix: Index,
        gen: Path,
        progress: Progress | None,
        writer_procs: int = 1,
        *,
        commit_every: int | None = None,
        max_segments: int = MAX_SEGMENTS,
    ) -> None:
        self.ix = ix
        # SidecarCodec: Whoosh's own, also copying frequent words' postings for fast reading
        self.writer_options: dict[str, Any] = {"limitmb": 256, "codec": SidecarCodec()}
        if writer_procs > 1:  # Whoosh's own parallel writer: one segment per process
            self.writer_options.update(procs=writer_procs, multisegment=True)
        default = COMMIT_EVERY if writer_procs > 1 else COMMIT_EVERY_WITH_ENTITIES
        self.commit_every = default if commit_every is None else commit_every
        self.max_segments = max_segments
        self.gen = gen
        self.progress = progress
        self.tally = _Tally()
        self.known: dict[str, tuple[str, str]] = {}  # article id -> (hash, absolute path)
        # normalised-text hash -> (id, "path[:record]") of the article kept
        self.norms: dict[str, tuple[str, str]] = {}
        self.seen: set[str] = set()
        self.hashes: dict[str, tuple[str, str]] = {}  # of the articles waiting to be written
        self.paths_read: set[str] = set()  # absolute
        self.pending: list[tuple[Article, bool]] = []  # (article, replaces an older version)
        self.written = 0
        self.writer: IndexWriter | None = None
        self.words: Counter[str] = Counter()
        with ix.searcher() as s:
            for fields in s.all_stored_fields():
                meta = fields["meta"]
                aid = fields["article_id"]
                # where the file was when indexed (indexes before "abspath": as given)
                self.known[aid] = (fields["hash"], meta.get("abspath", meta["path"]))
                self.norms[fields["norm"]] = (aid, _where(meta["path"], meta.get("location")))

    def _writer(self) -> IndexWriter:
        if self.writer is None:
            self.writer = self.ix.writer(**self.writer_options)
        return self.writer

    def add(self, item: Article | Skip) -> None:
        t = self.tally
        t.read += 1
        if isinstance(item, Skip):
            t.skipped.append(item)
            return
        t.warnings.extend(f"{item.path}: {w}" for w in item.warnings)
        self.paths_read.add(os.path.abspath(item.path))
        if item.id in self.seen:
            t.skipped.append(Skip(item.path, f"id {item.id!r} appears twice", item.location))
            return
        self.seen.add(item.id)
        h = content_hash(item)
        old = self.known.get(item.id)
        if old and old[0] == h:
            t.unchanged += 1
            return
        n = norm_hash(item)
        kept = self.norms.get(n)
        if kept is not None and kept[0] != item.id:
            t.duplicate += 1
            t.duplicates.append((_where(item.path, item.location), kept[1]))
            return
        self.norms[n] = (item.id, _where(item.path, item.location))
        self.hashes[item.id] = (h, n)
        if old:
            t.updated += 1
        else:
            t.indexed += 1
        self.pending.append((item, old is not None))

    def batches(self, items: Iterable[Article | Skip]) -> Iterator[list[tuple[Article, bool]]]:
        """Classify every item; yield the new and changed articles in batches."""
        for item in items:
            self.add(item)
            if self.progress is not None:
                self.progress(self.tally.read)
            if len(self.pending) >= BATCH:
                batch, self.pending = self.pending, []
                yield batch
        if self.pending:
            batch, self.pending = self.pending, []
            yield batch

    def write(self, batch: list[tuple[Article, bool]], mentions: list[tuple[Mention, ...]]) -> None:
        w = self._writer()
        for (article, replaces), ments in zip(batch, mentions, strict=True):
            count_words(self.words, (article.title, article.body))
            if replaces:
                w.delete_by_term("article_id", article.id)
            w.add_document(**build_document(article, ments, self.hashes.pop(article.id)))
        self.written += len(batch)
        if self.written >= self.commit_every:
            self.commit()

    def prune(self) -> None:
        """Remove the articles not read this run whose file is gone, or was read this run
        without them (a record removed from a file). Paths are absolute: a run started in
        another directory judges the same files."""
        gone = [
            aid
            for aid, (_, path) in self.known.items()
            if aid not in self.seen and (path in self.paths_read or not os.path.exists(path))
        ]
        w = self._writer()
        for aid in gone:
            w.delete_by_term("article_id", aid)
        self.tally.pruned = len(gone)

    def commit(self) -> None:
        if self.writer is not None:
            self.writer.commit()
            self.writer = None
            save_vocabulary(self.gen, self.words)
            self.words.clear()
            self._prune_copies()
        self.written = 0

    def _prune_copies(self) -> None:
        sidecar.prune(self.gen, segment_ids(self.ix))

    def merge(self) -> None:
        """The parallel writer adds a segment per process and commit; past ``max_segments``,
        let Whoosh's usual policy merge the small ones. It merges by size, so segments of
        similar size stay (Reuters keeps 10); a full optimize costs minutes and is left to the
        user."""
        if "procs" in self.writer_options and segment_count(self.ix) > self.max_segments:
            self.ix.writer(limitmb=256, codec=SidecarCodec()).commit(merge=True)
            self._prune_copies()

    def cancel(self) -> None:
        if self.writer is not None:
            self.writer.cancel()
            self.writer = None


def build_index(
    inputs: Input | Iterable[Input],
    index_dir: str | os.PathLike[str] = "index",
    *,
    rebuild: bool = False,
    prune: bool = False,
    entities: bool = True,
    extractor: Extractor | None = None,
    progress: Progress | None = None,
    lock_timeout: float = store.WRITE_TIMEOUT,
    processes: int | None = None,
    csv_columns: str | Mapping[str, int | str] | None = None,
    reading: ReadOptions = DEFAULT_OPTIONS,
    commit_every: int | None = None,
    max_segments: int = MAX_SEGMENTS,
) -> IndexSummary:
    """Index files, directories and/or Article objects into ``index_dir``.

    An existing index is updated incrementally (new, changed and unchanged articles by content
    hash); ``rebuild=True`` builds a fresh one beside it and swaps it in only when complete.
    Entities are extracted with ``processes`` worker processes (default: one per core).
    ``csv_columns`` maps CSV columns to fields, e.g. ``"title=2,body=3"`` (default: detected);
    ``reading`` holds the other reading options (``ReadOptions``: the CSV header and delimiter,
    the file size limit). ``commit_every`` articles are written between commits (default:
    ``COMMIT_EVERY``, or ``COMMIT_EVERY_WITH_ENTITIES`` with entities); past ``max_segments``
    segments the run merges the small ones. Every setting holds for this run only.
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
    if entities and extractor is None:
        from newsearch.ingest.entities import SpacyExtractor

        extractor = SpacyExtractor()
    if not entities:
        extractor = None
    if csv_columns:  # raises InputError with the fix before anything is written
        csv = reading.csv
        reading = replace(
            reading, csv=csv_options(csv_columns, header=csv.header, delimiter=csv.delimiter)
        )
    with store.write_lock(root, lock_timeout):
        shadow = rebuild or not store.exists(root)
        if shadow:
            gen, ix = store.new_generation(root)
            if not store.exists(root):
                store.publish(
                    root, gen
                )  # a first build is live (empty) at once, and grows by commit
                shadow = False
        else:
            gen = store.current_generation(root)  # type: ignore[assignment]
            ix = store.open_index(root)
        # Without entities the cores are free for Whoosh's parallel writer; with them, the
        # entity workers use the cores and one writer keeps up.
        writer_procs = 1 if extractor is not None else (processes or default_processes())
        run = _Run(
            ix, gen, progress, writer_procs, commit_every=commit_every, max_segments=max_segments
        )
        try:
            batches = run.batches(_items(inputs, reading))
            for batch, mentions in extract_batches(extractor, batches, _body, processes):
                run.write(batch, mentions)
            if prune:
                run.prune()
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
    t = run.tally
    return IndexSummary(
        read=t.read,
        indexed=t.indexed,
        updated=t.updated,
        unchanged=t.unchanged,
        duplicate=t.duplicate,
        skipped=tuple(t.skipped),
        pruned=t.pruned,
        warnings=tuple(t.warnings),
        duplicates=tuple(t.duplicates),
        index_dir=str(root),
        seconds=time.monotonic() - started,
    )
