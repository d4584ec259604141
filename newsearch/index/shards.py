"""A sharded index opened as one: the segments of every shard behind one Whoosh reader.

A sharded index (``newsearch index --cluster``, newsearch/cluster/) is a generation whose
``shards.json`` (``SHARDS``) lists its shards, each an ordinary newsearch index directory
(``CURRENT``, its own generations, their postings copies) inside the generation. Opened here,
the leaf readers of every shard's live generation become one multi-segment reader, exactly as
the segments of one index are: document counts, document frequencies and average field
lengths are summed over all shards before any score is computed (the global statistics of
Elasticsearch's DFS query-then-fetch), so every score, total, facet and page equals that of
one index holding the same articles. The reader says which shard generation each segment came
from (``ShardReader.generations``), where ``segments.SegmentView`` finds its postings copy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from whoosh.index import Index
from whoosh.reading import EmptyReader, MultiReader
from whoosh.searching import Searcher

SHARDS = "shards.json"  # in a sharded generation: {"shards": [{"name": ...}, ...], ...}


def shard_names(gen: Path) -> list[str] | None:
    """The shard directories a generation lists (None: not a sharded generation)."""
    try:
        data = json.loads((gen / SHARDS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return []  # unreadable: opened as no shards, and the manifest check says more
    shards = data.get("shards") if isinstance(data, dict) else None
    if not isinstance(shards, list):
        return []
    return [str(s["name"]) for s in shards if isinstance(s, dict) and "name" in s]


class ShardReader(MultiReader):  # type: ignore[misc]  # Whoosh has no type hints
    """Whoosh's reader over several segments, which here come from several shards; each
    segment's shard generation is in ``generations`` (in the order of ``leaf_readers``)."""

    def __init__(self, readers: list[Any], generations: list[Path]) -> None:
        super().__init__(readers)
        self.generations = generations


class ShardedIndex:
    """The live generations of several shards as one read-only index: what the engine asks
    of a Whoosh index (``schema``, ``searcher``, ``reader``, ``latest_generation``, ``close``).
    A shard committed to since is seen at the next ``latest_generation`` check."""

    def __init__(self, shards: list[tuple[Path, Index]], schema: Any) -> None:
        self.shards = shards
        self.schema = shards[0][1].schema if shards else schema

    def latest_generation(self) -> tuple[int, ...]:
        return tuple(ix.latest_generation() for _, ix in self.shards)

    def reader(self) -> Any:
        leaves: list[Any] = []
        generations: list[Path] = []
        for gen, ix in self.shards:
            for leaf, _ in ix.reader().leaf_readers():
                if isinstance(leaf, EmptyReader):  # a shard with no segment yet
                    continue
                leaves.append(leaf)
                generations.append(gen)
        if not leaves:
            return EmptyReader(self.schema)
        return ShardReader(leaves, generations)

    def searcher(self, **kwargs: Any) -> Searcher:
        return Searcher(self.reader(), fromindex=self, **kwargs)

    def doc_count(self) -> int:
        r = self.reader()
        try:
            return int(r.doc_count())
        finally:
            r.close()

    def close(self) -> None:
        for _, ix in self.shards:
            ix.close()
