"""Scale out on Dask: ingest on many workers into a sharded index.

shardmap   the shard map in the index directory: shards, their generations, routing by id hash
connect    which Dask cluster: local:N (started and stopped here) or tcp://HOST:PORT
ledger     the client judges every item once, for all shards (the single-machine ledger)
work       what workers run: read chunks, make documents (entities, vectors), write a shard
ingest     build_sharded: the run, its summary counted as a single-machine run counts

A sharded index is searched as one (``index/shards.py``): ``SearchEngine`` opens it, and every
answer equals that of one index holding the same articles. Nothing here is imported by a query;
Dask is imported only when a cluster run starts.
"""

from __future__ import annotations

from typing import Any

from newsearch.models import IndexSummary


def build_sharded(*args: Any, **kwargs: Any) -> IndexSummary:
    """``newsearch.cluster.ingest.build_sharded`` (imported when called)."""
    from newsearch.cluster.ingest import build_sharded as build

    return build(*args, **kwargs)
