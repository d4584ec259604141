"""kill -9 at a random moment of an indexing run, then the same command again: the index equals
a fresh build of the same folder (issue 13).

Each seed writes its own corpus of short articles (plain text in sub-folders; some with front
matter giving their own id, a date and a source, some with a ``date ... By ...`` header line)
and plays one scenario: a first build; an incremental run over edited, added and moved files;
``--rebuild`` over an existing index; ``--prune`` after deleting, editing and moving files.
The command runs in its own process (``build_index`` through ``python -c`` as
``newsearch index --no-entities`` does, with the seed's ``commit_every``, writer processes and
segment limit: several commits per run, and merges) and is killed with SIGKILL after a delay
drawn from [0, T], T the time the same command took uninterrupted from the same start state,
measured in the test. Then:

- killed, the last good index answers (``SearchEngine``: counts, a listing, queries) and holds
  a state the run may pass through: each article as it was before the run or as it is after
  it, none the run keeps missing, no text twice; a rebuild's old index whole until the new one
  is complete;
- the same command again completes, and the index equals the same command run uninterrupted
  from a copy of the start state (stories included: they are made in one pass, in the order
  articles come in), which itself equals a fresh build of the folder in another directory
  but for the articles' stories: every stored field of every article (ids, paths, titles,
  bodies, passage offsets, hashes), the answers to a set of queries (totals, and every hit of
  the selective ones; after a first build or a rebuild, whose indexes hold no deleted
  documents, also the ranking and scores of the top hits); one generation, and no file of an
  uncommitted segment.

test_crash_safety.py freezes runs at chosen points; here the moment is left to chance, to reach
what no one chose (a merge, a publish, a prune's deletions). Four seeds by default (one of each
scenario, chosen to kill mid-run), 22 more with ``-m slow``; ``NEWSEARCH_FUZZ_EXAMPLES=N`` adds
N random seeds. A failure names the scenario, the seed and the kill delay; run its seed again
with ``-k seed17`` (``NEWSEARCH_KILL_SEEDS=123456`` for a random one). The seed fixes the
corpus, the options and the delay as a share of the run's time, not the instruction the kill
lands on: a failure that does not come back points at a narrow window, to be found by reading
the code around the state the failure describes and then pinned by a test that kills there on
purpose, as the last test does for the spelling vocabulary (saved a few ms after each commit,
outside it: about one kill in sixty lands there, so this test leaves the vocabulary to that
one).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index

from newsearch import SearchEngine, SearchResults, build_index
from newsearch.errors import IndexNotFoundError
from newsearch.index import store
from newsearch.index.copies import DIRNAME
from newsearch.index.vocabulary import load_vocabulary
from newsearch.index.whoosh_compat import segment_ids
from tests import test_crash_safety as crash

spawn = crash.spawn  # the fixture: processes with their output in files, killed at the end

SCENARIOS = ("build", "update", "rebuild", "prune")
# One of each scenario, whose kill lands mid-run (at 0.70, 0.51, 0.66, 0.54 of it: commits
# made and more to come; seeds 0-3 would kill three of four runs in their first tenth).
DEFAULT_SEEDS = (112, 25, 6, 7)
SLOW_SEEDS = [s for s in range(24) if s not in DEFAULT_SEEDS]
_EXTRA = int(os.environ.get("NEWSEARCH_FUZZ_EXAMPLES") or 0)
RANDOM_SEEDS = random.SystemRandom().sample(range(1000, 1_000_000), _EXTRA)
# Seeds named to try again, e.g. a random one that failed: NEWSEARCH_KILL_SEEDS=123456,7
GIVEN_SEEDS = [int(s) for s in os.environ.get("NEWSEARCH_KILL_SEEDS", "").split(",") if s.strip()]


def _case(seed: int, *marks: pytest.MarkDecorator) -> Any:
    return pytest.param(seed, id=f"{SCENARIOS[seed % len(SCENARIOS)]}-seed{seed}", marks=marks)


CASES = [
    *(_case(s) for s in DEFAULT_SEEDS),
    *(_case(s, pytest.mark.slow) for s in SLOW_SEEDS),
    *(_case(s) for s in [*RANDOM_SEEDS, *GIVEN_SEEDS]),
]

# build_index(CORPUS, IDX, entities=False, **OPTIONS), printing the JSON summary as
# `newsearch index --json` does, or "Error: ..." and exit 1. It imports everything, says so
# ("ready" on stderr), and starts once told to (a line on stdin). argv = IDX OPTIONS_JSON CORPUS.
RUNNER = """
import json, sys
from newsearch import build_index, render
from newsearch.errors import NewsearchError
idx, options, corpus = sys.argv[1:]
print("ready", file=sys.stderr, flush=True)
sys.stdin.readline()
try:
    summary = build_index([corpus], idx, entities=False, **json.loads(options))
