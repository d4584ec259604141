"""Entities and facets on the five seeds: facet values and counts, filters (CLI, JSON, query
syntax, API), forgiving matching, dates, sorting and offline entity extraction.

Every expectation below was counted by hand from the text of seeds/ (articles are named by their
file prefix, 000..004), not taken from the engine's output.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsearch import SearchEngine, build_index
from newsearch.cli import app
from newsearch.errors import QueryError
from newsearch.ingest.entities import entity_key
from newsearch.models import Article
from tests.conftest import assert_best_first

runner = CliRunner()
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
ALL = {"000", "001", "002", "003", "004"}
# Dates: 000 and 002 have the header " date 2025-04-28", 003 "Published: 28 Apr. 2025";
# 001 (headline only) and 004 (no header at all) give no date.
DATED = {"000", "002", "003"}
DATE = dict.fromkeys(DATED, "2025-04-28")
# Sources: 000 " date 2025-04-28 By RFA"; 003 "... edited by Korea JoongAng Daily staff."; 002 is
# "By Hyonhee Shin" (an author, not a source); 001 and 004 name no outlet of their own.
SOURCE = {"000": "RFA", "003": "Korea JoongAng Daily"}
# Which seeds name each entity (any spelling), read off the texts:
KIM = {"000", "001", "002", "003"}  # 003 writes "Kim Jong-un"; 004 only "North Korean mission"
NAMED: dict[str, dict[str, set[str]]] = {
    "person": {
        "Kim Jong Un": KIM,
        "Vladimir Putin": {"000", "001", "002", "004"},  # 003 never names Putin
        # 001 "Volodymyr Zelenskyy"; 002 "Volodymyr Zelenskiy" and "ALSO READ: Zelenskyy ..."
        "Volodymyr Zelenskyy": {"001", "002"},
        "Valery Gerasimov": {"004"},  # "General Valery Gerasimov", then "Gerasimov stated"
    },
    # All five name North Korea, Russia, Ukraine, Kursk (003: "Kursk Oblast") and Pyongyang.
    "place": dict.fromkeys(["North Korea", "Russia", "Ukraine", "Kursk", "Pyongyang"], ALL),
    "org": {  # 000 "Korean Central News Agency, or KCNA", 001 "KCNA", 002 both, 003 both
        "Korean Central News Agency": {"000", "001", "002", "003"},
        "Central Military Commission": {"000", "001", "002", "003"},  # 004 names neither
    },
}
# Whole corpus, by hand: source RFA 1, Korea JoongAng Daily 1, unknown 3; date 2025-04-28 x3,
# unknown x2; person Kim Jong Un 4, Vladimir Putin 4, Volodymyr Zelenskyy 2, Valery Gerasimov 1;
# place North Korea, Russia, Ukraine, Kursk, Pyongyang 5 each; org KCNA 4, Central Military
# Commission 4. Text matches: "Kursk" is in all five; the word "Zelenskyy" in 001 and 002 only
# (002's other spelling is "Zelenskiy"); "Central Military Commission" in 000-003; "Gerasimov"
# in 004 only.
QUERIES = {
    "": ALL,
    "Kursk": ALL,
    "Zelenskyy": {"001", "002"},
    '"Central Military Commission"': {"000", "001", "002", "003"},
    "Gerasimov": {"004"},
}
OFFLINE_SCRIPT = r"""
import socket, sys
def deny(event, args):
    if event == "socket.getaddrinfo" or (
        event == "socket.connect" and args[0].family in (socket.AF_INET, socket.AF_INET6)
    ):
        raise PermissionError("network use in an offline test: " + event)
sys.addaudithook(deny)
try:
    socket.create_connection(("127.0.0.1", 9), timeout=1)
    sys.exit("the network guard does not work")
except PermissionError:
    pass
from newsearch import build_index
s = build_index(sys.argv[1], sys.argv[2], entities=True, processes=1)
print(s.indexed, len(s.skipped))
"""


def expected_facets(arts: set[str], bucket: int = 10) -> dict[str, dict[str, int]]:
    """Facet counts over the articles ``arts``, from the hand tables above."""
    out: dict[str, dict[str, int]] = {"source": {}, "date": {}}
    for a in arts:
        src, when = SOURCE.get(a, "unknown"), DATE[a][:bucket] if a in DATE else "unknown"
        out["source"][src] = out["source"].get(src, 0) + 1
        out["date"][when] = out["date"].get(when, 0) + 1
    for kind, names in NAMED.items():
        out[kind] = {name: len(arts & seen) for name, seen in names.items() if arts & seen}
    return out


def check_facets(got: dict[str, list[dict[str, Any]]], arts: set[str], bucket: int = 10) -> None:
    want = expected_facets(arts, bucket)
    for name in ("source", "date"):
        assert {v["value"]: v["count"] for v in got[name]} == want[name], name
    for kind in NAMED:
        counts = {v["value"]: v["count"] for v in got[kind] if v["value"] in NAMED[kind]}
        assert counts == want[kind], kind


def as_json(facets: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {k: [{"value": v.value, "count": v.count} for v in vals] for k, vals in facets.items()}


def arts_of(hits: list[dict[str, Any]]) -> set[str]:
    return {Path(h["article"]["path"]).name[:3] for h in hits}


@pytest.fixture(scope="module")
def ent_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds indexed with entities (spaCy), once for this module; tests only read it."""
    path = tmp_path_factory.mktemp("seed-entities")
    summary = build_index(SEEDS, path, entities=True)
    assert (summary.indexed, len(summary.skipped)) == (5, 0)
    return path


