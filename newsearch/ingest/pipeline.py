"""Indexing: read items, decide what each one is (new, changed, unchanged, duplicate, skipped),
split passages, attach entities and write them, committing as it goes.

Every item read ends in exactly one of the summary's counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh.index import Index
from whoosh.writing import IndexWriter

from newsearch.index import postings_copy as sidecar
from newsearch.index import store
from newsearch.index.postings_copy import SidecarCodec
from newsearch.ingest.ner_pool import Extractor, default_processes, extract_batches
from newsearch.ingest.readers import iter_items
from newsearch.ingest.readers.tabular import configure_csv
from newsearch.models import Article, IndexSummary, Mention, Skip
from newsearch.search.query import entity_key, source_key
from newsearch.search.spelling import count_words, save_vocabulary
from newsearch.text.dates import day_key
from newsearch.text.passages import make_passages

Input = str | os.PathLike[str] | Article
Progress = Callable[[int], None]
# Articles between commits. With Whoosh's parallel writer (--no-entities) each commit is a
# barrier (its sub-writers finish and the next batch waits), so fewer is faster (Reuters: 5
# commits -> 2 took 1.9-2.2x raw Whoosh to 1.7-2.1x). With entities the single writer commits
# while the NER workers go on, and a big commit at the end would keep them idle. A kill -9 loses
# at most this many articles' work, which the next run redoes (about a minute either way).
COMMIT_EVERY = 20000
COMMIT_EVERY_WITH_ENTITIES = 5000
MAX_SEGMENTS = 8
BATCH = 256


def _where(path: str, location: str | None) -> str:
    return f"{path}:{location}" if location else path


def _body(item: tuple[Article, bool]) -> str:
    return item[0].body


def content_hash(a: Article) -> str:
    parts = [a.title, a.body, a.date, a.time, a.source, a.author, a.url, sorted(a.tags)]
    return hashlib.sha1(json.dumps(parts, default=str).encode("utf-8")).hexdigest()


def norm_hash(a: Article) -> str:
    text = " ".join(f"{a.title or ''}\n{a.body}".lower().split())
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


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


def _items(inputs: Iterable[Input]) -> Iterator[Article | Skip]:
    paths: list[str | os.PathLike[str]] = []
    for item in inputs:
        if isinstance(item, Article):
            if paths:
                yield from iter_items(paths)
                paths = []
            yield item
        else:
            paths.append(item)
    if paths:
        yield from iter_items(paths)


def _tag_display(value: str) -> str:
    return value.upper() if len(value) <= 3 else value.title() if value.islower() else value


def entity_records(a: Article, mentions: tuple[Mention, ...]) -> list[list[str]]:
    """``[type, display name, key]`` for each distinct entity of an article (tags included)."""
    seen: dict[tuple[str, str], str] = {}
    for m in mentions:
        seen.setdefault((m.entity.type, entity_key(m.entity.name)), m.entity.name)
    for kind, value in a.tags:
        if kind in ("person", "org", "place"):
            seen.setdefault((kind, entity_key(value)), _tag_display(value))
    return [[t, name, key] for (t, key), name in seen.items() if key]


_LATEST = 99999999999999


def date_fields(a: Article) -> dict[str, Any]:
    """The day as ``YYYYMMDD`` (filters) and two sort keys that put undated articles last
    whichever way the results are sorted."""
    if a.date is None:
        return {"newest": b"1", "oldest": b"1"}
    day, t = day_key(a.date), a.time or dt.time.min
    stamp = int(day) * 1_000_000 + (t.hour * 100 + t.minute) * 100 + t.second
    return {
        "date": day,
        "newest": f"0{_LATEST - stamp:014d}".encode(),
        "oldest": f"0{stamp:014d}".encode(),
    }


def _document(a: Article, mentions: tuple[Mention, ...], hashes: tuple[str, str]) -> dict[str, Any]:
    """The article's one index document (``hashes``: its content and normalised-text hashes)."""
    records = entity_records(a, mentions)
    # The text field holds the title too: one field to search for every word of a query.
    doc: dict[str, Any] = {
        "article_id": a.id,
        "text": f"{a.title}\n\n{a.body}" if a.title else a.body,
    }
    if a.title:
        doc["title"] = a.title  # for title:word
    if a.source:
        doc["source"] = source_key(a.source)
    doc.update(date_fields(a))
    topics = ",".join(v.lower() for k, v in a.tags if k == "topic")
    if topics:
        doc["topic"] = topics
    tagged = {(t, key) for t, _, key in records if key}
    for kind in ("person", "org", "place"):
        keys = sorted({key for t, key in tagged if t == kind})
        if keys:
            doc[kind] = ",".join(k.replace(",", " ") for k in keys)
    passages = make_passages(a.id, a.body)
    doc["passages"] = " ".join("p" for _ in passages)
    doc["body"] = a.body
    doc["meta"] = {
        "path": a.path,
        "title": a.title,
        "source": a.source,
        "author": a.author,
        "date": a.date.isoformat() if a.date else None,
        "time": a.time.isoformat() if a.time else None,
        "url": a.url,
        "location": a.location,
        "tags": [list(t) for t in a.tags],
        "entities": records,
        # [start, end, [[type, name], ...]] of each passage, in order
        "passages": [[p.start, p.end, _passage_entities(p, mentions)] for p in passages],
    }
    doc["hash"], doc["norm"] = hashes
    return doc


