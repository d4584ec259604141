"""Search a sharded index through a Dask cluster: each shard's postings walked by the worker
that holds the shard open, with the statistics of the whole index.

``search_engine(index, cluster=...)`` is a ``SearchEngine`` whose article matching (what grows
with the corpus: walking posting lists, scoring every matching article, ``search/matching.py``)
runs in the workers; the rest of a search is the client's, as on one machine. A search goes
(Elasticsearch's DFS query-then-fetch):

1. **dfs**: the client reads what every score uses from the shards' term dictionaries: the
   number of documents, each field's total length and each query term's document frequency,
   summed over shards (``index/shards.py`` opens them as one), i.e. the numbers one index
   holding the same articles has. Each term's IDF and average field length are computed once,
   by the same code as on one machine (``search/bm25.py``).
2. **query**: each shard's worker matches its articles and scores them with those figures
   (numpy over its own postings copy where it can, Whoosh's matchers for the rest) and sends
   back every matching article and its best ``depth``.
3. **merge**: the client renumbers each shard's articles as the shards opened as one number
   them, and keeps the best ``depth`` of all (ties in document order, as one index). Scores
   are per article, so the merged lists equal one index's, bit for bit.
4. **fetch**: passages, highlights, meaning (hybrid candidates), facets and totals come from
   the winners' stored fields and the filter columns, read by the client from the shared
   storage the shards live on (the workers wrote them there).

Each shard is held open by a Dask actor (``ShardHolder``) placed on a worker, round the
workers, and kept for the engine's life: a search calls the actors directly. A shard committed
to since is opened again by its actor; if the client's shard still differs from the actor's (a
commit between the two), the search stops with one line asking to run it again. Actors lost
with their worker are made again on the workers left, once a search.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from newsearch.cluster.dfs import (
    Global,
    GlobalBM25F,
    ShardKey,
    ShardSpot,
    Stats,
    leaf_key,
    shard_spots,
)
from newsearch.errors import InputError, NewsearchError, ShardChangedError
from newsearch.index import store
from newsearch.index.segments import Ints, SegmentView
from newsearch.index.vectors import Vectors, VectorTable
from newsearch.search.bm25 import CachedBM25F, avg_length
from newsearch.search.engine import SearchEngine
from newsearch.search.matching import TIE_ROOM, Matches, Matching, article_query
from newsearch.search.plan import QueryPlan

HOLDER_TIMEOUT = 120.0  # seconds for a shard's actor to be made (it opens nothing yet)


# ---- the worker's side ---------------------------------------------------------------------


class _Shard:
    """A shard open in a worker: its searcher, weighting and matching, and which segments."""

    def __init__(self, folder: str) -> None:
        self.gen, self.ix = store.open_live(Path(folder))
        self.searcher = self.ix.searcher()
        self.weighting = GlobalBM25F()
        self.searcher.weighting = self.weighting
        self._matching: dict[bool, Matching] = {}
        self._vectors: VectorTable | None = None
        self.view = SegmentView(self.searcher, self.gen)
        reader = self.searcher.reader()
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        self.key: ShardKey = (str(self.gen), tuple(leaf_key(leaf) for leaf in leaves))

    def matching(self, fast_path: bool) -> Matching:
        if fast_path not in self._matching:
            self._matching[fast_path] = Matching(self.view, self.weighting, fast_path)
        return self._matching[fast_path]

    def vectors(self, dim: int) -> VectorTable:
        if self._vectors is None:
            self._vectors = VectorTable(self.view, dim)
        return self._vectors

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()


class ShardHolder:
    """A Dask actor: one shard held open in the worker the actor lives in, searched there.
    Calls to an actor go to its worker directly, not through the scheduler (two shards' calls
    took 4.6 ms a round trip on 2 local workers here, as tasks 15.8 ms); they run one at a
    time."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._shard: _Shard | None = None
        self._every: tuple[int, Ints] | None = None  # the last ranked search's matches

    def run(
        self, key: ShardKey, figures: Global, fast_path: bool, op: str, plan: QueryPlan, arg: Any
    ) -> Any:
        """``op`` of ``plan`` on the shard as the client holds it (``key``; opened again if
        it was committed to since): "ranked" (``arg``: depth and the search's number),
        "every", "rescored" (feedback words and depth) or "nearest" (the articles nearest a
        vector: the number of the ranked search whose matches are the pool, or None, whether
        to widen the pool to the filters, the vector, its dimensions, how many, the floor)."""
        if self._shard is None or self._shard.key != key:
            self.close()
            self._shard = _Shard(self.folder)
        if self._shard.key != key:
            raise ShardChangedError(
                f"the shard {self.folder} changed while it was searched: run the search again"
            )
        self._shard.weighting.use(figures)
        matching = self._shard.matching(fast_path)
        if op == "ranked":
            depth, search = arg
            found = matching.ranked(plan, depth)
            self._every = (search, found.docnums)
            return found
        if op == "every":
            return matching.every(plan)
        if op == "nearest":
            search, widen, vector, dim, k, floor = arg
            kept = self._every
            every = kept[1] if kept is not None and kept[0] == search else matching.every(plan)
            table = self._shard.vectors(dim)
            return matching.nearest(plan, every, widen, table, vector, k, floor)
        extra, depth = arg
        return matching.rescored(plan, extra, depth)

    def held(self) -> str | None:
        """The generation of the shard held open (None: none yet)."""
        return str(self._shard.gen) if self._shard is not None else None

    def close(self) -> None:
        if self._shard is not None:
            self._shard.close()
            self._shard = None
        self._every = None