@pytest.fixture(scope="module")
def engine(ent_index: Path) -> Iterator[SearchEngine]:
    with SearchEngine(ent_index) as eng:
        yield eng


def cli(index: Path, *args: str) -> Any:
    return runner.invoke(app, [*args, "--index", str(index)])


def query_json(index: Path, *args: str) -> dict[str, Any]:
    r = cli(index, "query", *args, "--json", "-n", "500")
    assert r.exit_code == 0, r.output
    out: dict[str, Any] = json.loads(r.stdout)
    # -n 500 returns every matching passage; the total counts their articles
    assert out["total"] == len({h["article"]["id"] for h in out["results"]})
    return out


# --- facets: values ----------------------------------------------------------------------


def test_each_seed_entity_is_one_facet_value_and_no_junk(engine: SearchEngine) -> None:
    facets = engine.facets("", limit=1000)
    for kind, names in NAMED.items():
        values = [v.value for v in facets[kind]]
        assert set(names) <= set(values), kind
        keys = [entity_key(v) for v in values]
        assert len(keys) == len(set(keys)), f"variants of one {kind} listed twice: {values}"
    every = [v.value for kind in NAMED for v in facets[kind]]
    variants = {"Kim Jong-un", "Kim", "Zelenskiy", "Zelenskyy", "Putin", "Gerasimov", "KCNA"}
    variants |= {"North Korean", "North Korea’s", "Russian", "Ukrainian", "Kursk Region"}
    assert not variants & set(every)
    for value in every:
        assert re.search(r"[^\W\d_]{2}", value), f"junk facet value {value!r}"
        assert "also read" not in value.lower() and value == value.strip()


def test_entity_values_are_the_same_in_cli_json(ent_index: Path, engine: SearchEngine) -> None:
    r = cli(ent_index, "facets", "--json", "--limit", "1000")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["facets"] == as_json(engine.facets("", limit=1000))


# --- facets: counts ----------------------------------------------------------------------


@pytest.mark.parametrize("text", list(QUERIES))
def test_facet_counts_match_hand_counts(engine: SearchEngine, text: str) -> None:
    arts = QUERIES[text]
    check_facets(as_json(engine.facets(text, limit=1000)), arts)
    hits = engine.search(text, limit=500).results
    assert {Path(h.article.path).name[:3] for h in hits} == arts


def test_articles_count_once_however_many_passages_match(engine: SearchEngine) -> None:
    res = engine.search("Kursk", limit=500, facets=True)
    assert len(res.results) > 5  # several passages per article mention Kursk...
    assert res.total == 5  # ...but five articles match
    assert sum(v.count for v in res.facets["source"]) == 5
    assert [(v.value, v.count) for v in res.facets["person"][:2]] == [
        ("Kim Jong Un", 4),
        ("Vladimir Putin", 4),
    ]


@pytest.mark.parametrize(("bucket", "cut"), [("day", 10), ("month", 7), ("year", 4)])
def test_whole_corpus_facets_in_cli_json(ent_index: Path, bucket: str, cut: int) -> None:
    r = cli(ent_index, "facets", "--json", "--date-bucket", bucket, "--limit", "1000")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["query"] == ""
    check_facets(out["facets"], ALL, cut)
    assert out["facets"]["source"] == [
        {"value": "unknown", "count": 3},
        {"value": "Korea JoongAng Daily", "count": 1},
        {"value": "RFA", "count": 1},
    ]
    assert out["facets"]["date"] == [
        {"value": "2025-04-28"[:cut], "count": 3},
        {"value": "unknown", "count": 2},
    ]


