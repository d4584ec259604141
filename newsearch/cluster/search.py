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

A worker keeps the shards it was given open between searches (``_OPEN``); a shard that has
committed since is opened again. If a shard the client opened differs from the worker's even
then (a commit between the two), the search stops with one line asking to run it again.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.searching import Searcher

from newsearch.errors import InputError, NewsearchError
from newsearch.index import store
from newsearch.index.segments import Ints, SegmentView
from newsearch.search.bm25 import CachedBM25F, idf
from newsearch.search.engine import SearchEngine
from newsearch.search.matching import Matches, Matching, article_query
from newsearch.search.plan import QueryPlan

# (field, term) -> (IDF, average field length): what a shard's scores need of the whole index
Stats = dict[tuple[str, bytes], tuple[float, float]]
# per segment of a shard: (segment id, documents with deleted ones, live documents)
ShardKey = tuple[str, tuple[tuple[str, int, int], ...]]


class ShardChangedError(NewsearchError):
    """A shard was committed to between the client's opening it and a worker's search."""


@dataclass(frozen=True)
class Global:
    """The whole index's figures a shard scores with: documents (deleted ones too, as Whoosh
    counts them), each scorable field's average length, and each query term's stats."""

    documents: int
    avg_lengths: dict[str, float]
    terms: Stats


class GlobalBM25F(CachedBM25F):
    """A shard's weighting: BM25F with the figures of the whole index (``use``), not of the
    shard. A term the whole index does not hold is held by no shard either (IDF of 0 docs)."""

    def __init__(self) -> None:
        super().__init__()
        self._global = Global(0, {}, {})

    def use(self, figures: Global) -> None:
        self._global = figures

    def stats(self, searcher: Searcher, fieldname: str, text: bytes) -> tuple[float, float]:
        g = self._global
        found = g.terms.get((fieldname, text))
        if found is None:
            found = (idf(g.documents, 0), g.avg_lengths.get(fieldname, 1.0))
        return found


@dataclass(frozen=True)
class ShardSpot:
    """One shard as the client's searcher holds it: its directory, which segments (``key``)
    and the number of its first document among all shards' (``base``)."""

    folder: str
    key: ShardKey
    base: int


def _leaf_key(leaf: Any) -> tuple[str, int, int]:
    return (str(leaf.segment().segment_id()), int(leaf.doc_count_all()), int(leaf.doc_count()))


def shard_spots(searcher: Searcher) -> list[ShardSpot]:
    """The shards behind a sharded index's searcher (index/shards.py), in document order."""
    reader = searcher.reader()
    gens: list[Path] | None = getattr(reader, "generations", None)
    if gens is None:
        raise InputError("this index is not sharded: search it without --cluster")
    spots: list[ShardSpot] = []
    at: dict[Path, list[Any]] = {}
    first: dict[Path, int] = {}
    for (leaf, offset), gen in zip(reader.leaf_readers(), gens, strict=True):
        at.setdefault(gen, []).append(leaf)
        first.setdefault(gen, offset)
    for gen, leaves in at.items():
        key = (str(gen), tuple(_leaf_key(leaf) for leaf in leaves))
        spots.append(ShardSpot(str(gen.parent), key, first[gen]))
    return spots


# ---- the worker's side ---------------------------------------------------------------------


class _Shard:
    """A shard held open in a worker: its searcher, weighting and matching."""

    def __init__(self, folder: str) -> None:
        self.gen, self.ix = store.open_live(Path(folder))
        self.searcher = self.ix.searcher()
        self.weighting = GlobalBM25F()
        self.searcher.weighting = self.weighting
        self.lock = threading.Lock()
        self._matching: dict[bool, Matching] = {}
        reader = self.searcher.reader()
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        self.key: ShardKey = (str(self.gen), tuple(_leaf_key(leaf) for leaf in leaves))

    def matching(self, fast_path: bool) -> Matching:
        if fast_path not in self._matching:
            view = SegmentView(self.searcher, self.gen)
            self._matching[fast_path] = Matching(view, self.weighting, fast_path)
        return self._matching[fast_path]

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()


_OPEN: dict[str, _Shard] = {}
_OPENING = threading.Lock()


