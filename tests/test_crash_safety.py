"""Crash safety with real processes: kill -9 mid-run, readers during a run, concurrent writers.

Every indexing run here is a separate process. The fast tests start it as ``python -c`` calling
``build_index`` as ``newsearch index`` does, with ``commit_every`` (mostly one batch,
``ingest.BATCH`` articles, so a small synthetic corpus commits after every batch) and, where
needed, the ``lock_timeout`` the command line does not expose, printing what the command prints;
the ``slow`` tests run the installed ``newsearch`` command exactly as shipped (COMMIT_EVERY,
store.WRITE_TIMEOUT).
Queries are the installed ``newsearch`` command, plus the API in this test process (which is not
the writer's process) for bulk checks.

Nothing is left to timing: a run is frozen with SIGSTOP at a chosen point (a commit visible, the
next batch half written, i.e. Whoosh segment files of an uncommitted segment on disk), checked
again while frozen, and only then killed with SIGKILL. So what was committed at the kill is known,
and each article of the corpus carries a unique marker word to count it by. The corpus is JSON
Lines, a few files of many articles, because creating and deleting thousands of small files is
slow on some disks (pytest deletes old temporary directories at the end of a session).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

import pytest
from whoosh import index as whoosh_index

from newsearch import SearchEngine, build_index, render
from newsearch.index import store
from newsearch.ingest import pipeline as ingest

STEP = ingest.BATCH  # with commit_every at one batch, a commit after every batch
EXE = shutil.which("newsearch", path=str(Path(sys.executable).parent)) or "newsearch"
# seconds: generous upper bounds; the polls return as soon as things happen. (120 s was not:
# the installed command writes COMMIT_EVERY articles before its first commit, and on a loaded
# machine, fresh-check beside the acceptance checks on 2026-12-01, that took longer.)
DEADLINE = 300.0

# `newsearch index CORPUS --index IDX --no-entities --json -q [--rebuild]` as a build_index call
# with commit_every (and optionally the lock timeout, which the command line does not expose):
# argv = COMMIT_EVERY TIMEOUT|- WAIT CORPUS IDX [--rebuild]. It prints what the command prints:
# the JSON summary, or "Error: ..." and exit 1. With WAIT = "wait" it imports everything, then
# starts only once told to (a line on stdin), so a re-run can be loaded while the run before it
# is still going, without touching the index.
RUNNER = """
import json, sys
from newsearch import build_index, render
from newsearch.errors import NewsearchError
commit_every, lock_timeout, wait, corpus, idx, *flags = sys.argv[1:]
options = {"commit_every": int(commit_every), "rebuild": "--rebuild" in flags}
if lock_timeout != "-":
    options["lock_timeout"] = float(lock_timeout)
if wait == "wait":
    sys.stdin.readline()
try:
    summary = build_index([corpus], idx, entities=False, **options)
except NewsearchError as exc:
    sys.exit(print(f"Error: {exc}", file=sys.stderr) or 1)
