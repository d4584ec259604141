"""Where a cluster run's tasks go (runner.py submits them; Dask may still move any of them to
another worker when the one named is gone: ``allow_other_workers``).

- Each shard has a home worker (shards dealt round the workers by name), and its writes and
  merges go there. Left to Dask, a shard's merge ran where its last write's result was, and
  the writes where most of their parts were made: the shards' merges (a 100k-article shard
  takes minutes) often queued one after the other on one worker, and the other worker, once
  it had made the batches the client let it run ahead (``Runner._room``), had nothing to do.
- A batch of documents goes to the worker with the fewest batches unmade, the next in turn
  among equals. Dask would run a batch where its chunk was read, and a chunk makes several
  batches: one worker's queue grew while the other, the client waiting on the first's oldest
  batch, ran dry (Reuters x3 on 2 workers: 206 s of 2 x 712 s idle; given in turn, 139 s).
  Nor does a batch go to a worker with a shard's merge waiting or running while another
  worker has none: the client settles batches in order, and one queued behind a merge would
  hold every later batch with it. (A merge is not urgent: it runs after the batches its
  worker already has.)
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

NAMES_FRESH_S = 10.0  # the scheduler's list of workers asked again after this long (a round trip)


def workers(client: Any) -> list[str]:
    return list(client.scheduler_info().get("workers", {}))


class Placement:
    """The workers by name (asked now and then), and which one each task prefers."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.asked = -1e9
        self.names: list[str] = []
        self.turn = 0

    def workers(self) -> list[str]:
        if time.monotonic() - self.asked > NAMES_FRESH_S:
            self.asked, self.names = time.monotonic(), sorted(workers(self.client))
        return self.names

    def home(self, shard: int) -> str | None:
        """The worker that writes and merges ``shard`` (None: no worker known)."""
        names = self.workers()
        return names[shard % len(names)] if names else None

    def for_batch(self, unmade: Iterable[str | None], merging: Iterable[str | None]) -> str | None:
        """The worker for a new batch: ``unmade`` names the worker of each batch not yet
        made, ``merging`` the home of each shard with a merge not yet done."""
        names = self.workers()
        if not names:
            return None
        count = dict.fromkeys(names, 0)
        for worker in unmade:
            if worker in count:
                count[worker] += 1
        busy = {w for w in merging if w in count}
        self.turn += 1
        order = {w: (i - self.turn) % len(names) for i, w in enumerate(names)}
        return min(names, key=lambda w: (w in busy, count[w], order[w]))
