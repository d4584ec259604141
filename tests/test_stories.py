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


# -- templates, tables, drift: what a reader would not call a story ----------------------

SYLLABLES = ["bar", "cel", "dor", "fen", "gal", "hix", "jun", "kor", "lem", "mav"]
APRIL = dt.date(2024, 4, 1)
HARWICK = [  # one company's takeover fight over two weeks (the first headline names no one)
    ("Shares jump on talk of a bid", "Harwick Industries shares jumped on talk that Calder "
     "Group would bid for the maker of valves, traders said."),
    ("Calder bids for Harwick Industries", "Calder Group offered to buy Harwick Industries, "
     "the valve maker, for cash, and said the Harwick board should accept."),
    ("Harwick board rejects Calder bid", "The board of Harwick Industries rejected the Calder "
     "Group bid as too low and told shareholders to wait."),
    ("Calder raises its bid for Harwick", "Calder Group raised its offer for Harwick "
     "Industries after the valve maker's board rejected the first Calder bid."),
    ("Harwick Industries agrees to Calder bid", "Harwick Industries agreed to the raised "
     "Calder Group bid, ending a two week fight for the valve maker."),
]  # fmt: skip


def company(n: int) -> str:
    """A made-up company name, one word, different for each n < 1000."""
    a, b, c = SYLLABLES[n // 100], SYLLABLES[n // 10 % 10], SYLLABLES[n % 10]
    return (a + b + c + "tronics").capitalize()


REPORTS = 120


def templates() -> list[Article]:
    """120 prose earnings reports of different companies over four weeks, a company's
    takeover told in five articles over two weeks, and a copy of one of them; ten market
    tables of one day, and a copy of one; a quarry's licence reported every five days for
    three months."""
    out: list[Article] = []
    for n in range(REPORTS):
        name = company(n)
        body = (
            f"{name} said its third quarter net profit rose to {n + 10} mln dlrs, or {n + 20} "
            f"cts a share, from {n + 5} mln dlrs a year earlier, on revenues of {n + 100} mln "
            "dlrs. The company said the quarter's results were helped by higher sales."
        )
        day = APRIL + dt.timedelta(days=n // 5)
        out.append(article("earn", n, f"{name} third quarter net profit rises", body, day, "Wire"))
    for n, (title, body) in enumerate(HARWICK):
        out.append(article("harwick", n, title, body, APRIL + dt.timedelta(days=3 * n + 1), "Wire"))
    copy = HARWICK[2][1] + " Reporting by a stringer."
    out.append(
        article("harwick-copy", 0, "Harwick says no", copy, APRIL + dt.timedelta(7), "Agency")
    )
    for n in range(10):
        rows = " ".join(
            f"{m + 1} {100 + n * 7 + m}.{m}5 {99 + n + m}.2{m} {200 + n * m}" for m in range(6)
        )
        title = f"{company(500 + n)} exchange close - April 2"
        out.append(article("table", n, title, f"Close open high low volume {rows}", APRIL, "Wire"))
    table = out[-10]
    out.append(article("table-copy", 0, table.title or "", table.body + " Source", APRIL, "Agency"))
    for n in range(19):
        body = (
            "The Ostrava quarry licence was discussed again by the council, which heard "
            f"residents on the quarry's dust and traffic (meeting {n + 1})."
        )
        day = APRIL + dt.timedelta(days=5 * n)
        out.append(
            article("quarry", n, "Council hears Ostrava quarry licence case", body, day, "Wire")
        )
    return out


@pytest.fixture(scope="module")
def templated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("templates")
    build_index(templates(), path, entities=False, vectors=False)
    return path


def story_map(idx: Path, prefix: str, n: int) -> list[str | None]:
    with SearchEngine(idx) as e:
        return [e.article(f"{prefix}-{k}").story for k in range(n)]


def test_earnings_reports_of_different_companies_are_not_one_story(templated: Path) -> None:
    """Their words (quarter, profit, revenues) are a template's: once more articles hold
    them than a rare word may be in (RARE_FLOOR, in a small index), a report shares no
    rare word with another company's and starts its own story."""
    from newsearch.stories.cluster import RARE_FLOOR

    earn = story_map(templated, "earn", REPORTS)
    largest = max(earn.count(s) for s in set(earn))
    assert largest <= RARE_FLOOR, f"{largest} reports of different companies in one story"
    assert sum(earn.count(s) == 1 for s in set(earn)) >= REPORTS - RARE_FLOOR - 1


def test_a_company_thread_over_two_weeks_is_one_story_headed_by_its_centre(
    templated: Path,
) -> None:
    thread = set(story_map(templated, "harwick", 5))
    assert len(thread) == 1
    sid = thread.pop()
    assert sid is not None
    with SearchEngine(templated) as e:
        assert e.article("harwick-copy-0").story == sid  # a copy joins its original's story
        earn = {e.article(f"earn-{k}").story for k in range(REPORTS)}
    assert sid not in earn
    out = json.loads(cli(templated, "story", sid, "--json").stdout)
    assert out["story"]["size"] == 6
    head = out["story"]["headline"]  # the most central headline, not the first article's
    assert head["id"] != "harwick-0" and "Harwick" in head["title"]


def test_market_tables_join_no_story_but_their_copies_join_theirs(templated: Path) -> None:
    tables = story_map(templated, "table", 10)
    assert len(set(tables)) == 10 and None not in tables
    with SearchEngine(templated) as e:
        assert e.article("table-copy-0").story == tables[0]


def test_a_story_spans_at_most_its_longest_span(templated: Path) -> None:
    from newsearch.stories.cluster import MAX_SPAN_DAYS

    assert MAX_SPAN_DAYS is not None
    quarry = story_map(templated, "quarry", 19)  # the same words every five days: 90 days
    assert 1 < len(set(quarry)) < 19
    out = json.loads(cli(templated, "stories", "quarry", "--json", "--limit", "50").stdout)
    for s in out["stories"]:
        first, last = dt.date.fromisoformat(s["first_date"]), dt.date.fromisoformat(s["last_date"])
        assert (last - first).days <= MAX_SPAN_DAYS, s