@pytest.mark.parametrize("text", ["", "Kursk", '"Central Military Commission"'])
def test_facet_json_shape_and_order(ent_index: Path, text: str) -> None:
    for args in (["facets", text], ["query", text, "--facets", "-n", "1"]):
        r = cli(ent_index, *args, "--json")
        assert r.exit_code == 0, r.output
        facets = json.loads(r.stdout)["facets"]
        assert list(facets) == ["source", "date", "person", "org", "place", "language", "story"]
        # the seeds are English: every matching article counts there
        assert facets["language"] == [{"value": "en", "count": len(QUERIES[text])}]
        # the seeds are one story (newsearch/stories/): every matching article is in it
        assert [v["count"] for v in facets["story"]] == [len(QUERIES[text])]
        for values in facets.values():
            assert values and all(set(v) == {"value", "count"} for v in values)
            assert all(isinstance(v["value"], str) and type(v["count"]) is int for v in values)
            assert values == sorted(values, key=lambda v: (-v["count"], v["value"]))
        check_facets(facets, QUERIES[text])


@pytest.mark.parametrize(
    ("text", "filters", "arts"),
    [
        ("Kursk", {"person": "Zelenskiy"}, {"001", "002"}),
        ("Kursk", {"source": "RFA"}, {"000"}),
        ("", {"since": "2025-04"}, DATED),
        ('"Central Military Commission" -source:RFA', {}, {"001", "002", "003"}),
    ],
)
def test_facets_follow_the_filters(
    engine: SearchEngine, text: str, filters: dict[str, str], arts: set[str]
) -> None:
    check_facets(as_json(engine.facets(text, limit=1000, **filters)), arts)


# --- filters -----------------------------------------------------------------------------

CLI_FILTERS = [
    (["--source", "RFA"], {"000"}),
    (["--source", "rfa"], {"000"}),
    (["--source", "RFA", "--source", "Korea JoongAng Daily"], {"000", "003"}),  # OR-ed
    (["--exclude", "source:RFA"], ALL - {"000"}),
    (["--since", "2025-04"], DATED),
    (["--until", "2025"], DATED),
    (["--since", "2025-04-28", "--until", "2025-04-28"], DATED),
    (["--since", "1900", "--until", "2100"], DATED),  # undated articles never pass
    (["--since", "2025-04-29"], set()),
    (["--until", "2025-04-27"], set()),
    (["--person", "Kim Jong Un"], KIM),
    (["--person", "kim jong-un"], KIM),
    (["--person", "KIM JONG UN"], KIM),
    (["--person", "Zelenskiy"], {"001", "002"}),
    (["--person", "Kim Jong Un", "--person", "Vladimir Putin"], {"000", "001", "002"}),  # AND
    (["--org", "KCNA"], {"000", "001", "002", "003"}),
    (["--place", "Pyongyang", "--source", "RFA"], {"000"}),
    (["--entity", "Valery Gerasimov"], {"004"}),
    (["--entity", "Central Military Commission", "--exclude", "source:RFA"], {"001", "002", "003"}),
    (["--person", "Kim Jong Un", "--since", "2025-04", "--exclude", "source:RFA"], {"002", "003"}),
    (["--person", "Valery Gerasimov", "--since", "2025"], set()),  # 004 has no date
    (["--exclude", "person:Kim Jong Un"], {"004"}),
]


@pytest.mark.parametrize(("args", "arts"), CLI_FILTERS, ids=[" ".join(a) for a, _ in CLI_FILTERS])
def test_cli_filters(ent_index: Path, args: list[str], arts: set[str]) -> None:
    out = query_json(ent_index, "Kursk", *args)
    # Equality: every passage's article passes the filter, and no passing article is lost.
    assert arts_of(out["results"]) == arts


@pytest.mark.parametrize(
    ("text", "arts"),
    [
        ("Kursk source:RFA", {"000"}),
        ('Kursk person:"Kim Jong Un"', KIM),
        ("Kursk person:kim-jong-un", KIM),  # a bare value, forgiving too
        ("Kursk since:2025-04", DATED),
        ("Kursk date:2025-04-28", DATED),
        ("Kursk -source:RFA", ALL - {"000"}),
        ('Kursk -source:"Korea JoongAng Daily"', ALL - {"003"}),
        ("Kursk org:KCNA -source:RFA until:2025", {"002", "003"}),
        ('person:"Volodymyr Zelenskyy"', {"001", "002"}),  # filters alone, no words
    ],
)
def test_query_syntax_filters(ent_index: Path, text: str, arts: set[str]) -> None:
    assert arts_of(query_json(ent_index, text)["results"]) == arts


@pytest.mark.parametrize(
    ("kwargs", "arts"),
    [
        ({"source": "RFA"}, {"000"}),
        ({"source": ["rfa", "Korea JoongAng Daily"]}, {"000", "003"}),
        ({"since": "2025-04"}, DATED),
        ({"since": dt.date(2025, 4, 28)}, DATED),
        ({"until": "2025"}, DATED),
        ({"person": "kim jong-un"}, KIM),
        ({"person": ["Kim Jong Un", "Vladimir Putin"]}, {"000", "001", "002"}),
        ({"org": "KCNA", "place": "Pyongyang", "since": "2025"}, DATED),
        ({"entity": "Valery Gerasimov"}, {"004"}),
    ],
)
def test_api_filters(engine: SearchEngine, kwargs: dict[str, Any], arts: set[str]) -> None:
    hits = engine.search("Kursk", limit=500, **kwargs).results
    assert {Path(h.article.path).name[:3] for h in hits} == arts


