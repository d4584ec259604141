"""``build_sharded``: index files on a Dask cluster into a sharded index.

The client lists the files (``readers.walk``, the single-machine order) and cuts the list into
chunks; workers read the chunks and keep the articles; the client judges every item with one
ledger over all shards (``ledger.py``) and hands the decisions back in batches; workers make
each batch's documents (entities, passages, vectors) and split them by shard; each shard's
documents are written by one task at a time, a commit per task (``work.py``). The run holds
the index's write lock; each write holds its shard's.

A worker killed mid-run: Dask runs its tasks again on another worker (a write replaces what a
half-reported commit wrote, nothing doubles); if the run ends anyway, every shard is at its
last commit and the same command finishes the work (its judging finds what was written).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from newsearch.cluster import shardmap, work
from newsearch.cluster.connect import client_for
from newsearch.cluster.ledger import Judge, Planned
from newsearch.cluster.shardmap import MAX_SHARDS, ShardMap
from newsearch.errors import InputError, NewsearchError, PruneNotConfirmedError
from newsearch.index import store
from newsearch.ingest.identity import Key
from newsearch.ingest.pipeline import FieldSpec, _mapping, _summary
from newsearch.ingest.readers import DEFAULT_OPTIONS, ReadOptions, csv_options, walk
from newsearch.ingest.readers.options import FieldUse
from newsearch.ingest.readers.tree import check_paths
from newsearch.ingest.run import Confirm, Progress
from newsearch.models import IndexSummary

CHUNK_FILES = 64  # files read by one task at most
CHUNK_BYTES = 2 << 20  # and about this many bytes
BATCHES_IN_FLIGHT = 4  # batches of documents being made, per worker
# Documents written to a shard per commit. Whoosh analyses a shard's documents when its write
# task runs (a single machine's writer does it as documents come), so the last commit of each
# shard is a tail after the last batch: 5,000 a commit left 33 s of tail on 5,000 Reuters
# articles on one worker; 1,000 keeps the writes overlapping the making of documents.
SHARD_COMMIT_EVERY = 1000


def build_sharded(
    inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    index_dir: str | os.PathLike[str] = "index",
    *,
    cluster: str = "local",
    shards: int | None = None,
    client: Any = None,
    dashboard: bool = False,
    rebuild: bool = False,
    prune: bool = False,
    confirm: Confirm = False,
    entities: bool = True,
    vectors: bool = True,
    progress: Progress | None = None,
    lock_timeout: float = store.WRITE_TIMEOUT,
    fields: FieldSpec = None,
    tag_fields: FieldSpec = None,
    csv_columns: str | Mapping[str, int | str] | None = None,
    reading: ReadOptions = DEFAULT_OPTIONS,
    commit_every: int | None = None,
) -> IndexSummary:
    """Index files and directories into the sharded index ``index_dir`` on a Dask cluster:
    ``cluster="local:N"`` (started and stopped here) or ``"tcp://HOST:PORT"``, or an open
    ``client`` (``distributed.Client``). A new index (or ``rebuild``) gets ``shards`` shards
    (default: one per worker); an existing one keeps its own. Everything else is as in
    ``build_index``, and so is the summary: every item read is counted once, over all shards.
    ``commit_every`` documents are written to a shard between its commits."""
    started = time.monotonic()
    if shards is not None and not 1 <= shards <= MAX_SHARDS:
        raise InputError(f"--shards {shards}: give a number of shards from 1 to {MAX_SHARDS}")
    if commit_every is not None and commit_every < 1:
        raise InputError(f"commit_every={commit_every}: give a number from 1")
    root = Path(index_dir)
    paths = [inputs] if isinstance(inputs, str | os.PathLike) else list(inputs)
    check_paths(paths)
    if csv_columns:
        csv = reading.csv
        reading = replace(
            reading, csv=csv_options(csv_columns, header=csv.header, delimiter=csv.delimiter)
        )
    reading = _mapping(reading, fields, tag_fields)
    with store.write_lock(root, lock_timeout):
        smap = _existing(root, shards, rebuild)
        opened = client_for(cluster, dashboard=dashboard) if client is None else _given(client)
        with opened as dask:
            _check_workers(dask, root, paths)
            if dashboard:
                print(f"Dask dashboard: {dask.dashboard_link}", file=sys.stderr, flush=True)
            shadow = False
            if smap is None:
                smap = shardmap.create(root, shards or max(1, len(_workers(dask))))
                if store.exists(root):
                    shadow = True  # a rebuild: swapped in when complete
                else:
                    store.publish(root, smap.gen)  # a first build is live at once
            try:
                embedding = _embedding(smap, root) if vectors else None
                runner = _Runner(dask, smap, reading, entities, vectors, embedding, lock_timeout)
                runner.commit_every = commit_every or SHARD_COMMIT_EVERY
                runner.run(walk(paths), prune, confirm, progress)
            except BaseException:
                if shadow:
                    store.discard(smap.gen)
                raise
            finally:
                if not shadow:
                    _finish(smap)
        if shadow:
            _finish(smap)
            store.publish(root, smap.gen)
    assert reading.used is not None
    reading.used.counts.update(runner.used)
    return _summary(runner.judge.tally, root, started, reading)


def _existing(root: Path, shards: int | None, rebuild: bool) -> ShardMap | None:
    """The live shard map, if the run updates it (None: the run makes a new one)."""
    gen = store.current_generation(root)
    if gen is None or rebuild:
        return None
    smap = shardmap.load(gen)
    if smap is None:
        raise InputError(
            f"the index at {root} is one index, not sharded: shard it with --rebuild "
            f"(`newsearch index PATHS --index {root} --cluster ... --rebuild`)"
        )
    _, ix = store.open_live(root)  # (its format is checked)
    ix.close()
    if shards is not None and shards != smap.count:
        raise InputError(
            f"the index at {root} has {smap.count} shards, not {shards}: give --shards "
            f"{smap.count} (or none), or --rebuild to make {shards}"
        )
    return smap


class _given:
    """A client the caller opened (and closes)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def __enter__(self) -> Any:
        return self.client

    def __exit__(self, *exc: object) -> None:
        return None


