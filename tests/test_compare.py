"""``newsearch compare`` and ``query --collapse`` on the seeds and on small corpora of wire
copy: groups, agreement, attribution, the JSON shape, the messages, the claims cache."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsearch import SearchEngine, build_index
from newsearch.cli import app
from newsearch.commands.render_compare import comparison_json
from newsearch.compare.cache import FILE
from newsearch.compare.prepare import prepare_claims
from newsearch.models import Claim, ClaimGroup, Comparison

runner = CliRunner()


@pytest.fixture(scope="module")
def index(seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seed index (compare keeps its claims beside the generation)."""
    path = tmp_path_factory.mktemp("compare") / "idx"
    shutil.copytree(seed_index, path)
    return path


def find(c: Comparison, value: float) -> list[tuple[ClaimGroup, Claim]]:
    return [(g, x) for g in c.groups for x in g.claims if abs(x.value - value) < 0.5]


@pytest.mark.parametrize("query", ["North Korean troops", "Kursk"])
def test_the_seed_figures_group_and_disagree_as_the_outlets_do(index: Path, query: str) -> None:
    with SearchEngine(index) as engine:
        c = engine.compare(query)
    assert c.total == 5 and c.articles == 5
    (cas, four), (cas300, three) = find(c, 4000)[0], find(c, 300)[0]
    assert cas is cas300 and cas.event == "casualties" and cas.agree is False
    assert (four.event, four.attribution, four.article.source) == (
        "killed or wounded",
        "South Korea’s military",
        "RFA",
    )
    assert (three.event, three.attribution) == ("died", "Seoul")
    assert cas.spread == pytest.approx(4000 / 300, rel=1e-3)
    deployed = {id(g) for v in (14000, 11000, 10000) for g, _ in find(c, v)}
    assert len(deployed) == 1 and id(cas) not in deployed
    group = find(c, 11000)[0][0]
    assert group.event == "deployed" and group.agree  # ">11,000", "<=14,000", ">=10,000" overlap
    said = {x.value: x.attribution for x in group.claims}
    assert said[11000] == "U.S. officials"
    assert said[10000] == "South Korean and Ukraine intelligence officials"
    assert {x.attribution for x in group.claims if x.value == 14000} == {
        "Ukraine",
        "Ukrainian officials",
    }
    # no date, year, time or "Article 4" became a claim
    for value in (2025, 2024, 2022, 28, 4, 5, 9, 16):
        assert find(c, value) == [], value
    assert four.text[four.start : four.end] == "around 4,000"
    assert three.text[three.start : three.end] == "some 300"


