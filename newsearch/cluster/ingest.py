"""``build_sharded``: index files on a Dask cluster into a sharded index.

The client lists the files (``readers.walk``, the single-machine order) and cuts the list into
chunks; workers read the chunks and keep the articles; the client judges every item with one
ledger over all shards (``ledger.py``) and hands the decisions back in batches; workers make
each batch's documents (entities, passages, vectors) and split them by shard, and send back
what the client's story tracker needs of them; the client decides their copies and stories in
order, for all shards (``stories/tracker.py`` over the shards opened as one index); each
shard's documents are written, with their stories, by one task at a time, a commit per task
(``work.py``). The run holds the index's write lock; each write holds its shard's.

A worker killed mid-run: Dask runs its tasks again on another worker (a write replaces what a
half-reported commit wrote, nothing doubles); if the run ends anyway, every shard is at its
last commit and the same command finishes the work (its judging finds what was written).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from newsearch.cluster import shardmap
from newsearch.cluster.connect import client_for
from newsearch.cluster.placement import workers
from newsearch.cluster.runner import Runner
from newsearch.cluster.shardmap import MAX_SHARDS, ShardMap
from newsearch.errors import InputError, NewsearchError
from newsearch.index import store
from newsearch.ingest.pipeline import FieldSpec, _mapping, _summary, stories_choice
from newsearch.ingest.readers import DEFAULT_OPTIONS, ReadOptions, csv_options, walk
from newsearch.ingest.readers.tree import check_paths
from newsearch.ingest.run import Confirm, Progress
from newsearch.models import IndexSummary


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
    stories: bool | None = None,
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
    ``commit_every`` documents are written to a shard between its commits (by default from
    1,000, each commit doubling the next up to 8,000, ``runner.SHARD_COMMIT_EVERY``)."""
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
        track = True
        if smap is not None:  # (before the cluster starts: a choice it cannot update with)
            track = stories_choice(root, smap.gen, stories, fresh=False)
        opened = client_for(cluster, dashboard=dashboard) if client is None else _given(client)
        with opened as dask:
            _checkworkers(dask, root, paths)
            if dashboard:
                print(f"Dask dashboard: {dask.dashboard_link}", file=sys.stderr, flush=True)
            shadow = False
            if smap is None:
                smap = shardmap.create(root, shards or max(1, len(workers(dask))))
                track = stories_choice(root, smap.gen, stories, fresh=True)
                if store.exists(root):
                    shadow = True  # a rebuild: swapped in when complete
                else:
                    store.publish(root, smap.gen)  # a first build is live at once
            try:
                embedding = _embedding(smap, root) if vectors else None
                runner = Runner(
                    dask, smap, reading, entities, vectors, embedding, lock_timeout, track
                )
                if commit_every:  # (else commits grow from SHARD_COMMIT_EVERY)
                    runner.commit_every = runner.commit_most = commit_every
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


def _checkworkers(client: Any, root: Path, paths: list[Any]) -> None:
    """Every worker must reach the index (shared storage, same path) and, if paths are
    relative, run in the client's directory."""
    if not workers(client):
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
