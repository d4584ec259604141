"""One indexing run over an open index: count each item read, ask ``identity.Ledger`` which
article it is, and make the changes in batches (entities extracted meanwhile, ``ner_pool``),
committing as it goes; prune at the end. Every item read ends in exactly one of the counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from whoosh.index import Index
from whoosh.writing import IndexWriter

from newsearch.errors import PruneNotConfirmedError
from newsearch.index import postings_copy as sidecar
from newsearch.index.postings_copy import SidecarCodec
from newsearch.index.store import write_manifest
from newsearch.index.vocabulary import count_words, save_vocabulary
from newsearch.index.whoosh_compat import segment_count, segment_ids
from newsearch.index.whoosh_writing import (
    cancel_writer,
    commit_writer,
    open_writer,
)
from newsearch.ingest.document import Embed, add_vectors, article_language, build_document
from newsearch.ingest.identity import Decision, Key, Ledger, relocated_document
from newsearch.ingest.prepare import Item, Prepared
from newsearch.ingest.readers import DEFAULT_OPTIONS, ReadOptions, iter_items
from newsearch.ingest.readers.tree import Passed
from newsearch.models import Article, Mention, Skip
from newsearch.stories.tracker import StoryTracker
from newsearch.text.analysis import LanguageText

Progress = Callable[[int], None]
# Whether to prune (articles to remove, articles in the index), asked when it is over half
Confirm = bool | Callable[[int, int], bool]
BATCH = 256  # articles handed to entity extraction and the writer at a time


def item_of(op: Op) -> Item | None:
    """What a document worker needs of a change: the article to write, unless it has none or
    is relocated (its document is made from its stored fields)."""
    if op.article is None or op.relocate is not None:
        return None
    return op.article, op.hashes


def body_of(op: Op) -> str:
    """The text to extract entities from, knowing its article's language: none for a
    relocated article (its entities are kept) or a deletion."""
    if op.article is None or op.relocate is not None:
        return ""
    return LanguageText(op.article.body, article_language(op.article))


@dataclass(frozen=True)
class Op:
    """One change to the index: delete the documents of ``delete``, then write ``article``'s
    (if any), with the stored entities of ``relocate`` if given (``identity.Decision``)."""

    article: Article | None
    hashes: tuple[str, str]
    delete: tuple[str, ...] = ()
    relocate: str | None = None


@dataclass
class Tally:
    read: int = 0
    counts: Counter[str] = field(default_factory=Counter)  # indexed, updated, moved, ...
    skipped: list[Skip] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    moves: list[tuple[str, str]] = field(default_factory=list)
    prunes: list[str] = field(default_factory=list)
    ignored: Counter[str] = field(default_factory=Counter)  # passed over by rule, by kind


def stored_keys(ix: Index) -> list[Key]:
    with ix.searcher() as s:
        return [Key.of_document(fields) for fields in s.all_stored_fields()]


class Run:
    """One indexing run over an open index (``ix`` None: a dry run, judging the ``stored``
    articles given and writing nothing).
    Which article each item is, ``identity.Ledger`` decides; the run counts and writes."""

    def __init__(
        self,
        ix: Index | None,
        gen: Path | None,
        progress: Progress | None,
        writer_procs: int = 0,
        *,
        commit_every: int,
        max_segments: int,
        commit_most: int | None = None,
        reading: ReadOptions = DEFAULT_OPTIONS,
        stored: Iterable[Key] | None = None,
        embed: Embed | None = None,
        embedding: str | None = None,
        stories: bool = True,
    ) -> None:
        self.ix = ix
        self.embed = embed  # passage vectors, if the run makes them
        self.embedding = embedding  # the model's id, for the manifest
        # SidecarCodec: Whoosh's own, also copying frequent words' postings for fast reading
        self.writer_options: dict[str, Any] = {"limitmb": 256, "codec": SidecarCodec()}
        if writer_procs > 0:  # Whoosh's own parallel writer: one segment per process
            self.writer_options.update(procs=writer_procs, multisegment=True)
        self.commit_every = commit_every
        self.commit_most = commit_most  # given: each commit doubles the next, up to this
        self.max_segments = max_segments
        self.gen = gen
        self.progress = progress
        self.reading = reading
        self.tally = Tally()
        if stored is None:
            stored = stored_keys(ix) if ix is not None else ()
        self.ledger = Ledger(stored)
        # Copies and stories (newsearch/stories/), beside the generation; a subclass writing
        # documents its own way (cluster/work.py's shard runs) keeps none, nor does an index
        # built without them (``stories=False``).
        track = stories and ix is not None and gen is not None and type(self) is Run
        self.stories = StoryTracker(gen, ix) if track else None  # type: ignore[arg-type]
        self.held: dict[str, Article] = {}  # deferred articles given as objects (no file)
        self.pending: list[Op] = []
        self.written = 0
        self.writer: IndexWriter | None = None
        self.words: Counter[str] = Counter()

    def _writer(self) -> IndexWriter:
        assert self.ix is not None, "a dry run writes nothing"
        if self.writer is None:
            self.writer = open_writer(self.ix, **self.writer_options)
        return self.writer

    def add(self, item: Article | Skip, given: bool = False) -> None:
        t = self.tally
        if isinstance(item, Passed):  # hidden, an index, documentation: counted apart too
            t.ignored[item.kind] += 1
            if not item.listed:
                return
        t.read += 1
        if isinstance(item, Skip):
            t.skipped.append(item)
            return
        t.warnings.extend(f"{item.path}: {w}" for w in item.warnings)
        if item.id in self.ledger.seen:
            t.skipped.append(Skip(item.path, f"id {item.id!r} appears twice", item.location))
            return
        key = Key.of_article(item)
        decision = self.ledger.judge(key)
        if decision.kind == "deferred":
            if given:
                self.held[item.id] = item
            return
        self._record(key, decision, item)

    def _record(self, key: Key, d: Decision, article: Article | None) -> None:
        t = self.tally
        t.counts[d.kind] += 1
        if d.kind == "duplicate":
            t.duplicates.append((key.where, d.other or ""))
        elif d.kind == "moved":
            t.moves.append((key.where, d.other or ""))
        if (d.write or d.delete) and self.ix is not None:
            self.pending.append(
                Op(article if d.write else None, (key.hash, key.norm), d.delete, d.relocate)
            )

    def _settle(self) -> None:
        """Decide the items that waited for the end of the reading; read again from their
        files the few to write (so waiting holds no article in memory)."""
        decided = list(self.ledger.settle())
        wanted = {k.id for k, d in decided if d.write and k.id not in self.held}
        found: dict[str, Article] = {}
        if wanted and self.ix is not None:
            paths = dict.fromkeys(k.path for k, _ in decided if k.id in wanted)
            again = replace(self.reading, used=None)  # its fields are counted already
            for item in iter_items(list(paths), again):
                if isinstance(item, Article) and item.id in wanted:
                    found[item.id] = item
        for key, d in decided:
            article = self.held.pop(key.id, None) or found.get(key.id)
            if (
                d.write
                and self.ix is not None
                and (article is None or Key.of_article(article) != key)
            ):
                reason = "changed while being indexed: run again"
                self.tally.skipped.append(Skip(key.path, reason, key.location))
                continue
            self._record(key, d, article)

    def batches(self, items: Iterable[tuple[Article | Skip, bool]]) -> Iterator[list[Op]]:
        """Classify every item; yield the changes to the index in batches."""
        for item, given in items:
            self.add(item, given)
            if self.progress is not None:
                self.progress(self.tally.read)
            if len(self.pending) >= BATCH:
                yield self._take()
        self._settle()
        while self.pending:
            yield self._take()

    def _take(self) -> list[Op]:
        batch, self.pending = self.pending[:BATCH], self.pending[BATCH:]
        return batch

    def write(
        self,
        batch: list[Op],
        mentions: Sequence[tuple[Mention, ...]],
        prepared: Sequence[Prepared | None] | None = None,
    ) -> None:
        """Write a batch: its entity ``mentions``, or its documents ``prepared`` by a worker
        (ingest/prepare.py: vectors and story features made; None for an item it left)."""
        w = self._writer()
        sources = self._stored_fields({op.relocate for op in batch if op.relocate})
        docs: list[dict[str, Any]] = []
        made: list[Prepared | None] = []
        for op, ments, ready in zip(batch, mentions, prepared or [None] * len(batch), strict=True):
            for aid in op.delete:
                w.delete_by_term("article_id", aid)
            if op.article is None:
                continue
            if ready is not None:
                if ready.words:
                    self.words.update(ready.words)
                docs.append(ready.doc)
            elif op.relocate is None:
                count_words(self.words, (op.article.title, op.article.body))
                docs.append(build_document(op.article, ments, op.hashes))
            else:  # its words are counted already
                docs.append(relocated_document(op.article, sources.get(op.relocate), op.hashes))
            made.append(ready)
        if self.embed is not None:
            from newsearch.text.embedding import default_embedder  # (loaded for embed already)

            add_vectors(
                [d for d, r in zip(docs, made, strict=True) if r is None],
                self.embed,
                default_embedder().vocabulary,
            )
        if self.stories is not None:  # each new article's copies and story
            self.stories.write(batch, docs, made)
        for doc in docs:
            w.add_document(**doc)
        self.written += len(batch)
        if self.written >= self.commit_every:
            self.commit()
            if self.commit_most is not None:
                self.commit_every = max(
                    self.commit_every, min(2 * self.commit_every, self.commit_most)
                )

    def _stored_fields(self, ids: set[str]) -> dict[str, dict[str, Any]]:
        """The stored fields of articles to relocate, from the last commit (a relocated
        article's document is deleted only by its relocation)."""
        if not ids or self.ix is None:
            return {}
        with self.ix.searcher() as s:
            return {aid: s.document(article_id=aid) for aid in ids}

    def prune(self, confirm: Confirm) -> None:
        """Remove the articles no item claimed whose place no longer holds them: the file is
        gone, or was read this run without them (a record removed from a file). Places are
        absolute paths: a run started in another directory judges the same files. Removing
        more than half the index needs ``confirm``."""
        gone = self.ledger.prunable()
        self.tally.prunes = [s.where for s in gone]
        if self.ix is None or not gone:
            return
        total = len(self.ledger.stored)
        if 2 * len(gone) > total and not (
            confirm(len(gone), total) if callable(confirm) else confirm
        ):
            raise PruneNotConfirmedError(len(gone), total)
        w = self._writer()
        for s in gone:
            w.delete_by_term("article_id", s.id)
        if self.stories is not None:
            self.stories.remove(s.id for s in gone)

    def commit(self, merge: bool = True) -> None:
        """Commit what is written (``merge=False``: no segments merged, as Whoosh's policy
        would; ``merge_segments`` does it later)."""
        if self.writer is not None:
            assert self.gen is not None
            # The batch's words first: a kill between the two then counts some words twice
            # (the re-run adds them again), where the other order lost them for good (the
            # re-run finds their articles unchanged). The vocabulary is a hint for spelling
            # and fuzzy words; a missing word is a miss, a count too high is not.
            save_vocabulary(self.gen, self.words)
            self.words.clear()
            if self.embedding is not None:  # before the vectors it names are committed
                write_manifest(self.gen, embedding=self.embedding)
            writer, self.writer = self.writer, None  # (a failed commit cancels it)
            commit_writer(writer, merge)
            self._prune_copies()
        if self.stories is not None:  # just after Whoosh's (a kill between: made again)
            self.stories.commit(self._ix().latest_generation())
        self.written = 0

    def _prune_copies(self) -> None:
        assert self.gen is not None and self.ix is not None
        sidecar.prune(self.gen, segment_ids(self.ix))

    def merge(self) -> None:
        """The parallel writer adds a segment per process and commit; past ``max_segments``,
        let Whoosh's usual policy merge the small ones. It merges by size, so segments of
        similar size stay (Reuters keeps 10); a full optimize costs minutes and is left to the
        user."""
        if "procs" in self.writer_options and segment_count(self._ix()) > self.max_segments:
            self.merge_segments()

    def merge_segments(self) -> None:
        """A commit of nothing new that merges what Whoosh's policy merges (length totals kept
        exact), then the merged segments' postings copies let go."""
        commit_writer(self._ix().writer(limitmb=256, codec=SidecarCodec()))
        self._prune_copies()
        if self.stories is not None:
            self.stories.commit(self._ix().latest_generation())

    def _ix(self) -> Index:
        assert self.ix is not None
        return self.ix

    def cancel(self) -> None:
        if self.stories is not None:
            self.stories.cancel()
        if self.writer is not None:
            cancel_writer(self.writer)
            self.writer = None
