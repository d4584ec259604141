"""What Dask workers run: read a chunk of files, make a batch's documents, write a shard.

Every function here is a plain module function of plain arguments (Dask pickles them by
name), and does what a single-machine run does at the same step, with the same code:

- ``read_chunk``: ``readers.read_file`` over a few files (in the client's order); the articles
  stay in the worker (``Chunk``), and ``records`` sends the client their keys to judge.
- ``make_documents``: one batch of decisions (``ledger.Planned``): entities (one extractor call
  per batch, as ``ner_pool`` makes it), ``document.build_document``, a moved article's stored
  entities reused (``identity.relocated_document``), the vectors (``document.add_vectors``),
  the words for the vocabulary; split by shard (``Part``: deletions and documents in order).
- ``write_shard``: one commit into one shard, through ``run.Run``'s writer and commit (the
  vocabulary, the manifest, the postings copies). One task per shard at a time: the client
  chains each shard's writes. A write is idempotent: a document whose id the shard already
  holds replaces it, so a write Dask runs again after a worker died doubles nothing.
- ``merge_shard``: the shard's segments merged as Whoosh's policy would at a commit, as a
  task of its own, chained among the shard's writes.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from newsearch.cluster.ledger import Planned, Record
from newsearch.cluster.shardmap import route
from newsearch.index import store
from newsearch.index.vocabulary import count_words
from newsearch.index.whoosh_compat import segment_count
from newsearch.ingest.document import add_vectors, article_language, build_document
from newsearch.ingest.identity import Key, relocated_document
from newsearch.ingest.prepare import NO_FEATURES, story_features
from newsearch.ingest.readers import read_file
from newsearch.ingest.readers.options import FieldUse, ReadOptions
from newsearch.ingest.run import Run, stored_keys
from newsearch.models import Article, Mention, Skip
from newsearch.text.analysis import LanguageText

Entry = Path | Skip  # a file to read, or an entry of the walk already skipped


@dataclass
class Chunk:
    """A chunk's items in the order read, and which record fields its readers used."""

    items: list[Article | Skip]
    used: Counter[tuple[str, str]]


@dataclass(frozen=True)
class StoryInput:
    """What the client's story tracker needs of one new document (stories/tracker.py): the
    text, date, source and hash it reads (``doc``), and its features."""

    doc: dict[str, Any]
    counts: dict[int, float]
    hashes: Any
    keys: Any
    table: bool


@dataclass
class Made:
    """A batch's documents split by shard (``parts``), and for each of its changes, in order,
    the ids it deletes and its new document's StoryInput (None: no document)."""

    parts: list[Part]
    changes: list[tuple[tuple[str, ...], StoryInput | None]]


@dataclass
class Part:
    """One batch's changes to one shard, in order: ``("delete", id)`` or ``("add", doc)``."""

    changes: list[tuple[str, Any]] = field(default_factory=list)
    words: Counter[str] = field(default_factory=Counter)

    @property
    def documents(self) -> int:
        return sum(1 for kind, _ in self.changes if kind == "add")


def read_chunk(entries: list[Entry], reading: ReadOptions) -> Chunk:
    used = FieldUse()
    options = replace(reading, used=used)
    items: list[Article | Skip] = []
    for entry in entries:
        if isinstance(entry, Skip):
            items.append(entry)
        else:
            items.extend(read_file(entry, options))
    return Chunk(items, used.counts)


def records(chunk: Chunk) -> tuple[list[Record], Counter[tuple[str, str]]]:
    """What the client needs to judge the chunk's items (and the fields used)."""
    out: list[Record] = []
    for item in chunk.items:
        if isinstance(item, Skip):
            out.append(Record(None, item))
        else:
            out.append(Record(Key.of_article(item), None, item.warnings))
    return out, chunk.used


def shard_keys(shard_dir: Path) -> list[Key]:
    """The keys of the articles a shard holds (its last commit)."""
    ix = store.open_index(shard_dir)
    try:
        return stored_keys(ix)
    finally:
        ix.close()


@functools.cache
def _extractor() -> Any:
    """The worker's entity extractor (spaCy loaded once per worker process)."""
    from newsearch.ingest.entities import SpacyExtractor

    return SpacyExtractor()


def _embedder() -> Any:
    from newsearch.text.embedding import default_embedder

    return default_embedder()


