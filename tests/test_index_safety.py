"""Rebuilds are atomic; the index records its format version."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsearch import Article, SearchEngine, build_index
from newsearch.errors import IndexBusyError, IndexVersionError, InputError
from newsearch.index import store
from newsearch.ingest.pipeline import BATCH
from newsearch.ingest.readers import iter_items
from tests.conftest import SEEDS


def _articles_then_crash() -> Iterator[Article]:
    for n, item in enumerate(iter_items([SEEDS])):
        if n == 3:
            raise RuntimeError("simulated crash half way through the rebuild")
        assert isinstance(item, Article)
        yield Article(**{**item.__dict__, "id": f"new-{item.id}"})


def test_failed_rebuild_leaves_the_previous_index_answering(tmp_path: Path) -> None:
    build_index(SEEDS, tmp_path, entities=False)
    before = store.current_generation(tmp_path)
    with pytest.raises(RuntimeError, match="simulated crash"):
        build_index(_articles_then_crash(), tmp_path, rebuild=True, entities=False)
    assert store.current_generation(tmp_path) == before
    assert len(list(tmp_path.glob("gen-*"))) == 1  # the half-built generation is gone
    with SearchEngine(tmp_path) as engine:
        res = engine.search("Kursk casualties", limit=10)
    assert len({h.article.id for h in res.results}) >= 3
    assert not any(h.article.id.startswith("new-") for h in res.results)


def test_rebuild_swaps_in_a_complete_index(tmp_path: Path) -> None:
    build_index(SEEDS, tmp_path, entities=False)
    before = store.current_generation(tmp_path)
    summary = build_index(SEEDS, tmp_path, rebuild=True, entities=False)
    assert summary.indexed == 5
    assert store.current_generation(tmp_path) != before
    with SearchEngine(tmp_path) as engine:
        assert engine.stats().articles == 5


def test_other_format_version_says_to_rebuild(tmp_path: Path) -> None:
    build_index(SEEDS, tmp_path, entities=False)
    gen = store.current_generation(tmp_path)
    assert gen is not None
    manifest = json.loads((gen / store.MANIFEST).read_text())
    (gen / store.MANIFEST).write_text(json.dumps({**manifest, "format": 0}))
    with pytest.raises(IndexVersionError, match="--rebuild"):
        SearchEngine(tmp_path)


def test_second_writer_fails_clearly_after_waiting(tmp_path: Path) -> None:
    build_index(SEEDS, tmp_path, entities=False)
    with (
        store.write_lock(tmp_path),
        pytest.raises(IndexBusyError, match="another newsearch process"),
    ):
        build_index(SEEDS, tmp_path, entities=False, lock_timeout=0.5)


def test_stats_while_a_writer_removes_files_does_not_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`newsearch stats` during an indexing run: files the writer removes between listing
    and measuring are skipped, not a crash."""
    build_index(SEEDS, tmp_path / "idx", entities=False)
    real_stat = store.os.stat
    vanished: list[str] = []

    def stat(path: str, *args: object, **kw: object) -> object:
        if not vanished and str(path).endswith(".json"):
            vanished.append(str(path))
            raise FileNotFoundError(2, "No such file or directory", path)
        return real_stat(path, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(store.os, "stat", stat)
    with SearchEngine(tmp_path / "idx") as engine:
        stats = engine.stats()
    assert vanished and stats.articles == 5 and stats.size_bytes > 0


def test_csv_columns_of_a_run_refused_as_busy_do_not_stay_set(tmp_path: Path) -> None:
    """The column mapping belongs to its run: a run that fails (here: the index is busy) must
    not leave it in force for the next reading of a CSV file."""
    table = tmp_path / "news.csv"
    table.write_text("title,body\nHarbour reopens,The harbour reopened on Monday.\n")
    build_index(SEEDS, tmp_path / "i", entities=False)
    with (
        store.write_lock(tmp_path / "i"),
        pytest.raises(IndexBusyError),
    ):
        build_index(table, tmp_path / "i", entities=False, csv_columns="body=1", lock_timeout=0)
    (item,) = iter_items([table])
    assert isinstance(item, Article)
    assert (item.title, item.body) == ("Harbour reopens", "The harbour reopened on Monday.")


def _commits(idx: Path) -> int:
    gen = store.current_generation(idx)
    assert gen is not None
    return max(int(p.stem.rsplit("_", 1)[1]) for p in gen.glob("_MAIN_*.toc"))


@pytest.mark.parametrize(("every", "commits"), [(None, 1), (BATCH, 3)])
def test_commit_every_sets_the_commits_of_one_run(
    tmp_path: Path, every: int | None, commits: int
) -> None:
    """Commits land on batch boundaries once ``commit_every`` articles are written."""
    articles = [Article(id=f"a{i}", path="api", body=f"Story number {i}.") for i in range(600)]
    build_index(articles, tmp_path / "i", entities=False, commit_every=every)
    assert _commits(tmp_path / "i") == commits
    with SearchEngine(tmp_path / "i") as engine:
        assert engine.stats().articles == 600


def test_run_settings_are_checked(tmp_path: Path) -> None:
    for bad in ({"commit_every": 0}, {"max_segments": 0}):
        with pytest.raises(InputError, match="from 1"):
            build_index(SEEDS, tmp_path / "i", entities=False, **bad)  # type: ignore[arg-type]
    assert not (tmp_path / "i").exists()  # refused before anything is written