print(json.dumps(render.summary_json(summary)))
"""

# --------------------------------------------------------------------------- the corpus

_LETTERS = "bcdfghjklmnpqrtvwxz"  # no vowels, no s or y: the stemmer leaves markers alone
MARKER = re.compile(r"\bzq[a-z]{4}\b")
TOPICS = "harbour council budget railway election rainfall vaccine treaty bridge museum".split()


def marker(i: int) -> str:
    letters = ""
    for _ in range(4):
        i, r = divmod(i, len(_LETTERS))
        letters = _LETTERS[r] + letters
    return "zq" + letters


PER_FILE = 64


def article_id(i: int) -> str:
    return f"crash-test-{i:06d}"  # 12+ characters: kept as given


def record(i: int, verb: str) -> dict[str, str]:
    """A headline and a three-sentence body: one passage, one unique marker word."""
    topic, other = TOPICS[i % len(TOPICS)], TOPICS[(i * 7 + 3) % len(TOPICS)]
    body = (
        f"The token {marker(i)} appears here once. Officials {verb} the {topic} and the "
        f"{other} today. Nothing else happened."
    )
    return {"id": article_id(i), "title": f"Report {i} on the {topic}", "body": body}


def write_corpus(directory: Path, n: int, disputed: range = range(0)) -> list[str]:
    """Articles 0..n-1, PER_FILE to a JSON Lines file; read in order. Returns their markers."""
    directory.mkdir(exist_ok=True)
    for start in range(0, n, PER_FILE):
        lines = [
            json.dumps(record(i, "disputed" if i in disputed else "discussed"))
            for i in range(start, min(start + PER_FILE, n))
        ]
        (directory / f"part{start // PER_FILE:04d}.jsonl").write_text("\n".join(lines) + "\n")
    return [marker(i) for i in range(n)]


# --------------------------------------------------------------------------- processes


@dataclass
class Done:
    rc: int
    stdout: str
    stderr: str
    seconds: float


@dataclass
class Running:
    popen: subprocess.Popen[bytes]
    out: Path
    err: Path
    started: float
    files: list[IO[bytes]] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def go(self) -> None:
        """Start a runner made with ``wait=True`` (it has done its imports meanwhile)."""
        assert self.popen.stdin is not None
        self.popen.stdin.write(b"go\n")
        self.popen.stdin.close()
        self.started = time.monotonic()

    def close(self) -> None:
        for fh in [*self.files, self.popen.stdin]:
            if fh is not None and not fh.closed:
                fh.close()

    def finish(self, timeout: float = DEADLINE) -> Done:
        if self.popen.stdin is not None and not self.popen.stdin.closed:
            self.popen.stdin.close()
        rc = self.popen.wait(timeout=timeout)
        seconds = time.monotonic() - self.started
        self.close()
        return Done(rc, self.out.read_text(), self.err.read_text(), seconds)

    def kill9(self) -> None:
        os.kill(self.pid, signal.SIGKILL)  # a stopped process dies of SIGKILL too
        self.popen.wait(timeout=DEADLINE)
        self.close()

    def resume(self) -> None:
        os.kill(self.pid, signal.SIGCONT)

    def describe(self) -> str:
        return f"rc={self.popen.poll()}, stderr: {self.err.read_text()[-2000:]}"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "NEWSEARCH_INDEX"}


@pytest.fixture()
def spawn(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    """Start processes with their output in files; any still alive at the end are killed."""
    started: list[Running] = []

    def start(argv: Sequence[str], name: str) -> Running:
        out, err = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
        fo, fe = open(out, "wb"), open(err, "wb")  # noqa: SIM115 (closed by finish/kill9)
        popen = subprocess.Popen(
            list(argv), stdin=subprocess.PIPE, stdout=fo, stderr=fe, cwd=tmp_path, env=_env()
        )
        run = Running(popen, out, err, time.monotonic(), [fo, fe])
        started.append(run)
        return run

    yield start
    for run in started:
        if run.popen.poll() is None:
            run.kill9()
        run.close()


def runner(
    commit_every: int,
    lock_timeout: float | None,
    corpus: Path,
    idx: Path,
    *extra: str,
    wait: bool = False,
) -> list[str]:
    """An indexing run of ``corpus`` into ``idx`` (``extra``: ``--rebuild``), as ``index_args``
    gives the command, with ``commit_every`` and ``lock_timeout`` (None: the default)."""
    timeout = "-" if lock_timeout is None else str(lock_timeout)
    flag = "wait" if wait else "-"
    args = [str(commit_every), timeout, flag, str(corpus), str(idx), *extra]
    return [sys.executable, "-c", RUNNER, *args]


def index_args(corpus: Path, idx: Path, *extra: str) -> list[str]:
    return ["index", str(corpus), "--index", str(idx), "--no-entities", "--json", "-q", *extra]


def cli(tmp_path: Path, *args: str) -> Done:
    t0 = time.monotonic()
    r = subprocess.run(
        [EXE, *args], capture_output=True, text=True, cwd=tmp_path, env=_env(), timeout=DEADLINE
    )
    return Done(r.returncode, r.stdout, r.stderr, time.monotonic() - t0)


def cli_parallel(tmp_path: Path, *commands: Sequence[str]) -> list[Done]:
    with ThreadPoolExecutor(len(commands)) as pool:
        return list(pool.map(lambda c: cli(tmp_path, *c), commands))


def json_of(done: Done) -> Any:
    assert done.rc == 0, f"exit {done.rc}: {done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout)


def _state(pid: int) -> str:
    """The process state letter from /proc (T: stopped, Z: exited, not yet waited for)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2]