def _passage_entities(p: Any, mentions: tuple[Mention, ...]) -> list[list[str]]:
    out: dict[tuple[str, str], None] = {}
    for m in mentions:
        if m.start >= p.start and m.end <= p.end:
            out[(m.entity.type, m.entity.name)] = None
    return [list(k) for k in out]


class _Run:
    """One indexing run over an open index."""

    def __init__(
        self, ix: Index, gen: Path, progress: Progress | None, writer_procs: int = 1
    ) -> None:
        self.ix = ix
        # SidecarCodec: Whoosh's own, also copying frequent words' postings for fast reading
        self.writer_options: dict[str, Any] = {"limitmb": 256, "codec": SidecarCodec()}
        if writer_procs > 1:  # Whoosh's own parallel writer: one segment per process
            self.writer_options.update(procs=writer_procs, multisegment=True)
        self.gen = gen
        self.progress = progress
        self.tally = _Tally()
        self.known: dict[str, tuple[str, str]] = {}  # article id -> (hash, path)
        # normalised-text hash -> (id, "path[:record]") of the article kept
        self.norms: dict[str, tuple[str, str]] = {}
        self.seen: set[str] = set()
        self.hashes: dict[str, tuple[str, str]] = {}  # of the articles waiting to be written
        self.paths_read: set[str] = set()
        self.pending: list[tuple[Article, bool]] = []  # (article, replaces an older version)
        self.written = 0
        self.writer: IndexWriter | None = None
        self.words: Counter[str] = Counter()
        with ix.searcher() as s:
            for fields in s.all_stored_fields():
                meta = fields["meta"]
                aid = fields["article_id"]
                self.known[aid] = (fields["hash"], meta["path"])
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
        self.paths_read.add(item.path)
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
            w.add_document(**_document(article, ments, self.hashes.pop(article.id)))
        self.written += len(batch)
        every = COMMIT_EVERY if "procs" in self.writer_options else COMMIT_EVERY_WITH_ENTITIES
        if self.written >= every:
            self.commit()

    def prune(self) -> None:
        gone = [
            aid
            for aid, (_, path) in self.known.items()
            if aid not in self.seen and (path in self.paths_read or not Path(path).exists())
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
        sidecar.prune(self.gen, {seg.segment_id() for seg in self.ix._segments()})

    def merge(self) -> None:
        """The parallel writer adds a segment per process and commit; past MAX_SEGMENTS, let
        Whoosh's usual policy merge the small ones. It merges by size, so segments of similar
        size stay (Reuters keeps 10); a full optimize costs minutes and is left to the user."""
        if "procs" in self.writer_options and len(self.ix._segments()) > MAX_SEGMENTS:
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
    csv_columns: str | None = None,
) -> IndexSummary:
    """Index files, directories and/or Article objects into ``index_dir``.

    An existing index is updated incrementally (new, changed and unchanged articles by content
    hash); ``rebuild=True`` builds a fresh one beside it and swaps it in only when complete.
    Entities are extracted with ``processes`` worker processes (default: one per core).
    ``csv_columns`` maps CSV columns to fields, e.g. ``"title=2,body=3"`` (default: detected).
    """
    started = time.monotonic()
    root = Path(index_dir)
    if isinstance(inputs, str | os.PathLike | Article):
        inputs = [inputs]
    if entities and extractor is None:
        from newsearch.ingest.entities import SpacyExtractor

        extractor = SpacyExtractor()
    if not entities:
        extractor = None
    if csv_columns:
        configure_csv(csv_columns)  # raises InputError with the fix before anything is written
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
        run = _Run(ix, gen, progress, writer_procs)
        try:
            batches = run.batches(_items(inputs))
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
    if csv_columns:
        configure_csv()
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
