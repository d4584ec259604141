"""Scale out on Dask: ingest on 1, 2 (and capped 4, 8) local workers against the single-machine
ingest, and query latency over K shards against one index, in one run.

    python benchmarks/scale.py ingest [--scale 1] [--files N] [--workers 1,2,4,8] [--no-entities]
                                      [--repeat R] [--json]
    python benchmarks/scale.py query [--scale 10] [--shards 1,2,4,8] [--queries 120] [--json]
                                     [--keep DIR]

The data: Reuters-21578's SGML files (../shared/corpora; research use, never copied into the
repository), replicated ``--scale`` times into a temporary folder (replica r > 0: NEWID "rR-N"
and a closing line "Replica R." in each text, so that no replica is a duplicate of another).
Both the single-machine run and the cluster runs read the same files.

ingest: each system runs in a fresh child process: ``single`` = ``build_index`` (entities on
every core, one writer, as ``newsearch index``), ``cluster:N`` = ``build_sharded`` on a
LocalCluster of N one-thread worker processes and N shards. Workers beyond the machine's
cores share them ("capped": they show the coordination overhead, not a speed-up). For each
cluster run, Dask's task stream gives every task's compute time: the capacity not spent in
tasks (``cores x wall - compute``) per batch of 256 articles, the write tail (from the last
batch made to the last commit) per shard, and the cluster's start. For every system, the CPU
time of all its processes per article indexed: what the same work costs each way.

query: one index (``build_index --no-entities``) and sharded indexes of K shards
(``build_sharded --no-entities`` on 2 local workers) of the same files; the 120 queries of
benchmarks/query.py (hybrid mode, passages, highlights), p50/p95/max ms each, and whether the
top 10 (ids, starts, scores) of every query equal those of one index. Each sharded index is
searched twice: in one process reading every shard, and with each shard's matching in one of
2 local Dask workers (``search_engine(index, cluster=...)``, newsearch/cluster/search.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

_NEWID = re.compile(r'NEWID="(\d+)"')
_DOC = re.compile(r"<REUTERS\b.*?</REUTERS>", re.DOTALL)
_TITLE = re.compile(r"<TITLE>(.*?)</TITLE>", re.DOTALL)


def _mark(doc: str, r: int) -> str:
    """One Reuters document of replica ``r``: its own NEWID and a closing line "Replica R."
    in its text, wherever the reader takes the text from (the body; else the title, which
    the reader then uses as the body; else an unprocessed text), so that no replica is a
    duplicate of another."""
    doc = _NEWID.sub(lambda m: f'NEWID="r{r}-{m.group(1)}"', doc)
    line = f"\nReplica {r}.\n"
    if "</BODY>" in doc:
        return doc.replace("</BODY>", f"{line}</BODY>", 1)
    title = _TITLE.search(doc)
    if title:  # a brief: the title as the body, as the reader does, and the line after it
        return doc[: title.end()] + f"<BODY>{title.group(1)}{line}</BODY>" + doc[title.end() :]
    return doc.replace("</TEXT>", f"{line}</TEXT>", 1)


def replicate(corpus: str, scale: int, where: Path, files: int | None = None) -> Path:
    """The corpus's SGML files (the first ``files``), ``scale`` times (distinct ids and
    texts), in ``where``."""
    where.mkdir(parents=True, exist_ok=True)
    for sgm in sorted((CORPORA / corpus).glob("*.sgm"))[:files]:
        raw = sgm.read_bytes().decode("latin-1")
        for r in range(scale):
            text = raw
            if r:
                text = _DOC.sub(lambda m, r=r: _mark(m.group(0), r), text)
            (where / f"{sgm.stem}-r{r:02d}.sgm").write_bytes(text.encode("latin-1"))
    return where


def cores() -> int:
    return len(os.sched_getaffinity(0))


def size_mb(folder: Path) -> float:
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return round(total / 1e6, 1)


# ---- children (one system each, in a fresh process) ----


def child_single(data: Path, out: Path, entities: bool) -> dict[str, Any]:
    from newsearch import build_index

    _time_collector()
    start = time.perf_counter()
    s = build_index(data, out, entities=entities)
    wall = time.perf_counter() - start
    return {
        "seconds": wall,
        "read": s.read,
        "indexed": s.indexed,
        "index_mb": size_mb(out),
        "cpu_split_ms_per_article": _split(
            {
                "main": _own_cpu(),
                "children": _children_cpu(),
                "main_collecting": _collector_seconds(),
            },
            s.indexed,
        ),
    }


def child_cluster(data: Path, out: Path, entities: bool, workers: int) -> dict[str, Any]:
    from distributed import Client, get_task_stream

    from newsearch.cluster.connect import local_cluster
    from newsearch.cluster.ingest import build_sharded

    start = time.perf_counter()
    with local_cluster(workers) as cluster, Client(cluster) as client:
        started = time.perf_counter() - start
        client.run(_time_collector)
        _time_collector()
        with get_task_stream(client) as stream:
            run_start, clock_start = time.perf_counter(), time.time()
            s = build_sharded(data, out, client=client, shards=workers, entities=entities)
            run = time.perf_counter() - run_start
            clock_end = time.time()
        in_workers = sum(client.run(_own_cpu).values())
        collecting = sum(client.run(_collector_seconds).values())
    wall = time.perf_counter() - start
    compute: dict[str, float] = defaultdict(float)
    transfer: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    last_made = last_write = 0.0
    first_made = clock_end
    spans: list[tuple[float, float]] = []
    shard_tasks: list[tuple[str, str, float, float]] = []  # (kind, worker, start, stop)
    for task in stream.data:
        key = task["key"] if isinstance(task["key"], str) else str(task["key"][0])
        kind = key.split("-", 1)[0]
        count[kind] += 1
        for part in task["startstops"]:
            span = part["stop"] - part["start"]
            if part["action"] == "compute":
                compute[kind] += span
                spans.append((part["start"], part["stop"]))
                if kind == "make_documents":
                    first_made = min(first_made, part["start"])
                    last_made = max(last_made, part["stop"])
                if kind == "write_shard":
                    last_write = max(last_write, part["stop"])
                if kind in ("write_shard", "merge_shard") and span > 1:
                    shard_tasks.append((kind, task["worker"], part["start"], part["stop"]))
            elif part["action"] == "transfer":
                transfer[kind] += span
    busy = sum(compute.values())
    capacity = min(workers, cores()) * run
    batches = max(1, count["make_documents"])
    return {
        "seconds": wall,
        "cluster_start": started,
        "run_seconds": run,
        "read": s.read,
        "indexed": s.indexed,
        "tasks": dict(count),
        "compute_seconds": {k: round(v, 2) for k, v in compute.items()},
        "transfer_seconds": round(sum(transfer.values()), 2),
        "idle_per_batch_ms": round(1000 * max(0.0, capacity - busy) / batches, 1),
        "write_tail_per_shard_s": round(max(0.0, last_write - last_made) / workers, 2),
        "compute_per_article_ms": round(1000 * busy / max(1, s.indexed), 2),
        "busy_workers_s": _occupancy(spans, clock_start, clock_end),
        "fill_s": round(max(0.0, first_made - clock_start), 2),
        "tail_s": round(max(0.0, clock_end - last_made), 2),
        "shard_tasks_over_1s": [  # (when, from the run's start: which worker wrote or merged)
            [kind, worker.rsplit(":", 1)[-1], round(a - clock_start, 1), round(b - a, 1)]
            for kind, worker, a, b in sorted(shard_tasks, key=lambda t: t[2])
        ],
        "index_mb": size_mb(out),
        "cpu_split_ms_per_article": _split(
            {
                "client": _own_cpu(),
                "workers": in_workers,
                "workers_outside_tasks": in_workers - busy,
                "workers_collecting": collecting,
                "client_collecting": _collector_seconds(),
            },
            s.indexed,
        ),
    }


def _occupancy(spans: list[tuple[float, float]], start: float, end: float) -> dict[str, float]:
    """Seconds of the run during which 0, 1, 2, ... tasks were computing (the task stream's
    spans, clipped to the run): where the cores wait, not how long in all."""
    events = sorted(
        [(max(a, start), 1) for a, b in spans if b > start and a < end]
        + [(min(b, end), -1) for a, b in spans if b > start and a < end]
    )
    out: dict[str, float] = defaultdict(float)
    level, at = 0, start
    for when, step in events:
        out[str(level)] += when - at
        level, at = level + step, when
    out[str(level)] += end - at
    return {k: round(v, 2) for k, v in sorted(out.items())}


_COLLECTING = [0.0, 0.0]  # (seconds in Python's cyclic collector, the last start)


def _time_collector() -> None:
    """Time Python's cyclic garbage collector in this process from now on."""
    import gc

    def timed(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            _COLLECTING[1] = time.perf_counter()
        else:
            _COLLECTING[0] += time.perf_counter() - _COLLECTING[1]

    gc.callbacks.append(timed)


def _collector_seconds() -> float:
    return _COLLECTING[0]


def _own_cpu() -> float:
    import resource

    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def _split(seconds: dict[str, float], indexed: int) -> dict[str, float]:
    """Where the CPU went, in ms an article indexed: the process that ran the build (the
    client, with Dask's scheduler, in a cluster run), its entity and writer processes, or
    Dask's workers (and their CPU outside the task stream's compute: event loops, moving
    data, serialising)."""
    return {k: round(1000 * v / max(1, indexed), 2) for k, v in seconds.items()}


def run_child(args: list[str]) -> dict[str, Any]:
    """A system run in a child process; ``cpu_seconds``: the CPU time of the child and every
    process it waited for (entity processes, Dask's workers, Whoosh's writer processes)."""
    before = _children_cpu()
    out = subprocess.run(
        [sys.executable, __file__, "_child", *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"{args}: {out.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["cpu_seconds"] = round(_children_cpu() - before, 1)
    return result


def _children_cpu() -> float:
    import resource

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


# ---- ingest ----


def bench_ingest(
    scale: int, workers: list[int], entities: bool, files: int | None, repeat: int = 1
) -> dict[str, Any]:
    """Every system ``repeat`` times, in rounds (single, cluster:N, ...; again): each round's
    ratios are to its own single run, made minutes apart; a system's row is its median round
    (by that ratio; with an even number, the lower one), with every round's ratio beside it.
    This machine's speed moved 10-20% between runs an hour apart."""
    rounds: list[dict[str, dict[str, Any]]] = []
    systems = ["single", *[f"cluster:{n}" for n in workers]]
    with tempfile.TemporaryDirectory(prefix="scale-ingest-") as tmp:
        data = replicate("reuters21578", scale, Path(tmp) / "data", files)
        flag = "1" if entities else "0"
        for number in range(repeat):
            rows: dict[str, dict[str, Any]] = {}
            for system in systems:
                out = Path(tmp) / f"{system.replace(':', '-')}-{number}"
                row = rows[system] = run_child(["ingest", system, str(data), str(out), flag])
                shutil.rmtree(out, ignore_errors=True)
                row["articles_per_s"] = round(row["indexed"] / row["seconds"], 1)
                row["cpu_ms_per_article"] = round(
                    1000 * row["cpu_seconds"] / max(1, row["indexed"]), 2
                )
                print(system, json.dumps(row), file=sys.stderr, flush=True)
            for row in rows.values():
                row["vs_single"] = round(
                    row["articles_per_s"] / rows["single"]["articles_per_s"], 3
                )
            rounds.append(rows)
    out_rows: dict[str, dict[str, Any]] = {}
    for system in systems:
        runs = sorted((r[system] for r in rounds), key=lambda r: (r["vs_single"], -r["seconds"]))
        row = dict(runs[(len(runs) - 1) // 2])
        row["rounds_vs_single"] = [r[system]["vs_single"] for r in rounds]
        row["capped"] = system.startswith("cluster:") and int(system[8:]) > cores()
        out_rows[system] = row
    return {
        "scale": scale,
        "files": files,
        "entities": entities,
        "cores": cores(),
        "repeat": repeat,
        "systems": out_rows,
    }


# ---- query ----


def bench_query(
    scale: int, shards: list[int], queries: int, keep: Path | None = None
) -> dict[str, Any]:
    """Query latency over one index and K shards of the same replicated corpus (kept in and
    reused from ``keep``, if given: a build at --scale 10 takes ~30 minutes)."""
    with contextlib.ExitStack() as stack:
        tmp = keep or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="scale-q-")))
        return _bench_query(Path(tmp), scale, shards, queries)


def _bench_query(tmp: Path, scale: int, shards: list[int], queries: int) -> dict[str, Any]:
    from ingest import articles
    from query import make_queries

    qs = make_queries(list(articles("reuters21578", 1, None)), queries)
    rows: dict[str, dict[str, Any]] = {}
    data = tmp / f"data-x{scale}"
    if not data.is_dir():
        replicate("reuters21578", scale, data)
    (tmp / "queries.json").write_text(json.dumps(qs))
    one = tmp / f"one-x{scale}"
    if not one.is_dir():
        built = _built(one, lambda at: run_child(["ingest", "single", str(data), at, "0"]))
        print("built one index", json.dumps(built), file=sys.stderr, flush=True)
    for k in shards:
        where = tmp / f"k{k}-x{scale}"
        if not where.is_dir():
            built = _built(
                where, lambda at, k=k: run_child(["build-sharded", str(data), at, str(k)])
            )
            print(f"built {k} shards", json.dumps(built), file=sys.stderr, flush=True)
    qfile = str(tmp / "queries.json")
    rows["one index"] = run_child(["query", str(one), str(one), qfile, "here"])
    for k in shards:
        where = tmp / f"k{k}-x{scale}"
        for how, name in (("here", f"{k} shards"), ("cluster", f"{k} shards, 2 workers")):
            rows[name] = run_child(["query", str(where), str(one), qfile, how])
            print(name, json.dumps(rows[name]), file=sys.stderr, flush=True)
    return {"scale": scale, "queries": len(qs), "cores": cores(), "indexes": rows}


def _built(where: Path, build: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """``build`` into ``where`` by way of a ``.partial`` sibling, renamed once complete: a
    kept directory (``--keep``) is a finished index, never one a stopped run left half made."""
    partial = where.with_name(where.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    built = build(str(partial))
    partial.rename(where)
    return built


def child_build_sharded(data: Path, out: Path, k: int) -> dict[str, Any]:
    from distributed import Client

    from newsearch.cluster.connect import local_cluster
    from newsearch.cluster.ingest import build_sharded

    start = time.perf_counter()
    with local_cluster(2) as cluster, Client(cluster) as client:
        s = build_sharded(data, out, client=client, shards=k, entities=False)
    return {"seconds": time.perf_counter() - start, "read": s.read, "indexed": s.indexed}


def child_query(index: Path, one: Path, queries_file: Path, how: str) -> dict[str, Any]:
    """The queries over ``index`` searched in this process (``how`` "here") or with each
    shard matched in one of 2 local Dask workers ("cluster"), against one index."""

    from newsearch import SearchEngine
    from newsearch.cluster.connect import local_cluster
    from newsearch.cluster.search import search_engine

    qs = json.loads(queries_file.read_text())
    stack = contextlib.ExitStack()
    opened = lambda: SearchEngine(index)  # noqa: E731
    if how == "cluster":
        from distributed import Client

        cluster = stack.enter_context(local_cluster(2))
        client = stack.enter_context(Client(cluster))
        opened = lambda: search_engine(index, cluster=client)  # noqa: E731
    with stack:
        _read_through(index)
        return _timed(index, one, qs, opened)


def _read_through(index: Path) -> None:
    """Read every file of ``index`` once before its queries are timed: each index starts from
    the page cache, not only the ones read after another (the first read cold, and this VM
    gives idle cached pages back)."""
    for path in sorted(index.rglob("*")):
        if path.is_file():
            with path.open("rb") as f:
                while f.read(1 << 20):
                    pass


def _timed(index: Path, one: Path, qs: list[Any], opened: Any) -> dict[str, Any]:
    """Milliseconds per query with ``opened()``'s engine, and how many answers equal one
    index's (top 10 ids, starts, scores; the total)."""
    from query import bench_newsearch, percentiles

    from newsearch import SearchEngine

    ms = bench_newsearch(index, qs, facets=False, opened=opened())
    same = 0
    if index != one:
        with opened() as a, SearchEngine(one) as b:
            for spec in qs:
                kw = {k: v for k, v in spec.items() if k != "q"}
                ra, rb = a.search(spec["q"], **kw), b.search(spec["q"], **kw)
                ka = [(h.article.id, h.start, h.score) for h in ra.results]
                kb = [(h.article.id, h.start, h.score) for h in rb.results]
                same += ka == kb and ra.total == rb.total
    else:
        same = len(qs)
    start = time.perf_counter()
    with opened() as engine:
        engine.search("oil prices")
    return {**percentiles(ms), "open_and_first_s": round(time.perf_counter() - start, 2),
            "identical_to_one_index": f"{same}/{len(qs)}"}  # fmt: skip


def child(argv: list[str]) -> dict[str, Any]:
    what = argv[0]
    if what == "ingest":
        system, data, out, flag = argv[1], Path(argv[2]), Path(argv[3]), argv[4] == "1"
        if system == "single":
            return child_single(data, out, flag)
        return child_cluster(data, out, flag, int(system.split(":")[1]))
    if what == "build-sharded":
        return child_build_sharded(Path(argv[1]), Path(argv[2]), int(argv[3]))
    if what == "query":
        return child_query(Path(argv[1]), Path(argv[2]), Path(argv[3]), argv[4])
    raise SystemExit(f"unknown child {what}")


def table(result: dict[str, Any]) -> str:
    if "systems" in result:
        lines = [
            "| system | seconds | articles/s | vs single | cluster start s | idle ms/batch "
            "| write tail s/shard | compute ms/article | CPU ms/article |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for name, r in result["systems"].items():
            label = f"{name} (capped)" if r.get("capped") else name
            rounds = r.get("rounds_vs_single", [])
            ratio = f"{r['vs_single']}" + (
                f" ({', '.join(map(str, rounds))})" if len(rounds) > 1 else ""
            )
            lines.append(
                f"| {label} | {r['seconds']:.1f} | {r['articles_per_s']} | {ratio} "
                f"| {r.get('cluster_start', 0):.1f} | {r.get('idle_per_batch_ms', '')} "
                f"| {r.get('write_tail_per_shard_s', '')} | {r.get('compute_per_article_ms', '')} "
                f"| {r.get('cpu_ms_per_article', '')} |"
            )
        return "\n".join(lines)
    lines = [
        "| index | p50 ms | p95 ms | max ms | open + first query s | top 10 identical |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in result["indexes"].items():
        lines.append(
            f"| {name} | {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} | "
            f"{r['open_and_first_s']} | {r['identical_to_one_index']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_child":
        print(json.dumps(child(argv[1:])))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("what", choices=["ingest", "query"])
    p.add_argument("--scale", type=int, default=None)
    p.add_argument("--workers", default="1,2,4,8")
    p.add_argument("--shards", default="1,2,4,8")
    p.add_argument("--queries", type=int, default=120)
    p.add_argument("--files", type=int, default=None, help="only the first N SGML files")
    p.add_argument("--no-entities", action="store_true")
    p.add_argument("--repeat", type=int, default=1, help="ingest: rounds of every system")
    p.add_argument("--json", action="store_true")
    p.add_argument("--keep", type=Path, default=None, help="query: keep the indexes in DIR")
    a = p.parse_args(argv)
    if a.what == "ingest":
        workers = [int(x) for x in a.workers.split(",")]
        result = bench_ingest(a.scale or 1, workers, not a.no_entities, a.files, a.repeat)
    else:
        shards = [int(x) for x in a.shards.split(",")]
        result = bench_query(a.scale or 10, shards, a.queries, a.keep)
    print(json.dumps(result, indent=1) if a.json else table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