def _workers(client: Any) -> list[str]:
    return list(client.scheduler_info().get("workers", {}))


def _check_workers(client: Any, root: Path, paths: list[Any]) -> None:
    """Every worker must reach the index (shared storage, same path) and, if paths are
    relative, run in the client's directory."""
    if not _workers(client):
        client.wait_for_workers(1, timeout=60)
    folder = str(root.resolve())
    for worker, (seen, cwd) in client.run(_sees, folder).items():
        if not seen:
            raise InputError(
                f"Dask worker {worker} cannot reach {folder}: the index must be on storage "
                "every worker reaches at the same path (a shared file system)"
            )
        if cwd != os.getcwd() and any(not os.path.isabs(p) for p in paths):
            raise InputError(
                f"Dask worker {worker} runs in {cwd}, not {os.getcwd()}: give absolute paths"
            )


def _sees(folder: str) -> tuple[bool, str]:
    return os.path.isdir(folder), os.getcwd()


def _embedding(smap: ShardMap, root: Path) -> str:
    """The embedding model's id, recorded in the manifest (an index whose vectors another
    model made is not added to)."""
    from newsearch.errors import IndexVersionError
    from newsearch.text.embedding import MODEL_ID

    made_by = store.read_manifest(smap.gen).get("embedding")
    if made_by not in (None, MODEL_ID):
        raise IndexVersionError(
            f"the index at {root} holds vectors of another embedding model ({made_by}; this "
            f"newsearch has {MODEL_ID}): rebuild it with --rebuild"
        )
    store.write_manifest(smap.gen, embedding=MODEL_ID)
    return MODEL_ID


def _finish(smap: ShardMap) -> None:
    """The map records where each shard is; the vocabularies merged; the manifest touched."""
    counts: list[int] = []
    for folder in smap.dirs:
        try:
            ix = store.open_index(folder)
        except NewsearchError:
            counts.append(0)
            continue
        try:
            counts.append(int(ix.doc_count()))
        finally:
            ix.close()
    shardmap.record(smap, counts)
    shardmap.merge_vocabularies(smap)
    store.touch(smap.gen)


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


