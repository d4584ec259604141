"""Scale out on Dask: ingest on many workers into a sharded index.

shardmap   the shard map in the index directory: shards, their generations, routing by id hash
connect    which Dask cluster: local:N (started and stopped here) or tcp://HOST:PORT
ledger     the client judges every item once, for all shards (the single-machine ledger)
work       what workers run: read chunks, make documents (entities, vectors), write a shard
ingest     build_sharded: the run, its summary counted as a single-machine run counts
search     search_engine: a sharded index's articles matched in the workers holding its shards

A sharded index is searched as one (``index/shards.py``): ``SearchEngine`` opens it, and every
answer equals that of one index holding the same articles; ``search_engine(index, cluster=...)``
does the same with each shard's matching in the cluster's workers. Nothing here is imported by a
query without a cluster; Dask is imported only when a cluster run or search starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsearch.models import IndexSummary

if TYPE_CHECKING:
    from newsearch.search.engine import SearchEngine


def build_sharded(*args: Any, **kwargs: Any) -> IndexSummary:
    """``newsearch.cluster.ingest.build_sharded`` (imported when called)."""
    from newsearch.cluster.ingest import build_sharded as build

    return build(*args, **kwargs)


def search_engine(
    index_dir: Any = "index", *, cluster: Any, fast_path: bool = True
) -> SearchEngine:
    """``newsearch.cluster.search.search_engine`` (imported when called)."""
    from newsearch.cluster.search import search_engine as engine

    return engine(index_dir, cluster=cluster, fast_path=fast_path)
