"""``newsearch timeline`` counts what the query counts, day by day and outlet by outlet, and
``--recency`` ranks newer articles higher without moving undated ones."""

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
QUERIES = ["Kursk", "troops casualties", '"mutual defense treaty"', "", "zzqx"]


def cli(idx: Path, *args: str) -> Any:
    r = runner.invoke(app, [*args, "--index", str(idx)])
    assert r.exit_code == 0, r.output
    return r


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("mode", ["hybrid", "lexical"])
def test_timeline_counts_equal_the_query_total_and_its_date_facet(
    seed_vector_index: Path, text: str, mode: str
) -> None:
    with SearchEngine(seed_vector_index) as e:
        t = e.timeline(text, mode=mode, bucket="day")  # type: ignore[arg-type]
        res = e.search(text, mode=mode, facets=True, facet_limit=1000)  # type: ignore[arg-type]
    assert sum(p.count for p in t.periods) + t.undated == t.total == res.total
    dates = {f.value: f.count for f in res.facets.get("date", ())}
    assert {p.period: p.count for p in t.periods} == {
        k: n for k, n in dates.items() if k != "unknown"
    }
    assert t.undated == dates.get("unknown", 0)
    for p in t.periods:  # each outlet's articles of the day add up to the day's
        assert sum(v.count for v in p.sources) == p.count


def test_timeline_json_weeks_months_and_the_chart(seed_index: Path, tmp_path: Path) -> None:
    total = json.loads(cli(seed_index, "query", "Kursk", "--json").stdout)["total"]
    for by in ("auto", "day", "week", "month"):
        out = json.loads(cli(seed_index, "timeline", "Kursk", "--by", by, "--json").stdout)
        assert sum(c["count"] for c in out["counts"]) + out["undated"] == total == out["total"]
        for c in out["counts"]:
            assert sum(c["sources"].values()) == c["count"]
    week = json.loads(cli(seed_index, "timeline", "Kursk", "--by", "week", "--json").stdout)
    assert [c["date"] for c in week["counts"]] == ["2025-W18"]  # Monday 28 April 2025
    assert week["counts"][0]["sources"] == {"RFA": 1, "Korea JoongAng Daily": 1, "unknown": 1}
    png = tmp_path / "kursk.png"
    text = cli(seed_index, "timeline", "Kursk", "--png", str(png)).stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "2025-04-28" in text and "undated (not drawn)" in text
    r = runner.invoke(
        app,
        ["timeline", "Kursk", "--png", str(tmp_path / "no" / "x.png"), "--index", str(seed_index)],
    )
    assert r.exit_code == 1 and r.output.startswith("Error: could not write")


def recency_index(path: Path, first: dt.date, second: dt.date) -> Path:
    """Three articles each holding the query's word once in as many words (one text score),
    the first two dated ``first`` and ``second``, one undated; and a filler article, the
    newest of all (ages count from it)."""

    def art(aid: str, word: str, day: dt.date | None) -> Article:
        body = f"Harbour cranes stood idle at the {word} terminal all week long."
        return Article(id=aid, path=f"{aid}.txt", body=body, date=day, source="Wire")

    arts = [
        art("one", "northern", first),
        art("undated", "southern", None),
        art("two", "western", second),
        Article(id="filler", path="filler.txt", body="Ferry news.", date=dt.date(2020, 6, 2)),
    ]
    build_index(arts, path, entities=False, vectors=False)
    return path


def test_recency_ranks_the_newer_first_and_leaves_undated_articles_in_place(
    tmp_path: Path,
) -> None:
    old, new = dt.date(2020, 1, 1), dt.date(2020, 6, 1)
    changed = 0
    for n, (first, second) in enumerate(((old, new), (new, old))):
        with SearchEngine(recency_index(tmp_path / str(n), first, second)) as e:
            plain = e.search("cranes", mode="lexical").results
            recent = e.search("cranes", mode="lexical", recency="30d").results
        assert len({round(h.score, 6) for h in plain}) == 1  # one text score
        newer, older = ("two", "one") if second == new else ("one", "two")
        before = [h.article.id for h in plain]
        after = [h.article.id for h in recent]
        assert after.index(newer) < after.index(older)
        changed += before.index(older) < before.index(newer)
        assert after.index("undated") == before.index("undated")  # no undated article moved
        scores = {h.article.id: h.score for h in recent}
        assert scores["undated"] == plain[0].score  # nor gained or lost
        # a half-life of 30 days, ages from the newest article (the filler, 2 June 2020): 153
        # days older keeps 2 ** (-153 / 30) of its score
        assert scores[older] / plain[0].score == pytest.approx(0.5 ** (153 / 30), rel=0.001)
    assert changed == 1  # one of the two orders was the other way round before
    r = runner.invoke(app, ["query", "cranes", "--recency", "soon", "--index", str(tmp_path / "0")])
    assert r.exit_code == 1 and "half-life" in r.output


def test_figures_mark_the_days_a_storys_figure_changed(tmp_path: Path) -> None:
    """--figures marks the day a figure first appears and each day another is given; a
    repeat marks nothing, nor does an undated article; each mark names the figure before."""
    docs = tmp_path / "docs"
    docs.mkdir()
    reports = [
        ("2024-05-01", "Wire", "Rescuers said at least 20 people were killed in the flood."),
        ("2024-05-02", "Herald", "Officials said at least 20 people were killed in the flood."),
        ("2024-05-04", "Times", "Officials said 45 people were killed in the flood."),
        (None, "Blog", "Officials said 90 people were killed in the flood."),
    ]
    for n, (date, source, text) in enumerate(reports):
        head = f"---\ntitle: Flood\nsource: {source}\n" + (f"date: {date}\n" if date else "")
        (docs / f"{n}.txt").write_text(head + "---\n" + text + "\n", encoding="utf-8")
    build_index(docs, tmp_path / "idx", entities=False, vectors=False)
    out = json.loads(
        cli(tmp_path / "idx", "timeline", "flood killed", "--figures", "--json").stdout
    )
    marks = [(m["date"], m["figure"], m["previous"], m["article"]["source"]) for m in out["marks"]]
    assert marks == [("2024-05-01", ">=20", None, "Wire"), ("2024-05-04", "45", ">=20", "Times")]
    assert sum(c["count"] for c in out["counts"]) + out["undated"] == out["total"] == 4
    plain = cli(tmp_path / "idx", "timeline", "flood killed", "--figures").stdout
    assert "2024-05-04  people: casualties: 45 (was >=20), Times" in plain
    assert "marks" not in json.loads(cli(tmp_path / "idx", "timeline", "flood", "--json").stdout)