def _shard(folder: str, key: ShardKey) -> _Shard:
    with _OPENING:
        held = _OPEN.get(folder)
        if held is None or held.key != key:
            if held is not None:
                held.close()
            held = _OPEN[folder] = _Shard(folder)
    if held.key != key:
        raise ShardChangedError(
            f"the shard {folder} changed while it was searched: run the search again"
        )
    return held


def shard_call(
    folder: str, key: ShardKey, figures: Global, fast_path: bool, op: str, plan: QueryPlan, arg: Any
) -> Any:
    """Run in a worker: ``op`` ("ranked", "every" or "rescored") of ``plan`` on one shard."""
    shard = _shard(folder, key)
    with shard.lock:
        shard.weighting.use(figures)
        matching = shard.matching(fast_path)
        if op == "ranked":
            return matching.ranked(plan, arg)
        if op == "every":
            return matching.every(plan)
        extra, depth = arg
        return matching.rescored(plan, extra, depth)


# ---- the client's side ---------------------------------------------------------------------


def _best(pairs: Sequence[tuple[int, float]], depth: int) -> list[tuple[int, float]]:
    """The ``depth`` best, ties in document order (as matching._best and Whoosh)."""
    return sorted(pairs, key=lambda p: (-p[1], p[0]))[:depth]


class ClusterMatching(Matching):
    """``Matching`` whose ranked and unranked matches come from the shards' workers. What
    has no query words (filters alone) is answered from the client's filter columns."""

    def __init__(
        self, view: SegmentView, weighting: CachedBM25F, fast_path: bool, client: Any
    ) -> None:
        super().__init__(view, weighting, fast_path)
        self._view = view
        self._w = weighting
        self._fast_path = fast_path
        self._client = client
        self.spots = shard_spots(view.searcher)

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
        lengths = {
            name: (s.field_length(name) / max(documents, 1)) or 1.0
            for name, field in schema.items()
            if field.scorable
        }
        return Global(documents, lengths, stats)

    def _fan(self, op: str, plan: QueryPlan, arg: Any, figures: Global) -> list[tuple[int, Any]]:
        """``op`` on every shard, each in the worker it was given to (another if that one is
        gone): each shard's answer with the number of its first document."""
        workers = sorted(self._client.scheduler_info()["workers"])
        if not workers:
            raise NewsearchError("the Dask cluster has no workers: start some (dask worker ...)")
        futures = []
        for n, spot in enumerate(self.spots):
            args = (spot.folder, spot.key, figures, self._fast_path, op, plan, arg)
            where = {"workers": [workers[n % len(workers)]], "allow_other_workers": True}
            futures.append(self._client.submit(shard_call, *args, **where, pure=False))
        answers = self._client.gather(futures)
        return [(spot.base, a) for spot, a in zip(self.spots, answers, strict=True)]

    @staticmethod
    def _docnums(parts: Sequence[tuple[int, Ints]]) -> Ints:
        pieces = [np.asarray(docs, np.int64) + base for base, docs in parts]
        return np.concatenate(pieces) if pieces else np.empty(0, np.int64)

    def ranked(self, plan: QueryPlan, depth: int) -> Matches:
        assert plan.positive is not None
        parts: list[tuple[int, Matches]] = self._fan("ranked", plan, depth, self._figures(plan))
        top = _best([(d + base, s) for base, m in parts for d, s in m.top], depth)
        words = None
        if all(m.words is not None for _, m in parts):
            words = {d + base: held for base, m in parts for d, held in (m.words or {}).items()}
        return Matches(self._docnums([(base, m.docnums) for base, m in parts]), top, words)

    def every(self, plan: QueryPlan) -> Ints:
        if plan.positive is None:
            return super().every(plan)
        return self._docnums(self._fan("every", plan, None, self._figures(plan)))

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

        def matching(view: SegmentView, weighting: CachedBM25F, fast: bool) -> Matching:
            return ClusterMatching(view, weighting, fast, client)

        engine = SearchEngine(index_dir, fast_path=fast_path, matching=matching)
    except BaseException:
        stack.close()
        raise
    engine.on_close(stack.close)
    return engine
