"""The newsearch command, through CliRunner and once as the installed program."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsearch.cli import app

runner = CliRunner()


def test_query_json_follows_the_documented_shape(seed_index: Path) -> None:
    r = runner.invoke(app, ["query", "Kursk casualties", "--index", str(seed_index), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["query"] == "Kursk casualties" and len(out["results"]) == 10
    assert out["total"] == 5  # matching articles (the top 10 passages come from some of them)
    for i, hit in enumerate(out["results"], start=1):
        assert hit["rank"] == i and isinstance(hit["score"], float)
        assert set(hit["article"]) >= {"id", "title", "source", "author", "date", "path"}
        body_text = hit["text"]
        for s, e in hit["highlights"]:
            assert body_text[s:e].lower() in {"kursk", "casualties"}
        assert hit["end"] - hit["start"] == len(body_text)
        assert hit["article"]["date"] in (None, "2025-04-28")


def test_query_text_output_marks_terms_and_says_unknown(seed_index: Path) -> None:
    r = runner.invoke(app, ["query", "Kursk casualties", "--index", str(seed_index), "-n", "10"])
    assert r.exit_code == 0, r.output
    assert "**casualties**" in r.stdout and "**Kursk**" in r.stdout
    assert "unknown date" in r.stdout and "RFA" in r.stdout
    shown = {
        line.split("(id ")[1].split(",")[0] for line in r.stdout.splitlines() if "(id " in line
    }
    assert f"10 passages from {len(shown)} of 5 matching articles" in r.stdout


def test_limit_is_respected(seed_index: Path) -> None:
    r = runner.invoke(app, ["query", "Kursk", "--index", str(seed_index), "--json", "-n", "3"])
    assert len(json.loads(r.stdout)["results"]) == 3


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    r = runner.invoke(app, ["query", "Kursk", "--index", str(tmp_path / "none")])
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: no index at") and "newsearch index" in r.stderr


def test_usage_error_exits_2(seed_index: Path) -> None:
    r = runner.invoke(app, ["query", "Kursk", "--index", str(seed_index), "--sort", "sideways"])
    assert r.exit_code == 2


def test_index_json_summary(tmp_path: Path) -> None:
    from tests.conftest import SEEDS

    r = runner.invoke(
        app, ["index", str(SEEDS), "--index", str(tmp_path / "i"), "--json", "--no-entities"]
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert (out["read"], out["indexed"], out["skipped"]) == (5, 5, 0)


def test_installed_command_builds_the_default_index_on_first_query(
    tmp_path: Path, seeds_copy: Path
) -> None:
    """As on a fresh clone: no index/ yet, so the first query builds it from seeds/."""
    exe = shutil.which("newsearch", path=str(Path(sys.executable).parent)) or "newsearch"
    env = {k: v for k, v in os.environ.items() if k != "NEWSEARCH_INDEX"}
    first = subprocess.run(
        [exe, "query", "Kursk casualties", "--json"],
        cwd=seeds_copy.parent,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert first.returncode == 0, first.stderr
    assert "building it from seeds/" in first.stderr
    assert len({h["article"]["id"] for h in json.loads(first.stdout)["results"]}) >= 3
    assert (seeds_copy.parent / "index" / "CURRENT").is_file()
    again = subprocess.run(
        [exe, "query", "Kursk", "-n", "2"],
        cwd=seeds_copy.parent,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert again.returncode == 0 and "building" not in again.stderr
    assert "**Kursk**" in again.stdout


def test_query_text_output_offers_a_correction(seed_index: Path) -> None:
    r = runner.invoke(app, ["query", "Kursc casualtis", "--index", str(seed_index)])
    assert r.exit_code == 0
    assert "Did you mean: kursk casualties" in r.stdout
    out = json.loads(
        runner.invoke(app, ["query", "Kursc", "--index", str(seed_index), "--json"]).stdout
    )
    assert out["suggestion"] == "kursk"


def test_unexpected_errors_are_one_line_not_a_traceback(
    seed_index: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from newsearch import cli
    from newsearch.search import engine

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(engine.SearchEngine, "search", broken)
    monkeypatch.setattr(sys, "argv", ["newsearch", "query", "Kursk", "--index", str(seed_index)])
    monkeypatch.delenv("NEWSEARCH_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    err = capsys.readouterr().err
    assert exit_info.value.code == 1
    assert err.startswith("Error: unexpected RuntimeError: simulated bug")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_no_match_says_so_once(seed_index: Path) -> None:
    r = runner.invoke(app, ["query", "zzyzx", "--index", str(seed_index)])
    assert r.exit_code == 0, r.output
    assert "No passages match 'zzyzx'." in r.stdout and "matching articles" not in r.stdout