except NewsearchError as exc:
    sys.exit(print(f"Error: {exc}", file=sys.stderr) or 1)
print(json.dumps(render.summary_json(summary)))
"""

# --------------------------------------------------------------------------- the corpus

_LETTERS = "bcdfghjklmnpqrtvwxz"  # no vowels, no s or y: the stemmer leaves markers alone
WORDS = (
    "harbour council budget railway election rainfall vaccine treaty bridge museum minister "
    "river farmers strike court judge police market shares bank currency drought storm school "
    "hospital nurses union teachers airport pilots border tariff export import ferry island "
    "mayor festival library orchestra stadium bishop cathedral pension refinery pipeline "
    "copper wheat coffee harvest flood wildfire glacier volcano satellite rocket parliament "
    "senate governor coalition protest verdict appeal inquiry scandal audit subsidy inflation "
    "mortgage tenant landlord railcar tram subway cyclist motorway tunnel lighthouse trawler "
    "fisheries quota whale seal penguin forest timber sawmill quarry miners smelter harbourmaster"
).split()
WEIGHTS = [1 / (rank + 1) for rank in range(len(WORDS))]  # Zipf: a few common, many rare
SOURCES = ("Reuters", "AP", "BBC", "Harbour Gazette")


def marker(i: int) -> str:
    """A word held by one text only."""
    letters = ""
    for _ in range(4):
        i, r = divmod(i, len(_LETTERS))
        letters = _LETTERS[r] + letters
    return "zq" + letters


class Corpus:
    """A folder of articles, deterministic per seed, changed as a user would."""

    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.seed = seed
        self.rng = random.Random(seed)
        self.texts = 0
        self.markers: dict[Path, str] = {}  # file -> the marker of its text
        self.ids: dict[Path, str] = {}  # file -> its own id, for a third of them

    def _words(self, lo: int, hi: int) -> list[str]:
        return self.rng.choices(WORDS, WEIGHTS, k=self.rng.randint(lo, hi))

    def story(self, own_id: str | None) -> tuple[str, str]:
        """A text (headline, one to eight sentences in one to four paragraphs) and its marker;
        with front matter if it has its ``own_id``, else a third of them with a header line."""
        rng, n = self.rng, self.texts
        self.texts += 1
        m = marker(n)
        title = " ".join(self._words(3, 6)).capitalize() + f" {m}"
        paragraphs = []
        for _ in range(rng.randint(1, 4)):
            sentences = [" ".join(self._words(5, 16)).capitalize() + "." for _ in range(2)]
            paragraphs.append(" ".join(sentences[: rng.randint(1, 2)]))
        body = "\n\n".join(paragraphs)
        date = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if own_id is not None:  # the source's own id: it follows the file when it moves
            source = rng.choice(SOURCES)
            head = f"---\nid: {own_id}\ndate: {date}\nsource: {source}\n---\n"
            return f"{head}{title}\n\n{body}\n", m
        if rng.random() < 0.5:  # a header line with the date and an author
            return f"{title}\n date {date} By {rng.choice(WORDS).title()} Smith\n\n{body}\n", m
        return f"{title}\n\n{body}\n", m  # no date, no source

    def _write(self, path: Path) -> None:
        """A new text in ``path``; an edit keeps the file's own id (or its having none: the
        id is then the file's place), so that the article is updated, not replaced."""
        own_id = self.ids.get(path)
        text, self.markers[path] = self.story(own_id)
        path.write_text(text, encoding="utf-8")

    def _place(self) -> Path:
        folder = self.root / f"d{self.rng.randrange(6)}"
        if self.rng.random() < 0.3:
            folder /= f"sub{self.rng.randrange(3)}"
        while True:
            path = folder / f"a{self.rng.randrange(10**6):06d}.txt"
            if not path.exists():
                return path

    def files(self) -> list[Path]:
        return sorted(self.markers)

    def add(self, n: int) -> None:
        for _ in range(n):
            path = self._place()
            path.parent.mkdir(parents=True, exist_ok=True)
            if self.rng.random() < 1 / 3:
                self.ids[path] = f"kill-{self.seed}-{self.texts}"
            self._write(path)

    def edit(self, n: int, keep: Collection[Path] = ()) -> None:
        """Edit ``n`` files, none of ``keep``."""
        for path in self.rng.sample([p for p in self.files() if p not in keep], n):
            self._write(path)

    def delete(self, n: int) -> None:
        for path in self.rng.sample(self.files(), n):
            path.unlink()
            del self.markers[path]
            self.ids.pop(path, None)

    def move(self, n: int) -> list[Path]:
        """Move ``n`` files elsewhere; their new places."""
        moved = []
        for path in self.rng.sample(self.files(), n):
            dest = self._place()
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, dest)
            self.markers[dest] = self.markers.pop(path)
            if path in self.ids:
                self.ids[dest] = self.ids.pop(path)
            moved.append(dest)
        return moved


