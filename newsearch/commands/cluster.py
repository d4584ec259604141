"""The cluster options: the ``index`` command's (``--cluster``, ``--shards``, ``--dashboard``)
and the choice between a single-machine run (``build_index``) and a cluster run
(``newsearch.cluster.build_sharded``); ``query``'s ``--cluster`` and the engine it opens.
Nothing here imports Dask: a cluster run or search does."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from newsearch.errors import InputError

if TYPE_CHECKING:
    from newsearch.search.engine import SearchEngine

ClusterOpt = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        metavar="local:N|tcp://HOST:PORT",
        help="Index on a Dask cluster into shards: local:N starts N worker processes here "
        "(and stops them), tcp://HOST:PORT uses a running scheduler. The index must be on "
        "storage every worker reaches.",
        show_default=False,
    ),
]
ShardsOpt = Annotated[
    int | None,
    typer.Option(
        "--shards",
        metavar="K",
        min=1,
        help="Shards of a new (or --rebuild) cluster index (default: one per worker).",
        show_default=False,
    ),
]
SearchClusterOpt = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        metavar="local:N|tcp://HOST:PORT",
        help="Search a sharded index (index --cluster) with each shard's articles matched in "
        "the Dask workers that hold it: tcp://HOST:PORT uses a running scheduler; local:N "
        "starts N worker processes here for this one query.",
        show_default=False,
    ),
]
DashboardOpt = Annotated[
    bool, typer.Option("--dashboard", help="Serve Dask's dashboard during a --cluster run.")
]


def builder(cluster: str | None, shards: int | None, dashboard: bool, dry_run: bool) -> Any:
    """The function that runs the index command: ``build_index`` without ``--cluster`` (or
    for a dry run, which reads a sharded index as one), else ``build_sharded`` on it."""
    from newsearch.ingest.pipeline import build_index

    if cluster is None:
        if shards is not None or dashboard:
            option = "--shards" if shards is not None else "--dashboard"
            raise InputError(f"{option} goes with --cluster (e.g. --cluster local:2)")
        return build_index
    from newsearch.cluster.connect import check_spec

    spec = check_spec(cluster)
    if dry_run:
        return build_index
    from newsearch.cluster.ingest import build_sharded

    def run(*args: Any, processes: int | None = None, dry_run: bool = False, **kwargs: Any) -> Any:
        del processes, dry_run  # (the workers are the cluster's; a dry run is build_index's)
        return build_sharded(*args, cluster=spec, shards=shards, dashboard=dashboard, **kwargs)

    return functools.wraps(build_sharded)(run)


def engine(index: Path, cluster: str | None) -> SearchEngine:
    """The engine a query command searches with: on this machine, or with its matching in the
    workers of ``cluster`` (newsearch/cluster/search.py)."""
    if cluster is None:
        from newsearch.search.engine import SearchEngine

        return SearchEngine(index)
    from newsearch.cluster.connect import check_spec
    from newsearch.cluster.search import search_engine

    return search_engine(index, cluster=check_spec(cluster))
