"""Output that cannot be faked: text from a file or a user (paths, titles, sources, passages,
skip reasons, warnings, stats) prints escaped, one line each, through ``render.escape``; JSON
through ``render.to_json`` holds the same values with nothing raw a terminal would act on."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from newsearch import render
from newsearch.cli import app
from newsearch.models import ArticleInfo, Hit, IndexStats, IndexSummary, SearchResults, Skip

runner = CliRunner()
FAKE = "x.txt: empty file\nskipped evil.txt"  # a file name that tries to add a line
HOSTILE = "a\nb\rc\td\x1b[31me\x7ff\x9bg\u2028h\u202ei\udce9j\x00"


def console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=1000, markup=True, emoji=True, highlight=True), out


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain café “quotes”", "plain café “quotes”"),
        ("a\nb", "a\\nb"),
        ("a\r\nb\tc", "a\\r\\nb\\tc"),
        ("red \x1b[31mx", "red \\x1b[31mx"),
        ("del\x7f c1\x9b", "del\\x7f c1\\x9b"),
        ("line\u2028sep", "line\\u2028sep"),
        ("bidi \u202etxt.exe", "bidi \\u202etxt.exe"),
        (os.fsdecode(b"caf\xe9.txt"), "caf\\xe9.txt"),  # a byte of a name that is not UTF-8
    ],
)
def test_escape(raw: str, shown: str) -> None:
    assert render.escape(raw) == shown


def test_escape_can_flatten_line_breaks_for_passages() -> None:
    assert render.escape("One.\n\nTwo.\r\nThree\x1b", newline=" ") == "One.  Two. Three\\x1b"


def test_to_json_keeps_values_and_prints_safely() -> None:
    value = {"path": HOSTILE, "title": "Café in Kursk"}
    out = render.to_json(value)
    assert json.loads(out) == value  # the same values, the odd file name included
    out.encode("utf-8")  # no lone surrogate left: a strict UTF-8 stdout takes it
    assert all(ch.isprintable() or ch in "\n " for ch in out)
    assert "Café in Kursk" in out  # other text is not escaped


def test_a_file_name_cannot_fake_a_skip_line() -> None:
    c, out = console()
    summary = IndexSummary(
        read=2,
        skipped=(Skip(FAKE, "empty file: nothing to index"),),
        warnings=(f"{HOSTILE}: removed 1 NUL byte from the text",),
        index_dir="idx\nnext",
    )
    render.print_summary(c, summary)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0] == "skipped x.txt: empty file\\nskipped evil.txt: empty file: nothing to index"
    assert lines[1].startswith("warning a\\nb\\rc\\td\\x1b[31me\\x7ff\\x9bg\\u2028h\\u202ei\\xe9j")
    assert lines[2].endswith("-> idx\\nnext")


def test_query_results_print_one_line_per_field() -> None:
    article = ArticleInfo(
        id="id\n1",
        title="Title\x1b]0;pwned\x07",
        source="Wire\nskipped x",
        author=None,
        date=dt.date(2025, 4, 28),
        path=FAKE,
    )
    text = "First paragraph about Kursk.\n\nSecond \x1b[2J paragraph."
    hit = Hit(1, 2.0, text, ((22, 27),), 0, len(text), article)
    c, out = console()
    render.print_results(c, SearchResults("Kursk\n", 1, (hit,), suggestion="k\x1b"), rich=False)
    printed = out.getvalue()
    assert "\x1b" not in printed and "\x07" not in printed
    lines = [line for line in printed.splitlines() if line]
    assert lines == [
        "Did you mean: k\\x1b",
        "1. Title\\x1b]0;pwned\\x07  [Wire\\nskipped x, 2025-04-28]  score 2.00",
        "First paragraph about **Kursk**.  Second \\x1b[2J paragraph.",
        "x.txt: empty file\\nskipped evil.txt  (id id\\n1, chars 0-52)",
        "1 passages from 1 of 1 matching articles; outlets: Wire\\nskipped x",
    ]


def test_no_match_and_notices_and_stats_escape_too() -> None:
    c, out = console()
    render.print_results(c, SearchResults("zz\nskipped", 0, ()), rich=False)
    render.print_notices(c, ("dropped 'x\ny'",))
    stats = IndexStats(1, 2, 1, None, None, {}, 10, None, "idx\x1b[2J")
    render.print_stats(c, stats)
    printed = out.getvalue()
    assert "No passages match 'zz\\nskipped'." in printed
    assert "Notice: dropped 'x\\ny'" in printed
    assert "idx\\x1b[2J" in printed and "\x1b" not in printed


def test_the_index_command_prints_odd_names_escaped(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / FAKE).write_bytes(b"")
    (folder / os.fsdecode(b"caf\xe9.txt")).write_text("Caf\n\nKursk notes here.\n")
    r = runner.invoke(app, ["index", str(folder), "--index", str(tmp_path / "i"), "--no-entities"])
    assert r.exit_code == 0, r.output
    skipped = [line for line in r.stderr.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == 1 and "x.txt: empty file\\nskipped evil.txt: " in skipped[0]
    q = runner.invoke(app, ["query", "Kursk", "--index", str(tmp_path / "i")])
    assert q.exit_code == 0, q.output
    assert "caf\\xe9.txt  (id " in q.stdout