# --------------------------------------------------------------------------- what an index holds

Docs = dict[str, dict[str, Any]]


def stored(idx: Path) -> Docs:
    """article id -> every stored field of its document, read from the live generation."""
    ix = store.open_index(idx)
    try:
        with ix.searcher() as s:
            docs = {fields["article_id"]: fields for fields in s.all_stored_fields()}
            assert s.doc_count() == len(docs), "an article id indexed twice"
    finally:
        ix.close()
    return docs


def unstoried(docs: Docs) -> Docs:
    """The documents without their ``story`` field."""
    return {a: {k: v for k, v in d.items() if k != "story"} for a, d in docs.items()}


def diff(got: Docs, want: Docs) -> str:
    """What differs, briefly: ids missing or extra, and the fields of the first changed ones."""
    missing, extra = sorted(want.keys() - got.keys()), sorted(got.keys() - want.keys())
    changed = [a for a in sorted(want.keys() & got.keys()) if got[a] != want[a]]
    lines = [f"{len(missing)} missing {missing[:3]}, {len(extra)} extra {extra[:3]}"]
    lines.append(f"{len(changed)} changed")
    for a in changed[:3]:
        fields = sorted(
            k for k in want[a].keys() | got[a].keys() if got[a].get(k) != want[a].get(k)
        )
        lines.append(
            f"  {a}: " + ", ".join(f"{k}: {got[a].get(k)!r} != {want[a].get(k)!r}" for k in fields)
        )
    return "\n".join(lines)


# Queries over the whole corpus, answered with their top hits (relevance) or all of them.
COMMON = ("harbour", "council budget", "rail*", "harbur~", '"harbour council"', "tenant landlord")
LIMIT = 20


def queries(markers: list[str]) -> list[str]:
    """The common queries, and selective ones (all their hits within the limit): markers (one
    article each), rare words, a NOT."""
    return [
        *COMMON,
        markers[0],
        f"{markers[1]} OR {markers[2]}",
        "title:quarry",
        "title:smelter OR title:sawmill",
        "penguin AND quarry",
        "penguin -harbour",
    ]


def hit_key(r: SearchResults, i: int) -> tuple[Any, ...]:
    h = r.results[i]
    return (h.article.id, h.start, h.end, h.text, h.highlights)


