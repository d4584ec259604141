"""Stories (newsearch/stories/cluster.py): two stories told in interleaved articles come out
as two, incrementally too; ``stories``, ``story ID``, the ``story:`` filter and facet; and
``similar`` finds the articles of a story, its copies left out."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsearch import Article, SearchEngine, build_index
from newsearch.cli import app

runner = CliRunner()
MAR = dt.date(2024, 3, 4)

STRIKE = [  # a dock strike in Rotterdam, over four days
    (
        "Rotterdam dock workers strike over pay",
        "Dock workers at the port of Rotterdam walked out over pay, halting container traffic "
        "at Europe's largest port. The FNV union said the strike would go on until the port "
        "employers improved their offer.",
    ),
    (
        "Rotterdam port strike enters second day",
        "Ships queued outside Rotterdam as the dock workers' strike over pay entered its second "
        "day. Port employers said talks with the FNV union could resume.",
    ),
    (
        "Port employers make new pay offer to Rotterdam dockers",
        "Employers at the port of Rotterdam offered dock workers a pay rise of four percent, "
        "the FNV union said, adding that its members would vote on the offer before ending "
        "the strike.",
    ),
    (
        "Rotterdam dock workers end strike after pay deal",
        "Dock workers in Rotterdam voted to accept the employers' pay offer and ended their "
        "strike, the FNV union said. Container traffic at the port resumed in the evening.",
    ),
]
RATES = [  # Sweden's central bank raises its rate, over four days
    (
        "Riksbank raises interest rate to fight inflation",
        "Sweden's central bank, the Riksbank, raised its key interest rate by half a point, "
        "saying inflation in Sweden was running well above its target.",
    ),
    (
        "Swedish krona rises after Riksbank rate increase",
        "The Swedish krona rose against the euro after the Riksbank's interest rate increase, "
        "as traders bet the central bank would raise rates again to curb inflation.",
    ),
    (
        "Riksbank governor defends interest rate rise",
        "The Riksbank governor defended the central bank's interest rate rise before Sweden's "
        "parliament, saying inflation had to come down even if growth slowed.",
    ),
    (
        "Swedish banks pass Riksbank rate rise on to borrowers",
        "Sweden's largest banks raised their mortgage rates after the Riksbank's interest rate "
        "increase, adding to the burden of borrowers as inflation stays high.",
    ),
]


def article(kind: str, n: int, title: str, body: str, day: dt.date, source: str) -> Article:
    return Article(
        id=f"{kind}-{n}",
        path=f"news/{kind}-{n}.txt",
        title=title,
        body=body,
        date=day,
        source=source,
    )


def interleaved() -> list[Article]:
    """The two stories' articles in date order, one of each a day, from two outlets."""
    out: list[Article] = []
    for n, (strike, rates) in enumerate(zip(STRIKE, RATES, strict=True)):
        day = MAR + dt.timedelta(days=n)
        out.append(article("strike", n, *strike, day, ("Port Gazette", "Wire")[n % 2]))
        out.append(article("rates", n, *rates, day, ("Wire", "Nordic News")[n % 2]))
    return out


def stories_of(idx: Path) -> dict[str, str | None]:
    with SearchEngine(idx) as e:
        return {a.id: e.article(a.id).story for a in interleaved()}


def cli(idx: Path, *args: str) -> Any:
    r = runner.invoke(app, [*args, "--index", str(idx)])
    assert r.exit_code == 0, r.output
    return r


@pytest.fixture(scope="module")
def idx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stories")
    build_index(interleaved(), path, entities=False, vectors=False)
    return path


def two_groups(found: dict[str, str | None]) -> tuple[str | None, str | None]:
    strike = {found[f"strike-{n}"] for n in range(4)}
    rates = {found[f"rates-{n}"] for n in range(4)}
    assert len(strike) == 1 and len(rates) == 1, found
    assert strike != rates and None not in strike | rates
    return strike.pop(), rates.pop()


def test_two_interleaved_stories_come_out_as_two(idx: Path) -> None:
    strike, rates = two_groups(stories_of(idx))
    out = json.loads(cli(idx, "stories", "--json").stdout)
    assert out["total"] == 2
    listed = {s["id"]: s for s in out["stories"]}
    assert set(listed) == {strike, rates}
    s = listed[strike]
    assert (s["size"], s["matched"]) == (4, 4)
    assert (s["first_date"], s["last_date"]) == ("2024-03-04", "2024-03-07")
    assert {v["value"]: v["count"] for v in s["sources"]} == {"Port Gazette": 2, "Wire": 2}
    assert "rotterdam" in s["words"]
    assert s["headline"]["id"].startswith("strike-")
    text = cli(idx, "stories", "Riksbank").stdout  # a query: the stories of its articles
    assert rates in text and strike not in text


def test_story_shows_its_articles_in_date_order_and_filters_by_it(idx: Path) -> None:
    strike, rates = two_groups(stories_of(idx))
    out = json.loads(cli(idx, "story", strike[:6], "--json").stdout)  # the start of an id
    assert out["story"]["id"] == strike
    assert [a["id"] for a in out["articles"]] == [f"strike-{n}" for n in range(4)]
    hits = json.loads(cli(idx, "query", "pay OR rate", f"story:{rates}", "--json").stdout)
    assert hits["total"] == 4 and all(
        h["article"]["id"].startswith("rates-") for h in hits["results"]
    )
    count = cli(idx, "count", "pay OR rate", "--story", strike).stdout
    assert count.strip() == "4"
    facets = json.loads(cli(idx, "facets", "--json").stdout)["facets"]["story"]
    assert {f["value"]: f["count"] for f in facets} == {strike: 4, rates: 4}
    r = runner.invoke(app, ["story", "nosuchstory", "--index", str(idx)])
    assert r.exit_code == 1 and r.output.startswith("Error: no story with id")


def test_new_articles_join_their_stories_and_a_late_one_starts_another(tmp_path: Path) -> None:
    arts = interleaved()
    build_index(arts[:4], tmp_path, entities=False, vectors=False)  # two days of each
    build_index(arts, tmp_path, entities=False, vectors=False)  # then the other two
    strike, rates = two_groups(stories_of(tmp_path))
    late = article("strike", 9, *STRIKE[0], MAR + dt.timedelta(days=60), "Port Gazette")
    late = Article(**{**late.__dict__, "body": late.body + " It is the second strike this year."})
    build_index([*arts, late], tmp_path, entities=False, vectors=False)
    with SearchEngine(tmp_path) as e:
        assert e.article("strike-9").story not in (strike, rates, None)
        assert e.article("strike-0").story == strike  # the others keep theirs


def test_similar_finds_the_story_and_leaves_out_copies(tmp_path: Path) -> None:
    arts = interleaved()
    body = STRIKE[0][1]
    copy = article(
        "copy", 0, "Strike hits Rotterdam", body + " Reporting by a stringer.", MAR, "Agency"
    )
    build_index([*arts, copy], tmp_path, entities=False, vectors=False)
    out = json.loads(cli(tmp_path, "similar", "strike-0", "--json", "-n", "3").stdout)
    assert out["article"]["id"] == "strike-0"
    found = [r["article"]["id"] for r in out["results"]]
    assert found and all(x.startswith("strike-") for x in found) and "strike-0" not in found
    assert all(r["same_story"] for r in out["results"])
    assert [c["id"] for c in out["copies"]] == ["copy-0"]
    assert "copy-0" not in found
