"""Hostile inputs at scale: a randomized corpus per seed, indexed by the CLI in a subprocess.

    python benchmarks/hostile.py [--files 2000] [--seeds 1,2,3] [--max-file-size 1MB]
                                 [--entities] [--timeout 600] [--reduce-timeout 60]
                                 [--keep DIR] [--json]

For each seed, ``tests/hostile/make.py``'s ``random_corpus`` builds ``--files`` directory
entries in a random tree of folders: random bytes, random edits of valid JSON, JSON Lines, CSV,
RSS, Atom, HTML, XML, Reuters SGML and text, stories in odd encodings or with control
characters, deep nesting and huge fields, entity bombs and external entities pointing at a
secret outside the folder, FIFOs, sockets, links to devices and link loops, hidden files and
documentation, files over the size limit, copies and links, names that are not UTF-8 or hold
newlines and escapes; and valid files whose articles must be indexed. Then
``newsearch index DIR --json`` runs in a subprocess, with a time bound, and the table says:

- inputs tried: directory entries made, and items the run read (articles and skips);
- indexed, skipped (by reason, the 10 most common), duplicates;
- tracebacks and aborted runs (0 expected), hangs (a run past --timeout; 0 expected);
- lost: entries neither read nor skipped, and articles of valid files not indexed (0 expected);
  wrong: entries that must be skipped (a FIFO, a hidden file...) that were not;
  secret: articles holding the secret word (0 expected);
- seconds, and the peak RSS of the indexing process (``os.wait4``'s rusage, as
  ``RUSAGE_CHILDREN`` reports it, for that one child).

A run that aborts or hangs is reduced to the fewest regular files that still make it fail
(delta debugging over folders of hard links, each try bounded by --reduce-timeout), copied to
``/tmp/hostile-found/``; the run is then repeated without them (up to 5 times) so that the rest
is still measured. Lost entries are copied there too. A failure no file explains leaves its
corpus in place and says where.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile import make  # noqa: E402  (needs the project root on the path)

EXE = shutil.which("newsearch", path=str(Path(sys.executable).parent)) or "newsearch"
FOUND = Path("/tmp/hostile-found")
COUNTED = ("indexed", "updated", "unchanged", "duplicate", "skipped", "moved")
MAX_CULPRITS = 5
KEYS = ("files", "items", "indexed", "duplicate", "skipped", "tracebacks", "aborted", "hangs",
        "lost", "wrong", "secret")  # fmt: skip


@dataclass
class Outcome:
    """One ``newsearch index`` run."""

    returncode: int | None  # None: killed after the time bound
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float


def index(folder: Path, idx: Path, args: argparse.Namespace, timeout: float) -> Outcome:
    """``newsearch index folder --json`` in its own process group, its rusage read with
    ``os.wait4``; killed (the group) after ``timeout`` seconds."""
    cmd = [EXE, "index", str(folder), "--index", str(idx), "--json", "--quiet",
           "--max-file-size", str(args.max_file_size)]  # fmt: skip
    if not args.entities:
        cmd.append("--no-entities")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        p = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True
        )
        code: int | None = None
        rss = 0
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                code, rss = os.waitstatus_to_exitcode(status), usage.ru_maxrss
                p.returncode = code
                break
            if time.monotonic() - start > timeout:
                os.killpg(p.pid, signal.SIGKILL)  # the run, and the workers it started
                _, _, usage = os.wait4(p.pid, 0)
                rss = usage.ru_maxrss
                p.returncode = -9
                break
            time.sleep(0.02)
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    return Outcome(code, stdout, stderr, seconds, rss / 1024)


def failed(o: Outcome) -> str | None:
    """Why a run failed (a hang, an abort, a traceback), or None."""
    if o.returncode is None:
        return "hang"
    if o.returncode != 0:
        return f"exit {o.returncode}: {o.stderr.strip().splitlines()[-1:]}"
    if "Traceback" in o.stderr:
        return "traceback"
    return None


def regular_files(root: Path) -> list[Path]:
    return sorted(p for p in make.walk_entries(root) if p.is_file() and not p.is_symlink())


def reduce(root: Path, args: argparse.Namespace, work: Path) -> list[Path]:
    """The fewest regular files under ``root`` that still make a run fail: delta debugging by
    complements (drop a chunk when the rest still fails; halve the chunks when none can go),
    each try a folder of hard links to the files kept. One file, usually; empty when the
    failure needs no file, or an entry that is not one (a FIFO, a link)."""
    files = regular_files(root)
    tries = 0

    def fails(subset: list[Path]) -> bool:
        nonlocal tries
        tries += 1
        folder, idx = work / f"reduce-{tries}", work / f"reduce-{tries}-idx"
        folder.mkdir()
        for f in subset:
            dest = folder / f.relative_to(root)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.link(f, dest)
        o = index(folder, idx, args, args.reduce_timeout)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(idx, ignore_errors=True)
        return failed(o) is not None

    if not fails(files):
        return []
    chunks = 2
    while len(files) > 1:
        size = -(-len(files) // chunks)
        for start in range(0, len(files), size):
            rest = files[:start] + files[start + size :]
            if rest and fails(rest):
                files, chunks = rest, max(chunks - 1, 2)
                break
        else:
            if chunks >= len(files):
                break
            chunks = min(chunks * 2, len(files))
    return files


def save(path: Path, seed: int, why: str) -> str:
    """A copy of ``path`` under FOUND (a readable name), and what it shows."""
    FOUND.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^\w.-]", "_", os.fsencode(path.name).decode("ascii", "replace"))[:60]
    dest = FOUND / f"seed{seed}-{safe}"
    try:
        shutil.copyfile(path, dest)
    except OSError:
        return f"{path!r}: {why} (not copied: not a regular file)"
    return f"{dest} (was {str(path)!r}): {why}"


def reason_kind(reason: str) -> str:
    """A skip's reason without its particulars: numbers, quoted text, parentheses."""
    r = re.sub(r"\([^()]*\)", "(...)", reason)
    r = re.sub(r"'[^']*'", "'...'", r)
    r = re.sub(r"\d[\d,.]*", "N", r)
    return r.split(";")[0].split(": ")[0][:80]