class Holders:
    """The client's actors, one a shard, kept across searches (and the index's refreshes) and
    placed round the workers; made again when their workers are gone."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._held: dict[str, Any] = {}

    def of(self, spots: Sequence[ShardSpot]) -> list[Any]:
        gone = set(self._held) - {s.folder for s in spots}  # (shards of a rebuilt index)
        if gone:
            self._let_go([self._held.pop(folder) for folder in gone])
        missing = [(n, s.folder) for n, s in enumerate(spots) if s.folder not in self._held]
        if missing:
            workers = sorted(self.client.scheduler_info()["workers"])
            if not workers:
                raise NewsearchError("the Dask cluster has no workers: start some (dask worker)")
            # (the scheduler may still list a worker just killed: a task held to it alone
            # waited for it for ever, so another worker may take the actor)
            made = [
                self.client.submit(
                    ShardHolder,
                    folder,
                    workers=[workers[n % len(workers)]],
                    allow_other_workers=True,
                    actor=True,
                )
                for n, folder in missing
            ]
            for (_, folder), future in zip(missing, made, strict=True):
                self._held[folder] = future.result(timeout=HOLDER_TIMEOUT)
        return [self._held[s.folder] for s in spots]

    def forget(self) -> None:
        self._held.clear()

    def close(self) -> None:
        """Let every shard go (its files closed in its worker), then the actors."""
        self._let_go(list(self._held.values()))
        self._held.clear()

    @staticmethod
    def _let_go(actors: Sequence[Any]) -> None:
        calls = []
        for actor in actors:
            with contextlib.suppress(Exception):  # (a worker already gone holds nothing)
                calls.append(actor.close())
        for call in calls:
            with contextlib.suppress(Exception):
                call.result()


# ---- the client's side ---------------------------------------------------------------------


def _best(pairs: Sequence[tuple[int, float]], depth: int) -> list[tuple[int, float]]:
    """The ``depth`` best, ties in document order, and any more tied with the last, up to
    ``TIE_ROOM`` times ``depth`` (as matching._best)."""
    ranked = sorted(pairs, key=lambda p: (-p[1], p[0]))
    if len(ranked) <= depth:
        return ranked
    last = ranked[depth - 1][1] if depth > 0 else float("inf")
    return [p for p in ranked if p[1] >= last][: depth * TIE_ROOM]


class ClusterMatching(Matching):
    """``Matching`` whose ranked and unranked matches come from the shards' workers. What
    has no query words (filters alone) is answered from the client's filter columns."""

    def __init__(
        self, view: SegmentView, weighting: CachedBM25F, fast_path: bool, holders: Holders
    ) -> None:
        super().__init__(view, weighting, fast_path)
        self._view = view
        self._w = weighting
        self._fast_path = fast_path
        self._holders = holders
        self.spots = shard_spots(view.searcher)
        self._searches = 0
        self._ranked: tuple[QueryPlan, int] | None = None  # the last ranked plan, its number

    def _figures(self, plan: QueryPlan, extra: Sequence[tuple[str, float]] = ()) -> Global:
        s = self._view.searcher
        terms: set[tuple[str, bytes]] = set()
        if plan.positive is not None:
            found = article_query(plan.positive).existing_terms(s.reader(), expand=True)
            terms.update((f, t if isinstance(t, bytes) else t.encode()) for f, t in found)
        terms.update(("text", w.encode()) for w, _ in extra)
        schema = s.schema
        stats: Stats = {
            (f, t): self._w.stats(s, f, t) for f, t in terms if f in schema and schema[f].scorable
        }
        documents = s.doc_count_all()
        lengths = {name: avg_length(s, name) for name, field in schema.items() if field.scorable}
        return Global(documents, lengths, stats)

    def _fan(self, op: str, plan: QueryPlan, arg: Any, figures: Global) -> list[tuple[int, Any]]:
        """``op`` on every shard, each by the actor holding it (made again once if a worker
        was lost): each shard's answer with the number of its first document."""
        for attempt in (1, 2):
            try:
                actors = self._holders.of(self.spots)
                calls = [
                    actor.run(spot.key, figures, self._fast_path, op, plan, arg)
                    for actor, spot in zip(actors, self.spots, strict=True)
                ]
                answers = [call.result() for call in calls]
                return [(spot.base, a) for spot, a in zip(self.spots, answers, strict=True)]
            except NewsearchError:
                raise
            except Exception as exc:  # a worker gone (its actors with it): make them again
                self._holders.forget()
                if attempt == 2:
                    raise NewsearchError(
                        f"the cluster's workers could not search the shards ({exc}): "
                        "check that every worker reaches the index's directory"
                    ) from None
        raise AssertionError("unreachable")

    @staticmethod
    def _docnums(parts: Sequence[tuple[int, Ints]]) -> Ints:
        pieces = [np.asarray(docs, np.int64) + base for base, docs in parts]
        return np.concatenate(pieces) if pieces else np.empty(0, np.int64)

    def ranked(self, plan: QueryPlan, depth: int) -> Matches:
        assert plan.positive is not None
        self._searches += 1
        self._ranked = (plan, self._searches)
        figures = self._figures(plan)
        parts: list[tuple[int, Matches]] = self._fan(
            "ranked", plan, (depth, self._searches), figures
        )
        top = _best([(d + base, s) for base, m in parts for d, s in m.top], depth)
        words = None
        if all(m.words is not None for _, m in parts):
            words = {d + base: held for base, m in parts for d, held in (m.words or {}).items()}
        return Matches(self._docnums([(base, m.docnums) for base, m in parts]), top, words)

    def every(self, plan: QueryPlan) -> Ints:
        if plan.positive is None:
            return super().every(plan)
        return self._docnums(self._fan("every", plan, None, self._figures(plan)))

    def nearest(
        self,
        plan: QueryPlan,
        every: Ints,
        widen: bool,
        table: VectorTable,
        vector: Vectors,
        k: int,
        floor: float,
    ) -> list[tuple[int, float]]:
        """Each shard's ``k`` nearest of its pool (its matches of the last ranked search of
        this plan, kept by its actor), the ``k`` nearest of all (ties in document order)."""
        search = self._ranked[1] if self._ranked and self._ranked[0] is plan else None
        arg = (search, widen, vector, table.dim, k, floor)
        parts = self._fan("nearest", plan, arg, Global(0, {}, {}))
        return _best([(d + base, s) for base, near in parts for d, s in near], k)

    def rescored(
        self, plan: QueryPlan, extra: Sequence[tuple[str, float]], depth: int
    ) -> list[tuple[int, float]]:
        parts = self._fan("rescored", plan, (list(extra), depth), self._figures(plan, extra))
        return _best([(d + base, s) for base, top in parts for d, s in top], depth)