def answer(r: SearchResults, limit: int, ranked: bool) -> dict[str, Any]:
    """What must be the same in two indexes of the same articles. Every hit when the answer is
    complete (fewer hits than the limit); the top ones in order, with their scores, when
    ``ranked``. Hits tied with the last one shown may be any of the tied: only their scores."""
    out: dict[str, Any] = {"total": r.total, "count": len(r.results), "suggestion": None}
    complete = len(r.results) < limit
    if complete:
        out["hits"] = sorted(hit_key(r, i) for i in range(len(r.results)))
    if ranked:
        scores = [round(h.score, 4) for h in r.results]
        last = scores[-1] if scores and not complete else None
        out["scores"] = scores
        out["ranking"] = sorted((-s, *hit_key(r, i)) for i, s in enumerate(scores) if s != last)
        out["suggestion"] = r.suggestion
    return out


def answers(idx: Path, qs: list[str], ranked: bool) -> dict[str, Any]:
    with SearchEngine(idx) as engine:
        out: dict[str, Any] = {q: answer(engine.search(q, limit=LIMIT), LIMIT, ranked) for q in qs}
        every = engine.search("", limit=1_000_000, sort="oldest")  # every article, by date
        out["<every article>"] = answer(every, 1_000_000, ranked=False)
        out["<stats>"] = (engine.stats().articles, engine.stats().passages)
        out["<misspelt>"] = engine.search("harbuor councel").suggestion if ranked else None
    return out


def stray_files(gen: Path) -> list[str]:
    """Files in ``gen`` of no segment the index lists (Whoosh's or their postings' copies),
    and Whoosh TOCs other than the last."""
    ix = whoosh_index.open_dir(str(gen))
    try:
        live = segment_ids(ix)
    finally:
        ix.close()
    stray = [
        p.name
        for p in gen.glob("MAIN_*")
        if p.name != "MAIN_WRITELOCK" and p.name.split(".")[0] not in live
    ]
    stray += [f"{DIRNAME}/{p.name}" for p in (gen / DIRNAME).glob("*") if p.name not in live]
    last = f"_MAIN_{crash.toc(gen)}.toc"
    return stray + [p.name for p in gen.glob("_MAIN_*.toc") if p.name != last]


# --------------------------------------------------------------------------- the runs


def command(idx: Path, corpus: Path, options: dict[str, Any]) -> list[str]:
    return [sys.executable, "-c", RUNNER, str(idx), json.dumps(options), str(corpus)]


def ready(run: crash.Running) -> crash.Running:
    """Wait until ``run`` has done its imports."""
    deadline = time.monotonic() + crash.DEADLINE
    while not run.err.read_text().startswith("ready"):
        assert run.running() and time.monotonic() < deadline, f"not ready: {run.describe()}"
        time.sleep(0.01)
    return run


def finished(run: crash.Running) -> crash.Done:
    done = run.finish()
    assert done.rc == 0 and "Traceback" not in done.stderr, f"rc={done.rc}: {done.stderr[-3000:]}"
    return done


@contextmanager
def labelled(label: str) -> Iterator[None]:
    """Every failure inside starts with ``label`` (the scenario, seed and kill delay)."""
    print(label)  # shown with a failure's captured output too
    try:
        yield
    except AssertionError as exc:
        raise AssertionError(f"{label}\n{exc}") from exc
    except pytest.fail.Exception as exc:
        pytest.fail(f"{label}\n{exc.msg}")
    except Exception as exc:
        exc.add_note(label)
        raise


