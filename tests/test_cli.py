"""The newsearch command, through CliRunner and once as the installed program."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsearch import render
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


# --- several words, one query ---------------------------------------------------------------


def query_json(index: Path, *args: str) -> Any:
    r = runner.invoke(app, [*args, "--index", str(index), "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_several_words_without_quotes_are_one_query(seed_index: Path) -> None:
    quoted = query_json(seed_index, "query", "Kim Jong Un")
    assert quoted["results"]
    for args in (
        ["query", "Kim", "Jong", "Un"],
        ["query", "-n", "10", "Kim", "Jong", "Un"],
        ["query", "Kim", "-n", "10", "Jong", "Un"],
    ):
        assert query_json(seed_index, *args) == quoted
    facets = query_json(seed_index, "facets", "Kursk troops")
    assert query_json(seed_index, "facets", "Kursk", "troops") == facets
    assert query_json(seed_index, "facets", "-n", "10", "Kursk", "troops") == facets


def test_words_starting_with_a_dash_are_query_words(seed_index: Path) -> None:
    quoted = query_json(seed_index, "query", "Kursk -Putin")
    assert query_json(seed_index, "query", "Kursk", "-Putin") == quoted
    assert (
        query_json(seed_index, "query", "-Putin", "-n", "10", "Kursk")["total"]
        == (query_json(seed_index, "query", "-Putin Kursk")["total"])
    )
    r = runner.invoke(app, ["query", "--index", str(seed_index), "--json", "--", "-Putin", "Kursk"])
    assert json.loads(r.stdout)["query"] == "-Putin Kursk"  # "--" as click has it
    # -n with a number is still the limit; -nuclear is a word, not "-n uclear"
    assert len(query_json(seed_index, "query", "Kursk", "-n3")["results"]) == 3
    assert query_json(seed_index, "query", "Kursk", "-nuclear")["query"] == "Kursk -nuclear"


def test_a_mistyped_option_is_still_a_usage_error(seed_index: Path) -> None:
    r = runner.invoke(app, ["query", "Kursk", "--jsn", "--index", str(seed_index)])
    assert r.exit_code == 2 and "No such option: --jsn" in r.output


def test_query_words_are_required(seed_index: Path) -> None:
    r = runner.invoke(app, ["query", "--index", str(seed_index)])
    assert r.exit_code == 2 and "Missing argument" in r.output


# --- text from users and articles is printed as written -------------------------------------


@pytest.mark.parametrize("text", ["zzqx [/b]", "[bold]x[/bold]", "zzqx :fire: [red]"])
def test_markup_in_a_query_is_printed_literally(seed_index: Path, text: str) -> None:
    r = runner.invoke(app, ["query", text, "--index", str(seed_index)])
    assert r.exit_code == 0, r.output
    assert f"No passages match {text!r}." in r.stdout


@pytest.fixture(scope="module")
def markup_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from newsearch import Article, build_index

    path = tmp_path_factory.mktemp("markup-index")
    article = Article(
        id="m1",
        path="[b]odd.txt",
        title="[red]Kursk[/red] alert [/b]",
        source="[red]Wire :fire:",
        body="Troops near Kursk moved again [/b] today.\n\nA second paragraph on Kursk.",
    )
    build_index([article], path, entities=False)
    return path


def test_article_markup_is_printed_literally(markup_index: Path) -> None:
    r = runner.invoke(app, ["query", "Kursk", "--index", str(markup_index), "--facets"])
    assert r.exit_code == 0, r.output
    assert "[red]Kursk[/red] alert [/b]" in r.stdout
    assert "[[red]Wire :fire:, unknown date]" in r.stdout
    assert "[b]odd.txt" in r.stdout and "moved again [/b] today" in r.stdout
    r = runner.invoke(app, ["facets", "--index", str(markup_index)])
    assert r.exit_code == 0, r.output
    assert "[red]Wire :fire:" in r.stdout
    r = runner.invoke(app, ["stats", "--index", str(markup_index)])
    assert r.exit_code == 0, r.output


def test_a_long_query_is_not_echoed_whole(seed_index: Path) -> None:
    text = "zzqx " * 300
    r = runner.invoke(app, ["query", text, "--index", str(seed_index)])
    line = next(x for x in r.output.splitlines() if x.startswith("No passages match"))
    assert len(line) <= len("No passages match ''.") + 80 and line.endswith("…'.")
    assert len(r.output) < 500


def test_errors_are_one_short_line(seed_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsearch.errors import QueryError
    from newsearch.search import engine

    def refuse(self: object, query: str, **kwargs: object) -> None:
        raise QueryError(f"query {query!r} is too long [/b]")

    monkeypatch.setattr(engine.SearchEngine, "search", refuse)
    r = runner.invoke(app, ["query", "Kursk " * 2000, "--index", str(seed_index)])
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: query 'Kursk Kursk") and len(r.stderr) < 400
    assert len(r.stderr.splitlines()) == 1 and r.stdout == ""


# --- notices --------------------------------------------------------------------------------


def test_notices_go_to_stderr_and_into_json(
    seed_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsearch.models import SearchResults
    from newsearch.search import engine

    assert query_json(seed_index, "query", "Kursk")["notices"] == []

    def noted(self: object, query: str, **kwargs: object) -> SearchResults:
        return SearchResults(
            query=query, total=0, results=(), notices=("closed an unbalanced quote [/b]",)
        )

    monkeypatch.setattr(engine.SearchEngine, "search", noted)
    r = runner.invoke(app, ["query", 'Kursk "troops', "--index", str(seed_index)])
    assert r.exit_code == 0, r.output
    assert r.stderr == "Notice: closed an unbalanced quote [/b]\n"
    assert "Notice" not in r.stdout
    r = runner.invoke(app, ["query", 'Kursk "troops', "--index", str(seed_index), "--json"])
    assert json.loads(r.stdout)["notices"] == ["closed an unbalanced quote [/b]"]
    assert r.stderr == ""


# --- help, choices, version -----------------------------------------------------------------


COMMANDS = [
    "index",
    "query",
    "facets",
    "entities",
    "stats",
    "show",
    "count",
    "batch",
    "watch",
    "compare",
    "serve",
    "stories",
    "story",
    "timeline",
    "similar",
]


def test_every_option_has_help_text() -> None:
    import typer.main

    group: Any = typer.main.get_command(app)
    assert sorted(group.commands) == sorted(COMMANDS)
    for name in COMMANDS:
        for param in group.commands[name].params:
            assert getattr(param, "help", None), f"{name} {param.name} has no help text"
    assert all(getattr(param, "help", None) for param in group.params)  # --version


@pytest.mark.parametrize("name", COMMANDS)
def test_help_shows_examples_and_no_bool_types(name: str) -> None:
    r = runner.invoke(app, [name, "--help"], env={"COLUMNS": "100"})
    assert r.exit_code == 0, r.output
    assert "<bool>" not in r.output
    examples = r.output.split("Examples:")[1].split("Arguments:")[0].split("Options:")[0]
    lines = [x.strip() for x in examples.splitlines() if x.strip()]
    assert 2 <= len(lines) <= 3 and all(x.startswith(f"newsearch {name}") for x in lines)


def test_help_shows_the_choices() -> None:
    r = runner.invoke(app, ["query", "--help"], env={"COLUMNS": "100"})
    assert "relevance|newest|oldest" in r.output and "day|month|year" in r.output
    assert "--facets " in r.output and "--no-facets" not in r.output


@pytest.mark.parametrize(
    ("option", "value", "choices"),
    [("--sort", "sideways", "'relevance', 'newest', 'oldest'"), ("--date-bucket", "week", "'day'")],
)
def test_choices_are_checked_with_a_clear_message(
    seed_index: Path, option: str, value: str, choices: str
) -> None:
    for command in ("query", "facets"):
        if command == "facets" and option == "--sort":
            continue
        r = runner.invoke(app, [command, "Kursk", option, value, "--index", str(seed_index)])
        assert r.exit_code == 2
        assert f"Invalid value for '{option}'" in r.output and choices in r.output


def test_version() -> None:
    from importlib.metadata import version

    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0
    assert r.stdout == f"newsearch {version('newsearch')}\n" == "newsearch 0.1.0\n"


# --- facets takes the query's filters -------------------------------------------------------


@pytest.mark.parametrize(
    "option",
    [
        ("--source", "RFA"),
        ("--since", "2025-04-28"),
        ("--until", "2025-04-27"),
        ("--person", "Putin"),
        ("--org", "KCNA"),
        ("--place", "Kursk"),
        ("--entity", "Putin"),
        ("--topic", "grain"),
        ("--exclude", "source:RFA"),
    ],
)
def test_facets_and_query_take_the_same_filters(seed_index: Path, option: tuple[str, str]) -> None:
    from newsearch import SearchEngine

    flag, value = option
    keyword = {flag[2:]: value if flag in ("--since", "--until") else [value]}
    with SearchEngine(seed_index) as engine:
        want = render.facets_json(engine.facets("Kursk", **keyword))
        total = engine.search("Kursk", **keyword).total  # type: ignore[arg-type]
    assert query_json(seed_index, "facets", "Kursk", flag, value)["facets"] == want
    assert query_json(seed_index, "query", "Kursk", flag, value)["total"] == total


def test_facets_filters_narrow(seed_index: Path) -> None:
    every = query_json(seed_index, "facets")["facets"]
    assert any(v["value"] == "RFA" for v in every["source"])
    left = query_json(seed_index, "facets", "--exclude", "source:RFA")["facets"]
    assert not any(v["value"] == "RFA" for v in left["source"])
    day = query_json(seed_index, "facets", "--since", "2025-04-28", "--until", "2025-04-28")
    assert [v["value"] for v in day["facets"]["date"]] == ["2025-04-28"]


@pytest.mark.parametrize("command", ["query", "facets"])
def test_exclude_needs_field_and_value(seed_index: Path, command: str) -> None:
    for bad in ("RFA", ":RFA", "source:"):
        r = runner.invoke(app, [command, "Kursk", "--exclude", bad, "--index", str(seed_index)])
        assert r.exit_code == 2 and "use FIELD:VALUE" in r.output
    r = runner.invoke(app, [command, "Kursk", "--exclude", "color:red", "--index", str(seed_index)])
    assert r.exit_code == 1 and r.stderr.startswith("Error: exclude 'color:red'")


def test_facets_tells_what_it_repaired(seed_index: Path) -> None:
    r = CliRunner().invoke(app, ["facets", 'Kursk "troops', "--index", str(seed_index), "--json"])
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["notices"] and sum(v["count"] for v in data["facets"]["source"]) == 5
    empty = CliRunner().invoke(app, ["facets", "The Who", "--index", str(seed_index)])
    assert "Notice: " in empty.stderr and "nothing to search for" in empty.stderr


def test_json_output_survives_a_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    """A name's undecodable bytes reach the JSON escaped, even on a strict UTF-8 stdout."""
    folder = tmp_path / "in"
    folder.mkdir()
    name = os.fsdecode(b"caf\xe9.txt")
    (folder / name).write_text("Kursk notes\n\nTroops were seen near Kursk.\n", encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    idx = tmp_path / "idx"
    subprocess.run(
        [sys.executable, "-m", "newsearch", "index", str(folder), "--index", str(idx),
         "--no-entities", "--quiet"],
        check=True, env=env, capture_output=True,
    )  # fmt: skip
    r = subprocess.run(
        [sys.executable, "-m", "newsearch", "query", "Kursk", "--index", str(idx), "--json"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["results"][0]["article"]["path"].endswith(".txt")
