"""Scale out on Dask (newsearch/cluster/): a sharded ingest counts and writes exactly what a
single-machine run does, and a sharded index answers exactly as one index.

Most tests share one in-process Dask cluster (threads: fast to start); the worker-kill test
starts worker processes and kills one.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsearch import SearchEngine, build_index
from newsearch.cli import app
from newsearch.cluster import build_sharded
from newsearch.cluster.connect import local_cluster
from newsearch.cluster.shardmap import load, route
from newsearch.errors import InputError, NewsearchError, NoStoriesError
from newsearch.index import store
from tests.conftest import SEEDS

WORDS = (
    "oil price market bank rate minister election vote union strike court judge river flood "
    "storm harbour ship port grain wheat coffee steel mine coal energy power bond dollar euro "
    "tax budget school hospital doctor nurse train rail airport pilot film award music band "
    "match goal league coach player season record profit loss share trade export import"
).split()


def _article(rng: random.Random, n: int) -> str:
    title = " ".join(rng.choice(WORDS) for _ in range(4)).title()
    paragraphs = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60))).capitalize() + "."
        for _ in range(rng.randint(1, 3))
    ]
    return f"{title} {n}\n\n" + "\n\n".join(paragraphs) + "\n"


def make_corpus(folder: Path, count: int = 60, seed: int = 7) -> Path:
    """Generated articles, the seeds, the Reuters sample, an exact copy of a seed under
    another name, and a file no reader takes."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for n in range(count):
        (folder / f"gen-{n:03d}.txt").write_text(_article(rng, n), encoding="utf-8")
    shutil.copytree(SEEDS, folder / "seeds")
    fixtures = Path(__file__).parent / "fixtures"
    shutil.copy(fixtures / "reuters-sample.sgm", folder / "reut2-000.sgm")
    seed = sorted(SEEDS.glob("*.txt"))[0]
    shutil.copy(seed, folder / "zz-copy-of-a-seed.txt")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, client: Any) -> dict[str, Any]:
    """The same corpus as one index and as three shards (with vectors, no entities)."""
    root = tmp_path_factory.mktemp("cluster")
    corpus = make_corpus(root / "corpus")
    one = build_index(corpus, root / "one", entities=False)
    # (batches of 4 and commits of 3 documents: segments Whoosh would merge as it goes)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("newsearch.cluster.ledger.BATCH", 4)
        sharded = build_sharded(
            corpus, root / "sh", client=client, shards=3, entities=False, commit_every=3
        )
    return {"root": root, "corpus": corpus, "one": one, "sharded": sharded}


def _counts(summary: Any) -> tuple[int, ...]:
    s = summary
    return (s.read, s.indexed, s.updated, s.unchanged, s.duplicate, s.moved, len(s.skipped))


def _per_shard(index: Path, read: Any) -> list[Any]:
    """``read(ix)`` of each shard's Whoosh index, in shard order."""
    gen = store.current_generation(index)
    assert gen is not None
    smap = load(gen)
    assert smap is not None
    out = []
    for folder in smap.dirs:
        ix = store.open_index(folder)
        try:
            out.append(read(ix))
        finally:
            ix.close()
    return out


def _ids_per_shard(index: Path) -> list[Counter[str]]:
    def ids(ix: Any) -> Counter[str]:
        with ix.searcher() as s:
            return Counter(f["article_id"] for f in s.all_stored_fields())

    return _per_shard(index, ids)


def _paths(index: Path) -> list[str]:
    with SearchEngine(index) as engine:
        s = engine._s()
        return [f["meta"]["path"] for f in s.all_stored_fields()]


def test_sharded_run_counts_every_item_as_one_index_does(built: dict[str, Any]) -> None:
    one, sharded = built["one"], built["sharded"]
    assert _counts(sharded) == _counts(one)
    s = sharded
    assert s.read == s.indexed + s.updated + s.unchanged + s.duplicate + s.moved + len(s.skipped)
    assert s.duplicate == 1 and s.duplicates == one.duplicates  # (the copy is read first)
    shards = _ids_per_shard(built["root"] / "sh")
    assert len(shards) == 3 and all(shards)  # every shard holds some articles
    every = sum(shards, Counter())
    assert max(every.values()) == 1 and sum(every.values()) == s.indexed
    for number, ids in enumerate(shards):  # each article in the shard its id routes to
        assert all(route(aid, 3) == number for aid in ids)


QUERIES = ["oil price", "election vote", '"river flood"', "Kursk casualties", "film award -music"]


