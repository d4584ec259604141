"""Scores do not depend on how an index's segments were merged: the same articles written in
one commit and in many small ones whose segments Whoosh merges as it goes rank and score
alike (BM25's average lengths come from each segment's length totals, which merges keep
exact: index/whoosh_writing.py ``exact_lengths``)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from whoosh.writing import OPTIMIZE

from newsearch import SearchEngine, build_index
from newsearch.index import store
from newsearch.index.whoosh_writing import exact_lengths
from newsearch.models import Article

WORDS = (
    "oil price market bank rate minister election vote union strike court judge river flood "
    "storm harbour ship port grain wheat coffee steel mine coal energy power bond dollar"
).split()
QUERIES = ["oil price", "election vote", '"river flood"', "coal -steel", "title:bank"]


def _articles(count: int) -> list[Article]:
    rng = random.Random(11)
    return [
        Article(
            id=f"m{n}",
            path=f"merge/{n}.txt",
            title=" ".join(rng.sample(WORDS, 3)),
            # (bodies of 12-300 words: longer than 10, a length's one byte rounds it)
            body="\n\n".join(
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 100))) + "."
                for _ in range(rng.randint(1, 3))
            ),
        )
        for n in range(count)
    ]


def _full_disk(writer: object, segments: list[object]) -> list[object]:
    """A merge policy that fails as a full disk would, part way through a commit."""
    raise OSError("No space left on device")


def _top(index: Path) -> list[tuple[str, float]]:
    """The first query's top 20: ids and scores."""
    with SearchEngine(index) as engine:
        return [(h.article.id, h.score) for h in engine.search(QUERIES[0], limit=20).results]


def _segments(index: Path) -> int:
    ix = store.open_index(index)
    try:
        with ix.searcher() as s:
            return len(s.reader().leaf_readers())
    finally:
        ix.close()


@pytest.mark.parametrize("processes", [1, 2])
def test_merged_and_unmerged_segments_score_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: int
) -> None:
    """One writer, or Whoosh's parallel writer (two processes: a run without entities)."""
    given = _articles(120)
    whole, merged = tmp_path / "whole", tmp_path / "merged"
    # one segment, written at once (Whoosh's own length totals exact)
    build_index(given, whole, entities=False, vectors=False, processes=1)
    # a commit every 8 articles, the small segments merged as Whoosh merges them (its totals
    # then sum one-byte lengths)
    monkeypatch.setattr("newsearch.ingest.run.BATCH", 8)
    build_index(given, merged, entities=False, vectors=False, processes=processes, commit_every=8)
    assert _segments(whole) == 1 and 1 < _segments(merged) < len(given) / 8
    with SearchEngine(whole) as a, SearchEngine(merged) as b:
        for q in QUERIES:
            ra, rb = a.search(q, limit=20), b.search(q, limit=20)
            assert ra.total == rb.total > 0, q
            key_a = [(h.article.id, h.start, h.end, h.score) for h in ra.results]
            key_b = [(h.article.id, h.start, h.end, h.score) for h in rb.results]
            assert key_a == key_b, q


def test_a_merge_drops_its_deleted_documents_lengths(tmp_path: Path) -> None:
    """Updated articles leave deleted documents behind; a merge drops them, and the merged
    segment's totals are the live documents' (short articles: their one-byte lengths, which
    are what a merge knows of a deleted document, are exact up to 10)."""
    given = _articles(40)
    short = [
        Article(id=f"s{n}", path=f"merge/s{n}.txt", title="Port", body=f"grain wheat ship {n}.")
        for n in range(6)
    ]
    changed = [
        Article(id=a.id, path=a.path, title="Port", body=f"coal mine strike {a.id}.") for a in short
    ]
    index, fresh = tmp_path / "index", tmp_path / "fresh"
    build_index([*given, *short], index, entities=False, vectors=False, processes=1)
    build_index([*given, *changed], index, entities=False, vectors=False, processes=1)
    ix = store.open_index(index)
    try:
        assert ix.searcher().reader().has_deletions()
        ix.writer().commit(mergetype=exact_lengths(OPTIMIZE))
        with ix.searcher() as s:
            merged = [s.field_length(f) for f in ("text", "title", "passages")]
            assert s.doc_count_all() == len(given) + len(changed)
    finally:
        ix.close()
    build_index([*given, *changed], fresh, entities=False, vectors=False, processes=1)
    ix = store.open_index(fresh)
    try:
        with ix.searcher() as s:
            assert merged == [s.field_length(f) for f in ("text", "title", "passages")]
    finally:
        ix.close()


