"""Where a cluster run's tasks go (newsearch/cluster/placement.py): each shard written and
merged by its own worker, so that two shards' merges run side by side, not one after the
other on one worker; and batches kept off a worker that is merging while another is free."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from newsearch import build_index
from newsearch.cluster import build_sharded
from newsearch.cluster.placement import Placement
from tests.test_cluster import _ids_per_shard, make_corpus


class _Scheduler:
    """A stand-in client whose scheduler lists the given workers."""

    def __init__(self, *names: str) -> None:
        self.names = list(names)

    def scheduler_info(self) -> dict[str, Any]:
        return {"workers": {name: {} for name in self.names}}


def test_shards_are_dealt_round_the_workers() -> None:
    place = Placement(_Scheduler("tcp://b:2", "tcp://a:1", "tcp://c:3"))
    assert [place.home(s) for s in range(5)] == [
        "tcp://a:1", "tcp://b:2", "tcp://c:3", "tcp://a:1", "tcp://b:2"
    ]  # fmt: skip
    assert Placement(_Scheduler()).home(0) is None


def test_a_batch_goes_to_the_least_busy_worker_in_turn() -> None:
    place = Placement(_Scheduler("a", "b"))
    assert place.for_batch(["a", "a", "b"], []) == "b"
    given = [place.for_batch([], []) for _ in range(4)]  # (equals: each in turn)
    assert sorted(given) == ["a", "a", "b", "b"]
    assert Placement(_Scheduler()).for_batch([], []) is None


def test_a_batch_is_kept_off_a_merging_worker_while_another_is_free() -> None:
    place = Placement(_Scheduler("a", "b"))
    # b has more batches unmade, but a is merging a shard: b takes it
    assert [place.for_batch(["b", "b"], ["a"]) for _ in range(3)] == ["b"] * 3
    # both merging: the least busy, as without merges
    assert place.for_batch(["b", "b"], ["a", "b"]) == "a"
    # a merge on a worker the scheduler no longer lists changes nothing
    assert place.for_batch(["a"], ["gone"]) == "b"


def test_each_shard_is_written_and_merged_by_its_own_worker(tmp_path: Path, client: Any) -> None:
    """Two shards on two workers: every write and merge of a shard ran on one worker, and
    the two shards on different ones (left to Dask, a shard's merge ran wherever its last
    write's result was, and the merges of both shards could queue on one worker). The index
    is the same as one built on one machine."""
    from newsearch.cluster import work

    corpus = make_corpus(tmp_path / "corpus", count=48)
    one = build_index(corpus, tmp_path / "one", entities=False, vectors=False)
    log = tmp_path / "where.jsonl"  # (the tasks run copies of these functions)

    def recorded(name: str) -> Any:
        real = getattr(work, name)

        def run(shard_dir: Path, *args: Any) -> Any:
            from distributed import get_worker

            with log.open("a") as out:
                out.write(json.dumps([name, Path(shard_dir).name, get_worker().address]) + "\n")
            return real(shard_dir, *args)

        return run

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("newsearch.cluster.ledger.BATCH", 4)
        patch.setattr("newsearch.cluster.runner.TRACKER_COMMIT_EVERY", 8)  # (merges midway)
        for name in ("write_shard", "merge_shard"):
            patch.setattr(f"newsearch.cluster.work.{name}", recorded(name))
        sharded = build_sharded(corpus, tmp_path / "sh", client=client, shards=2,
                                entities=False, vectors=False, commit_every=2)  # fmt: skip
    where: dict[str, set[str]] = defaultdict(set)
    kinds: dict[str, int] = defaultdict(int)
    for line in log.read_text().splitlines():
        kind, shard, worker = json.loads(line)
        where[shard].add(worker)
        kinds[kind] += 1
    assert kinds["merge_shard"] >= 4 and kinds["write_shard"] >= 4  # (merges during the run)
    assert len(where) == 2 and all(len(w) == 1 for w in where.values()), dict(where)
    assert len(set.union(*where.values())) == 2  # (the two shards on two workers)
    assert sharded.indexed == one.indexed
    kept = sum(_ids_per_shard(tmp_path / "sh"), Counter())
    assert sum(kept.values()) == one.indexed and max(kept.values()) == 1  # (none lost or twice)