def check_killed(idx: Path, scenario: str, before: Docs, after: Docs, qs: list[str]) -> str:
    """The index as the kill left it: the lock free, the last good index answering, and
    holding a state the run may pass through. Returns what it held, for the label."""
    with store.write_lock(idx, timeout=0):  # the kernel released the dead writer's lock
        pass
    if store.current_generation(idx) is None:  # a first build killed before it published one
        assert scenario == "build", "the index was there before the run"
        with pytest.raises(IndexNotFoundError):
            SearchEngine(idx)
        return "no index yet"
    got = answers(idx, qs, ranked=False)  # no error, whatever the state
    seen = stored(idx)
    assert got["<stats>"][0] == got["<every article>"]["total"] == len(seen)
    for aid, doc in seen.items():
        assert doc in (before.get(aid), after.get(aid)), f"{aid}: neither before nor after"
    norms, was, will = (Counter(d["norm"] for d in docs.values()) for docs in (seen, before, after))
    twice = [n for n, c in norms.items() if c > max(was[n], will[n])]
    assert not twice, f"{len(twice)} texts indexed twice"
    # Nothing the run keeps is missing meanwhile: an article edited or moved is there, as it
    # was or as it will be (only new ones may be still to come, and pruned ones gone).
    kept = sorted(before.keys() & after.keys() - seen.keys())
    assert not kept, f"{len(kept)} articles missing during the run: {kept[:3]}"
    texts = sorted((was.keys() & will.keys()) - norms.keys())
    assert not texts, f"{len(texts)} texts the run keeps missing during it"
    if scenario == "rebuild":  # swapped in whole or not at all
        assert seen in (before, after), "a rebuild's partial index went live\n" + diff(seen, before)
    return f"{len(seen)} articles live"