def search_engine(
    index_dir: str | Path = "index", *, cluster: Any, fast_path: bool = True
) -> SearchEngine:
    """A ``SearchEngine`` over a sharded index whose matching runs in the Dask cluster
    ``cluster``: a ``distributed.Client``, or ``local:N`` / ``tcp://HOST:PORT`` (a LocalCluster
    started here is stopped when the engine closes). Its answers equal one index's."""
    stack = contextlib.ExitStack()
    if isinstance(cluster, str):
        from newsearch.cluster.connect import client_for

        client = stack.enter_context(client_for(cluster))
    else:
        client = cluster
    try:
        if not store.is_sharded(Path(index_dir)):
            store.open_live(Path(index_dir))[1].close()  # (no index: its own clear error)
            raise InputError(
                f"the index at {index_dir} is not sharded: search it without --cluster "
                "(a sharded index is built by `newsearch index PATHS --cluster ...`)"
            )

        holders = Holders(client)
        stack.callback(holders.close)

        def matching(view: SegmentView, weighting: CachedBM25F, fast: bool) -> Matching:
            return ClusterMatching(view, weighting, fast, holders)

        engine = SearchEngine(index_dir, fast_path=fast_path, matching=matching)
    except BaseException:
        stack.close()
        raise
    engine.on_close(stack.close)
    return engine