@dataclass
class SeedResult:
    seed: int
    files: int = 0
    items: int = 0
    indexed: int = 0
    duplicate: int = 0
    skipped: int = 0
    tracebacks: int = 0
    aborted: int = 0
    hangs: int = 0
    lost: int = 0
    wrong: int = 0
    secret: int = 0
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    reasons: Counter[str] = field(default_factory=Counter)
    found: list[str] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    kept: bool = False  # the corpus is left in place, to be looked at


def run_seed(seed: int, args: argparse.Namespace, work: Path) -> SeedResult:
    rng = random.Random(seed)
    folder = work / "in"
    corpus = make.random_corpus(folder, work / "outside", rng, args.files, args.max_file_size)
    r = SeedResult(seed, files=len(corpus.entries))
    r.kinds.update(e.kind.split(" ")[0] for e in corpus.entries)
    for attempt in range(MAX_CULPRITS + 1):
        idx = work / f"idx-{attempt}"
        o = index(folder, idx, args, args.timeout)
        why = failed(o)
        r.tracebacks += o.stderr.count("Traceback")
        if why is None:
            break
        if why == "hang":
            r.hangs += 1
        else:
            r.aborted += 1
        print(f"seed {seed}: run failed ({why}); reducing...", file=sys.stderr)
        culprits = reduce(folder, args, work)
        if not culprits or attempt == MAX_CULPRITS:
            r.found.append(f"seed {seed}: {why}, not narrowed to files; corpus kept at {folder}")
            r.kept = True
            return r
        for culprit in culprits:
            r.found.append(save(culprit, seed, why))
            culprit.unlink()  # measure the rest without it
        corpus.entries = [e for e in corpus.entries if e.path not in culprits]
    out = json.loads(o.stdout)
    articles = make.stored_articles(idx)
    verdict = make.judge(folder, corpus.entries, out, articles)
    r.items, r.indexed, r.duplicate = out["read"], out["indexed"], out["duplicate"]
    r.skipped = out["skipped"]
    counted = sum(out[k] for k in COUNTED)
    r.lost = len(verdict.lost) + abs(out["read"] - counted)
    r.wrong, r.secret = len(verdict.wrong), len(verdict.secret_leaked)
    r.seconds, r.peak_rss_mb = o.seconds, o.peak_rss_mb
    r.reasons.update(reason_kind(s["reason"]) for s in out["skips"])
    for path, what in verdict.lost:
        r.found.append(save(Path(path), seed, f"lost: {what}"))
    r.found.extend(f"seed {seed}: wrong: {p!r}: {what}" for p, what in verdict.wrong)
    r.found.extend(f"seed {seed}: secret indexed from {p}" for p in verdict.secret_leaked)
    return r