def pause_when(run: Running, ready: Callable[[], bool], what: str) -> None:
    """Freeze ``run`` (SIGSTOP) at a moment when ``ready()`` holds, re-checked once frozen."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if not run.running():
            pytest.fail(f"the run ended before {what}: {run.describe()}")
        if ready():
            os.kill(run.pid, signal.SIGSTOP)
            while _state(run.pid) not in "TtZX":
                time.sleep(0.005)
            if _state(run.pid) in "Tt" and ready():
                return
            run.resume()  # ended or moved on meanwhile: the loop sees which
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}: {run.describe()}")


# --------------------------------------------------------------------------- the index on disk


def toc(gen: Path | None) -> int:
    """The generation of the last Whoosh commit in ``gen`` (0: created, nothing committed)."""
    if gen is None:
        return -1
    found = [re.fullmatch(r"_MAIN_(\d+)\.toc", p.name) for p in gen.glob("_MAIN_*.toc")]
    return max((int(m[1]) for m in found if m), default=-1)


def segment_files(gen: Path | None) -> set[str]:
    """Posting files of segments being written; a commit folds them into a .seg file."""
    return {p.name for p in gen.glob("MAIN_*.pst")} if gen else set()


def mid_batch(
    gen: Callable[[], Path | None], after: int, stale: AbstractSet[str] = frozenset()
) -> bool:
    """A commit newer than ``after`` is visible and the next batch is being written."""
    g = gen()
    return toc(g) > after and bool(segment_files(g) - stale)


@dataclass
class Contents:
    articles: int
    passages: int
    markers: Counter[str]


def contents(idx: Path) -> Contents:
    """What a reader sees (read in this process, not the writer's): counts and markers."""
    with SearchEngine(idx) as engine:
        stats = engine.stats()
        every = engine.search("token", limit=1_000_000, sort="oldest")
    found: Counter[str] = Counter()
    for hit in every.results:
        found.update(MARKER.findall(hit.text))
    assert every.total == len(every.results)
    return Contents(stats.articles, stats.passages, found)


def assert_exactly(idx: Path, markers: Sequence[str], got: Contents | None = None) -> None:
    """The index holds exactly these articles, each once (one passage each, no doubles)."""
    got, want = got or contents(idx), Counter(markers)
    same = got.markers == want
    assert same, _diff(got.markers, want)
    assert (got.articles, got.passages) == (len(markers), len(markers))


def _diff(got: Counter[str], want: Counter[str]) -> str:
    missing = sorted((want - got).elements())
    extra = sorted((got - want).elements())
    return f"missing {len(missing)} {missing[:5]}..., extra/doubled {len(extra)} {extra[:5]}..."


def committed_count(idx: Path, markers: Sequence[str]) -> int:
    """How many articles are committed; they must be a prefix of the corpus, each once."""
    got = contents(idx)
    assert_exactly(idx, markers[: got.articles], got)
    return got.articles


def hits(done: Done) -> list[str]:
    """The article ids of a ``query --json`` answer."""
    return [h["article"]["id"] for h in json_of(done)["results"]]


# --------------------------------------------------------------------------- 1. kill -9, re-run


def test_kill_9_mid_run_keeps_the_last_commit_and_reruns_complete_it(
    tmp_path: Path, spawn: Callable[..., Running]
) -> None:
    """A first build and then an incremental run (with changed articles) are each killed with
    an uncommitted batch half written; the index answers from the last commit in between, no
    stale lock blocks the next writer, and the re-run ends with every article exactly once."""
    n = 5 * STEP
    corpus, idx = tmp_path / "corpus", tmp_path / "index"
    markers = write_corpus(corpus, n)
    live = partial(store.current_generation, idx)

    first = spawn(runner(STEP, None, corpus, idx), "first")
    # The next run, lock_timeout=0 (it fails at once if the lock were not free), loads meanwhile.
    second = spawn(runner(STEP, 0, corpus, idx, wait=True), "second")
    pause_when(first, lambda: mid_batch(live, 0), "a commit and a half-written batch")
    first.kill9()

    # 4. the flock died with the writer: taken at once, though write.lock is still there
    assert (idx / "write.lock").exists()
    with store.write_lock(idx, timeout=0):
        pass
    k1 = committed_count(idx, markers)
    assert 0 < k1 < n and k1 % STEP == 0, k1
    assert segment_files(live()), "the kill should leave an uncommitted segment behind"
    # One query for the first article and for the first one of the batch killed half-written.
    query, stats = cli_parallel(
        tmp_path,
        ["query", f"{markers[0]} {markers[k1]}", "--index", str(idx), "--json"],
        ["stats", "--index", str(idx), "--json"],
    )
    assert hits(query) == [article_id(0)]
    assert json_of(stats)["articles"] == k1

    # An incremental run that also changes ten committed articles, killed the same way.
    changed = range(10)
    write_corpus(corpus, n, disputed=changed)
    before, stale = toc(live()), segment_files(live())
    second.go()
    third = spawn(runner(ingest.COMMIT_EVERY, 0, corpus, idx, wait=True), "third")
    pause_when(second, lambda: mid_batch(live, before, stale), "an incremental commit")
    second.kill9()
    k2 = committed_count(idx, markers)  # changed articles replaced, not doubled
    assert k1 < k2 < n, (k1, k2)
    with SearchEngine(idx) as engine:
        assert engine.search('"officials disputed"', limit=50).total == len(changed)
        assert engine.search('"officials discussed"', limit=50).total == k2 - len(changed)

    # The same command again completes it; lock_timeout=0 fails at once if a lock were stale.
    third.go()
    done = third.finish()
    assert done.rc == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["read"], summary["unchanged"], summary["updated"]) == (n, k2, 0)
    assert (summary["indexed"], summary["duplicate"], summary["skipped"]) == (n - k2, 0, 0)
    final = json_of(cli(tmp_path, "stats", "--index", str(idx), "--json"))
    assert (final["articles"], final["passages"]) == (n, n)
    assert_exactly(idx, markers)
    assert not segment_files(live())  # the killed runs' partial segments were cleaned up
    with SearchEngine(idx) as engine:
        assert engine.search('"officials disputed"', limit=50).total == len(changed)
        for i in (0, k1 - 1, k1, k2 - 1, k2, n - 1):  # around each kill, by relevance ranking
            found = engine.search(markers[i], limit=5).results
            assert [h.article.id for h in found] == [article_id(i)], i


