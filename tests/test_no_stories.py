"""An index built without stories (``--no-stories``): it answers queries as one with them,
keeps the choice through updates, says clearly what it cannot do, and changes it only by a
rebuild."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsearch import SearchEngine, build_index
from newsearch.cli import app
from newsearch.errors import InputError, NoStoriesError
from newsearch.index import store
from newsearch.stories import sidefile
from tests.test_stories import interleaved

runner = CliRunner()


def top(idx: Path, query: str) -> list[tuple[str, float]]:
    with SearchEngine(idx) as e:
        return [(h.article.id, round(h.score, 6)) for h in e.search(query, limit=10).results]


def test_without_stories_the_same_answers_and_no_story_file(tmp_path: Path) -> None:
    arts = interleaved()
    build_index(arts, tmp_path / "with", entities=False, vectors=False)
    build_index(arts, tmp_path / "without", entities=False, vectors=False, stories=False)
    with SearchEngine(tmp_path / "with") as e:
        assert (e.stats().vectors, e.stats().stories) == (False, True)
    gen = store.current_generation(tmp_path / "without")
    assert gen is not None and not sidefile.path_of(gen).exists()
    for q in ("Rotterdam strike", "interest rate inflation", "pay"):
        assert top(tmp_path / "without", q) == top(tmp_path / "with", q)
    with SearchEngine(tmp_path / "without") as e:
        assert all(e.article(a.id).story is None for a in arts)
        with pytest.raises(NoStoriesError, match="built without stories"):
            e.stories()
        with pytest.raises(NoStoriesError, match="--rebuild"):
            e.story("anything")
        assert e.similar("strike-0").results  # (by words: no stories needed)


def test_the_choice_is_kept_by_updates_and_changed_by_a_rebuild(tmp_path: Path) -> None:
    arts = interleaved()
    build_index(arts[:4], tmp_path, entities=False, vectors=False, stories=False)
    build_index(arts, tmp_path, entities=False, vectors=False)  # (None: as the index is)
    gen = store.current_generation(tmp_path)
    assert gen is not None and not sidefile.path_of(gen).exists()
    with pytest.raises(InputError, match=r"built without stories.*--rebuild"):
        build_index(arts, tmp_path, entities=False, vectors=False, stories=True)
    build_index(arts, tmp_path, entities=False, vectors=False, stories=True, rebuild=True)
    with SearchEngine(tmp_path) as e:
        assert e.stories().total == 2
    with pytest.raises(InputError, match=r"built with stories.*--no-stories"):
        build_index(arts, tmp_path, entities=False, vectors=False, stories=False)
    with SearchEngine(tmp_path) as e:  # (the refused run changed nothing)
        assert e.stories().total == 2


def test_the_command_line_says_what_an_index_without_stories_cannot_do(tmp_path: Path) -> None:
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    idx = str(tmp_path / "idx")
    r = runner.invoke(app, ["index", str(seeds), "--index", idx, "--no-entities", "--no-stories"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["query", "Kursk casualties", "--index", idx, "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["results"]
    stats = json.loads(runner.invoke(app, ["stats", "--index", idx, "--json"]).stdout)
    assert (stats["articles"], stats["vectors"], stats["stories"]) == (5, True, False)
    for args in (["stories"], ["story", "abc"]):
        r = runner.invoke(app, [*args, "--index", idx])
        assert r.exit_code == 1
        assert r.output.startswith("Error: the index at") and "--no-stories" in r.output
        assert "Traceback" not in r.output
    r = runner.invoke(app, ["index", str(seeds), "--index", idx, "--stories"])
    assert r.exit_code == 1 and r.output.startswith("Error: the index at")
    assert "nothing was indexed" in r.output
