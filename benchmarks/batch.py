"""Batch search: 100 names checked against Reuters-21578 at once, against 100 single queries.

    python benchmarks/batch.py [--index DIR] [--names 100] [--json]

Builds a newsearch index of Reuters-21578 without entities (or reuses ``--index``), writes a
batch file of names from Reuters' own PEOPLE list (fixed seed; names of several words as
quoted phrases), and times in one run:
  batch, API            read_batch + run_batch over one SearchEngine: each name's total,
                        first and last date and 3 passages (mode lexical, the default)
  batch, API, hybrid    the same with mode="hybrid"
  batch, command        `newsearch batch FILE --format json` as a process (start-up included)
  single, new engine    100 times: a new SearchEngine, one search (limit 3): what a script
                        without batch does; no dates
  single, new engine,   the same with the two date-sorted searches a batch makes for the
    with dates          first and last date
  single, one engine    100 searches (limit 3) on one engine: no dates
Every total of the batch is checked against the single query's.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REUTERS = ROOT.parent / "shared" / "corpora" / "reuters21578"
sys.path.insert(0, str(ROOT))

from newsearch import SearchEngine, build_index  # noqa: E402
from newsearch.index import store  # noqa: E402
from newsearch.workflows import read_batch, run_batch  # noqa: E402


def names(n: int, seed: int = 16) -> list[str]:
    """``n`` names from Reuters' PEOPLE list ("de-la-madrid" -> de la madrid)."""
    people = (REUTERS / "all-people-strings.lc.txt").read_text().split()
    rng = random.Random(seed)
    return [p.replace("-", " ") for p in sorted(rng.sample(people, min(n, len(people))))]


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = run()
    return time.perf_counter() - started, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--index", type=Path, help="a newsearch index of Reuters-21578 to reuse")
    ap.add_argument("--names", type=int, default=100)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsearch-batch-"))
    index = args.index or work / "index"
    if not store.exists(index):
        seconds, _ = timed(lambda: build_index(REUTERS, index, entities=False))
        print(f"indexed Reuters-21578 in {seconds:.0f} s -> {index}", file=sys.stderr)
    listed = names(args.names)
    batch_file = work / "names.csv"
    quoted = [f'"{n}"' if " " in n else n for n in listed]
    batch_file.write_text("query\n" + "\n".join(quoted) + "\n", encoding="utf-8")

    def batch(mode: str) -> list[Any]:
        with SearchEngine(index) as engine:
            return list(run_batch(engine, read_batch(batch_file).queries, mode=mode))  # type: ignore[arg-type]

    def singles(dates: bool) -> list[int]:
        totals = []
        for q in read_batch(batch_file).queries:
            with SearchEngine(index) as engine:
                totals.append(engine.search(q.search, limit=3, mode="lexical").total)
                if dates:
                    engine.search(q.search, limit=1, sort="oldest")
                    engine.search(q.search, limit=1, sort="newest")
        return totals

    def one_engine() -> list[int]:
        with SearchEngine(index) as engine:
            return [
                engine.search(q.search, limit=3, mode="lexical").total
                for q in read_batch(batch_file).queries
            ]

    command = ["newsearch", "batch", str(batch_file), "--index", str(index), "--format", "json"]
    rows: list[tuple[str, float]] = []
    t, answers = timed(lambda: batch("lexical"))
    rows.append(("batch, API", t))
    rows.append(("batch, API, hybrid", timed(lambda: batch("hybrid"))[0]))
    t, proc = timed(lambda: subprocess.run(command, capture_output=True, text=True, check=True))
    rows.append(("batch, command", t))
    t, totals = timed(lambda: singles(False))
    rows.append(("single, new engine", t))
    rows.append(("single, new engine, with dates", timed(lambda: singles(True))[0]))
    rows.append(("single, one engine", timed(one_engine)[0]))
    found = sum(1 for a in answers if a.total)
    wrong = sum(1 for a, t in zip(answers, totals, strict=True) if a.total != t)
    from_command = [q["total"] for q in json.loads(proc.stdout)["queries"]]
    wrong += sum(1 for a, t in zip(answers, from_command, strict=True) if a.total != t)
    if args.json:
        print(json.dumps({"names": len(listed), "found": found, "mismatches": wrong,
                          "seconds": dict(rows)}, indent=1))  # fmt: skip
        return
    print(f"{len(listed)} names from Reuters' PEOPLE list, {found} found; totals differing "
          f"from single queries: {wrong}")  # fmt: skip
    print(f"{'':34}{'seconds':>9}{'ms/name':>9}")
    for label, seconds in rows:
        print(f"{label:34}{seconds:9.2f}{seconds * 1000 / len(listed):9.1f}")


if __name__ == "__main__":
    main()