@pytest.mark.parametrize("mode", ["hybrid", "lexical"])
def test_sharded_search_equals_one_index(built: dict[str, Any], mode: Any) -> None:
    root = built["root"]
    with SearchEngine(root / "one") as a, SearchEngine(root / "sh") as b:
        for q in QUERIES:
            for offset in (0, 10):
                ra = a.search(q, limit=10, offset=offset, facets=True, mode=mode)
                rb = b.search(q, limit=10, offset=offset, facets=True, mode=mode)
                key_a = [(h.article.id, h.start, h.end, h.score, h.highlights) for h in ra.results]
                key_b = [(h.article.id, h.start, h.end, h.score, h.highlights) for h in rb.results]
                assert key_a == key_b, (q, offset)
                assert ra.total == rb.total
                assert ra.facets == rb.facets  # (the story facet too)
            assert a.count(q) == b.count(q)
        assert a.stats().articles == b.stats().articles
        first = a.search("oil", limit=1).results[0].article.id
        assert a.article(first, query="oil").body == b.article(first, query="oil").body


def _stories_and_copies(index: Path) -> dict[str, tuple[str | None, list[str]]]:
    """Each article's story and the ids of its copy group's other articles."""
    with SearchEngine(index) as engine:
        ids = [f["article_id"] for f in engine._s().all_stored_fields()]
        found = {}
        for aid in ids:
            detail = engine.article(aid)
            found[aid] = (detail.story, sorted(c.article.id for c in detail.copies))
        return found