def main(argv: list[str] | None = None) -> int:
    from newsearch.ingest.readers.options import parse_size

    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--files", type=int, default=2000, help="directory entries per seed")
    ap.add_argument("--seeds", default="1,2,3", help="comma-separated seeds")
    ap.add_argument("--max-file-size", type=parse_size, default=parse_size("1MB"))
    ap.add_argument("--entities", action="store_true", help="extract entities too (slower)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds before a run is a hang")
    ap.add_argument("--reduce-timeout", type=float, default=60, help="for each try of a reduction")
    ap.add_argument("--keep", default=None, help="keep the corpora here (default: removed)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    results: list[SeedResult] = []
    for seed in (int(s) for s in args.seeds.split(",")):
        print(f"seed {seed}: {args.files} files...", file=sys.stderr)
        work = Path(tempfile.mkdtemp(prefix=f"hostile-{seed}-"))
        r = SeedResult(seed, kept=True)
        try:
            r = run_seed(seed, args, work)
            results.append(r)
            print(f"seed {seed}: {row(r)}", file=sys.stderr)
        finally:
            make.unlock(work / "in")
            if args.keep:
                Path(args.keep).mkdir(parents=True, exist_ok=True)
                shutil.move(str(work), Path(args.keep) / work.name)
            elif not r.kept:
                shutil.rmtree(work, ignore_errors=True)
    report(results, args)
    bad = sum(r.tracebacks + r.aborted + r.hangs + r.lost + r.secret for r in results)
    return 1 if bad else 0


def row(r: SeedResult) -> str:
    keys = (*KEYS, "seconds", "peak_rss_mb")
    return ", ".join(f"{k} {getattr(r, k):.1f}" if k in ("seconds", "peak_rss_mb")
                     else f"{k} {getattr(r, k)}" for k in keys)  # fmt: skip


def report(results: list[SeedResult], args: argparse.Namespace) -> None:
    keys = KEYS
    total = {k: sum(getattr(r, k) for r in results) for k in keys}
    reasons: Counter[str] = Counter()
    for r in results:
        reasons.update(r.reasons)
    out: dict[str, Any] = {
        "files_per_seed": args.files,
        "max_file_size": args.max_file_size,
        "entities": args.entities,
        "seeds": [
            {
                "seed": r.seed,
                **{k: getattr(r, k) for k in keys},
                "seconds": round(r.seconds, 2),
                "peak_rss_mb": round(r.peak_rss_mb),
                "kinds": dict(r.kinds),
            }
            for r in results
        ],
        "total": {
            **total,
            "seconds": round(sum(r.seconds for r in results), 2),
            "peak_rss_mb": round(max((r.peak_rss_mb for r in results), default=0)),
        },
        "skipped_by_reason": dict(reasons.most_common(10)),
        "found": [f for r in results for f in r.found],
    }
    if args.json:
        print(json.dumps(out, indent=1))
        return
    head = ("seed", *keys, "seconds", "peak RSS MB")
    print(" | ".join(head))
    for row in (*out["seeds"], {"seed": "all", **out["total"]}):
        print(" | ".join(str(row[k]) for k in (*head[:-1], "peak_rss_mb")))
    print("\nskipped by reason (top 10):")
    for reason, n in reasons.most_common(10):
        print(f"{n:>7}  {reason}")
    print("\nfound:" if out["found"] else "\nfound: nothing")
    for f in out["found"]:
        print(f"  {f}")


if __name__ == "__main__":
    sys.exit(main())