def test_kill_9_before_the_first_commit_leaves_an_empty_index_that_answers(
    tmp_path: Path, spawn: Callable[..., Running]
) -> None:
    """A first build publishes its (empty) generation before its first commit. Killed then,
    the index has nothing committed: queries must say so (0 results, 0 articles), not crash."""
    n = 2 * STEP
    corpus, idx = tmp_path / "corpus", tmp_path / "index"
    markers = write_corpus(corpus, n)
    live = partial(store.current_generation, idx)
    run = spawn(runner(n, None, corpus, idx), "first")  # one commit, at the end
    pause_when(run, lambda: toc(live()) == 0, "the first build's empty generation going live")
    run.kill9()
    with store.write_lock(idx, timeout=0):  # 4. no stale lock
        pass
    query, stats = cli_parallel(
        tmp_path,
        ["query", markers[0], "--index", str(idx), "--json"],
        ["stats", "--index", str(idx), "--json"],
    )
    assert query.rc == 0 and "Traceback" not in query.stderr, query.stderr[-1500:]
    assert stats.rc == 0 and "Traceback" not in stats.stderr, stats.stderr[-1500:]
    assert json.loads(query.stdout)["total"] == 0
    assert json.loads(stats.stdout)["articles"] == 0


def test_kill_9_during_rebuild_leaves_the_previous_index_live_and_unchanged(
    tmp_path: Path, spawn: Callable[..., Running]
) -> None:
    old_n, n = 300, 3 * STEP
    corpus, idx = tmp_path / "corpus", tmp_path / "index"
    write_corpus(corpus, old_n)
    build_index(corpus, idx, entities=False)
    old_gen = store.current_generation(idx)
    assert old_gen is not None
    current = (idx / "CURRENT").read_text()
    with SearchEngine(str(idx)) as engine:  # what `newsearch stats --json` prints
        stats_before = render.stats_json(engine.stats())
    markers = write_corpus(corpus, n)  # the rebuild also has new articles

    def shadow() -> Path | None:
        others = [g for g in idx.glob("gen-*") if g != old_gen]
        return others[0] if others else None

    run = spawn(runner(STEP, None, corpus, idx, "--rebuild"), "rebuild")
    again = runner(ingest.COMMIT_EVERY, 0, corpus, idx, "--rebuild", wait=True)
    rerun = spawn(again, "again")  # loads meanwhile; lock_timeout=0: no stale lock allowed
    # Two commits in the new generation: articles old_n.. (new ones) are committed there.
    pause_when(run, lambda: mid_batch(shadow, 1), "two commits in the new generation")
    run.kill9()
    half_built = shadow()
    assert half_built is not None
    with whoosh_index.open_dir(str(half_built)).searcher() as s:
        assert s.doc_count() >= 2 * STEP  # it did commit articles (one document each)

    assert (idx / "CURRENT").read_text() == current
    assert store.current_generation(idx) == old_gen != half_built
    stats_after, query = cli_parallel(
        tmp_path,
        ["stats", "--index", str(idx), "--json"],
        ["query", f"{markers[0]} {markers[old_n]}", "--index", str(idx), "--json"],
    )
    assert json_of(stats_after) == stats_before  # same counts, dates, size, last update
    # markers[old_n] was committed in the half-built generation, which is not live
    assert hits(query) == [article_id(0)]
    assert_exactly(idx, markers[:old_n])

    # Re-running the rebuild swaps in a complete index and removes the older generations.
    rerun.go()
    done = rerun.finish()
    assert done.rc == 0, done.stderr
    assert json.loads(done.stdout)["indexed"] == n
    new_gen = store.current_generation(idx)
    assert new_gen not in (None, old_gen, half_built)
    assert sorted(idx.glob("gen-*")) == [new_gen]
    assert_exactly(idx, markers)


