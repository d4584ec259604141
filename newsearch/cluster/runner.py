"""One cluster run's traffic (``ingest.build_sharded`` holds the lock and the shard map):
chunks of files read in workers, every item judged by the client's ledger (``ledger.py``),
batches of documents made in workers (``work.make_documents``), each batch's copies and
stories decided by the client's tracker in order, and each shard's parts written by one task
at a time (``work.write_shard``), with their stories.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from newsearch.cluster import work
from newsearch.cluster.ledger import Judge, Planned
from newsearch.cluster.placement import Placement, workers
from newsearch.cluster.shardmap import ShardMap
from newsearch.errors import NewsearchError, PruneNotConfirmedError
from newsearch.index import store
from newsearch.index.schema import build_schema
from newsearch.index.shards import ShardedIndex
from newsearch.ingest.identity import Key
from newsearch.ingest.readers import ReadOptions
from newsearch.ingest.readers.options import FieldUse
from newsearch.ingest.run import Confirm, Progress
from newsearch.stories.tracker import StoryTracker

CHUNK_FILES = 64  # files read by one task at most
CHUNK_BYTES = 2 << 20  # and about this many bytes
BATCHES_IN_FLIGHT = 4  # batches of documents being made, per worker
# Dask's priority for the small tasks the client waits on (reading a chunk and its records, a
# batch's story inputs and parts, a shard's write) over making documents. Dask runs a worker's
# tasks in the order they were submitted, all else equal: a batch's story inputs, asked for
# after the next batches were queued, waited behind them, the client (which settles batches in
# order) with it, and meanwhile the other worker ran out of batches: Reuters on 2 workers
# showed gaps of 2-8 s, 125 s of its 2 x 392 s idle; with these first, 67 of 2 x 357 s.
URGENT = 1
# Documents written to a shard per commit. Whoosh analyses a shard's documents when its write
# task runs (a single machine's writer does it as documents come), so the last commit of each
# shard is a tail after the last batch: 5,000 a commit left 33 s of tail on 5,000 Reuters
# articles on one worker; 1,000 keeps the writes overlapping the making of documents. Each
# commit after the first doubles the shard's next, up to SHARD_COMMIT_MOST: commits of 1,000
# piled up segments that Whoosh's policy then merged (a 32k-article shard's writes cost 5.9 s
# each against 2.4 s in a 10.6k one, where none merged); and once every batch is sent, what
# waits is written at once, so that the last commits stay small.
SHARD_COMMIT_EVERY = 1000
SHARD_COMMIT_MOST = 8000
# The client's story tracker (stories/tracker.py) holds the texts of the run's articles until
# it commits; every this many, the shards' waiting parts are written and it commits, once they
# are. Until then no batch is settled (the tracker must commit what the shards hold, no more),
# but the workers go on making documents (``Runner._room``). Then each shard's segments are
# merged (``work.merge_shard``), a task the tracker does not wait for: merged in a checkpoint's
# write, a 100k-article shard's merge (~150 s) held the client, and both workers soon ran dry.
TRACKER_COMMIT_EVERY = 20000


def _open_shards(smap: ShardMap) -> ShardedIndex:
    """The run's shards as one index (their last commits), for the story tracker."""
    opened: list[tuple[Path, Any]] = []
    try:
        for folder in smap.dirs:
            opened.append(store.open_live(folder))
    except BaseException:
        for _, ix in opened:
            ix.close()
        raise
    return ShardedIndex(opened, build_schema())


@dataclass(frozen=True)
class _Change:
    """A change as the story tracker takes it: ids deleted, then a document or not."""

    delete: tuple[str, ...]
    article: bool | None


def chunks(entries: Iterable[Path | Any]) -> Iterator[list[Path | Any]]:
    """The walk's entries in order, in chunks of about CHUNK_BYTES (at most CHUNK_FILES)."""
    chunk: list[Path | Any] = []
    size = 0
    for entry in entries:
        chunk.append(entry)
        if isinstance(entry, Path):
            with contextlib.suppress(OSError):
                size += entry.stat().st_size
        if len(chunk) >= CHUNK_FILES or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


