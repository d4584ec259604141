"""``newsearch batch``: a list of names or queries checked against the index at once; each
answer checked against the articles themselves and against the same query asked alone."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsearch import SearchEngine, build_index
from newsearch.cli import app
from newsearch.models import Article
from newsearch.workflows import BatchAnswer, read_batch, run_batch

runner = CliRunner()
START = dt.date(2024, 1, 1)
SENTENCES = (
    "Anna Petrova said the talks would continue.",
    "Ms Petrova declined to comment on the offer.",
    "Workers began a crane strike at the harbour.",
    "The crane operators said their strike would last a week.",
    "Boris Lund chaired the meeting of the port board.",
    "Shipping volumes fell for a third month.",
    "The ferry timetable was changed for the winter.",
    "Customs officers inspected the containers.",
)
UNDATED_ONLY = "Carla Mendes spoke for the dockers."


def _corpus() -> list[Article]:
    """Forty articles mixing the sentences; every fifth undated; the name Carla Mendes only in
    undated ones."""
    rng = random.Random(16)
    out = []
    for i in range(40):
        picked = rng.sample(SENTENCES, 3)
        undated = i % 5 == 4
        if undated and i % 10 == 9:
            picked.append(UNDATED_ONLY)
        out.append(
            Article(
                id=f"a{i:02d}",
                path=f"corpus/a{i:02d}.txt",
                title=f"Harbour report {i}",
                body=" ".join(picked),
                date=None if undated else START + dt.timedelta(days=i),
                source="Wire" if i % 2 else "Daily",
                tags=(("category", "shipping" if i % 3 else "ports"),),
            )
        )
    return out


CORPUS = _corpus()


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("batch-index")
    build_index(CORPUS, path, entities=False)
    return path


def holding(
    *phrases: str, source: str | None = None, since: str = "", until: str = "", tag: str = ""
) -> set[str]:
    """The ids of the articles whose text holds any of ``phrases`` (the oracle)."""
    found = set()
    for a in CORPUS:
        if tag and ("category", tag) not in a.tags:
            continue
        text = f"{a.title} {a.body}".lower()
        day = a.date.isoformat() if a.date else None
        if since and (day is None or day < since):
            continue
        if until and (day is None or day > until):
            continue
        if source and a.source != source:
            continue
        if any(p.lower() in text for p in phrases):
            found.add(a.id)
    return found


def dates(ids: set[str]) -> tuple[dt.date | None, dt.date | None]:
    days = [a.date for a in CORPUS if a.id in ids and a.date is not None]
    return (min(days), max(days)) if days else (None, None)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def answer(index: Path, path: Path, **options: Any) -> list[BatchAnswer]:
    with SearchEngine(index) as engine:
        return list(run_batch(engine, read_batch(path).queries, **options))


def check(a: BatchAnswer, expected: set[str], index: Path) -> None:
    """Total and dates as the articles say, and as the same query asked alone says."""
    assert a.error is None, a.error
    assert a.total == len(expected), (a.query, a.total, sorted(expected))
    assert (a.first_date, a.last_date) == dates(expected)
    assert {h.article.id for h in a.results} <= expected
    with SearchEngine(index) as engine:
        alone = engine.search(a.query.search, mode="lexical", **a.query.filters)
    assert alone.total == a.total


def test_csv_rows_with_option_columns_are_answered_as_single_queries(
    index: Path, tmp_path: Path
) -> None:
    names = write(
        tmp_path / "names.csv",
        "query,phrase,fuzzy,source,since,until\n"
        "Anna Petrova,yes,,,,\n"
        '"crane strike",,,,,\n'
        "Petrova,,,,,\n"
        "Petrowa,,yes,,,\n"
        "Anna Petrova,true,,Wire,,\n"
        "Anna Petrova,yes,,,2024-01-10,2024-01-20\n"
        "Boris Lund,yes,,,,\n"
        "Carla Mendes,yes,,,,\n"
        "Nobody Here,yes,,,,\n",
    )
    got = answer(index, names)
    assert [a.query.line for a in got] == list(range(2, 11))
    expected = [
        holding("anna petrova"),
        holding("crane strike"),
        holding("petrova"),
        holding("petrova"),  # one edit away
        holding("anna petrova", source="Wire"),
        holding("anna petrova", since="2024-01-10", until="2024-01-20"),
        holding("boris lund"),
        holding("carla mendes"),
        set(),
    ]
    for a, ids in zip(got, expected, strict=True):
        check(a, ids, index)
    assert got[0].total and got[2].total and got[0].total < got[2].total  # a phrase narrows
    assert got[3].query.search == "Petrowa~"
    mendes = got[7]
    assert mendes.total and mendes.first_date is None and mendes.last_date is None  # undated
    assert got[8].total == 0 and got[8].results == ()
    assert all(len(a.results) <= 3 for a in got)


def test_plain_lines_are_queries_as_written(index: Path, tmp_path: Path) -> None:
    names = write(tmp_path / "names.txt", 'Anna Petrova\n\n"Anna Petrova"\n  Boris Lund  \n')
    batch = read_batch(names)
    assert batch.kind == "lines"
    got = answer(index, names, limit=1)
    assert [a.query.line for a in got] == [1, 3, 4]
    check(got[0], holding("anna", "petrova"), index)  # words: either of them
    check(got[1], holding("anna petrova"), index)
    check(got[2], holding("boris", "lund"), index)
    assert all(len(a.results) == 1 for a in got)


def test_a_quoted_value_is_a_phrase_unless_the_row_says_no(index: Path, tmp_path: Path) -> None:
    names = write(tmp_path / "q.csv", 'query,phrase\n"crane strike",\n"crane strike",no\n')
    phrase, words = answer(index, names)
    check(phrase, holding("crane strike"), index)
    check(words, holding("crane", "strike"), index)
    assert phrase.total is not None and words.total is not None and phrase.total < words.total


def test_proximity_finds_the_words_near_each_other(index: Path, tmp_path: Path) -> None:
    names = write(tmp_path / "p.csv", "query,proximity\ncrane strike,4\ncrane strike,\n")
    near, anywhere = answer(index, names)
    assert near.query.search == '"crane strike"~4'
    assert near.total is not None and anywhere.total is not None
    assert len(holding("crane strike")) < near.total <= len(holding("crane"))
    assert anywhere.total == len(holding("crane", "strike"))
    with SearchEngine(index) as engine:
        assert engine.search('"crane strike"~4', mode="lexical").total == near.total


def test_bad_rows_are_reported_with_their_line_and_the_rest_answered(
    index: Path, tmp_path: Path
) -> None:
    names = write(
        tmp_path / "names.csv",
        "query,since\n"
        "Anna Petrova,\n"
        ",2024\n"
        "Boris Lund,2024-13-01\n"
        "Petrova,2024,extra\n"
        "Petrova,someday\n"
        '"crane strike",\n'
        '"Carla Mendes,\n'
        "Boris Lund,\n",
    )
    r = runner.invoke(app, ["batch", str(names), "--index", str(index), "--format", "json"])
    assert r.exit_code == 0, r.output
    queries = json.loads(r.stdout)["queries"]
    assert [q["line"] for q in queries] == [2, 3, 4, 5, 6, 7, 8, 9]
    errors = {q["line"]: q["error"] for q in queries if q["error"]}
    assert set(errors) == {3, 4, 5, 6, 8}
    assert "empty query" in errors[3] and "2024-13-01" in errors[4] and "header" in errors[5]
    assert "someday" in errors[6] and "quote" in errors[8]
    for line in errors:
        assert f"names.csv line {line}:" in r.stderr
        assert next(q for q in queries if q["line"] == line)["total"] is None
    answered = {q["line"]: q["total"] for q in queries if not q["error"]}
    assert answered == {
        2: len(holding("anna", "petrova")),
        7: len(holding("crane strike")),
        9: len(holding("boris", "lund")),
    }
    strict = runner.invoke(app, ["batch", str(names), "--index", str(index), "--strict"])
    assert strict.exit_code == 1


def test_json_follows_the_documented_shape(index: Path, tmp_path: Path) -> None:
    names = write(tmp_path / "names.csv", "query,note\nAnna Petrova,first\n")
    r = runner.invoke(app, ["batch", str(names), "--index", str(index), "--json", "-n", "2"])
    assert r.exit_code == 0, r.output
    (q,) = json.loads(r.stdout)["queries"]
    assert {"query", "total", "first_date", "last_date", "results", "error"} <= set(q)
    assert q["columns"] == {"note": "first"} and "note" in r.stderr  # kept, and said so
    expected = holding("anna", "petrova")
    first, last = dates(expected)
    assert q["total"] == len(expected) and q["error"] is None
    assert (q["first_date"], q["last_date"]) == (
        first and first.isoformat(),
        last and last.isoformat(),
    )
    single = runner.invoke(
        app,
        ["query", "Anna Petrova", "--index", str(index), "--json", "-n", "2", "--mode", "lexical"],
    )
    assert q["results"] == json.loads(single.stdout)["results"]  # hits as `query --json` has them


def test_csv_output_is_one_row_per_passage_or_per_query(index: Path, tmp_path: Path) -> None:
    names = write(tmp_path / "names.txt", "Anna Petrova\n-Petrova crane\nNobody Here\n")
    r = runner.invoke(app, ["batch", str(names), "--index", str(index), "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {"line", "query", "total", "first_date", "last_date", "error", "rank", "text"} <= set(
        rows[0]
    )
    assert [row["line"] for row in rows].count("1") == 3  # the top 3 passages
    assert next(row for row in rows if row["line"] == "3")["text"] == ""  # no match: one row
    assert {row["query"] for row in rows if row["line"] == "2"} == {"'-Petrova crane"}  # no formula
    counts = runner.invoke(
        app, ["batch", str(names), "--index", str(index), "-f", "csv", "-n", "0"]
    )
    rows = list(csv.DictReader(io.StringIO(counts.stdout)))
    assert [row["line"] for row in rows] == ["1", "2", "3"]
    assert rows[1]["total"] == str(len(holding("crane") - holding("petrova")))


def test_tabs_and_commas_in_names(index: Path, tmp_path: Path) -> None:
    names = write(tmp_path / "names.tsv", "source\tquery\nWire\tPetrova, Anna\n")
    (a,) = answer(index, names)
    assert a.query.query == "Petrova, Anna" and a.query.filters == {"source": ["Wire"]}
    check(a, holding("anna", "petrova", source="Wire"), index)
    one_column = write(tmp_path / "one.csv", 'query\nPetrova, Anna\n"Boris Lund"\n')
    first, second = answer(index, one_column)
    check(first, holding("anna", "petrova"), index)
    check(second, holding("boris lund"), index)


def test_every_filter_of_the_engine_is_a_column(index: Path, tmp_path: Path) -> None:
    names = write(
        tmp_path / "names.csv",
        "query,tag,exclude\nPetrova,category=ports,\nPetrova,category=ports|category=shipping,"
        "source:Wire\n",
    )
    ports, either = answer(index, names)
    check(ports, holding("petrova", tag="ports"), index)
    check(either, holding("petrova", source="Daily"), index)
    assert either.query.filters == {
        "tag": ["category=ports", "category=shipping"],
        "exclude": ["source:Wire"],
    }


def test_filters_given_on_the_command_line_apply_to_every_row(index: Path, tmp_path: Path) -> None:
    names = write(tmp_path / "names.csv", "query,source\nPetrova,\nPetrova,Wire\n")
    r = runner.invoke(
        app, ["batch", str(names), "--index", str(index), "--json", "--since", "2024-01-15"]
    )
    first, second = json.loads(r.stdout)["queries"]
    assert first["total"] == len(holding("petrova", since="2024-01-15"))
    assert second["total"] == len(holding("petrova", since="2024-01-15", source="Wire"))


def test_hybrid_mode_counts_as_query_does(index: Path, tmp_path: Path) -> None:
    names = write(tmp_path / "names.txt", "harbour strike workers\nBoris Lund\n")
    r = runner.invoke(
        app, ["batch", str(names), "--index", str(index), "--json", "--mode", "hybrid"]
    )
    for q in json.loads(r.stdout)["queries"]:
        alone = runner.invoke(
            app, ["query", q["query"], "--index", str(index), "--json", "-n", "3"]
        )
        single = json.loads(alone.stdout)
        assert q["total"] == single["total"]
        assert [h["article"]["id"] for h in q["results"]] == [
            h["article"]["id"] for h in single["results"]
        ]


def test_a_name_not_in_the_index_gets_a_suggestion(index: Path, tmp_path: Path) -> None:
    (a,) = answer(index, write(tmp_path / "names.txt", "Petrovva\n"))
    assert a.total == 0 and a.suggestion is not None and "petrova" in a.suggestion.lower()
    r = runner.invoke(app, ["batch", str(tmp_path / "names.txt"), "--index", str(index)])
    assert "did you mean: petrova" in r.stdout.lower()


def test_text_table_and_file_errors(index: Path, tmp_path: Path) -> None:
    names = write(tmp_path / "names.csv", "query\nAnna Petrova\n\nNobody Here\n")
    r = runner.invoke(app, ["batch", str(names), "--index", str(index)])
    assert r.exit_code == 0, r.output
    assert "Anna Petrova" in r.stdout and "**Petrova**" in r.stdout
    assert "2 queries: 1 found in the index, 1 not" in r.stdout
    missing = runner.invoke(app, ["batch", str(tmp_path / "none.csv"), "--index", str(index)])
    assert missing.exit_code == 1 and missing.stderr.startswith("Error: cannot read")
    empty = runner.invoke(
        app, ["batch", str(write(tmp_path / "e.txt", "\n")), "--index", str(index)]
    )
    assert empty.exit_code == 1 and "empty" in empty.stderr
    binary = tmp_path / "b.bin"
    binary.write_bytes(b"\x00\x01query\x00")
    r = runner.invoke(app, ["batch", str(binary), "--index", str(index)])
    assert r.exit_code == 1 and "not text" in r.stderr and "Traceback" not in r.output