# --------------------------------------------------------------------------- 2. + 3. during a run


def test_during_a_run_queries_answer_from_the_last_commit_and_a_second_writer_fails(
    tmp_path: Path, spawn: Callable[..., Running]
) -> None:
    n = 6 * STEP
    corpus, idx = tmp_path / "corpus", tmp_path / "index"
    markers = write_corpus(corpus, n)
    live = partial(store.current_generation, idx)
    run = spawn(runner(STEP, None, corpus, idx), "writer")
    second = spawn(runner(STEP, 1.0, corpus, idx, wait=True), "second")  # 1 s
    pause_when(run, lambda: mid_batch(live, 1), "two commits and a half-written batch")

    # Frozen mid-batch, holding the write lock: readers see exactly the last commit.
    k = committed_count(idx, markers)
    assert 0 < k < n and k % STEP == 0, k
    second.go()
    query, stats = cli_parallel(  # the last committed article and the first one pending
        tmp_path,
        ["query", f"{markers[k - 1]} {markers[k]}", "--index", str(idx), "--json"],
        ["stats", "--index", str(idx), "--json"],
    )
    assert hits(query) == [article_id(k - 1)]
    assert json_of(stats)["articles"] == k

    # 3. The second writer waited for the lock (1 s here) and failed with one clear line.
    refused = second.finish()
    assert run.running()  # the first writer still held the lock all along
    assert refused.rc == 1, refused.stderr
    assert refused.stdout == "" and "Traceback" not in refused.stderr
    assert refused.stderr.splitlines() == [
        f"Error: another newsearch process is writing to {idx} (waited 1 s): "
        "try again when it has finished"
    ]
    assert 1.0 <= refused.seconds < 15, refused.seconds  # waited, and a bounded time
    assert toc(live()) >= 2 and committed_count(idx, markers) == k  # it wrote nothing

    # 2. Readers while the writer runs on: every answer is one commit, in order, never an error.
    run.resume()
    seen: list[tuple[int, int]] = []
    while run.running():
        with SearchEngine(idx) as engine:
            articles = engine.stats().articles
            total = engine.search("token", limit=1, sort="oldest").total
        assert articles % STEP == 0 and total % STEP == 0, (articles, total)
        seen.append((articles, total))
        time.sleep(0.1)
    assert seen, "no reader ran while the writer was running"
    counts = [c for pair in seen for c in pair]
    assert counts == sorted(counts) and k <= counts[0], seen  # never back to an older commit
    done = run.finish()
    assert done.rc == 0, done.stderr
    assert json.loads(done.stdout)["indexed"] == n
    assert_exactly(idx, markers)


def test_an_open_engine_keeps_answering_when_another_process_rebuilds(tmp_path: Path) -> None:
    """A long-lived reader (the embedded API, e.g. in a server) while `newsearch index --rebuild`
    runs and completes in another process: it must go on answering, from the old index or the
    new one, not fail once the rebuild has swapped in its generation."""
    corpus, idx = tmp_path / "corpus", tmp_path / "index"
    markers = write_corpus(corpus, 64)
    build_index(corpus, idx, entities=False)
    with SearchEngine(idx) as engine:
        assert engine.search(markers[0]).total == 1
        write_corpus(corpus, 65)  # the rebuild adds one article
        done = cli(tmp_path, *index_args(corpus, idx, "--rebuild"))
        assert json_of(done)["indexed"] == 65
        answered = engine.search(markers[0])  # today: whoosh.index.EmptyIndexError
        assert answered.total == 1
        assert engine.stats().articles in (64, 65)