class _Runner:
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
    ) -> None:
        self.client = client
        self.smap = smap
        self.dirs = [d.resolve() for d in smap.dirs]
        self.reading = replace(reading, used=FieldUse())  # (each chunk counts its own)
        self.used: Any = self.reading.used.counts if self.reading.used else {}
        self.entities, self.vectors, self.embedding = entities, vectors, embedding
        self.lock_timeout = lock_timeout
        self.commit_every = SHARD_COMMIT_EVERY
        self.workers = max(1, len(_workers(client)))
        self.reads: dict[int, Any] = {}  # chunk number -> its future (while still needed)
        self.batches: deque[Any] = deque()  # documents being made
        self.parts: list[list[Any]] = [[] for _ in self.dirs]  # not yet written, per shard
        self.waiting: list[int] = [0] * len(self.dirs)  # their documents
        self.writes: list[Any] = [None] * len(self.dirs)  # each shard's last write
        self.all_writes: list[Any] = []
        self.judge = Judge(())

    def run(
        self, entries: Iterable[Any], prune: bool, confirm: Confirm, progress: Progress | None
    ) -> None:
        try:
            self._run(entries, prune, confirm, progress)
        except Exception as exc:
            if type(exc).__name__ == "KilledWorker":
                raise NewsearchError(
                    f"Dask workers died running this run's tasks ({exc}): every shard is at "
                    "its last commit; run the same command again to finish"
                ) from None
            raise

    def _run(
        self, entries: Iterable[Any], prune: bool, confirm: Confirm, progress: Progress | None
    ) -> None:
        from distributed import wait

        stored = self.client.map(work.shard_keys, self.dirs, pure=False)
        keys: list[Key] = [k for part in self.client.gather(stored) for k in part]
        self.judge = judge = Judge(keys)
        todo = list(chunks(entries))
        records: dict[int, Any] = {}
        ahead = 2 * self.workers + 2

        def read(i: int) -> None:
            self.reads[i] = self.client.submit(work.read_chunk, todo[i], self.reading, pure=False)
            records[i] = self.client.submit(work.records, self.reads[i], pure=False)

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
        for shard in range(len(self.dirs)):
            self._write(shard, pruned[shard])
        for future in [*self.batches, *self.all_writes]:
            future.result()  # (raises a task's error here)

    def _make(self, batch: list[Planned]) -> None:
        """Make a batch's documents in a worker; queue its shards' parts to be written."""
        numbers = sorted({p.ref[0] for p in batch if p.ref})
        made = self.client.submit(
            work.make_documents,
            batch,
            numbers,
            self.dirs,
            self.entities,
            self.vectors,
            *[self.reads[n] for n in numbers],
            pure=False,
        )
        touched: dict[int, int] = {}
        for p in batch:
            for aid in p.delete:
                touched.setdefault(self.smap.shard_of(aid), 0)
            if p.ref:
                shard = self.smap.shard_of(p.id)
                touched[shard] = touched.get(shard, 0) + 1
        for shard, documents in sorted(touched.items()):
            self.parts[shard].append(self.client.submit(work.pick, made, shard, pure=False))
            self.waiting[shard] += documents
            if self.waiting[shard] >= self.commit_every:
                self._write(shard)
        self.batches.append(made)
        while len(self.batches) > BATCHES_IN_FLIGHT * self.workers:
            self.batches.popleft().result()  # (a batch's error surfaces here)

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
            pure=False,
        )
        self.writes[shard] = future
        self.all_writes.append(future)
        self.parts[shard], self.waiting[shard] = [], 0

    def _release(self, judged: int) -> None:
        """Forget the chunks judged that no waiting decision refers to (Dask keeps them while
        a submitted task needs them)."""
        needed = {p.ref[0] for p in self.judge.pending if p.ref}
        needed.update(ref[0] for ref in self.judge.deferred.values())
        for number in [n for n in self.reads if n <= judged and n not in needed]:
            del self.reads[number]