def test_a_sharded_index_has_the_stories_and_copies_of_one_index(
    tmp_path: Path, client: Any
) -> None:
    """Articles routed to different shards still make one story, and a copy in another shard
    than its original is still its copy: the client tracks stories for all shards."""
    corpus = make_corpus(tmp_path / "corpus", count=20)
    seed = sorted(SEEDS.glob("*.txt"))[1]
    text = seed.read_text(encoding="utf-8").rstrip()
    (corpus / "zz-resent-seed.txt").write_text(text + "\n\nReporting by a stringer.\n")
    build_index(corpus, tmp_path / "one", entities=False, vectors=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("newsearch.cluster.ledger.BATCH", 4)
        patch.setattr("newsearch.cluster.runner.TRACKER_COMMIT_EVERY", 10)  # (checkpoints)
        build_sharded(corpus, tmp_path / "sh", client=client, shards=3, entities=False,
                      vectors=False, commit_every=3)  # fmt: skip
    one, sharded = _stories_and_copies(tmp_path / "one"), _stories_and_copies(tmp_path / "sh")
    assert sharded == one
    assert all(story for story, _ in one.values())
    assert any(copies for _, copies in one.values())  # (the re-sent seed and its original)
    with SearchEngine(tmp_path / "one") as a, SearchEngine(tmp_path / "sh") as b:
        listed = [(s.id, s.size, s.headline.title) for s in a.stories(min_size=1).stories]
        assert [(s.id, s.size, s.headline.title) for s in b.stories(min_size=1).stories] == listed
        assert len(listed) >= 3  # (the generated articles, the seeds' story, Reuters')
    # An update run keeps them: nothing changes, nothing is told again.
    again = build_sharded(corpus, tmp_path / "sh", client=client, entities=False, vectors=False)
    assert again.indexed == 0 and _stories_and_copies(tmp_path / "sh") == one


def _fail_a_task_midway(
    tmp_path: Path, client: Any, task: str, calls: int, pause: float, shards: int, every: int
) -> None:
    """``build_sharded`` (batches of 4, tracker checkpoints every 8 documents, commits of
    ``every``) with ``work.<task>`` failing with a full disk after ``calls`` calls (each
    ``pause`` s first): the run raises it, the shards hold some articles and none twice, and a
    re-run's copies and stories are one index's."""
    from newsearch.cluster import work

    corpus = make_corpus(tmp_path / "corpus", count=48)
    build_index(corpus, tmp_path / "one", entities=False, vectors=False)
    real, tally = getattr(work, task), tmp_path / "calls"  # (the task runs a copy of this)

    def failing(*args: Any) -> Any:
        with tally.open("a") as out:
            out.write(".")
        if tally.stat().st_size > calls:
            raise OSError("No space left on device")
        time.sleep(pause)
        return real(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("newsearch.cluster.ledger.BATCH", 4)
        patch.setattr("newsearch.cluster.runner.TRACKER_COMMIT_EVERY", 8)
        patch.setattr(f"newsearch.cluster.work.{task}", failing)
        with pytest.raises(OSError, match="No space"):
            build_sharded(corpus, tmp_path / "sh", client=client, shards=shards, entities=False,
                          vectors=False, commit_every=every)  # fmt: skip
    kept = sum(_ids_per_shard(tmp_path / "sh"), Counter())
    assert sum(kept.values()) > 0 and max(kept.values()) == 1  # (some written, none twice)
    again = build_sharded(corpus, tmp_path / "sh", client=client, entities=False, vectors=False)
    assert again.indexed > 0
    assert _stories_and_copies(tmp_path / "sh") == _stories_and_copies(tmp_path / "one")


def test_a_run_failing_between_checkpoints_leaves_stories_a_rerun_completes(
    tmp_path: Path, client: Any
) -> None:
    """The tracker commits at a checkpoint once the shards hold what it tracked (the workers
    go on making documents while the shards write, slowly here): a run whose writes fail after
    a few checkpoints leaves shards and stories that a re-run completes as one index's."""
    _fail_a_task_midway(tmp_path, client, "write_shard", 9, 0.2, shards=3, every=3)


def test_a_merge_failing_while_the_run_goes_on_is_reported_and_a_rerun_completes(
    tmp_path: Path, client: Any
) -> None:
    """A shard's segments are merged by a task of their own after each checkpoint, which the
    tracker's next commit does not wait for: a merge failing then still fails the run (not
    left unread), every shard is at a commit with nothing twice, and a re-run completes the
    index as one index's, its segments merged."""
    _fail_a_task_midway(tmp_path, client, "merge_shard", 4, 0.0, shards=2, every=2)
    segments = _per_shard(tmp_path / "sh", lambda ix: len(ix.reader().leaf_readers()))
    assert sum(segments) < (48 / 2) / 2  # (written 2 at a time: merged as they came)
    with SearchEngine(tmp_path / "one") as a, SearchEngine(tmp_path / "sh") as b:
        for q in ("oil", "strike pay", "bank rate"):
            ranked = [(h.article.id, round(h.score, 6)) for h in a.search(q).results]
            assert [(h.article.id, round(h.score, 6)) for h in b.search(q).results] == ranked


def test_a_sharded_index_without_stories_answers_as_one_and_keeps_the_choice(
    tmp_path: Path, client: Any
) -> None:
    corpus = make_corpus(tmp_path / "corpus", count=12)
    build_index(corpus, tmp_path / "one", entities=False, vectors=False, stories=False)
    build_sharded(corpus, tmp_path / "sh", client=client, shards=2, entities=False,
                  vectors=False, stories=False)  # fmt: skip
    gen = store.current_generation(tmp_path / "sh")
    assert gen is not None and not (gen / "stories.sqlite").exists()
    with SearchEngine(tmp_path / "one") as a, SearchEngine(tmp_path / "sh") as b:
        for q in ("oil", "strike pay", "bank rate"):
            ranked = [(h.article.id, round(h.score, 6)) for h in a.search(q).results]
            assert [(h.article.id, round(h.score, 6)) for h in b.search(q).results] == ranked
        with pytest.raises(NoStoriesError):
            b.stories()
    again = build_sharded(corpus, tmp_path / "sh", client=client, entities=False, vectors=False)
    assert again.indexed == 0  # (an update keeps the index's choice)
    with pytest.raises(InputError, match="without stories"):
        build_sharded(corpus, tmp_path / "sh", client=client, stories=True, entities=False)


def test_rerun_indexes_nothing(built: dict[str, Any], client: Any) -> None:
    root = built["root"]
    again = build_sharded(built["corpus"], root / "sh", client=client, entities=False)
    assert again.indexed == again.updated == again.moved == 0
    assert again.unchanged == built["sharded"].indexed
    assert again.duplicate == 1
    dry = build_index(built["corpus"], root / "sh", dry_run=True)  # reads the shards as one
    assert (dry.indexed, dry.unchanged) == (0, again.unchanged)


def test_update_move_and_prune_land_in_the_right_shards(tmp_path: Path, client: Any) -> None:
    corpus = make_corpus(tmp_path / "corpus", count=20, seed=3)
    index = tmp_path / "sh"
    build_sharded(corpus, index, client=client, shards=2, entities=False, vectors=False)
    changed = corpus / "gen-004.txt"
    changed.write_text("Harbour strike\n\nDockers walked out over zebracorn pay.\n", "utf-8")
    (corpus / "gen-007.txt").rename(corpus / "renamed-007.txt")
    (corpus / "gen-009.txt").unlink()
    summary = build_sharded(corpus, index, client=client, prune=True, entities=False)
    assert (summary.updated, summary.moved, summary.pruned, summary.indexed) == (1, 1, 1, 0)
    shards = _ids_per_shard(index)
    every = sum(shards, Counter())
    assert max(every.values()) == 1
    with SearchEngine(index) as engine:
        hits = engine.search("zebracorn").results
        assert len(hits) == 1 and hits[0].article.path.endswith("gen-004.txt")
        aid = hits[0].article.id
        assert aid in shards[route(aid, 2)]
    paths = _paths(index)
    assert any(p.endswith("renamed-007.txt") for p in paths)
    assert not any(p.endswith(("gen-007.txt", "gen-009.txt")) for p in paths)
    one = build_index(corpus, tmp_path / "one", entities=False, vectors=False)
    assert sum(every.values()) == one.indexed


def test_misuse_is_one_clear_error(tmp_path: Path, client: Any) -> None:
    corpus = make_corpus(tmp_path / "corpus", count=4)
    build_sharded(corpus, tmp_path / "sh", client=client, shards=2, entities=False)
    with pytest.raises(InputError, match="sharded"):
        build_index(corpus, tmp_path / "sh", entities=False)
    with pytest.raises(InputError, match="has 2 shards"):
        build_sharded(corpus, tmp_path / "sh", client=client, shards=3, entities=False)
    build_index(corpus, tmp_path / "one", entities=False)
    with pytest.raises(InputError, match="not sharded"):
        build_sharded(corpus, tmp_path / "one", client=client, entities=False)
    runner = CliRunner()
    for args, words in [
        (["--cluster", "nowhere"], "local:N"),
        (["--shards", "2"], "goes with --cluster"),
    ]:
        res = runner.invoke(app, ["index", str(corpus), "--index", str(tmp_path / "x"), *args])
        assert res.exit_code == 1 and words in res.output and "Traceback" not in res.output


def test_rebuild_reshards_and_swaps_in_whole(tmp_path: Path, client: Any) -> None:
    corpus = make_corpus(tmp_path / "corpus", count=10)
    index = tmp_path / "sh"
    first = build_sharded(corpus, index, client=client, shards=2, entities=False)
    again = build_sharded(corpus, index, client=client, shards=4, rebuild=True, entities=False)
    assert again.indexed == first.indexed
    assert len(_ids_per_shard(index)) == 4
    assert len(list(index.glob("gen-*"))) == 1  # the old shards went with their generation


def test_a_killed_worker_loses_and_doubles_nothing(tmp_path: Path) -> None:
    from distributed import Client

    corpus = make_corpus(tmp_path / "corpus", count=400, seed=11)
    index = tmp_path / "sh"
    with (
        local_cluster(2) as cluster,
        Client(cluster) as c,
    ):
        pids = list(c.run(os.getpid).values())
        killed = threading.Event()

        def kill(read: int) -> None:
            if read >= 150 and not killed.is_set():
                killed.set()
                os.kill(pids[0], signal.SIGKILL)

        with contextlib.suppress(NewsearchError):  # (Dask may give up: the re-run finishes)
            build_sharded(
                corpus, index, client=c, shards=3, entities=False, commit_every=40, progress=kill
            )
        assert killed.is_set()
        again = build_sharded(corpus, index, client=c, entities=False)
    one = build_index(corpus, tmp_path / "one", entities=False, vectors=False)
    every = sum(_ids_per_shard(index), Counter())
    assert max(every.values()) == 1  # nothing doubled
    assert sum(every.values()) == one.indexed  # nothing lost
    assert again.read == one.read


def test_a_query_never_imports_dask(built: dict[str, Any]) -> None:
    code = (
        "import sys; from newsearch import SearchEngine\n"
        f"e = SearchEngine({str(built['root'] / 'sh')!r})\n"
        "r = e.search('oil price', facets=True); assert r.total\n"
        "print(json.dumps([m for m in ('dask', 'distributed') if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import json\n" + code],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout) == []


def _worker_settings() -> tuple[str | None, str | None, bool, bool]:
    import dask

    return (
        os.environ.get("MALLOC_TRIM_THRESHOLD_"),
        os.environ.get("OMP_NUM_THREADS"),
        bool(dask.config.get("distributed.worker.profile.enabled")),
        bool(dask.config.get("distributed.admin.system-monitor.gil.enabled")),
    )


@pytest.mark.parametrize("dashboard", [False, True])
def test_local_workers_do_not_trim_memory_at_every_free(dashboard: bool) -> None:
    """Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in its workers, which made an entity
    task ~15% slower than in a plain process: newsearch's local workers go without it (one
    BLAS thread each still), and without the dashboard's profiler and GIL monitor unless the
    dashboard is asked for. The client's own settings are left as they were."""
    import dask
    from distributed import Client

    before = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
    with local_cluster(1, dashboard=dashboard) as cluster, Client(cluster) as client:
        (found,) = client.run(_worker_settings).values()
    assert found == (None, "1", dashboard, dashboard)
    assert dask.config.get("distributed.nanny.pre-spawn-environ") == before


def test_index_command_on_a_local_cluster(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", count=6)
    runner = CliRunner()
    args = ["index", str(corpus), "--no-entities", "--no-vectors", "--json"]
    one = runner.invoke(app, [*args, "--index", str(tmp_path / "one")])
    sh = runner.invoke(
        app, [*args, "--index", str(tmp_path / "sh"), "--cluster", "local:1", "--shards", "2"]
    )
    assert sh.exit_code == 0, sh.output
    a, b = json.loads(one.stdout), json.loads(sh.stdout)
    assert a.keys() == b.keys()
    same = ("read", "indexed", "updated", "unchanged", "duplicate", "moved", "skipped")
    assert [a[k] for k in same] == [b[k] for k in same]
    res = runner.invoke(app, ["query", "oil", "--index", str(tmp_path / "sh"), "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["total"] > 0


def test_shards_merge_their_segments_and_keep_one_index_s_length_totals(
    built: dict[str, Any],
) -> None:
    """The shards, written in many small commits, merge their segments as one index does
    (a shard of a big archive would otherwise hold thousands): each is left where Whoosh's
    own policy would merge nothing more, whatever the commits' sizes (they depend on which
    batch the workers finish first). Without the merges, a shard holds its commits of 3
    documents, which the policy would merge. And the field-length totals BM25's averages
    come from are still one index's: merges keep them exact (index/whoosh_writing.py
    ``exact_lengths``), where Whoosh's add one-byte lengths."""
    from whoosh.writing import MERGE_SMALL

    root = built["root"]
    totals = []
    for index in (root / "one", root / "sh"):
        _, ix = store.open_live(index)
        with ix.searcher() as s:
            totals.append([s.field_length(f) for f in ("text", "title", "passages")])
        ix.close()
    assert totals[0] == totals[1]

    class Asked:  # (what the policy would merge, asked without a writer)
        def __init__(self, ix: Any) -> None:
            self.storage, self.schema, self.merged = ix.storage, ix.schema, 0

        def add_reader(self, reader: Any) -> None:
            self.merged += 1

    def left_to_merge(ix: Any) -> tuple[int, int]:
        segments = ix._segments()
        asked = Asked(ix)
        MERGE_SMALL(asked, segments)
        return len(segments), asked.merged

    per_shard = _per_shard(root / "sh", left_to_merge)
    assert all(merged == 0 for _, merged in per_shard), per_shard


def _commits(index: Path) -> list[int]:
    """Each shard's Whoosh generation: the commits written into it."""
    return _per_shard(index, lambda ix: ix.latest_generation())


def test_a_shard_s_commits_grow_with_it_and_answer_as_one_index(
    tmp_path: Path, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By default each commit of a shard doubles its next one (from SHARD_COMMIT_EVERY to
    SHARD_COMMIT_MOST): a big shard is written in a few commits, not in many small segments
    Whoosh merges again and again; and its answers are still one index's."""
    corpus = make_corpus(tmp_path / "corpus", count=240)
    one = build_index(corpus, tmp_path / "one", entities=False)
    monkeypatch.setattr("newsearch.cluster.ledger.BATCH", 4)
    monkeypatch.setattr("newsearch.cluster.runner.SHARD_COMMIT_EVERY", 3)
    monkeypatch.setattr("newsearch.cluster.runner.SHARD_COMMIT_MOST", 24)
    for name, every in (("fixed", 3), ("grown", None)):
        run = build_sharded(corpus, tmp_path / name, client=client, shards=3, entities=False,
                            commit_every=every)  # fmt: skip
        assert run.indexed == one.indexed
    fixed, growing = _commits(tmp_path / "fixed"), _commits(tmp_path / "grown")
    assert sum(growing) * 3 <= sum(fixed), (growing, fixed)
    with SearchEngine(tmp_path / "one") as a, SearchEngine(tmp_path / "grown") as b:
        for q in QUERIES:
            ra, rb = a.search(q, limit=10, facets=True), b.search(q, limit=10, facets=True)
            assert [(h.article.id, h.start, h.score) for h in ra.results] == [
                (h.article.id, h.start, h.score) for h in rb.results
            ], q
            assert (ra.total, ra.facets) == (rb.total, rb.facets)
