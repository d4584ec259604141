"""``newsearch watch``: searches kept beside the index; each run shows what matches and was not
shown before, whatever happened to the index in between (updates, rebuilds, moves)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsearch import SearchEngine, build_index
from newsearch.cli import app
from newsearch.errors import InputError, QueryError
from newsearch.index import store
from newsearch.workflows import add_watch, list_watches, remove_watch, run_watches
from newsearch.workflows.watch import WATCH_FILE

runner = CliRunner()


def story(folder: Path, name: str, title: str, body: str, date: str = "2024-03-01") -> Path:
    path = folder / f"{name}.txt"
    path.write_text(f"---\ntitle: {title}\ndate: {date}\nsource: Wire\n---\n{body}\n")
    return path


@pytest.fixture()
def news(tmp_path: Path) -> Path:
    folder = tmp_path / "news"
    folder.mkdir()
    for i in range(4):
        story(folder, f"dock{i}", f"Dock strike day {i}", f"Dock workers stayed out on day {i}.")
    story(folder, "ferry", "Ferry delays", "Ferries ran late in the fog.")
    return folder


def index(news: Path, idx: Path, **options: Any) -> None:
    build_index(news, idx, entities=False, vectors=False, **options)


def run(idx: Path, *args: str) -> dict[str, Any]:
    r = runner.invoke(app, ["watch", "run", *args, "--index", str(idx), "--json"])
    assert r.exit_code == 0, r.output
    out: dict[str, Any] = json.loads(r.stdout)
    return out


def titles(result: dict[str, Any]) -> list[str]:
    return [a["title"] for a in result["articles"]]


def test_a_watch_shows_what_is_new_after_each_ingest(news: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    index(news, idx)
    r = runner.invoke(app, ["watch", "add", "docks", "dock OR harbour", "--index", str(idx)])
    assert r.exit_code == 0, r.output
    first = run(idx, "docks")
    assert first["watch"] == "docks" and first["since"] is None  # never ran: every match
    assert sorted(titles(first)) == [f"Dock strike day {i}" for i in range(4)]
    again = run(idx, "docks")
    assert again["articles"] == [] and again["since"] is not None and again["total"] == 4
    story(
        news, "late", "Harbour pilots join", "Harbour pilots joined the dock strike.", "2023-01-01"
    )
    story(news, "bus", "Bus fares rise", "Bus fares rose again.")
    index(news, idx)
    third = run(idx, "docks")
    # new by ingest, not by publication date (it is the oldest article of all)
    assert titles(third) == ["Harbour pilots join"]
    new = third["articles"][0]
    assert new["passage"] == "Harbour pilots joined the dock strike."
    assert [new["passage"][s:e] for s, e in new["highlights"]] == ["Harbour", "dock"]
    assert run(idx, "docks")["articles"] == []


def test_a_rebuild_shows_nothing_new_and_keeps_the_watches(news: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    index(news, idx)
    with SearchEngine(idx) as engine:
        add_watch(engine, "docks", "dock")
        add_watch(engine, "wire", "", source="Wire", since="2024")
        assert {r.watch: len(r.articles) for r in run_watches(engine)} == {"docks": 4, "wire": 5}
    before = store.current_generation(idx)
    index(news, idx, rebuild=True)
    assert store.current_generation(idx) != before and (idx / WATCH_FILE).is_file()
    out = run(idx)  # all watches
    assert [w["watch"] for w in out["watches"]] == ["docks", "wire"]
    assert [w["articles"] for w in out["watches"]] == [[], []]
    assert [w["total"] for w in out["watches"]] == [4, 5]
    index(news, idx, prune=True)
    assert (idx / WATCH_FILE).is_file() and run(idx, "wire")["articles"] == []


def test_changed_articles_show_again_and_moved_ones_do_not(news: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    index(news, idx)
    with SearchEngine(idx) as engine:
        add_watch(engine, "docks", "dock")
        run_watches(engine, "docks")
    story(news, "dock1", "Dock strike day 1", "Dock workers went back on day 1.")
    (news / "dock2.txt").rename(news / "dock2-moved.txt")
    index(news, idx, prune=True)
    assert titles(run(idx, "docks")) == ["Dock strike day 1"]


def test_a_dry_run_records_nothing(news: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    index(news, idx)
    with SearchEngine(idx) as engine:
        add_watch(engine, "docks", "dock")
        assert len(run_watches(engine, dry_run=True)[0].articles) == 4
        assert len(run_watches(engine)[0].articles) == 4
        assert run_watches(engine)[0].articles == ()


def test_list_and_remove(news: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    index(news, idx)
    for name, query in (("docks", "dock"), ("ferry", "ferries")):
        r = runner.invoke(
            app, ["watch", "add", name, query, "--index", str(idx), "--source", "Wire"]
        )
        assert r.exit_code == 0, r.output
    tagged = ["watch", "add", "tagged", "--tag", "category=BUSINESS", "--index", str(idx)]
    assert runner.invoke(app, tagged).exit_code == 0  # every filter of the engine
    run(idx, "ferry")
    r = runner.invoke(app, ["watch", "list", "--index", str(idx), "--json"])
    listed = {w["name"]: w for w in json.loads(r.stdout)["watches"]}
    assert set(listed) == {"docks", "ferry", "tagged"}
    assert listed["tagged"]["filters"] == {"tag": ["category=BUSINESS"]}
    assert listed["docks"]["filters"] == {"source": ["Wire"]} and listed["docks"]["query"] == "dock"
    assert listed["docks"]["last_run"] is None and listed["ferry"]["last_run"] is not None
    assert listed["ferry"]["seen"] == 1
    text = runner.invoke(app, ["watch", "list", "--index", str(idx)])
    assert "docks" in text.stdout and "source:Wire" in text.stdout and "never" in text.stdout
    r = runner.invoke(app, ["watch", "remove", "docks", "--index", str(idx)])
    assert r.exit_code == 0, r.output
    assert [w.name for w in list_watches(idx)] == ["ferry", "tagged"]
    remove_watch(idx, "ferry")
    remove_watch(idx, "tagged")
    assert list_watches(idx) == ()
    empty = runner.invoke(app, ["watch", "run", "--index", str(idx), "--json"])
    assert json.loads(empty.stdout) == {"watches": []}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "nosuch"], "no watch named 'nosuch'"),
        (["remove", "nosuch"], "no watch named 'nosuch'"),
        (["add", "docks", "pay"], "already exists"),
        (["add", "../up", "pay"], "watch name '../up'"),
        (["add", "a/b", "pay"], "watch name 'a/b'"),
        (["add", "later", "pay", "--since", "2024-13"], "2024-13"),
        (["add", "later", "pay", "--exclude", "colour:red"], "FIELD:VALUE"),
        (["add", "empty", ""], "a query or a filter"),
        (["add", "stop", "the"], "nothing to search for"),
    ],
)
def test_errors_are_one_line(news: Path, tmp_path: Path, args: list[str], message: str) -> None:
    idx = tmp_path / "idx"
    index(news, idx)
    with SearchEngine(idx) as engine:
        add_watch(engine, "docks", "dock")
    r = runner.invoke(app, ["watch", *args, "--index", str(idx)])
    assert r.exit_code in (1, 2), r.output
    assert message in r.stderr and "Traceback" not in r.output
    if r.exit_code == 1:
        assert r.stderr.startswith("Error: ") and len(r.stderr.strip().splitlines()) == 1
    assert [w.name for w in list_watches(idx)] == ["docks"]  # nothing else written


def test_the_watch_file_is_checked_not_replaced(news: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    index(news, idx)
    (idx / WATCH_FILE).write_text("{not json")
    with SearchEngine(idx) as engine, pytest.raises(InputError, match="damaged"):
        add_watch(engine, "docks", "dock")
    assert (idx / WATCH_FILE).read_text() == "{not json"
    with pytest.raises(InputError, match="no index"):
        list_watches(tmp_path / "none")
    with SearchEngine(idx) as engine, pytest.raises(QueryError):
        add_watch(engine, "x", "dock", colour="red")


def test_text_output(news: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    index(news, idx)
    runner.invoke(app, ["watch", "add", "docks", "dock", "--index", str(idx)])
    r = runner.invoke(app, ["watch", "run", "--index", str(idx), "--limit", "2"])
    assert r.exit_code == 0, r.output
    assert "docks: 4 new (first run; 4 match in all)" in r.stdout
    assert "**Dock**" in r.stdout and "and 2 more" in r.stdout
    r = runner.invoke(app, ["watch", "run", "docks", "--index", str(idx)])
    assert "docks: 0 new (since " in r.stdout


def test_a_failed_write_leaves_the_list_as_it_was(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    idx = tmp_path / "idx"
    index(news, idx)
    with SearchEngine(idx) as engine:
        add_watch(engine, "docks", "dock")
        before = (idx / WATCH_FILE).read_bytes()

        def full(*args: Any) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr("newsearch.workflows.watch.os.replace", full)
        with pytest.raises(InputError, match=r"cannot write the watch list .* No space left"):
            run_watches(engine)
    assert (idx / WATCH_FILE).read_bytes() == before
    assert sorted(p.name for p in idx.iterdir() if "watches" in p.name) == [
        ".watches.lock",
        WATCH_FILE,
    ]  # no temporary file left


def test_a_watch_that_cannot_run_does_not_stop_the_others(news: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    index(news, idx)
    with SearchEngine(idx) as engine:
        add_watch(engine, "docks", "dock")
        add_watch(engine, "ferry", "ferries")
    data = json.loads((idx / WATCH_FILE).read_text())
    data["watches"]["docks"]["filters"] = {"since": "2024-02-30"}  # edited by hand
    (idx / WATCH_FILE).write_text(json.dumps(data))
    r = runner.invoke(app, ["watch", "run", "--index", str(idx), "--json"])
    assert r.exit_code == 1 and "Error: watch docks:" in r.stderr and "2024-02-30" in r.stderr
    docks, ferry = json.loads(r.stdout)["watches"]
    assert "2024-02-30" in docks["error"] and len(ferry["articles"]) == 1
    assert [w.last_run is None for w in list_watches(idx)] == [True, False]
    one = runner.invoke(app, ["watch", "run", "docks", "--index", str(idx)])
    assert one.exit_code == 1 and one.stderr.startswith("Error: watch docks could not run")


def test_a_watch_lights_each_article_in_its_own_language(tmp_path: Path) -> None:
    """A German article's inflected form is lit as a query shows it (Snowball in German),
    not only the form typed."""
    folder = tmp_path / "news"
    folder.mkdir()
    story(folder, "en", "Architects meet", "The architects met in Berlin on Monday.")
    idx = tmp_path / "idx"
    index(folder, idx)
    runner.invoke(app, ["watch", "add", "arch", "Architekt", "--index", str(idx)])
    run(idx)
    (folder / "de.txt").write_text(
        "---\ntitle: Treffen\nlanguage: de\n---\nDie Architekten trafen sich am Montag in "
        "Berlin, um über den Neubau zu sprechen.\n",
        encoding="utf-8",
    )
    index(folder, idx)
    found = run(idx)["watches"][0]["articles"]
    assert [a["language"] for a in found] == ["de"]
    start, end = found[0]["highlights"][0]
    assert found[0]["passage"][start:end] == "Architekten"
    with SearchEngine(idx) as engine:  # as a query lights it
        hit = engine.search("Architekt", language="de").results[0]
    assert [hit.text[s:e] for s, e in hit.highlights] == ["Architekten"]