def make_documents(
    batch: list[Planned],
    chunk_numbers: list[int],
    shard_dirs: list[Path],
    entities: bool,
    vectors: bool,
    stories: bool,
    *chunks: Chunk,
) -> Made:
    """The batch's changes as each shard takes them (``Part`` per shard), and what the
    client's story tracker needs of them."""
    by_number = dict(zip(chunk_numbers, chunks, strict=True))
    articles = [by_number[p.ref[0]].items[p.ref[1]] if p.ref else None for p in batch]
    texts = [  # each with its article's language, as a single-machine run gives them
        LanguageText(a.body, article_language(a))
        if isinstance(a, Article) and p.relocate is None
        else ""
        for p, a in zip(batch, articles, strict=True)
    ]
    mentions: list[tuple[Mention, ...]] = (
        _extractor().extract(texts) if entities else [()] * len(batch)
    )
    stored = _relocated(batch, shard_dirs)
    parts = [Part() for _ in shard_dirs]
    docs: list[dict[str, Any]] = []
    changes: list[tuple[tuple[str, ...], int | None]] = []
    for p, a, ments in zip(batch, articles, mentions, strict=True):
        for aid in p.delete:
            parts[route(aid, len(shard_dirs))].changes.append(("delete", aid))
        changes.append((p.delete, len(docs) if isinstance(a, Article) else None))
        if not isinstance(a, Article):
            continue
        part = parts[route(a.id, len(shard_dirs))]
        if p.relocate is None:
            count_words(part.words, (a.title, a.body))
            doc = build_document(a, ments, p.hashes)
        elif p.relocate in stored:
            doc = relocated_document(a, stored[p.relocate], p.hashes)
        else:  # its old shard no longer has it (a write run again): extract its entities
            body = LanguageText(a.body, article_language(a))
            again = _extractor().extract([body])[0] if entities else ()
            doc = build_document(a, again, p.hashes)
        docs.append(doc)
        part.changes.append(("add", doc))
    if vectors:
        embedder = _embedder()
        add_vectors(docs, embedder.embed, embedder.vocabulary)
    features = story_features(docs) if stories else [NO_FEATURES] * len(docs)
    inputs = [
        StoryInput(_light(doc), counts, hashes, keys, table)
        for doc, (counts, hashes, keys, table) in zip(docs, features, strict=True)
    ]
    return Made(parts, [(d, inputs[n] if n is not None else None) for d, n in changes])


def _light(doc: dict[str, Any]) -> dict[str, Any]:
    """The fields of a document the story tracker reads (not its vectors, terms, entities)."""
    meta = doc.get("meta") or {}
    out = {
        "article_id": doc["article_id"],
        "body": doc.get("body") or "",
        "meta": {"date": meta.get("date"), "source": meta.get("source")},
        "norm": doc.get("norm"),
    }
    if doc.get("title"):
        out["title"] = str(doc["title"])
    return out


def _relocated(batch: list[Planned], shard_dirs: list[Path]) -> dict[str, dict[str, Any]]:
    """The stored fields of the moved articles whose entities are reused, from their shards'
    last commits (before this batch's deletions are written)."""
    wanted: dict[int, set[str]] = {}
    for p in batch:
        if p.relocate and p.ref:
            wanted.setdefault(route(p.relocate, len(shard_dirs)), set()).add(p.relocate)
    found: dict[str, dict[str, Any]] = {}
    for number, ids in wanted.items():
        ix = store.open_index(shard_dirs[number])
        try:
            with ix.searcher() as s:
                for aid in ids:
                    fields = s.document(article_id=aid)
                    if fields is not None:
                        found[aid] = fields
        finally:
            ix.close()
    return found


def pick(made: Made, shard: int) -> Part:
    return made.parts[shard]


def story_inputs(made: Made) -> list[tuple[tuple[str, ...], StoryInput | None]]:
    return made.changes


def write_shard(
    shard_dir: Path,
    parts: list[Part],
    embedding: str | None,
    lock_timeout: float,
    after: object = None,
    stories: dict[str, str] | None = None,
) -> int:
    """Write ``parts`` into the shard as one commit (``after``: the shard's previous write,
    which Dask finishes first), each new document given its story from ``stories`` (article
    id -> story, the client's tracker); the number of documents written."""
    del after  # (only orders the writes)
    with store.write_lock(shard_dir, lock_timeout):
        gen, ix = store.open_live(shard_dir)
        run = _ShardRun(ix, gen, embedding)
        try:
            written = run.apply(parts, stories or {})
            run.commit(merge=False)  # (merge_shard merges, off the tracker's checkpoints)
            store.touch(gen)
        except BaseException:
            run.cancel()
            raise
        finally:
            ix.close()
    return written


def merge_shard(shard_dir: Path, lock_timeout: float, after: object = None) -> int:
    """Merge the shard's segments as Whoosh's policy merges them at a commit (``write_shard``
    commits without), again until it merges no more (each time it merges the smallest up to
    one point); the number of segments left. A merge of a 100k-article shard takes minutes:
    as part of a write, the client's checkpoint (runner.py) waited for it, and with it the
    workers."""
    del after  # (only orders the shard's writes)
    with store.write_lock(shard_dir, lock_timeout):
        gen, ix = store.open_live(shard_dir)
        try:
            run = _ShardRun(ix, gen, None)
            left = segment_count(ix)
            while left > 1:
                run.merge_segments()
                before, left = left, segment_count(ix)
                if left >= before:
                    break
            store.touch(gen)
        finally:
            ix.close()
    return left


class _ShardRun(Run):
    """A run over one shard that writes the documents it is given (judged by the client)."""

    def __init__(self, ix: Any, gen: Path, embedding: str | None) -> None:
        super().__init__(
            ix, gen, None, commit_every=1 << 62, max_segments=1, stored=(), embedding=embedding
        )

    def apply(self, parts: list[Part], stories: dict[str, str]) -> int:
        changes = [c for part in parts for c in part.changes]
        for part in parts:
            self.words.update(part.words)
        if not changes:
            return 0
        w = self._writer()
        # Ids the shard holds already (a write run again after a worker died, or an update):
        # replaced, never doubled. (The writer's searcher, kept open, sees its last commit.)
        reader = w.searcher().reader()
        for kind, value in changes:
            if kind == "delete":
                w.delete_by_term("article_id", value)
                continue
            aid = value["article_id"]
            if ("article_id", aid) in reader:
                w.delete_by_term("article_id", aid)
            story = stories.get(aid)
            w.add_document(**({**value, "story": story} if story else value))
        return sum(1 for kind, _ in changes if kind == "add")
