"""Bad files are skipped with a one-line reason; the rest of the batch is indexed."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsearch import SearchEngine, build_index
from newsearch.cli import app
from newsearch.errors import InputError
from newsearch.ingest.readers import ReadOptions
from tests.conftest import SEED_000

runner = CliRunner()


@pytest.fixture()
def bad_dir(tmp_path: Path) -> Path:
    d = tmp_path / "bad"
    d.mkdir()
    (d / "empty.txt").write_bytes(b"")
    (d / "blank.txt").write_bytes(b"  \n\n \n")
    (d / "binary.txt").write_bytes(os.urandom(3000) + b"\x00")
    (d / "latin1.txt").write_bytes(b"Caf\xe9 owners in Kursk\n\nThe caf\xe9 stayed open.\n")
    shutil.copy(SEED_000, d)
    return d


def test_bad_files_are_skipped_and_the_rest_indexed(bad_dir: Path, tmp_path: Path) -> None:
    summary = build_index(bad_dir, tmp_path / "i", entities=False)
    assert (summary.read, summary.indexed, len(summary.skipped)) == (5, 2, 3)
    reasons = {Path(s.path).name: s.reason for s in summary.skipped}
    assert "empty" in reasons["empty.txt"] and "empty" in reasons["blank.txt"]
    assert "binary" in reasons["binary.txt"]
    assert any("latin1.txt" in w and "Latin-1" in w for w in summary.warnings)
    with SearchEngine(tmp_path / "i") as engine:
        hit = engine.search("café", limit=1).results[0]
    assert hit.text == "The café stayed open." and hit.article.title == "Café owners in Kursk"


def test_cli_reports_each_skip_on_one_line_without_traceback(bad_dir: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["index", str(bad_dir), "--index", str(tmp_path / "i"), "--no-entities"])
    assert r.exit_code == 0
    lines = r.stderr.splitlines()
    assert sum(line.startswith("skipped ") for line in lines) == 3
    assert any("binary.txt: binary file" in line for line in lines)
    assert "Traceback" not in r.output
    assert "5 read: 2 indexed" in r.stderr


def test_strict_makes_a_skip_exit_1(bad_dir: Path, tmp_path: Path) -> None:
    r = runner.invoke(
        app, ["index", str(bad_dir), "--index", str(tmp_path / "i"), "--no-entities", "--strict"]
    )
    assert r.exit_code == 1


def test_json_summary_and_report_file(bad_dir: Path, tmp_path: Path) -> None:
    report = tmp_path / "skips.json"
    r = runner.invoke(
        app,
        [
            "index",
            str(bad_dir),
            "--index",
            str(tmp_path / "i"),
            "--no-entities",
            "--json",
            "--report",
            str(report),
        ],
    )
    out = json.loads(r.stdout)
    assert (out["read"], out["indexed"], out["skipped"]) == (5, 2, 3)
    assert sorted(Path(s["path"]).name for s in json.loads(report.read_text())) == [
        "binary.txt",
        "blank.txt",
        "empty.txt",
    ]


def test_missing_input_path_is_an_error_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="missing does not exist"):
        build_index([SEED_000, tmp_path / "missing"], tmp_path / "i", entities=False)
    assert not (tmp_path / "i").exists()


def test_file_over_the_size_limit_is_skipped_with_reason(tmp_path: Path) -> None:
    big = tmp_path / "in" / "big.txt"
    big.parent.mkdir()
    big.write_text("Headline\n\n" + "Kursk news. " * 500)  # 6 KB
    shutil.copy(SEED_000, big.parent)
    small = ReadOptions(max_file_bytes=4096)  # the seed (3 KB) fits
    summary = build_index(big.parent, tmp_path / "i", entities=False, reading=small)
    assert summary.indexed == 1
    (skip,) = [s for s in summary.skipped if s.path.endswith("big.txt")]
    assert "over" in skip.reason and "split" in skip.reason


def test_a_file_name_that_is_not_utf8_is_indexed_beside_the_others(tmp_path: Path) -> None:
    """A name made by a Latin-1 system (``caf\\xe9.txt``) must not end the whole run."""
    d = tmp_path / "odd"
    d.mkdir()
    shutil.copy(SEED_000, d)
    odd = d / os.fsdecode(b"caf\xe9.txt")
    odd.write_text("Kursk notes\n\nA short text about Kursk.\n")
    summary = build_index(d, tmp_path / "i", entities=False)
    assert (summary.read, summary.indexed, summary.skipped) == (2, 2, ())
    again = build_index(d, tmp_path / "i", entities=False)  # and its id is stable
    assert (again.unchanged, again.indexed) == (2, 0)
    with SearchEngine(tmp_path / "i") as engine:
        (hit,) = engine.search('"short text"').results
    assert hit.article.path == str(odd)
