"""Load test of `newsearch serve` over Reuters-21578, on this machine only (127.0.0.1).

    python benchmarks/serve.py [--index DIR] [--clients 50] [--seconds 30] [--workers 1]
                               [--mix unique,repeat] [--path /api/search] [--think S]
                               [--json]

Builds a newsearch index of Reuters-21578 without entities into a temporary folder (or
reuses ``--index``), starts `newsearch serve` on a free port of 127.0.0.1, and runs, one after
the other, each mix of ``--mix`` for ``--seconds``: ``--clients`` clients, each on its own
keep-alive connection, sending a request as soon as its last one was answered (a closed loop:
a stress test), or, with ``--think S``, after reading it for S seconds on average (drawn
uniformly from 0.5 S to 1.5 S, fixed seed: people at a search page, as Locust's wait_time),
each client's first request after a wait drawn from 0 to 1.5 S (people arrive one by one).

  unique   every request a query never asked before in the run (pairs of Reuters' own topic,
           place, people and organisation names, shuffled with a fixed seed, and a page of 10
           passages): what the engine costs, no answer served from the server's cache
  repeat   queries drawn at random from 200 of them, each asked once before the clock starts:
           what a newsroom's popular searches cost (an answer asked for before comes from
           the server's cache, keyed by the index version)

For each mix: requests, requests/s, latency p50/p95/p99/max in ms, and errors (any status
other than 200, any broken connection). Bounded: it stops after ``--seconds`` (at most 300)
or ``--max-requests``, and sends nothing to any address but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
REUTERS = ROOT.parent / "shared" / "corpora" / "reuters21578"
sys.path.insert(0, str(ROOT))

from newsearch import build_index  # noqa: E402
from newsearch.index import store  # noqa: E402

HOST = "127.0.0.1"  # the only address this test sends anything to
MOST_SECONDS = 300
LISTS = ("topics", "places", "people", "orgs")


def reuters_words() -> list[str]:
    """Reuters' own category names ("de-la-madrid" -> de la madrid), a few hundred."""
    words: list[str] = []
    for kind in LISTS:
        listed = (REUTERS / f"all-{kind}-strings.lc.txt").read_text(encoding="latin-1")
        words += [w.replace("-", " ") for w in listed.split()]
    return sorted(set(words))


def unique_queries(seed: int = 19) -> Iterator[str]:
    """Pairs of Reuters names, each pair once, in a shuffled order."""
    words = reuters_words()
    pairs = list(itertools.combinations(words, 2))
    random.Random(seed).shuffle(pairs)
    return (f"{a} {b}" for a, b in pairs)


REPEATED = 200


def repeat_pool(n: int = REPEATED, seed: int = 19) -> list[str]:
    return list(itertools.islice(unique_queries(seed + 1), n))


def repeat_queries(pool: list[str], seed: int = 19) -> Iterator[str]:
    rng = random.Random(seed)
    while True:
        yield rng.choice(pool)


async def client(
    port: int,
    path: str,
    queries: Iterator[str],
    until: float,
    latencies: list[float],
    errors: list[str],
    budget: list[int],
    think: float = 0.0,
    pause: random.Random | None = None,
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    if think and pause is not None:  # people arrive one by one, not all in the same instant
        await asyncio.sleep(think * pause.uniform(0, 1.5))
    while time.perf_counter() < until and budget[0] > 0:
        budget[0] -= 1
        query = next(queries, None)
        if query is None:  # (a warm-up's queries all asked)
            break
        target = f"{path}?{urlencode({'q': query})}"
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            assert reader is not None
            writer.write(f"GET {target} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append(f"HTTP {status}")
            if think and pause is not None:  # the reader reads the answer
                await asyncio.sleep(
                    min(think * pause.uniform(0.5, 1.5), until - time.perf_counter())
                )
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            errors.append(type(exc).__name__)
            if writer is not None:
                writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def load(
    port: int,
    path: str,
    queries: Iterator[str],
    clients: int,
    seconds: float,
    most: int,
    think: float = 0.0,
) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    budget = [most]
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(
        *(
            client(port, path, queries, until, latencies, errors, budget, think, random.Random(n))
            for n in range(clients)
        )
    )
    elapsed = time.perf_counter() - started
    ms = sorted(x * 1000 for x in latencies)

    def pct(p: float) -> float:
        return round(ms[min(len(ms) - 1, int(p / 100 * len(ms)))], 1) if ms else 0.0

    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 1),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": round(ms[-1], 1) if ms else 0.0,
        "mean_ms": round(statistics.fmean(ms), 1) if ms else 0.0,
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def wait_ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"newsearch serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/api/stats", timeout=10) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("newsearch serve did not answer within a minute")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--index", type=Path, help="a newsearch index of Reuters-21578 to reuse")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--workers", type=int, default=1, help="serve --workers")
    ap.add_argument("--mix", default="unique,repeat", help="unique, repeat or both")
    ap.add_argument("--path", default="/api/search", help="/api/search, or / for the page")
    ap.add_argument("--max-requests", type=int, default=1_000_000)
    ap.add_argument(
        "--think", type=float, default=0.0, help="mean seconds between a client's requests"
    )
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    seconds = min(args.seconds, MOST_SECONDS)
    index = args.index or Path(tempfile.mkdtemp(prefix="newsearch-serve-")) / "index"
    if not store.exists(index):
        started = time.perf_counter()
        build_index(REUTERS, index, entities=False)
        took = time.perf_counter() - started
        print(f"indexed Reuters-21578 in {took:.0f} s -> {index}", file=sys.stderr)
    port = free_port()
    command = [sys.executable, "-m", "newsearch", "serve", "--index", str(index)]
    command += ["--host", HOST, "--port", str(port), "--workers", str(args.workers)]
    report: dict[str, Any] = {
        "index": str(index),
        "clients": args.clients,
        "seconds": seconds,
        "workers": args.workers,
        "path": args.path,
        "think_s": args.think,
        "mixes": {},
    }
    with subprocess.Popen(command, stderr=subprocess.DEVNULL) as proc:
        try:
            wait_ready(port, proc)
            for mix in args.mix.split(","):
                queries = unique_queries()
                if mix == "repeat":  # each query asked once first, not measured
                    pool = repeat_pool()
                    warm = asyncio.run(load(port, args.path, iter(pool), args.clients, 600, 10**6))
                    report["warm_up"] = warm
                    if not args.json:
                        print(
                            f"warm-up: the {len(pool)} repeated queries once, {warm['seconds']} s"
                        )
                    queries = repeat_queries(pool)
                found = asyncio.run(
                    load(
                        port,
                        args.path,
                        queries,
                        args.clients,
                        seconds,
                        args.max_requests,
                        args.think,
                    )
                )
                report["mixes"][mix] = found
                if not args.json:
                    print(
                        f"{mix:7} {found['requests']:6} requests in {found['seconds']} s: "
                        f"{found['per_second']} /s, p50 {found['p50_ms']} ms, "
                        f"p95 {found['p95_ms']} ms, p99 {found['p99_ms']} ms, "
                        f"max {found['max_ms']} ms, {found['errors']} errors "
                        f"{' '.join(found['error_kinds'])}"
                    )
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    if args.json:
        print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