# --------------------------------------------------------------------------- slow: as shipped


@pytest.mark.slow
def test_installed_command_killed_after_its_first_real_commit_then_rerun(
    tmp_path: Path, spawn: Callable[..., Running]
) -> None:
    """The installed command with the shipped COMMIT_EVERY: kill -9 after the first commit."""
    first_commit = -(-ingest.COMMIT_EVERY // STEP) * STEP  # commits land on batch boundaries
    n = first_commit + 4 * STEP
    corpus, idx = tmp_path / "corpus", tmp_path / "index"
    markers = write_corpus(corpus, n)
    live = partial(store.current_generation, idx)
    run = spawn([EXE, *index_args(corpus, idx)], "first")
    pause_when(run, lambda: mid_batch(live, 0), "the first commit")
    run.kill9()
    assert committed_count(idx, markers) == first_commit
    query, stats = cli_parallel(
        tmp_path,
        [
            "query",
            f"{markers[first_commit - 1]} {markers[first_commit]}",
            "--index",
            str(idx),
            "--json",
        ],
        ["stats", "--index", str(idx), "--json"],
    )
    assert hits(query) == [article_id(first_commit - 1)]
    assert json_of(stats)["articles"] == first_commit
    again = cli(tmp_path, *index_args(corpus, idx))
    summary = json_of(again)
    assert (summary["read"], summary["unchanged"], summary["indexed"]) == (
        n,
        first_commit,
        n - first_commit,
    )
    assert json_of(cli(tmp_path, "stats", "--index", str(idx), "--json"))["articles"] == n
    assert_exactly(idx, markers)


@pytest.mark.slow
def test_installed_command_waits_write_timeout_for_a_running_writer(
    tmp_path: Path, spawn: Callable[..., Running]
) -> None:
    """The command line has no lock timeout option: a second writer waits store.WRITE_TIMEOUT."""
    n = 2 * STEP
    corpus, idx = tmp_path / "corpus", tmp_path / "index"
    markers = write_corpus(corpus, n)
    live = partial(store.current_generation, idx)
    writer = spawn(runner(STEP, None, corpus, idx), "writer")
    pause_when(writer, lambda: mid_batch(live, 0), "the first commit")  # frozen, lock held
    refused = cli(tmp_path, *index_args(corpus, idx))
    assert writer.running()
    assert refused.rc == 1 and refused.stdout == "" and "Traceback" not in refused.stderr
    assert refused.stderr.splitlines() == [
        f"Error: another newsearch process is writing to {idx} "
        f"(waited {store.WRITE_TIMEOUT:.0f} s): try again when it has finished"
    ]
    assert store.WRITE_TIMEOUT <= refused.seconds < store.WRITE_TIMEOUT + 30
    writer.kill9()  # 4. and once it is killed, the installed command gets the lock at once
    done = cli(tmp_path, *index_args(corpus, idx))
    assert json_of(done)["indexed"] > 0
    assert_exactly(idx, markers)


FORKING_WRITER = """
import multiprocessing, sys, time
from pathlib import Path
from newsearch.index import store

def sub_writer() -> None:  # stands in for one of Whoosh's MpWriter sub-writers
    import os
    print(os.getpid(), flush=True)  # running: what happens at a fork is done
    time.sleep(600)

with store.write_lock(Path(sys.argv[1]), timeout=0):
    multiprocessing.get_context("fork").Process(target=sub_writer).start()
    time.sleep(600)
"""


def test_kill_9_of_a_writer_that_forked_sub_writers_frees_the_lock_at_once(
    tmp_path: Path,
) -> None:
    """An `index --no-entities` run forks sub-writers while holding the write lock; killed with
    -9, its forked children must neither keep the lock (a re-run would say "busy") nor linger."""
    idx = tmp_path / "index"
    argv = [sys.executable, "-c", FORKING_WRITER, str(idx)]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        child = int(proc.stdout.readline())
        proc.kill()
    with store.write_lock(idx, timeout=0):  # free at once: the child did not inherit it
        pass
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("a forked sub-writer outlived the killed writer")