def test_json_has_the_documented_shape_and_the_figure_offsets(index: Path) -> None:
    r = runner.invoke(app, ["compare", "North Korean troops", "--index", str(index), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert set(out) == {"query", "groups"} and out["query"] == "North Korean troops"
    for g in out["groups"]:
        assert set(g) == {"label", "counts", "event", "agree", "claims"}
        assert isinstance(g["agree"], bool) and g["claims"]
        for x in g["claims"]:
            assert set(x) == {
                "value",
                "qualifier",
                "text",
                "start",
                "end",
                "attribution",
                "article",
                "also_in",
            }
            assert x["qualifier"] in ("=", "~", "<", "<=", ">", ">=")
            assert any(ch.isdigit() for ch in x["text"][x["start"] : x["end"]]) or x["value"] < 20
            assert {"id", "source", "date", "path"} <= set(x["article"])
    labels = [g["label"] for g in out["groups"]]
    assert "troops: casualties" in labels and "troops: deployed" in labels


def test_the_table_shows_each_group_and_its_verdict(index: Path) -> None:
    r = runner.invoke(app, ["compare", "Kursk", "--index", str(index), "--limit", "2"])
    assert r.exit_code == 0, r.output
    assert "troops: deployed" in r.stdout and "troops: casualties" not in r.stdout
    assert "agree: one value fits every figure's range" in r.stdout
    assert "**as many as 14,000**" in r.stdout and "<=14,000" in r.stdout
    r = runner.invoke(app, ["compare", "Kursk casualties", "--index", str(index)])
    assert "DIFFER: no value fits every figure's range (the largest is 13.3x" in r.stdout
    assert "~4,000" in r.stdout and "South Korea’s military" in r.stdout


def test_filters_narrow_the_articles_compared(index: Path) -> None:
    with SearchEngine(index) as engine:
        c = engine.compare("Kursk", source="RFA")
        few = engine.compare("Kursk", articles=1)
    assert c.total == 1 and {x.article.source for g in c.groups for x in g.claims} == {"RFA"}
    assert few.articles == 1 and few.total == 5


def _both(index: Path, *args: str) -> tuple[Any, Any]:
    q = runner.invoke(app, ["query", *args, "--index", str(index)])
    c = runner.invoke(app, ["compare", *args, "--index", str(index)])
    return q, c


@pytest.mark.parametrize(
    "words",
    [["the"], ["!!!"], ['Kursk "troops'], ["x" * 2001], ["Kursk", "--since", "2025-13"]],
)
def test_bad_or_empty_queries_get_the_messages_query_gives(index: Path, words: list[str]) -> None:
    q, c = _both(index, *words)
    assert c.exit_code == q.exit_code
    notices = [line for line in q.stderr.splitlines() if line.startswith(("Notice:", "Error:"))]
    assert notices and [line for line in c.stderr.splitlines() if line in notices] == notices
    if "No passages match" in q.stdout:
        assert "No figures to compare in the articles matching" in c.stdout


def test_no_index_is_the_same_error(tmp_path: Path) -> None:
    q, c = _both(tmp_path / "none", "Kursk")
    assert c.exit_code == q.exit_code == 1 and c.stderr == q.stderr
    r = runner.invoke(app, ["compare", "--index", str(tmp_path)])
    assert r.exit_code == 2  # no QUERY: a usage error, as for query


def test_claims_are_kept_beside_the_generation_and_read_back_without_spacy(
    index: Path, tmp_path: Path
) -> None:
    with SearchEngine(index) as engine:
        first = engine.compare("North Korean troops")
    kept = list(index.glob(f"gen-*/{FILE}"))
    assert len(kept) == 1
    code = (
        "import sys, json; from newsearch import SearchEngine\n"
        f"e = SearchEngine({str(index)!r}); c = e.compare('North Korean troops')\n"
        "print(json.dumps([sum(len(g.claims) for g in c.groups), 'spacy' in sys.modules,"
        " 'quantulum3' in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [sum(len(g.claims) for g in first.groups), False, False]
    # a damaged cache is no error: the claims are found again
    copy = tmp_path / "idx"
    shutil.copytree(index, copy)
    next(copy.glob(f"gen-*/{FILE}")).write_bytes(b"not a database" * 100)
    with SearchEngine(copy) as engine:
        again = engine.compare("North Korean troops")
    assert [len(g.claims) for g in again.groups] == [len(g.claims) for g in first.groups]


def test_index_finds_the_claims_ahead_so_compare_loads_no_model(
    seeds_copy: Path, tmp_path: Path
) -> None:
    """--claims finds every article's claims (the ones compare would find): compare then reads
    them without spaCy or quantulum3; an update parses only the new article; without entities
    or with --no-claims they are left to compare; a small run with entities finds them unasked;
    more lacking them than the limit: none parsed."""
    idx, plain = tmp_path / "idx", tmp_path / "plain"
    argv = [str(seeds_copy), "--no-entities", "--no-vectors", "--json"]
    ran = runner.invoke(app, ["index", *argv, "--index", str(idx), "--claims"])
    assert ran.exit_code == 0, ran.output
    found = json.loads(ran.stdout)["claims"]
    assert (found["parsed"], found["kept"], found["left"]) == (5, 0, 0) and found["claims"] > 5
    ran = runner.invoke(app, ["index", *argv, "--index", str(plain)])
    assert "claims" not in json.loads(ran.stdout)
    assert not list(plain.glob(f"gen-*/{FILE}"))
    code = (
        "import sys, json; from newsearch import SearchEngine\n"
        "from newsearch.commands.render_compare import comparison_json as j\n"
        f"e = SearchEngine({str(idx)!r}); c = e.compare('North Korean troops')\n"
        "print(json.dumps([j(c)['groups'], 'spacy' in sys.modules,"
        " 'quantulum3' in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    groups, spacy_loaded, quantulum_loaded = json.loads(out.stdout)
    assert not spacy_loaded and not quantulum_loaded
    with SearchEngine(plain) as engine:  # found by compare itself: the same groups
        assert groups == comparison_json(engine.compare("North Korean troops"))["groups"]

    (seeds_copy / "new.txt").write_text(
        "Officials said 200 soldiers were wounded near the border on Monday.\n", encoding="utf-8"
    )
    ran = runner.invoke(app, ["index", *argv, "--index", str(idx), "--claims"])
    found = json.loads(ran.stdout)["claims"]
    assert (found["parsed"], found["kept"], found["left"]) == (1, 5, 0)
    (seeds_copy / "other.txt").write_text("Another 35 ships sailed.\n", encoding="utf-8")
    runner.invoke(app, ["index", *argv, "--index", str(idx), "--no-claims"])
    few = prepare_claims(idx, limit=0)
    assert (few.parsed, few.kept, few.left) == (0, 6, 1)

    small = tmp_path / "small"  # unasked, with entities: a small run finds them itself
    small.mkdir()
    (small / "a.txt").write_text("Rescuers said 40 people were missing.\n", encoding="utf-8")
    ran = runner.invoke(app, ["index", str(small), "--index", str(tmp_path / "s"), "--jobs", "1"])
    assert "Claims for compare: 1 found in 1 articles" in ran.stderr, ran.output


WIRE = (
    "Rescuers said at least 120 people were killed when the ferry capsized off the coast "
    "late on Tuesday, and more than 40 passengers are still missing."
)


@pytest.fixture(scope="module")
def wire_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three outlets: two carry the same wire paragraph nearly word for word."""
    root = tmp_path_factory.mktemp("wire")
    docs = root / "docs"
    docs.mkdir()
    texts = {
        "a.txt": ("Daily A", f"{WIRE} The port was closed."),
        "b.txt": ("Herald B", WIRE.replace("late on Tuesday", "late Tuesday") + " Flags flew."),
        "c.txt": (
            "Times C",
            "Officials said about 150 people died in the ferry disaster, and the navy said 60 "
            "sailors joined the search.",
        ),
    }
    for name, (source, text) in texts.items():
        head = f"---\nsource: {source}\ntitle: Ferry disaster\n---\n"
        (docs / name).write_text(head + text + "\n", encoding="utf-8")
    build_index(docs, root / "idx", entities=False, vectors=False)
    return root / "idx"


def test_query_collapse_shows_a_wire_passage_once_with_the_other_outlet(wire_index: Path) -> None:
    args = ["query", "ferry killed missing", "--index", str(wire_index), "--json"]
    plain = json.loads(runner.invoke(app, args).stdout)["results"]
    assert all("also_in" not in hit for hit in plain)
    wire = [hit for hit in plain if "capsized" in hit["text"]]
    assert len(wire) == 2
    r = runner.invoke(app, [*args, "--collapse"])
    assert r.exit_code == 0, r.output
    hits = json.loads(r.stdout)["results"]
    shown = [hit for hit in hits if "capsized" in hit["text"]]
    assert len(shown) == 1 and all("also_in" in hit for hit in hits)
    other = {h["article"]["id"] for h in wire} - {shown[0]["article"]["id"]}
    assert shown[0]["also_in"] == sorted(other)
    assert [hit["rank"] for hit in hits] == list(range(1, len(hits) + 1))
    text = runner.invoke(app, ["query", "ferry killed", "--index", str(wire_index), "--collapse"])
    assert "also in 1:" in text.stdout


def test_compare_shows_a_wire_sentence_once_and_counts_its_outlets(wire_index: Path) -> None:
    with SearchEngine(wire_index) as engine:
        c = engine.compare("ferry")
    killed = find(c, 120)
    assert len(killed) == 1
    group, claim = killed[0]
    assert claim.qualifier == ">=" and claim.attribution == "Rescuers"
    assert len(claim.also_in) == 1 and claim.also_in[0].source != claim.article.source
    assert {x.value for x in group.claims} == {120, 150}
    assert group.agree and group.spread == 1.25  # "at least 120" holds "about 150"
    missing = find(c, 40)
    assert len(missing) == 1 and missing[0][1].also_in
