"""Re-running the indexer: unchanged, updated, duplicate, pruned; every item accounted for."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsearch import SearchEngine, build_index
from newsearch.cli import app
from newsearch.models import IndexSummary
from tests.conftest import SEED_000, SEEDS

runner = CliRunner()


def accounted(s: IndexSummary) -> int:
    return s.indexed + s.updated + s.unchanged + s.duplicate + s.moved + len(s.skipped)


def test_rerun_is_all_unchanged(seeds_copy: Path, tmp_path: Path) -> None:
    build_index(seeds_copy, tmp_path / "i", entities=False)
    again = build_index(seeds_copy, tmp_path / "i", entities=False)
    assert (again.read, again.unchanged, again.indexed, again.updated) == (5, 5, 0, 0)


def test_changed_file_is_updated_not_doubled(seeds_copy: Path, tmp_path: Path) -> None:
    build_index(seeds_copy, tmp_path / "i", entities=False)
    target = sorted(seeds_copy.iterdir())[4]
    target.write_text(target.read_text() + "\nA new closing line about Vladivostok.\n")
    again = build_index(seeds_copy, tmp_path / "i", entities=False)
    assert (again.updated, again.unchanged, again.indexed) == (1, 4, 0)
    with SearchEngine(tmp_path / "i") as engine:
        assert engine.stats().articles == 5
        hits = engine.search("Vladivostok").results
        assert len(hits) == 1 and hits[0].article.path == str(target)


def test_new_file_is_added(seeds_copy: Path, tmp_path: Path) -> None:
    build_index(seeds_copy, tmp_path / "i", entities=False)
    (seeds_copy / "extra.txt").write_text("Headline here\n\nA story about Vladivostok ports.\n")
    again = build_index(seeds_copy, tmp_path / "i", entities=False)
    assert (again.indexed, again.unchanged) == (1, 5)


def test_exact_duplicates_are_indexed_once_and_reported(seeds_copy: Path, tmp_path: Path) -> None:
    original = sorted(seeds_copy.iterdir())[0]
    copy = seeds_copy / "zz_copy.txt"
    shutil.copy(original, copy)
    first = build_index(seeds_copy, tmp_path / "i", entities=False)
    assert (first.read, first.indexed, first.duplicate) == (6, 5, 1)
    assert first.duplicates == ((str(copy), str(original)),)
    again = build_index(seeds_copy, tmp_path / "i", entities=False)
    assert (again.unchanged, again.duplicate, again.indexed) == (5, 1, 0)
    assert accounted(first) == first.read and accounted(again) == again.read


def test_prune_removes_articles_whose_files_are_gone(seeds_copy: Path, tmp_path: Path) -> None:
    build_index(seeds_copy, tmp_path / "i", entities=False)
    sorted(seeds_copy.iterdir())[0].unlink()
    kept = build_index(seeds_copy, tmp_path / "i", entities=False)
    with SearchEngine(tmp_path / "i") as engine:
        assert engine.stats().articles == 5  # without --prune nothing is removed
    pruned = build_index(seeds_copy, tmp_path / "i", entities=False, prune=True)
    assert (kept.read, pruned.pruned) == (4, 1)
    with SearchEngine(tmp_path / "i") as engine:
        assert engine.stats().articles == 4
        assert all("000_" not in h.article.path for h in engine.search("Kursk", limit=50).results)


def test_cli_summary_counts_add_up(seeds_copy: Path, tmp_path: Path) -> None:
    (seeds_copy / "empty.txt").write_text("")
    args = ["index", str(seeds_copy), "--index", str(tmp_path / "i"), "--no-entities", "--json"]
    out = json.loads(runner.invoke(app, args).stdout)
    keys = ("indexed", "updated", "unchanged", "duplicate", "moved", "skipped")
    assert sum(out[k] for k in keys) == out["read"] == 6
    assert (out["pruned"], out["prunes"], out["moves"], out["dry_run"]) == (0, [], [], False)


def test_stats_reports_what_the_index_holds(seed_index: Path) -> None:
    r = runner.invoke(app, ["stats", "--index", str(seed_index), "--json"])
    out = json.loads(r.stdout)
    assert out["articles"] == 5 and out["passages"] > 20
    assert out["sources"] == 2  # RFA and Korea JoongAng Daily
    assert out["first_date"] == out["last_date"] == "2025-04-28"
    assert out["size_bytes"] > 0 and out["updated"]


def test_prune_run_from_another_directory_keeps_articles_whose_files_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Paths given relative to one directory are judged where they were when indexed, not
    against the directory a later ``--prune`` run starts in."""
    top = tmp_path / "p"
    (top / "sub").mkdir(parents=True)
    shutil.copytree(SEEDS, top / "seeds")
    (top / "more").mkdir()
    (top / "more" / "x.txt").write_text(SEED_000.read_text() + "\nAnother line.\n")
    monkeypatch.chdir(top)
    build_index("seeds", "idx", entities=False)
    monkeypatch.chdir(top / "sub")
    run = build_index("../more", "../idx", entities=False, prune=True)
    assert (run.indexed, run.pruned) == (1, 0)
    with SearchEngine(top / "idx") as engine:
        assert engine.stats().articles == 6
        paths = {h.article.path for h in engine.search("Kursk", limit=50).results}
    assert str(Path("seeds") / SEED_000.name) in paths  # shown as the user gave it
    (top / "seeds" / SEED_000.name).unlink()  # a file that is really gone still goes
    assert build_index("../more", "../idx", entities=False, prune=True).pruned == 1