@pytest.mark.parametrize("seed", CASES)
def test_kill_9_anywhere_then_rerun_equals_a_fresh_build(
    tmp_path: Path, spawn: Callable[..., crash.Running], seed: int
) -> None:
    scenario = SCENARIOS[seed % len(SCENARIOS)]
    corpus = Corpus(tmp_path / "corpus", seed)
    rng = random.Random(f"run-{seed}")
    options: dict[str, Any] = {
        "commit_every": rng.choice([1, 100, 300]),  # a commit after every batch, or two
        "max_segments": rng.choice([2, 4, 8]),  # a run past it merges
        "processes": rng.choice([1, 2]),  # Whoosh's parallel writer, or one writer
    }
    idx, fresh, reference = tmp_path / "index", tmp_path / "fresh", tmp_path / "reference"
    if scenario in ("rebuild", "prune"):
        options[scenario] = True
    label = f"{scenario}, seed {seed}, options {options}"
    with labelled(label):
        # Every run's process imports meanwhile, and waits to be started: a run timed or
        # killed below has no process loading beside it, and its imports are not in the draw.
        fresh_options = {k: v for k, v in options.items() if k not in ("rebuild", "prune")}
        runs = {
            "fresh": command(fresh, corpus.root, fresh_options),
            "killed": command(idx, corpus.root, options),
            "rerun": command(idx, corpus.root, options),
        }
        if scenario != "build":  # the same command as "killed", from a copy of the index
            runs["reference"] = command(reference, corpus.root, options)
        procs = {name: spawn(argv, name) for name, argv in runs.items()}
        before: Docs = {}
        if scenario == "build":
            corpus.add(rng.randint(800, 1400))
        else:
            corpus.add(rng.randint(500, 800))
            build_index(corpus.root, idx, entities=False, **fresh_options)
            before = stored(idx)
            n = len(before)
            if scenario == "update":
                # Moved and edited, an article would be new without a prune: not both.
                corpus.edit(n // 3, keep=corpus.move(20))
                corpus.add(rng.randint(150, 300))
            elif scenario == "rebuild":
                corpus.edit(n // 5)
                corpus.delete(n // 10)
                corpus.add(rng.randint(100, 300))
            else:
                corpus.delete(n // 6)
                corpus.edit(n // 5)
                corpus.move(20)
                corpus.add(rng.randint(50, 150))
            shutil.copytree(idx, reference)
        qs = queries([corpus.markers[p] for p in corpus.rng.sample(corpus.files(), 3)])
        for run in procs.values():
            ready(run)

        # A fresh build of the final folder; the same command, uninterrupted, times the run
        # (build_index's own time: the process's exit after it is not drawn from).
        procs["fresh"].go()
        typical = json.loads(finished(procs["fresh"]).stdout)["seconds"]
        after = stored(fresh)
        if scenario != "build":
            procs["reference"].go()
            typical = json.loads(finished(procs["reference"]).stdout)["seconds"]
            got = stored(reference)
            # The same articles as a fresh build's, field for field, but their stories: a story
            # is made in one pass, in the order articles come in (README, Stories), so an index
            # updated run after run may group some otherwise. The killed run, re-run, must end
            # as this uninterrupted one did, stories included.
            assert unstoried(got) == unstoried(after), "even uninterrupted\n" + diff(got, after)
            after = got
        killed, rerun = procs["killed"], procs["rerun"]

    delay = random.Random(f"kill-{seed}").random() * typical
    label = f"{label}: killed {delay:.3f} s into a {typical:.3f} s run"
    with labelled(label):
        killed.go()
        time.sleep(delay)
        if killed.running():
            killed.kill9()
            state = check_killed(idx, scenario, before, after, qs)
        else:  # it was quicker this time: a re-run of a complete run, checked all the same
            done = finished(killed)
            state = f"finished before the kill, in {json.loads(done.stdout)['seconds']} s"
    label = f"{label} ({state})"
    with labelled(label):
        rerun.go()
        finished(rerun)
        got = stored(idx)
        assert got == after, "the re-run's index differs from an uninterrupted run\n" + diff(
            got, after
        )
        ranked = scenario in ("build", "rebuild")  # no deleted documents weigh in the scores
        ours, theirs = answers(idx, qs, ranked), answers(fresh, qs, ranked)
        for q in theirs:
            assert ours[q] == theirs[q], f"query {q!r}"
        gen = store.current_generation(idx)
        assert gen is not None
        assert sorted(idx.glob("gen-*")) == [gen], "a killed run's generation was left behind"
        assert not stray_files(gen), "files of a killed run's uncommitted segments were left"


# --------------------------------------------------------------------------- the vocabulary

# A first build (one writer, a commit after every batch) killed the moment Whoosh's first commit
# returns. The vocabulary used to be saved after the commit, and such a kill lost the batch's
# words for good (the re-run found its articles unchanged); it is now saved before the commit.
# The moment comes up in about one random kill in sixty (a few ms after each commit), so it is
# chosen here (Whoosh's commit wrapped in the child process only).
KILLED_RIGHT_AFTER_A_COMMIT = """
import os, signal, sys
from whoosh.writing import SegmentWriter
from newsearch import build_index

whoosh_commit = SegmentWriter.commit

def commit_then_die(self, *args, **kwargs):
    whoosh_commit(self, *args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)

SegmentWriter.commit = commit_then_die
build_index(sys.argv[1], sys.argv[2], entities=False, commit_every=1, processes=1)
"""


def test_kill_9_between_a_commit_and_its_vocabulary_loses_no_word(tmp_path: Path) -> None:
    """The re-run's vocabulary holds every word of a fresh build's, and "did you mean" answers
    as it does, for words only the articles of the first commit hold."""
    corpus, idx, fresh = Corpus(tmp_path / "corpus", 7), tmp_path / "index", tmp_path / "fresh"
    corpus.add(600)
    argv = [sys.executable, "-c", KILLED_RIGHT_AFTER_A_COMMIT, str(corpus.root), str(idx)]
    assert subprocess.run(argv, timeout=crash.DEADLINE).returncode == -signal.SIGKILL
    first = stored(idx)  # the first batch, committed
    assert first and len(first) < len(corpus.files())
    build_index(corpus.root, idx, entities=False, commit_every=1, processes=1)
    build_index(corpus.root, fresh, entities=False, commit_every=1, processes=1)
    assert stored(idx) == stored(fresh)  # the index itself is whole

    # Each title ends with its text's marker, a word of that article only; misspelt by a
    # missing letter, a fresh build suggests it.
    misspelt = [d["meta"]["title"].split()[-1] for d in list(first.values())[:20]]
    misspelt = [m[:2] + m[3:] for m in misspelt]
    with SearchEngine(idx) as ours, SearchEngine(fresh) as theirs:
        want = [theirs.search(m).suggestion for m in misspelt]
        assert any(want), want
        got = [ours.search(m).suggestion for m in misspelt]
    gen, fresh_gen = store.current_generation(idx), store.current_generation(fresh)
    assert gen is not None and fresh_gen is not None
    lost = sorted(load_vocabulary(fresh_gen).keys() - load_vocabulary(gen).keys())
    assert (got, lost[:5], len(lost)) == (want, [], 0)
