"""What a shard of a sharded index scores with, and where each shard is (cluster/search.py's
first step, Elasticsearch's DFS: the whole index's statistics, so that a shard's scores equal
one index's over the same articles)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh.searching import Searcher

from newsearch.errors import InputError
from newsearch.search.bm25 import CachedBM25F, idf

# (field, term) -> (IDF, average field length): what a shard's scores need of the whole index
Stats = dict[tuple[str, bytes], tuple[float, float]]
# per segment of a shard: (segment id, documents with deleted ones, live documents)
ShardKey = tuple[str, tuple[tuple[str, int, int], ...]]


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


def leaf_key(leaf: Any) -> tuple[str, int, int]:
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
        key = (str(gen), tuple(leaf_key(leaf) for leaf in leaves))
        spots.append(ShardSpot(str(gen.parent), key, first[gen]))
    return spots