class Runner:
    """One run's traffic with the cluster (see the module's docstring)."""

    def __init__(
        self,
        client: Any,
        smap: ShardMap,
        reading: ReadOptions,
        entities: bool,
        vectors: bool,
        embedding: str | None,
        lock_timeout: float,
        stories: bool = True,
    ) -> None:
        self.client = client
        self.smap = smap
        self.dirs = [d.resolve() for d in smap.dirs]
        self.reading = replace(reading, used=FieldUse())  # (each chunk counts its own)
        self.used: Any = self.reading.used.counts if self.reading.used else {}
        self.entities, self.vectors, self.embedding = entities, vectors, embedding
        self.track = stories  # copies and stories (an index built without keeps none)
        self.lock_timeout = lock_timeout
        self.commit_every = SHARD_COMMIT_EVERY
        self.commit_most = SHARD_COMMIT_MOST  # (commit_every: commits of one size)
        self.commit_next: list[int] = []  # each shard's next commit size
        self.workers = max(1, len(workers(client)))
        self.reads: dict[int, Any] = {}  # chunk number -> its future (while still needed)
        self.batches: deque[tuple[list[Planned], Any, str | None]] = deque()  # (and where)
        self.place = Placement(client)
        self.parts: list[list[Any]] = [[] for _ in self.dirs]  # not yet written, per shard
        self.waiting: list[int] = [0] * len(self.dirs)  # their documents
        self.stories: list[dict[str, str]] = [{} for _ in self.dirs]  # and their stories
        self.tracker: StoryTracker | None = None  # copies and stories, for all shards
        self.tracked = 0  # documents given a story since the tracker's last commit
        self.writes: list[Any] = [None] * len(self.dirs)  # each shard's last write (or merge)
        self.merged = [False] * len(self.dirs)  # (that last one a merge)
        self.merging: list[Any] = [None] * len(self.dirs)  # each shard's last merge
        self.all_writes: list[Any] = []
        self.checkpoint: list[Any] | None = None  # writes the tracker's next commit waits for
        self.judge = Judge(())

    def run(
        self, entries: Iterable[Any], prune: bool, confirm: Confirm, progress: Progress | None
    ) -> None:
        shards = _open_shards(self.smap)
        try:
            if self.track:
                self.tracker = StoryTracker(self.smap.gen, shards)
            self._run(entries, prune, confirm, progress)
            if self.tracker is not None:
                self.tracker.commit(shards.latest_generation())
        except BaseException as exc:
            if self.tracker is not None:
                self.tracker.cancel()
            if type(exc).__name__ == "KilledWorker":
                raise NewsearchError(
                    f"Dask workers died running this run's tasks ({exc}): every shard is at "
                    "its last commit; run the same command again to finish"
                ) from None
            raise
        finally:
            shards.close()

    def _run(
        self, entries: Iterable[Any], prune: bool, confirm: Confirm, progress: Progress | None
    ) -> None:
        from distributed import wait

        stored = self.client.map(work.shard_keys, self.dirs, pure=False)
        keys: list[Key] = [k for part in self.client.gather(stored) for k in part]
        self.judge = judge = Judge(keys)
        self.commit_next = [self.commit_every] * len(self.dirs)
        todo = list(chunks(entries))
        records: dict[int, Any] = {}
        ahead = 2 * self.workers + 2

        def read(i: int) -> None:
            self.reads[i] = self.client.submit(
                work.read_chunk, todo[i], self.reading, pure=False, priority=URGENT
            )
            records[i] = self.client.submit(
                work.records, self.reads[i], pure=False, priority=URGENT
            )

        for i in range(min(ahead, len(todo))):
            read(i)
        for i in range(len(todo)):
            found, used = records.pop(i).result()
            if i + ahead < len(todo):
                read(i + ahead)
            self.used.update(used)
            for j, record in enumerate(found):
                judge.add(record, (i, j))
                if progress is not None:
                    progress(judge.tally.read)
            for batch in judge.batches():
                self._make(batch)
            self._release(i)
        judge.settle()
        for batch in judge.batches(final=True):
            self._make(batch)
        self.commit_next = [self.commit_every] * len(self.dirs)  # (the last commits small)
        while self.batches:
            self._settle_oldest()
        self.reads.clear()
        pruned: list[list[tuple[str, Any]]] = [[] for _ in self.dirs]
        if prune:
            gone = judge.ledger.prunable()
            judge.tally.prunes = [s.where for s in gone]
            total = len(judge.ledger.stored)
            over = bool(gone) and 2 * len(gone) > total
            if over and not (confirm(len(gone), total) if callable(confirm) else confirm):
                wait([w for w in self.writes if w is not None])  # type: ignore[no-untyped-call]
                raise PruneNotConfirmedError(len(gone), total)
            for s in gone:
                pruned[self.smap.shard_of(s.id)].append(("delete", s.id))
            if self.tracker is not None:
                self.tracker.remove(s.id for s in gone)
        for shard in range(len(self.dirs)):
            self._write(shard, pruned[shard])
            self._merge(shard)
        for future in self.all_writes:
            future.result()  # (raises a task's error here)

    def _make(self, batch: list[Planned]) -> None:
        """Make a batch's documents in the worker with the fewest batches unmade; queue its
        shards' parts to be written."""
        numbers = sorted({p.ref[0] for p in batch if p.ref})
        worker = self.place.for_batch(
            (w for _, made, w in self.batches if not made.done()),
            (self.place.home(s) for s, m in enumerate(self.merging) if m and not m.done()),
        )
        made = self.client.submit(
            work.make_documents,
            batch,
            numbers,
            self.dirs,
            self.entities,
            self.vectors,
            self.track,
            *[self.reads[n] for n in numbers],
            pure=False,
            workers=[worker] if worker else None,
            allow_other_workers=True,  # (a worker gone: any other)
        )
        self.batches.append((batch, made, worker))
        while self.batches:
            writing = self.checkpoint is not None and not all(w.done() for w in self.checkpoint)
            if (writing or not self.batches[0][1].done()) and self._room():
                return  # (else the oldest is settled: made, or waited for)
            self._settle_oldest()

    def _settle_oldest(self) -> None:
        batch, made, _ = self.batches.popleft()
        self._settle(batch, made)

    def _room(self) -> bool:
        """Whether another batch may be sent before the oldest is settled: while at most
        BATCHES_IN_FLIGHT a worker are unmade, and at most twice that wait to be settled (their
        documents held in the workers)."""
        limit = BATCHES_IN_FLIGHT * self.workers
        unmade = sum(1 for _, made, _ in self.batches if not made.done())
        return unmade <= limit and len(self.batches) <= 2 * limit

    def _settle(self, batch: list[Planned], made: Any) -> None:
        """A batch made (in order): its copies and stories decided here, with what the
        worker sent of its documents, then its shards' parts queued to be written with them
        (a batch's error surfaces here)."""
        self._commit_tracker()
        docs: list[dict[str, Any]] = []
        if self.tracker is not None:
            given = self.client.submit(
                work.story_inputs, made, pure=False, priority=URGENT
            ).result()
            changes = [_Change(delete, found is not None) for delete, found in given]
            inputs = [found for _, found in given if found is not None]
            docs = [found.doc for found in inputs]
            self.tracker.write(changes, docs, inputs)
        else:  # (a batch's error surfaces here all the same, its documents left in the worker)
            from distributed import wait

            wait([made])  # type: ignore[no-untyped-call]
            if made.status == "error":
                made.result()
        touched: dict[int, int] = {}
        for p in batch:
            for aid in p.delete:
                touched.setdefault(self.smap.shard_of(aid), 0)
            if p.ref:
                shard = self.smap.shard_of(p.id)
                touched[shard] = touched.get(shard, 0) + 1
        for doc in docs:
            aid = doc["article_id"]
            if doc.get("story"):
                self.stories[self.smap.shard_of(aid)][aid] = doc["story"]
        for shard, documents in sorted(touched.items()):
            self.parts[shard].append(
                self.client.submit(work.pick, made, shard, pure=False, priority=URGENT)
            )
            self.waiting[shard] += documents
            if self.waiting[shard] >= self.commit_next[shard]:
                self._write(shard)
                if self.tracker is None:  # (no checkpoints for a merge to hold up)
                    self._merge(shard)
                self.commit_next[shard] = min(2 * self.commit_next[shard], self.commit_most)
        self.tracked += len(docs)
        if self.tracked >= TRACKER_COMMIT_EVERY:
            self._checkpoint()

    def _checkpoint(self) -> None:
        """Every shard's waiting parts written and committed (not waited for here: the next
        settle commits the tracker once they are, ``_commit_tracker``)."""
        for shard in range(len(self.dirs)):
            self._write(shard)
        self.checkpoint = [w for w in self.writes if w is not None]
        for shard in range(len(self.dirs)):
            self._merge(shard)

    def _commit_tracker(self) -> None:
        """The checkpoint's writes done, the tracker's changes committed to match them: it
        lets go of the texts of this run's articles, which the shards now hold."""
        if self.checkpoint is None:
            return
        from distributed import wait

        wait(self.checkpoint)  # type: ignore[no-untyped-call]
        for future in self.all_writes:
            if future.done():
                future.result()  # (raises a task's error here)
        self.all_writes = [f for f in self.all_writes if not f.done()]  # (merges, not waited)
        self.checkpoint = None
        if self.tracker is not None:
            self.tracker.commit(self.tracker.ix.latest_generation())
        self.tracked = 0

    def _write(self, shard: int, extra: list[tuple[str, Any]] | None = None) -> None:
        """Write the shard's waiting parts as one commit, after its previous write."""
        parts = list(self.parts[shard])
        if extra:
            parts.append(work.Part(changes=list(extra)))
        if not parts:
            return
        future = self.client.submit(
            work.write_shard,
            self.dirs[shard],
            parts,
            self.embedding,
            self.lock_timeout,
            self.writes[shard],
            self.stories[shard],
            pure=False,
            priority=URGENT,
            **self._at_home(shard),
        )
        self.writes[shard], self.merged[shard] = future, False
        self.all_writes.append(future)
        self.parts[shard], self.waiting[shard], self.stories[shard] = [], 0, {}

    def _merge(self, shard: int) -> None:
        """Merge the shard's segments after its last write, as a task the tracker's next
        commit does not wait for (``TRACKER_COMMIT_EVERY``): the shard's next writes wait
        for it, the other shards' and the workers making documents do not."""
        if self.writes[shard] is None or self.merged[shard]:
            return
        self.merged[shard] = True
        future = self.client.submit(  # (after the batches its worker was given: no priority)
            work.merge_shard,
            self.dirs[shard],
            self.lock_timeout,
            self.writes[shard],
            pure=False,
            **self._at_home(shard),
        )
        self.writes[shard] = self.merging[shard] = future
        self.all_writes.append(future)

    def _at_home(self, shard: int) -> dict[str, Any]:
        """A shard's write or merge goes to its worker (placement.py), or any other if gone."""
        home = self.place.home(shard)
        return {"workers": [home], "allow_other_workers": True} if home else {}

    def _release(self, judged: int) -> None:
        """Forget the chunks judged that no waiting decision refers to (Dask keeps them while
        a submitted task needs them)."""
        needed = {p.ref[0] for p in self.judge.pending if p.ref}
        needed.update(ref[0] for ref in self.judge.deferred.values())
        for number in [n for n in self.reads if n <= judged and n not in needed]:
            del self.reads[number]