# --- dates and errors --------------------------------------------------------------------


def test_undated_articles_stay_undated(ent_index: Path) -> None:
    for args in ([], ["--sort", "newest"], ["--sort", "oldest"]):
        for hit in query_json(ent_index, "Kursk", *args)["results"]:
            assert hit["article"]["date"] == DATE.get(Path(hit["article"]["path"]).name[:3])


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["Kursk", "--since", "2025-13"], 1),
        (["Kursk", "--until", "2025-02-30"], 1),
        (["Kursk", "--since", "last week"], 1),
        (["Kursk since:2025-13"], 1),
        (["Kursk", "--since", "2025-05", "--until", "2025-04"], 1),
        (["Kursk", "--sort", "sideways"], 2),
        (["Kursk", "--exclude", "RFA"], 2),
        (["Kursk", "--date-bucket", "week"], 2),
    ],
)
def test_bad_filters_are_one_line_errors(ent_index: Path, args: list[str], code: int) -> None:
    r = cli(ent_index, "query", *args)
    assert r.exit_code == code and isinstance(r.exception, SystemExit)
    assert "Traceback" not in r.output and r.stdout == ""
    if code == 1:
        assert re.fullmatch(r"Error: [^\n]+\n", r.stderr), r.stderr


def test_api_rejects_an_impossible_date(engine: SearchEngine) -> None:
    with pytest.raises(QueryError, match="2025-13"):
        engine.search("Kursk", since="2025-13")


# --- sorting -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dated_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds (one date only) plus one later article, so date order can be seen."""
    path = tmp_path_factory.mktemp("seed-later")
    later = Article(
        id="later",
        path="999_later.txt",
        title="Kursk, a week on",
        body="A week after the Kursk announcement, the region was quiet.",
        date=dt.date(2025, 5, 5),
    )
    build_index([SEEDS, later], path, entities=False)
    return path


def dates_of(index: Path, sort: str) -> list[str | None]:
    return [h["article"]["date"] for h in query_json(index, "Kursk", "--sort", sort)["results"]]


def check_date_order(got: list[str | None], newest: bool) -> None:
    dated = [d for d in got if d]
    assert set(dated) == {"2025-04-28", "2025-05-05"} and None in got  # 000/002/003, later, 001/004
    assert got == sorted(dated, reverse=newest) + [None] * (len(got) - len(dated))


def test_sort_oldest_puts_dated_first_then_undated(dated_index: Path) -> None:
    check_date_order(dates_of(dated_index, "oldest"), newest=False)


def test_sort_newest_puts_dated_first_then_undated(dated_index: Path) -> None:
    check_date_order(dates_of(dated_index, "newest"), newest=True)


def test_sort_relevance_orders_by_score(ent_index: Path) -> None:
    hits = query_json(ent_index, "Kursk casualties", "--sort", "relevance")["results"]
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    assert_best_first([h["score"] for h in hits], [h["article"]["id"] for h in hits])
    assert hits[0]["score"] > hits[-1]["score"]


# --- offline -----------------------------------------------------------------------------


def test_entities_are_extracted_with_no_network(tmp_path: Path, engine: SearchEngine) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "no_proxy": ""}
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        env[var] = "http://127.0.0.1:9"
    env.pop("NO_PROXY", None)
    out = tmp_path / "offline-index"
    proc = subprocess.run(
        [sys.executable, "-c", OFFLINE_SCRIPT, str(SEEDS), str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["5", "0"]
    with SearchEngine(out) as offline:
        got = as_json(offline.facets("", limit=1000))
    check_facets(got, ALL)
    assert got == as_json(engine.facets("", limit=1000))


def test_facet_names_come_from_live_articles_only(tmp_path: Path) -> None:
    """An article re-indexed with its outlet spelled anew: the facet shows the new spelling,
    not the replaced (deleted) version's."""
    from newsearch import Article, SearchEngine, build_index

    def article(source: str, body: str) -> Article:
        return Article(id="x1", path="x/1.txt", title="Grain", body=body, source=source)

    build_index([article("Daily Wire", "Wheat prices rose.")], tmp_path, entities=False)
    build_index([article("DAILY WIRE", "Wheat prices fell.")], tmp_path, entities=False)
    with SearchEngine(tmp_path) as engine:
        res = engine.search("wheat", facets=True)
    assert res.total == 1
    assert [(v.value, v.count) for v in res.facets["source"]] == [("DAILY WIRE", 1)]
