"""Field mapping for every record format, headline-only items, and tags (issue 16): a JSON Lines
dataset of ``headline``/``short_description`` records is read (recognised, or mapped with
``--field``), feed entries with a title and no text are indexed, record fields become tags to
filter (``--tag NAME=VALUE``) and facet; a bad mapping is one clear line before anything is
written; ``--csv-columns`` still works, with a deprecation notice."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from newsearch import SearchEngine, build_index
from newsearch.cli import app
from newsearch.errors import IndexVersionError, InputError, QueryError
from newsearch.index import store
from newsearch.models import IndexSummary

runner = CliRunner()

CATEGORIES = ("BUSINESS", "WORLD", "POLITICS")


def news_records(n: int = 6) -> list[dict[str, object]]:
    """Records shaped like a well-known news dataset: no field named body or text."""
    return [
        {
            "headline": f"Harbour crane strike day {i}",
            "short_description": f"Dock workers in port {chr(65 + i)} walked out over pay.",
            "authors": "A. Writer",
            "link": f"https://example.org/n/{i}",
            "date": f"2024-03-{i + 1:02d}",
            "category": CATEGORIES[i % 3],
            "meta": {"published": f"2024-04-{i + 1:02d}", "section": f"Desk {i % 2}"},
        }
        for i in range(n)
    ]


def write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return path


def cli_index(src: Path, index: Path, *extra: str) -> Result:
    args = ["index", str(src), "--index", str(index), "--no-entities", "--no-vectors", *extra]
    return runner.invoke(app, args)


def accounted(s: IndexSummary) -> int:
    return s.indexed + s.updated + s.unchanged + s.duplicate + s.moved + len(s.skipped)


def test_headline_and_short_description_are_recognised_without_a_mapping(tmp_path: Path) -> None:
    news = write_jsonl(tmp_path / "news.jsonl", news_records())
    s = build_index(news, tmp_path / "i", entities=False, vectors=False)
    assert (s.read, s.indexed, len(s.skipped)) == (6, 6, 0)  # before: every record skipped
    assert s.fields == {
        "title": "headline",
        "body": "short_description",
        "date": "date",
        "author": "authors",
        "url": "link",
        "tag category": "category",
    }
    with SearchEngine(tmp_path / "i") as engine:
        hit = engine.search("dock workers pay", limit=1, mode="lexical").results[0]
    assert hit.text.startswith("Dock workers in port") and hit.article.title
    assert hit.article.url and hit.article.url.startswith("https://example.org/n/")
    assert hit.article.author == "A. Writer" and hit.article.date is not None


def test_field_maps_keys_and_nested_paths_in_json(tmp_path: Path) -> None:
    records = news_records()
    for r in records:  # a body under a name no rule knows
        r["blurb"] = str(r.pop("short_description")).replace("Dock", "Quay")
    news = tmp_path / "news.json"
    news.write_text(json.dumps({"data": records}))
    fields = ["body=blurb", "date=meta.published", "title=headline"]
    s = build_index(news, tmp_path / "i", entities=False, vectors=False, fields=fields)
    assert s.indexed == 6 and s.fields["body"] == "blurb"
    assert s.fields["date"] == "meta.published"
    with SearchEngine(tmp_path / "i") as engine:
        hit = engine.search("quay workers", limit=1, mode="lexical").results[0]
    assert hit.text.startswith("Quay workers") and hit.article.date == dt.date(2024, 4, 1)
    r = cli_index(news, tmp_path / "j", "--json", "--field", "body=blurb")
    assert r.exit_code == 0 and json.loads(r.stdout)["fields"]["body"] == "blurb"
    text = cli_index(news, tmp_path / "k", "--field", "body=blurb").output
    assert "fields read: title = headline, body = blurb" in text


def test_field_maps_csv_columns_by_name_or_number(tmp_path: Path) -> None:
    table = tmp_path / "news.csv"
    table.write_text(
        "when,head,words,desk\n"
        "2024-03-01,Crane strike,Dock workers walked out over pay.,BUSINESS\n"
        "2024-03-02,Ferry news,Ferries sailed late again today.,WORLD\n"
    )
    by_name = build_index(
        table,
        tmp_path / "i",
        entities=False,
        vectors=False,
        fields={"body": "words", "title": "head", "date": "when"},
        tag_fields=["desk"],
    )
    assert by_name.indexed == 2
    assert by_name.fields == {"title": "head", "body": "words", "date": "when", "tag desk": "desk"}
    by_number = build_index(
        table, tmp_path / "j", entities=False, vectors=False, fields=["body=3", "title=2"]
    )
    assert by_number.indexed == 2 and by_number.fields["body"] == "words"
    with SearchEngine(tmp_path / "i") as engine:
        res = engine.search("dock OR ferries", tag="desk=business", mode="lexical")
        assert {h.article.title for h in res.results} == {"Crane strike"}
        assert engine.search("ferries", mode="lexical").results[0].article.date == dt.date(
            2024, 3, 2
        )
    wrong = build_index(table, tmp_path / "k", entities=False, vectors=False, fields=["body=text"])
    (skip,) = wrong.skipped  # a column the file does not have: the file, with the fix
    assert "no CSV column named 'text'" in skip.reason and "--field" in skip.reason


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--field", "body"], "write NAME=SOURCE"),
        (["--field", "colour=short_description"], "unknown field 'colour'"),
        (["--field", "body="], "give the record field"),
        (["--field", "title=0"], "columns count from 1"),
        (["--field", "body=text", "--field", "body=story"], "given twice"),
        (["--tag-field", "date"], "--field date="),
        (["--tag-field", "a b"], "a tag name is letters"),
    ],
)
def test_a_bad_mapping_is_one_line_before_anything_is_written(
    tmp_path: Path, args: list[str], message: str
) -> None:
    news = write_jsonl(tmp_path / "news.jsonl", news_records())
    r = cli_index(news, tmp_path / "i", *args)
    assert r.exit_code == 1 and r.output.startswith("Error: ") and message in r.output
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output
    assert not (tmp_path / "i").exists()
    if args[0] == "--field":
        with pytest.raises(InputError):
            build_index(news, tmp_path / "i", entities=False, fields=[args[1], *args[3:]])
        assert not (tmp_path / "i").exists()


def test_a_mapping_no_record_uses_is_a_warning(tmp_path: Path) -> None:
    news = write_jsonl(tmp_path / "news.jsonl", news_records(2))
    s = build_index(
        news,
        tmp_path / "i",
        entities=False,
        vectors=False,
        fields=["body=short_descripton"],
        tag_fields=["categry"],
    )
    assert s.indexed == 2  # by their headlines: the mapped body is in no record
    assert any("--field body=short_descripton: no record read has" in w for w in s.warnings)
    assert any("--tag-field categry=categry" in w for w in s.warnings)


def test_headline_only_feed_entries_and_records_are_indexed(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "feed.rss").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Port Wire</title>'
        "<item><title>Ferry operators warn of delays</title><link>https://e.org/f/1</link>"
        "<pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate></item>"
        "<item><title>Cranes idle</title><description>Cranes stood idle at the harbour."
        "</description></item><item><link>https://e.org/nothing</link></item>"
        "</channel></rss>"
    )
    write_jsonl(src / "news.jsonl", [{"title": "Tugboats strike at dawn", "url": "u"}])
    # a mapping meant for JSON records does not empty the feed's own fields
    s = build_index(src, tmp_path / "i", entities=False, vectors=False, fields=["body=blurb"])
    assert s.indexed == 3 and s.read == accounted(s) == 4  # before: both headlines skipped
    (skip,) = s.skipped
    assert skip.location == "entry 3" and "no title, summary or content" in skip.reason
    with SearchEngine(tmp_path / "i") as engine:
        ferry = engine.search("ferry delays", mode="lexical").results[0]
        cranes = engine.search("cranes", mode="lexical").results[0]
        tugs = engine.search("tugboats", mode="lexical").results[0]
    assert ferry.text == ferry.article.title == "Ferry operators warn of delays"
    assert ferry.article.date == dt.date(2024, 3, 5) and ferry.article.source == "Port Wire"
    assert cranes.text == "Cranes stood idle at the harbour."
    assert tugs.text == "Tugboats strike at dawn"


def test_tag_fields_filter_and_facet(tmp_path: Path) -> None:
    news = write_jsonl(tmp_path / "news.jsonl", news_records(6))
    r = cli_index(news, tmp_path / "i", "--tag-field", "category", "--tag-field", "meta.section")
    assert r.exit_code == 0, r.output

    def query(*args: str) -> dict[str, object]:
        out = runner.invoke(app, ["query", *args, "--index", str(tmp_path / "i"), "--json"])
        assert out.exit_code == 0, out.output
        parsed: dict[str, object] = json.loads(out.stdout)
        return parsed

    def titles(found: dict[str, object]) -> set[str]:
        return {h["article"]["title"] for h in found["results"]}  # type: ignore[attr-defined,index]

    business = query("dock", "--tag", "category=BUSINESS", "--mode", "lexical", "--facets")
    assert business["total"] == 2 and titles(business) == {
        "Harbour crane strike day 0",
        "Harbour crane strike day 3",
    }
    facets = business["facets"]
    assert facets["category"] == [{"value": "BUSINESS", "count": 2}]  # type: ignore[index]
    assert {v["value"] for v in facets["section"]} == {"Desk 0", "Desk 1"}  # type: ignore[index]
    # values of one name: any of them; two names: both; in the query text too; left out
    either = query("dock", "--tag", "category=business", "--tag", "category=World", "-n", "20")
    assert either["total"] == 4
    both = query("dock", "--tag", "category=BUSINESS", "--tag", "section=Desk 1")
    assert titles(both) == {"Harbour crane strike day 3"}
    assert query("dock tag:category=POLITICS", "-n", "20")["total"] == 2
    assert query("dock", "--exclude", "tag:category=WORLD", "-n", "20")["total"] == 4
    everything = runner.invoke(app, ["facets", "--index", str(tmp_path / "i"), "--json"])
    counts = json.loads(everything.stdout)["facets"]["category"]
    assert counts == [{"value": v, "count": 2} for v in sorted(CATEGORIES)]
    bad = runner.invoke(app, ["query", "dock", "--tag", "BUSINESS", "--index", str(tmp_path / "i")])
    assert bad.exit_code == 2 and "NAME=VALUE" in bad.output
    with SearchEngine(tmp_path / "i") as engine, pytest.raises(QueryError, match="NAME=VALUE"):
        engine.search("dock", tag="BUSINESS")


def test_csv_columns_still_works_with_a_deprecation_notice(tmp_path: Path) -> None:
    table = tmp_path / "news.csv"
    table.write_text("x;Lead text of the story about dock workers;Short head\n")
    r = cli_index(table, tmp_path / "i", "--csv-columns", "title=3,body=2", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["indexed"] == 1
    assert "Notice: --csv-columns is deprecated: use --field" in r.stderr
    with SearchEngine(tmp_path / "i") as engine:
        hit = engine.search("dock workers", mode="lexical").results[0]
    assert hit.article.title == "Short head"


def test_an_index_of_the_previous_format_asks_for_a_rebuild(tmp_path: Path) -> None:
    news = write_jsonl(tmp_path / "news.jsonl", news_records(2))
    build_index(news, tmp_path / "i", entities=False, vectors=False)
    gen = store.current_generation(tmp_path / "i")
    assert gen is not None
    manifest = gen / store.MANIFEST
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "format": 6}))  # before the tag field
    with pytest.raises(IndexVersionError, match="rebuild"):
        SearchEngine(tmp_path / "i")
    r = runner.invoke(app, ["query", "dock", "--index", str(tmp_path / "i")])
    assert r.exit_code == 1 and "--rebuild" in r.output