def test_a_run_without_entities_commits_ever_larger_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whoosh's parallel writer adds a segment per process at each commit and leaves segments
    of equal size unmerged; each of a run's commits doubles the next (up to COMMIT_MOST), so a
    large run leaves few segments (each a look-up per query word), with the same answers."""
    import newsearch.ingest.run as run

    given = _articles(240)
    commits: list[object] = []
    commit = run.commit_writer

    def counted(writer: object, merge: bool = True) -> None:
        commits.append(writer)
        commit(writer, merge)

    monkeypatch.setattr(run, "commit_writer", counted)
    monkeypatch.setattr(run, "BATCH", 8)
    monkeypatch.setattr("newsearch.ingest.pipeline.COMMIT_EVERY", 16)
    monkeypatch.setattr("newsearch.ingest.pipeline.COMMIT_MOST", 64)
    fixed, growing = tmp_path / "fixed", tmp_path / "growing"
    build_index(given, fixed, entities=False, vectors=False, processes=2, commit_every=16)
    assert len(commits) == 240 // 16  # (a commit every 16 articles, the last at the end)
    commits.clear()
    build_index(given, growing, entities=False, vectors=False, processes=2)
    assert len(commits) == 5  # 16, 32, 64, 64, then the last 64 at the end
    with SearchEngine(fixed) as a, SearchEngine(growing) as b:
        for q in QUERIES:
            ra, rb = a.search(q, limit=20), b.search(q, limit=20)
            assert ra.total == rb.total > 0, q
            key_a = [(h.article.id, h.start, h.score) for h in ra.results]
            assert key_a == [(h.article.id, h.start, h.score) for h in rb.results], q


def test_a_shard_merge_that_fails_leaves_the_index_as_it_was_and_writable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cluster's merge task (``merge_shard``) failing part way (a full disk) leaves the last
    commit answering as before and lets the next write and merge in the same process lock the
    index (Whoosh's writer holds its lock until cancelled)."""
    from newsearch.cluster import work

    index = tmp_path / "ix"
    monkeypatch.setattr("newsearch.ingest.run.BATCH", 8)
    build_index(_articles(120), index, entities=False, vectors=False, processes=1, commit_every=8)
    before = _segments(index)
    answers = _top(index)

    with monkeypatch.context() as patch:
        patch.setattr("newsearch.index.whoosh_writing.MERGE_EXACT", _full_disk)
        with pytest.raises(OSError, match="No space"):
            work.merge_shard(index, lock_timeout=1.0)
    assert _segments(index) == before
    assert work.merge_shard(index, lock_timeout=1.0) <= before  # (the lock was let go)
    again = _top(index)
    assert answers and [(a, round(s, 6)) for a, s in again] == [
        (a, round(s, 6)) for a, s in answers
    ]


def test_a_commit_that_fails_leaves_the_index_as_it_was_and_writable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ingest whose commit fails (a full disk while Whoosh merges) reports the error, leaves
    no writer process behind, leaves the last index answering as before, and the next ingest
    in the same process takes the index's lock and completes it as one build would."""
    import multiprocessing

    given = _articles(160)
    index = tmp_path / "ix"
    build_index(given[:80], index, entities=False, vectors=False, processes=2)
    answers = _top(index)

    with monkeypatch.context() as patch:
        patch.setattr("newsearch.index.whoosh_writing.MERGE_EXACT", _full_disk)
        with pytest.raises(OSError, match="No space"):
            build_index(given, index, entities=False, vectors=False, processes=2)
    assert not multiprocessing.active_children()  # (Whoosh's writer processes stopped)
    again = _top(index)
    assert answers and again == answers
    build_index(given, index, entities=False, vectors=False, processes=2)
    build_index(given, tmp_path / "one", entities=False, vectors=False, processes=2)
    for q in QUERIES:
        with SearchEngine(index) as a, SearchEngine(tmp_path / "one") as b:
            ra, rb = a.search(q, limit=20), b.search(q, limit=20)
            assert ra.total == rb.total > 0, q
            assert [h.article.id for h in ra.results] == [h.article.id for h in rb.results], q
