"""Which Dask cluster a run uses: ``local:N`` (a LocalCluster of N worker processes, started
and stopped by the run) or ``tcp://HOST:PORT`` (the user's own scheduler). Dask's dashboard is
off unless asked for. Dask is imported here, when a cluster run starts, and nowhere a query
goes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from typing import Any

from newsearch.errors import InputError, NewsearchError

CONNECT_TIMEOUT = "20s"
_LOCAL = re.compile(r"local(?::(\d+))?")
_TCP = re.compile(r"(tcp|tls)://[^\s/:]+:\d+")


def check_spec(spec: str) -> str:
    """``spec`` if it names a cluster this module can reach, else InputError saying how."""
    spec = spec.strip()
    found = _LOCAL.fullmatch(spec)
    if found and (found.group(1) is None or 1 <= int(found.group(1)) <= 256):
        return spec
    if _TCP.fullmatch(spec):
        return spec
    raise InputError(
        f"--cluster {spec!r} not understood: give local:N (a cluster of N worker processes on "
        "this machine, e.g. local:2) or tcp://HOST:PORT (a running Dask scheduler)"
    )


def local_workers(spec: str) -> int | None:
    """The N of ``local:N`` (``local``: one per core); None for a scheduler's address."""
    found = _LOCAL.fullmatch(spec.strip())
    if not found:
        return None
    return int(found.group(1)) if found.group(1) else len(os.sched_getaffinity(0))


@contextlib.contextmanager
def client_for(spec: str, *, dashboard: bool = False, threads: int = 1) -> Iterator[Any]:
    """A Dask client of the cluster ``spec`` (a LocalCluster started and stopped here)."""
    spec = check_spec(spec)
    from dask import config
    from distributed import Client

    for name in ("distributed", "distributed.nanny", "distributed.scheduler"):
        logging.getLogger(name).setLevel(logging.ERROR)  # a killed worker is reported by us
    workers = local_workers(spec)
    with config.set({"logging.distributed": "error"}):
        if workers is None:
            try:
                client = Client(spec, timeout=CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
            except OSError as exc:
                raise NewsearchError(
                    f"cannot reach the Dask scheduler at {spec} ({exc}): start it "
                    "(dask scheduler; dask worker ADDRESS on each machine) or use local:N"
                ) from None
            with client:
                yield client
            return
        cluster = local_cluster(workers, threads=threads, dashboard=dashboard)
        try:
            with Client(cluster) as client:  # type: ignore[no-untyped-call]
                yield client
        finally:
            cluster.close()


def local_cluster(
    workers: int, *, threads: int = 1, processes: bool = True, dashboard: bool = False
) -> Any:
    """A LocalCluster of ``workers`` (processes, or threads of this one) on 127.0.0.1. Without
    ``dashboard`` the scheduler serves no dashboard, and its small HTTP server (health,
    metrics) takes a free port rather than the dashboard's 8787; nor do the workers run the
    dashboard's profiler and GIL monitor (``_lean``)."""
    from dask import config
    from distributed import LocalCluster

    quiet: dict[str, Any] = {} if dashboard else {"dashboard_address": "127.0.0.1:0"}
    where: dict[str, Any] = {"host": "127.0.0.1"} if processes else {}
    with config.set(_lean(dashboard)):  # (the nannies take the settings as they are made)
        return LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=threads,
            processes=processes,
            **where,
            dashboard_address=":8787" if dashboard else None,
            scheduler_kwargs=quiet,
            silence_logs=logging.ERROR,
        )


def _lean(dashboard: bool) -> dict[str, Any]:
    """Dask settings for the local workers: an entity-extracting task ran 23.3-24.0 s in a
    worker with Dask's defaults against 18.8 s in a plain process (768 Reuters articles through
    spaCy; benchmarks/README.md "Scale out"). Most of it is ``MALLOC_TRIM_THRESHOLD_=65536``,
    which Dask's nanny sets so that a worker hands freed memory back to the system at once: a
    task that allocates and frees as much as spaCy's then pays for it at every turn (20.4-21.2 s
    without it); the rest is the dashboard's sampling profiler (every 10 ms) and GIL monitor
    (every 1 ms), left on when the dashboard is asked for. A worker's memory is its batch's and
    the models' (the memory monitor still pauses or restarts one that grows)."""
    from dask import config

    spawn = config.get("distributed.nanny.pre-spawn-environ", {}) or {}
    out: dict[str, Any] = {
        "distributed.nanny.pre-spawn-environ": {
            k: v for k, v in spawn.items() if k != "MALLOC_TRIM_THRESHOLD_"
        }
    }
    if not dashboard:
        out["distributed.worker.profile.enabled"] = False
        out["distributed.admin.system-monitor.gil.enabled"] = False
    return out
