"""Structured-format readers: JSON/JSONL, CSV, HTML pages, RSS/Atom feeds, Reuters-21578 SGML."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from newsearch.errors import InputError
from newsearch.ingest.readers import formats, reuters
from newsearch.ingest.readers.ids import make_id
from newsearch.ingest.readers.options import (
    DEFAULT_OPTIONS,
    Reader,
    ReadOptions,
    Sniffer,
    csv_options,
    parse_csv_columns,
)
from newsearch.models import Article, Skip

FIXTURES = Path(__file__).parent / "fixtures"
CORPORA = Path(__file__).parents[1].parent / "shared" / "corpora"


def _specs() -> list[tuple[str, Sniffer, Reader]]:
    specs: list[tuple[str, Sniffer, Reader]] = []
    formats.register_readers(lambda name, sniff, read: specs.append((name, sniff, read)))
    return specs


def read(
    path: Path, data: bytes | None = None, options: ReadOptions = DEFAULT_OPTIONS
) -> list[Article | Skip]:
    """What the registry would do: the first reader whose sniffer claims the file."""
    data = path.read_bytes() if data is None else data
    for _name, sniff, reader in _specs():
        if sniff(path, data):
            return list(reader(path, data, options))
    raise AssertionError(f"no reader claimed {path}")


def reader_name(path: Path, data: bytes) -> str | None:
    return next((name for name, sniff, _ in _specs() if sniff(path, data)), None)


def articles(items: list[Article | Skip]) -> list[Article]:
    return [i for i in items if isinstance(i, Article)]


def skips(items: list[Article | Skip]) -> list[Skip]:
    return [i for i in items if isinstance(i, Skip)]


# ---------------------------------------------------------------------------- registration


def test_registration_order_and_sniffing(tmp_path: Path) -> None:
    assert [name for name, _, _ in _specs()] == [
        "reuters21578",
        "feed",
        "html",
        "xml",
        "jsonl",
        "json",
        "csv",
    ]
    rss = (FIXTURES / "feed.rss").read_bytes()
    page = (FIXTURES / "article.html").read_bytes()
    assert reader_name(tmp_path / "news.xml", rss) == "feed"
    assert reader_name(tmp_path / "feed", rss) == "feed"
    assert reader_name(tmp_path / "page.html", page) == "html"  # its <link rel=alternate rss>
    assert reader_name(tmp_path / "saved", page) == "html"
    assert reader_name(tmp_path / "x.sgm", (FIXTURES / "reuters-sample.sgm").read_bytes())
    assert reader_name(tmp_path / "reut2-003.sgm", b"") == "reuters21578"
    assert reader_name(tmp_path / "a.ndjson", b"{}") == "jsonl"
    assert reader_name(tmp_path / "a.tsv", b"a\tb") == "csv"
    # plain text is left to the text reader; other XML has its own
    assert reader_name(tmp_path / "a.txt", b" date 2025-04-28 By RFA\n\nText.") is None
    assert reader_name(tmp_path / "a.xml", b"<?xml version='1.0'?><note>hi</note>") == "xml"
    assert reader_name(tmp_path / "a.txt", b"<?xml version='1.0'?><note>hi</note>") == "xml"


# ---------------------------------------------------------------------------- JSON


def test_jsonl_fields_and_malformed_line() -> None:
    path = FIXTURES / "articles.jsonl"
    items = read(path)
    assert len(items) == 5  # the blank line is no item
    first, second, bad, no_body, epoch = items
    assert isinstance(first, Article)
    assert first.id == "rfa-2025-04-28-kursk"
    assert first.title == "North Korea confirms troops in Russia"
    assert first.body.startswith("North Korea on Monday acknowledged")
    assert (first.date, first.time) == (dt.date(2025, 4, 28), dt.time(9, 16))
    assert first.source == "RFA"  # from {"id": ..., "name": "RFA"}
    assert first.author == "Kim Min-ji, Lee Jun"
    assert first.url == "https://example.org/kursk"
    assert first.tags == (("category", "Politics"), ("category", "Asia"))
    assert first.location == "line 1" and first.path == str(path)

    assert isinstance(second, Article)
    assert second.id == "articles-17"  # a short numeric id is qualified by the file name
    assert second.title == "Markets close higher"  # headline
    assert second.body == "Stocks closed higher on Friday & bond yields fell."
    assert second.source == "Example Times"  # outlet
    assert second.date == dt.date(2025, 4, 25) and second.time is None

    assert isinstance(bad, Skip) and bad.location == "line 3"
    assert bad.reason.startswith("malformed JSON: ")
    assert bad.reason.endswith("; fix or remove the line")
    # a record with a title and no text is a headline: indexed by its title (issue 16)
    assert isinstance(no_body, Article) and no_body.location == "line 4"
    assert no_body.title == no_body.body == "Only a title"

    assert isinstance(epoch, Article) and epoch.location == "line 6"
    assert epoch.body == "First paragraph.\n\nSecond paragraph."  # markup turned into text
    assert (epoch.date, epoch.time) == (dt.date(2025, 4, 28), dt.time(9, 16))  # UTC
    assert epoch.id == make_id(path, "line 6")


def test_json_array() -> None:
    path = FIXTURES / "articles.json"
    first, second, empty = read(path)
    assert isinstance(first, Article) and isinstance(second, Article)
    assert first.id == "urn:example:wire:001"
    assert first.title == "Bridge closed for inspection"
    assert first.body.startswith("The old river bridge")  # description
    assert (first.date, first.time) == (dt.date(2025, 4, 28), dt.time(6, 45))
    assert (first.source, first.author) == ("City Desk", "Ana Duarte")
    assert first.url == "https://example.net/bridge" and first.location == "item 1"
    assert second.date == dt.date(2025, 4, 28) and second.source == "City Desk"
    assert second.id == make_id(path, "item 2")
    # an empty body with a title: a headline, indexed by its title (issue 16)
    assert isinstance(empty, Article) and empty.location == "item 3"
    assert empty.body == empty.title == "No text here"


def test_json_wrappers_and_errors(tmp_path: Path) -> None:
    wrapped = tmp_path / "newsapi.json"
    wrapped.write_text(
        '{"status": "ok", "articles": [{"source": {"id": null, "name": "BBC News"},'
        ' "title": "T", "description": "D.", "content": "Full text.",'
        ' "publishedAt": "2025-04-28T09:16:00Z", "url": "https://bbc.example/x"}]}'
    )
    (item,) = read(wrapped)
    assert isinstance(item, Article)
    assert (item.source, item.body, item.date) == ("BBC News", "Full text.", dt.date(2025, 4, 28))
    assert item.id == make_id(wrapped, "item 1")

    single = tmp_path / "one.json"
    single.write_text('{"title": "One", "text": "Only one article.", "date": "2025-04-28"}')
    (one,) = read(single)
    assert isinstance(one, Article) and one.id == make_id(single, None) and one.location is None

    broken = tmp_path / "broken.json"
    broken.write_text('[{"title": "x",\n "text": }]')
    (skip,) = read(broken)
    assert isinstance(skip, Skip) and skip.location == "line 2"
    assert skip.reason.startswith("malformed JSON: ") and "line 2" in skip.reason

    lines = tmp_path / "really-lines.json"
    lines.write_text('{"text": "a"}\n{"text": "b"}\n')
    assert [a.body for a in articles(read(lines))] == ["a", "b"]

    scalars = tmp_path / "scalars.jsonl"
    scalars.write_text('[1, 2]\n"text"\n')
    assert all(isinstance(s, Skip) and "not an object" in s.reason for s in read(scalars))


def test_latin1_bytes_give_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "latin.jsonl"
    path.write_bytes('{"title": "Caf\u00e9", "text": "M\u00fcnchen"}\n'.encode("latin-1"))
    (item,) = read(path)
    assert isinstance(item, Article)
    assert (item.title, item.body) == ("Caf\u00e9", "M\u00fcnchen")
    assert any("Latin-1" in w for w in item.warnings)


# ---------------------------------------------------------------------------- CSV


def test_csv_with_header() -> None:
    path = FIXTURES / "articles.csv"
    items = read(path)
    assert [i.location for i in items] == ["line 2", "line 3", "line 5", "line 6", "line 7"]
    harbour, ferry, short, empty, bad_date = items
    assert isinstance(harbour, Article)
    assert harbour.title == "Harbour reopens"
    assert harbour.body == "The harbour at Port Ellis reopened to fishing boats on Monday."
    assert harbour.date == dt.date(2025, 4, 28)
    assert (harbour.source, harbour.author) == ("Coastal Courier", "Mina Park")
    assert harbour.url == "https://courier.example.com/harbour"
    assert harbour.id == make_id(path, "line 2")
    assert isinstance(ferry, Article) and ferry.body.endswith("\nstarting in May.")
    assert ferry.date == dt.date(2025, 4, 27) and ferry.author is None
    assert isinstance(short, Skip) and "row has 2 fields, expected 6" in short.reason
    assert isinstance(empty, Article) and empty.body == empty.title == "Empty body"  # a headline
    assert isinstance(bad_date, Article) and bad_date.date is None
    assert bad_date.warnings == ("unreadable date 'sometime soon': left empty",)


def test_csv_headerless_agnews_style() -> None:
    items = read(FIXTURES / "agnews" / "test.csv")
    assert len(items) == 5
    first, space, oil, short, summit = items
    assert isinstance(first, Article)
    assert first.title == "Fears for T N pension after talks"
    assert first.body.startswith("Unions representing workers at Turner Newall say")
    assert first.tags == (("category", "Business"),)  # class 3 via classes.txt
    assert isinstance(space, Article) and space.tags == (("category", "Sci/Tech"),)
    assert "A second team of rocketeers" in space.body  # "second\team": a line break
    assert "the $10 million Ansari X Prize" in space.body  # " #36;10"
    assert isinstance(oil, Article)
    assert oil.body == (
        "Oil prices fell to $46.11 per barrel as the world's largest producer raised output, "
        'traders said. "Supply is ample," one said.'
    )
    assert isinstance(short, Skip) and short.location == "line 4"
    assert isinstance(summit, Article)
    assert summit.body == "Leaders met in Geneva on Monday.\n\nTalks continue on Tuesday."
    assert summit.tags == (("category", "World"),)


def test_csv_mapping_override(tmp_path: Path) -> None:
    assert parse_csv_columns("title=2, body=3,category=1") == {
        "title": 2,
        "body": 3,
        "category": 1,
    }
    assert parse_csv_columns("headline=Head,text=Story") == {
        "title": "Head",
        "body": "Story",
    }
    for bad in ("title=2", "body", "colour=1,body=2", "body=0"):
        with pytest.raises(InputError):
            parse_csv_columns(bad)
    with pytest.raises(InputError):
        csv_options({"titel": 2, "body": 3})
    with pytest.raises(InputError):
        csv_options("body=2", delimiter=";;")

    path = tmp_path / "custom.csv"
    path.write_text("x;Lead text of the story here;Short head;2025-04-28\n")
    custom = ReadOptions(csv=csv_options("title=3,body=2,date=4", delimiter=";"))
    (item,) = read(path, options=custom)
    assert isinstance(item, Article)
    assert (item.title, item.body) == ("Short head", "Lead text of the story here")
    assert item.date == dt.date(2025, 4, 28)

    named = tmp_path / "named.csv"
    named.write_text("Head,Story\nA head,The story text.\n")
    by_name = ReadOptions(csv=csv_options({"title": "Head", "body": "Story"}))
    (item,) = read(named, options=by_name)
    assert isinstance(item, Article) and (item.title, item.body) == ("A head", "The story text.")
    (skip,) = read(named, options=ReadOptions(csv=csv_options({"body": "Nope"})))
    assert isinstance(skip, Skip) and "no CSV column named 'Nope'" in skip.reason


def test_csv_without_text_column_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "numbers.csv"
    path.write_text("a,b\n1,2\n3,4\n")
    (skip,) = read(path)
    assert isinstance(skip, Skip) and "--field body=3" in skip.reason


# ---------------------------------------------------------------------------- HTML pages


def test_html_article_page() -> None:
    path = FIXTURES / "article.html"
    (item,) = read(path)
    assert isinstance(item, Article)
    assert item.title == "Harbour reopens after storm repairs"
    assert item.body.startswith("The harbour at Port Ellis reopened to fishing boats on Monday")
    assert "Tomas Reyes" in item.body and "\n\n" in item.body
    for chrome in ("Privacy", "All rights reserved", "Weather", "Home"):
        assert chrome not in item.body  # navigation and footer are not article text
    assert (item.date, item.time) == (dt.date(2025, 4, 28), dt.time(9, 16))
    assert (item.source, item.author) == ("The Coastal Courier", "Mina Park")
    assert item.url == "https://courier.example.com/2025/04/28/harbour-reopens"
    assert item.id == make_id(path, None)


def test_html_without_article_text(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text("<html><head><title>Home</title></head><body><nav>Home</nav></body></html>")
    (skip,) = read(path)
    assert isinstance(skip, Skip) and "no article text" in skip.reason


# ---------------------------------------------------------------------------- feeds


def test_rss_feed() -> None:
    path = FIXTURES / "feed.rss"
    harbour, ferry, gallery = read(path)
    assert isinstance(harbour, Article)
    assert harbour.id == "https://courier.example.com/2025/04/28/harbour-reopens"  # guid
    assert harbour.title == "Harbour reopens after storm repairs"
    assert harbour.body == (  # content:encoded wins over the shorter description
        "The harbour at Port Ellis reopened to fishing boats on Monday, three weeks after a "
        "winter storm tore away part of the eastern breakwater.\n\nHarbour master Tomas Reyes "
        "said engineers had rebuilt forty metres of the breakwater & cleared the channel."
    )
    assert (harbour.date, harbour.time) == (dt.date(2025, 4, 28), dt.time(9, 16))
    assert (harbour.source, harbour.author) == ("The Coastal Courier", "Mina Park")
    assert harbour.tags == (("category", "Local"), ("category", "Fishing"))
    assert harbour.location == "entry 1"
    assert isinstance(ferry, Article)
    assert ferry.id == "https://courier.example.com/2025/04/27/ferry-timetable"  # no guid: link
    assert (ferry.date, ferry.time) == (dt.date(2025, 4, 27), dt.time(18, 0))
    assert ferry.author is None
    # an entry with a title and no text is a headline: its title is its text (issue 16)
    assert isinstance(gallery, Article) and gallery.location == "entry 3"
    assert gallery.body == gallery.title


def test_atom_feed() -> None:
    grain, rail = read(FIXTURES / "feed.atom")
    assert isinstance(grain, Article) and isinstance(rail, Article)
    assert grain.id == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert grain.title == "Grain exports rise for third month"  # type="html" title
    assert grain.body == (
        "Grain exports rose for a third straight month in April, the agriculture ministry said "
        "on Monday.\n\nWheat shipments led the increase."
    )
    assert (grain.date, grain.time) == (dt.date(2025, 4, 28), dt.time(7, 30))  # published
    assert (grain.source, grain.author) == ("Northern Wire", "Lena Sorensen")
    assert grain.url == "https://wire.example.org/grain-exports"
    assert grain.tags == (("category", "economy"),)
    assert rail.body == "Unions called off Tuesday's rail strike after a late-night pay offer."
    assert (rail.date, rail.time) == (dt.date(2025, 4, 27), dt.time(21, 5))  # updated


def test_feed_without_entries(tmp_path: Path) -> None:
    path = tmp_path / "empty.rss"
    path.write_text('<rss version="2.0"><channel><title>Quiet</title></channel></rss>')
    (skip,) = read(path)
    assert isinstance(skip, Skip) and "no entries" in skip.reason


# ---------------------------------------------------------------------------- Reuters


def test_reuters_sample() -> None:
    path = FIXTURES / "reuters-sample.sgm"
    cocoa, brief, empty, unproc = read(path)
    assert isinstance(cocoa, Article)
    assert cocoa.id == "reuters-1" and cocoa.location == "NEWID 1"
    assert cocoa.title == "BAHIA COCOA REVIEW"
    assert cocoa.body == (
        "SALVADOR, Feb 26 - Showers continued throughout the week in the Bahia cocoa zone, "
        "alleviating the drought since early January, Comissaria Smith & Co said in its weekly "
        "review.\n\nShippers bought <ACME COCOA CO> shares."
    )
    assert (cocoa.date, cocoa.time) == (dt.date(1987, 2, 26), dt.time(15, 1, 1))
    assert (cocoa.source, cocoa.author) == ("Reuters", "Greg McCune")
    assert cocoa.tags == (
        ("topic", "cocoa"),
        ("place", "el-salvador"),
        ("place", "usa"),
        ("org", "ico-cocoa"),
    )
    assert isinstance(brief, Article)  # title only: the title is the body
    assert (
        brief.body
        == brief.title
        == ("ASSETS OF MONEY MARKET MUTUAL FUNDS ROSE 720.4 MLN DLRS IN LATEST WEEK")
    )
    assert brief.date == dt.date(1987, 3, 27)  # despite "&#5;&#5;&#5;RM"
    assert brief.tags == (("place", "usa"), ("exchange", "nyse"))
    assert isinstance(empty, Skip) and empty.location == "NEWID 12793"
    assert empty.reason.startswith("no title or body")
    assert isinstance(unproc, Article)
    assert unproc.title == "FEDERAL RESERVE WEEKLY REPORT 1 - FEB 26"
    assert unproc.body.startswith("Two weeks ended Feb 25")
    assert "Reuter" not in unproc.body
    assert ("person", "volcker") in unproc.tags


def test_reuters_truncated_file(tmp_path: Path) -> None:
    data = (FIXTURES / "reuters-sample.sgm").read_bytes()
    cut = data[: data.index(b"Shippers bought")]
    items = read(tmp_path / "reut2-999.sgm", cut)
    assert len(items) == 1 and isinstance(items[0], Article)
    assert any("truncated" in w for w in items[0].warnings)


# ---------------------------------------------------------------------------- robustness


@pytest.mark.parametrize(
    "name", ["x.jsonl", "x.json", "x.csv", "x.tsv", "x.html", "x.rss", "x.atom", "reut2-000.sgm"]
)
@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\xff\xfe\x00garbage\x80\x81",
        b"{",
        b"[1, {}, null]",
        b"<rss><channel><item><title>x</title><description>",
        b"<REUTERS NEWID=5><TEXT><BODY>unterminated",
        b'"a","b\n',
        "\u2028\ufeff\u00e9".encode(),
    ],
)
def test_readers_never_raise(name: str, data: bytes, tmp_path: Path) -> None:
    items = read(tmp_path / name, data)
    assert all(isinstance(i, Article | Skip) for i in items)
    for item in items:
        if isinstance(item, Article):
            assert item.body and item.body == item.body.strip()


# ---------------------------------------------------------------------------- real corpora

corpus = pytest.mark.skipif(not CORPORA.is_dir(), reason=f"no corpora at {CORPORA}")


@pytest.mark.corpus
@corpus
def test_reuters_corpus_every_document_accounted_for() -> None:
    files = sorted((CORPORA / "reuters21578").glob("reut2-*.sgm"))
    assert len(files) == 22
    started = time.perf_counter()
    items = [item for f in files for item in reuters.read(f, f.read_bytes())]
    seconds = time.perf_counter() - started
    found = articles(items)
    assert len(items) == 21578 and len(found) + len(skips(items)) == 21578
    assert len({a.id for a in found}) == len(found)
    assert {s.location for s in skips(items)} == {"NEWID 12793"}  # an empty UNPROC document
    by_id = {a.id: a for a in found}
    assert by_id["reuters-1"].tags[:2] == (("topic", "cocoa"), ("place", "el-salvador"))
    assert by_id["reuters-1"].date == dt.date(1987, 2, 26)
    cocoa_brazil = [a for a in found if {("topic", "cocoa"), ("place", "brazil")} <= set(a.tags)]
    assert any(a.title == "PESSIMISM MOUNTS OVER BAHIAN TEMPORAO COCOA CROP" for a in cocoa_brazil)
    assert sum(1 for a in found if a.author) == 875
    assert all(a.date is not None for a in found)
    assert not [a.id for a in found if a.body.rstrip(". ").upper().endswith("\nREUTER")]
    assert seconds < 15, f"reading Reuters took {seconds:.1f} s"


@pytest.mark.corpus
@corpus
def test_ag_news_corpus() -> None:
    path = CORPORA / "ag_news" / "test.csv"
    items = read(path)
    found = articles(items)
    assert len(found) == len(items) == 7600
    assert len({a.id for a in found}) == 7600
    counts: dict[str, int] = {}
    for a in found:
        for _kind, value in a.tags:
            counts[value] = counts.get(value, 0) + 1
    assert counts == {"World": 1900, "Sports": 1900, "Business": 1900, "Sci/Tech": 1900}
    assert all(a.title and a.body for a in found)
    for quirk in (" #39;", "#36;", "\\$", "&lt;", " quot;"):
        assert not [a for a in found if quirk in a.body or quirk in (a.title or "")], quirk


def test_json_lone_surrogate_escape_is_replaced_not_fatal(tmp_path: Path) -> None:
    """``"\\ud800"`` is valid JSON but no UTF-8 text: hashing it ended the whole run."""
    from newsearch import build_index

    src = tmp_path / "in"
    src.mkdir()
    (src / "z.json").write_bytes(
        b'[{"title": "Lone \\ud800 surrogate", "body": "The council met on Monday."}]'
    )
    summary = build_index(src, tmp_path / "idx", entities=False)
    assert summary.indexed == 1
