"""Pages of results (``offset=``, ``--page``/``--offset``), whole result sets exported
(``--all --format csv|jsonl|json``) and counts (``count``, ``--count``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsearch import Article, Hit, SearchEngine, build_index, render
from newsearch.cli import app
from newsearch.errors import QueryError

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def _key(hit: Hit) -> tuple[str, int]:
    return hit.article.id, hit.start


def _pages(engine: SearchEngine, query: str, size: int, **options: Any) -> list[list[Hit]]:
    pages: list[list[Hit]] = []
    offset = 0
    while True:
        found = engine.search(query, limit=size, offset=offset, **options)
        assert [h.rank for h in found.results] == list(
            range(offset + 1, offset + 1 + len(found.results))
        )
        if not found.results:
            return pages
        pages.append(list(found.results))
        offset += size


@pytest.mark.parametrize(
    ("size", "options"),
    [
        *[(size, {}) for size in (1, 2, 3, 7)],
        *[
            (size, options)
            for size in (2, 5)
            for options in (
                {"mode": "lexical"},
                {"per_article": 1},
                {"sort": "newest"},
                {"feedback": True},
            )
        ],
    ],
)
def test_pages_never_overlap_and_cover_the_results(
    seed_vector_index: Path, size: int, options: dict[str, Any]
) -> None:
    with SearchEngine(seed_vector_index) as engine:
        for query in ("Kursk casualties", "North Korea troops"):
            everything = engine.search(query, limit=500, **options)
            pages = _pages(engine, query, size, **options)
            shown = [_key(h) for page in pages for h in page]
            assert len(shown) == len(set(shown))  # no passage twice
            assert set(shown) == {_key(h) for h in everything.results}  # none left out
            first = engine.search(query, limit=size, **options)
            assert [_key(h) for h in first.results] == [_key(h) for h in pages[0]]
            # a page is the same each time it is asked for
            again = engine.search(query, limit=size, offset=size, **options)
            assert [_key(h) for h in again.results] == [_key(h) for h in pages[1]]


def test_a_page_past_the_end_is_empty_and_a_bad_offset_an_error(seed_index: Path) -> None:
    with SearchEngine(seed_index) as engine:
        past = engine.search("Kursk", limit=10, offset=10_000)
        assert past.results == () and past.total == 5 and past.offset == 10_000
        with pytest.raises(QueryError, match="offset"):
            engine.search("Kursk", offset=-1)


def test_pages_on_the_command_line(seed_vector_index: Path) -> None:
    def page(*args: str) -> dict[str, Any]:
        r = runner.invoke(
            app, ["query", "Kursk troops", "--index", str(seed_vector_index), "--json", *args]
        )
        assert r.exit_code == 0, r.output
        out: dict[str, Any] = json.loads(r.stdout)
        return out

    whole = [(h["article"]["id"], h["start"]) for h in page("-n", "200")["results"]]
    got = []
    for n in range(1, 100):
        found = page("-n", "4", "--page", str(n))
        if not found["results"]:
            break
        assert found.get("offset", 0) == (n - 1) * 4
        got += [(h["article"]["id"], h["start"]) for h in found["results"]]
    assert len(got) == len(set(got)) and set(got) == set(whole)
    by_offset = page("-n", "4", "--offset", "4")["results"]
    assert [h["rank"] for h in by_offset] == [5, 6, 7, 8]
    assert [(h["article"]["id"], h["start"]) for h in by_offset] == got[4:8]

    text = runner.invoke(
        app, ["query", "Kursk", "--index", str(seed_vector_index), "-n", "3", "--page", "2"]
    )
    assert "passages 4-6" in text.stdout and text.stdout.splitlines()[0].startswith("4. ")
    both = runner.invoke(
        app, ["query", "Kursk", "--index", str(seed_vector_index), "--page", "2", "--offset", "1"]
    )
    assert both.exit_code == 2 and "--page or --offset" in both.output


def _csv(index: Path, *args: str) -> tuple[list[dict[str, str]], list[str], str]:
    r = runner.invoke(app, ["query", *args, "--index", str(index), "--all", "--format", "csv"])
    assert r.exit_code == 0, r.output
    reader = csv.DictReader(io.StringIO(r.stdout))
    rows = list(reader)
    return rows, list(reader.fieldnames or []), r.stderr


def test_csv_export_has_the_documented_columns_and_every_passage(seed_index: Path) -> None:
    rows, columns, err = _csv(seed_index, "Kursk")
    assert columns == list(render.EXPORT_COLUMNS)
    readme = (ROOT / "README.md").read_text()
    documented = re.search(r"`--format csv` columns: ([^.]+)\.", readme)
    assert documented, "README lists the CSV columns"
    assert re.findall(r"`(\w+)`", documented[1]) == columns
    with SearchEngine(seed_index) as engine:
        total = engine.count("Kursk")
        every = {_key(h) for h in engine.search("Kursk", limit=1000, mode="lexical").results}
        for row in rows:  # each row is the article's text where it says
            body = engine.article(row["article_id"]).body
            assert body[int(row["start"]) : int(row["end"])] == row["text"]
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert {(r["article_id"], int(r["start"])) for r in rows} == every
    assert len({r["article_id"] for r in rows}) == total == 5
    assert f"exported {len(rows)} passages of 5 matching articles" in err


def test_one_row_per_article_and_date_order(seed_index: Path) -> None:
    rows, _, _ = _csv(seed_index, "Kursk", "--per-article", "1")
    assert len(rows) == len({r["article_id"] for r in rows}) == 5
    newest, _, _ = _csv(seed_index, "Kursk", "--sort", "newest", "--per-article", "1")
    dates = [r["date"] for r in newest]
    dated = [d for d in dates if d]
    assert dated == sorted(dated, reverse=True) and dates == dated + [""] * dates.count("")


def test_jsonl_and_json_exports(seed_index: Path) -> None:
    base = ["query", "Kursk casualties", "--index", str(seed_index), "--all"]
    lines = runner.invoke(app, [*base, "--format", "jsonl"]).stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert rows and all(set(r) >= {"rank", "score", "text", "highlights", "article"} for r in rows)
    for r in rows:
        assert all(r["text"][s:e].lower() in ("kursk", "casualties") for s, e in r["highlights"])
    whole = json.loads(runner.invoke(app, [*base, "--format", "json"]).stdout)
    assert whole["total"] == 5 and whole["results"] == rows
    assert json.loads(runner.invoke(app, [*base, "--json"]).stdout) == whole


def test_format_without_all_writes_the_page(seed_index: Path) -> None:
    args = ["query", "Kursk", "--index", str(seed_index), "-n", "3"]
    page = json.loads(runner.invoke(app, [*args, "--json"]).stdout)["results"]
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, [*args, "--format", "csv"]).stdout)))
    assert [(r["article_id"], int(r["start"])) for r in rows] == [
        (h["article"]["id"], h["start"]) for h in page
    ]
    jsonl = runner.invoke(app, [*args, "--format", "jsonl", "--page", "2"]).stdout.splitlines()
    assert [json.loads(x)["rank"] for x in jsonl] == [4, 5, 6]


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile-export")
    articles = [
        Article(
            id="f1",
            path="x/f1.txt",
            title='=HYPERLINK("http://evil.example","click")',
            body="-2+3 harbour dues rose.\nLine two of the harbour story.",
            date=dt.date(2024, 1, 2),
            source="@Wire",
        )
    ]
    build_index(articles, path, entities=False, vectors=False)
    return path


def test_csv_cells_are_never_formulas(hostile_index: Path) -> None:
    rows, _, _ = _csv(hostile_index, "harbour")
    assert rows and rows[0]["title"].startswith("'=HYPERLINK")
    assert rows[0]["source"] == "'@Wire" and rows[0]["text"].startswith("'-2+3")
    assert "\n" in rows[0]["text"]  # line breaks stay (quoted)


def test_all_takes_a_format_and_no_page(seed_index: Path) -> None:
    base = ["query", "Kursk", "--index", str(seed_index), "--all"]
    assert "add --format" in runner.invoke(app, base).output
    assert runner.invoke(app, [*base, "--format", "csv", "--page", "2"]).exit_code == 2
    assert runner.invoke(app, [*base, "--format", "csv", "--facets"]).exit_code == 2


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("Kursk casualties", {}),
        ("Kursk", {"source": "RFA"}),
        ('"mutual defense treaty"', {}),
        ("zzqx", {}),
        ("", {"since": "2025-04"}),
        ("Kursk -Putin", {}),
    ],
)
def test_count_is_the_total(seed_index: Path, query: str, filters: dict[str, Any]) -> None:
    with SearchEngine(seed_index) as engine:
        total = engine.search(query, limit=1, mode="lexical", **filters).total
        assert engine.count(query, **filters) == total
        if not filters and query != "zzqx":
            assert engine.export(query).total == total
    args = ["--index", str(seed_index), *[f"--{k}={v}" for k, v in filters.items()]]
    words = [query] if query else []
    r = runner.invoke(app, ["count", *words, *args])
    assert r.exit_code == 0, r.output
    assert r.stdout == f"{total}\n"
    if query:
        flag = runner.invoke(app, ["query", query, "--count", *args])
        assert flag.stdout == f"{total}\n"
    j = json.loads(runner.invoke(app, ["count", *words, *args, "--json"]).stdout)
    assert j["total"] == total


def test_count_of_nothing_is_every_article(seed_index: Path) -> None:
    with SearchEngine(seed_index) as engine:
        assert engine.count() == engine.stats().articles == 5
