"""``newsearch show ID`` and ``engine.article``: a hit's id leads to the whole article, its
metadata, tags, entities and passages, with a query's matches lit as search lights them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsearch import Article, ArticleView, SearchEngine, build_index
from newsearch.cli import app
from newsearch.errors import ArticleNotFoundError, NewsearchError

runner = CliRunner()


@pytest.fixture(scope="module")
def tagged_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two articles whose ids share a start, one with tags, metadata and a headline word."""
    path = tmp_path_factory.mktemp("tagged")
    articles = [
        Article(
            id="story-1",
            path="wire/story-1.txt",
            title="Harbour crane strike enters third day",
            body="Dock workers walked out over pay.\n\nThe crane strike closed the harbour. "
            "Talks on pay resume on Monday, the union said.",
            date=dt.date(2024, 3, 5),
            source="Example Wire",
            author="A. Writer",
            url="https://example.org/n/1",
            tags=(("category", "BUSINESS"),),
        ),
        Article(
            id="story-2",
            path="wire/story-2.txt",
            title="Ferry timetable changes",
            body="Ferry operators changed the winter timetable. Strike talks were not mentioned.",
        ),
    ]
    build_index(articles, path, entities=False, vectors=False)
    return path


def test_a_hit_leads_to_its_whole_article(seed_index: Path) -> None:
    with SearchEngine(seed_index) as engine:
        hit = engine.search("Kursk casualties", limit=1).results[0]
        view = engine.article(hit.article.id)
    assert isinstance(view, ArticleView)
    assert view.article == hit.article  # the same metadata as the hit's
    assert view.body[hit.start : hit.end] == hit.text  # the passage is where the hit said
    assert any(p.start == hit.start and p.end == hit.end for p in view.passages)
    assert all(view.body[p.start : p.end].strip() for p in view.passages)
    assert view.query is None and view.highlights == ()


def test_the_query_is_lit_over_the_whole_article_as_in_results(seed_index: Path) -> None:
    with SearchEngine(seed_index) as engine:
        hits = engine.search("Kursk casualties", limit=20).results
        hit = hits[0]
        view = engine.article(hit.article.id, query="Kursk casualties")
    words = {view.body[s:e].lower() for s, e in view.highlights}
    assert words <= {"kursk", "casualties"} and "kursk" in words
    assert view.body.lower().count("kursk") == sum(
        view.body[s:e].lower() == "kursk" for s, e in view.highlights
    )
    # every highlight a hit of this article showed is lit here, at the same place
    for h in hits:
        if h.article.id == hit.article.id:
            shifted = {(s + h.start, e + h.start) for s, e in h.highlights}
            assert shifted <= set(view.highlights)


def test_a_phrase_lights_only_where_the_phrase_is(seed_index: Path) -> None:
    with SearchEngine(seed_index) as engine:
        hit = engine.search('"mutual defense treaty"', limit=1).results[0]
        view = engine.article(hit.article.id, query='"mutual defense treaty"', mode="lexical")
    lit = [view.body[s:e].lower() for s, e in view.highlights]
    assert lit and len(lit) % 3 == 0
    assert set(lit) == {"mutual", "defense", "treaty"}


def test_metadata_tags_and_title_matches(tagged_index: Path) -> None:
    with SearchEngine(tagged_index) as engine:
        view = engine.article("story-1", query="crane pay")
    a = view.article
    assert (a.title, a.source, a.author, a.date, a.url) == (
        "Harbour crane strike enters third day",
        "Example Wire",
        "A. Writer",
        dt.date(2024, 3, 5),
        "https://example.org/n/1",
    )
    assert view.tags == (("category", "BUSINESS"),)
    assert a.title is not None
    assert [a.title[s:e] for s, e in view.title_highlights] == ["crane"]
    assert sorted(view.body[s:e] for s, e in view.highlights) == ["crane", "pay", "pay"]


def test_a_unique_start_of_an_id_will_do_and_a_shared_one_says_so(tagged_index: Path) -> None:
    with SearchEngine(tagged_index) as engine:
        assert engine.article("story-2").article.id == "story-2"
        with pytest.raises(ArticleNotFoundError, match=r"several articles.*give more of the id"):
            engine.article("story")
        with pytest.raises(ArticleNotFoundError) as err:
            engine.article("no-such-story")
    message = str(err.value)
    assert "no article with id 'no-such-story'" in message and str(tagged_index) in message
    assert "newsearch query" in message  # what to do
    assert isinstance(err.value, NewsearchError)


def test_show_round_trip_on_the_command_line(seed_index: Path) -> None:
    q = runner.invoke(app, ["query", "Kursk", "--index", str(seed_index), "--json", "-n", "1"])
    hit = json.loads(q.stdout)["results"][0]
    article_id = hit["article"]["id"]

    text = runner.invoke(app, ["show", article_id, "-q", "Kursk", "--index", str(seed_index)])
    assert text.exit_code == 0, text.output
    assert f"id: {article_id}" in text.stdout and hit["article"]["path"] in text.stdout
    assert "**Kursk**" in text.stdout  # lit as in query output
    assert "matches of 'Kursk'" in text.stdout

    r = runner.invoke(
        app, ["show", article_id, "--query", "Kursk", "--index", str(seed_index), "--json"]
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["article"] == hit["article"]
    body = out["body"]
    assert body[hit["start"] : hit["end"]] == hit["text"]
    assert out["highlights"] and all(body[s:e] == "Kursk" for s, e in out["highlights"])
    assert {"index", "start", "end", "entities"} == set(out["passages"][0])
    assert out["query"] == "Kursk" and out["notices"] == []


def test_show_keeps_paragraphs_and_prints_tags(tagged_index: Path) -> None:
    r = runner.invoke(app, ["show", "story-1", "--index", str(tagged_index)])
    assert r.exit_code == 0, r.output
    assert "Dock workers walked out over pay.\n\nThe crane strike" in r.stdout
    assert "tags: category: BUSINESS" in r.stdout and "by A. Writer" in r.stdout
    plain = runner.invoke(app, ["show", "story-1", "--index", str(tagged_index), "--json"])
    assert json.loads(plain.stdout)["tags"] == [{"kind": "category", "value": "BUSINESS"}]
    assert "highlights" not in json.loads(plain.stdout)  # no query, nothing lit


def test_an_unknown_id_is_one_line_and_exit_1(tagged_index: Path) -> None:
    r = runner.invoke(app, ["show", "nope\x1b[31m", "--index", str(tagged_index)])
    assert r.exit_code == 1
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: no article with id")
    assert "\x1b" not in r.stderr and "Traceback" not in r.stderr


def test_an_updated_article_shows_its_new_text(tmp_path: Path) -> None:
    def index(body: str) -> None:
        articles = [Article(id="x1", path="a.txt", body=body), Article("x2", "b.txt", "Other.")]
        build_index(articles, tmp_path, entities=False, vectors=False)

    index("First version about harbours.")
    with SearchEngine(tmp_path) as engine:
        assert engine.article("x1").body == "First version about harbours."
        index("Second version about cranes.")  # the engine sees the new commit
        assert engine.article("x1").body == "Second version about cranes."
        with pytest.raises(ArticleNotFoundError, match="several articles"):
            engine.article("x")
