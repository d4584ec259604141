"""XML read as what it is: feeds (even behind a DOCTYPE) to the feed reader, other XML as its
text, never its markup; and parsed safely (no entity bomb, no external entity, no file read
because a feed's bytes name it)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from newsearch.ingest.readers import iter_items
from newsearch.models import Article, Skip

# lol9 is 10**9 "lol"s: each entity is ten of the one before.
LAUGHS = '<!ENTITY lol0 "lol">\n' + "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10)
)
FEED_ITEM = (
    '<rss version="2.0"><channel><title>Wire</title><item><title>Kursk item</title>'
    "<description>Troops near Kursk {entity}.</description></item></channel></rss>"
)


def items(path: Path, text: str) -> list[Article | Skip]:
    path.write_text(text, encoding="utf-8")
    return list(iter_items([path]))


def test_an_rss_feed_named_xml_behind_a_doctype_is_read_as_a_feed(tmp_path: Path) -> None:
    doctype = (
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        '"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
    )
    subset = '<!DOCTYPE rss [\n<!ENTITY writer "A. Writer">\n<!ENTITY x "<b>">\n]>\n'
    for name, prologue in (("public.xml", doctype), ("subset.xml", subset)):
        text = f'<?xml version="1.0"?>\n{prologue}{FEED_ITEM.format(entity="")}'
        (a,) = items(tmp_path / name, text)
        assert isinstance(a, Article), a
        assert (a.title, a.source, a.body) == ("Kursk item", "Wire", "Troops near Kursk .")


def test_plain_xml_is_read_as_its_text_not_its_markup(tmp_path: Path) -> None:
    text = (
        '<?xml version="1.0"?>\n<!-- exported -->\n<doc xmlns="urn:x"><head><title>Plain doc'
        "</title><date>2025-04-28</date></head><p>Kursk <b>plain</b> xml body.</p>"
        "<p>Second &amp; last.</p></doc>"
    )
    (a,) = items(tmp_path / "plain.xml", text)
    assert isinstance(a, Article), a
    assert (a.title, str(a.date)) == ("Plain doc", "2025-04-28")
    assert a.body == "Kursk plain xml body.\n\nSecond & last."


def test_xml_records_are_one_article_each(tmp_path: Path) -> None:
    text = (
        "<articles><article><headline>First</headline><source>Wire</source>"
        "<text><p>Kursk one.</p><p>More.</p></text></article>"
        "<article><headline>Second</headline><text>Kursk two.</text></article>"
        "<article><headline>Third, no text</headline></article></articles>"
    )
    first, second, third = items(tmp_path / "recs.xml", text)
    assert isinstance(first, Article) and isinstance(second, Article)
    assert (first.title, first.source, first.body) == ("First", "Wire", "Kursk one.\n\nMore.")
    assert (second.location, second.body) == ("article 2", "Kursk two.")
    assert isinstance(third, Article) and third.location == "article 3"  # a headline
    assert third.body == third.title == "Third, no text"


def test_a_file_that_opens_with_an_xml_declaration_is_xml_whatever_its_name(
    tmp_path: Path,
) -> None:
    (a,) = items(tmp_path / "note.txt", "<?xml version='1.0'?><note><p>Kursk note.</p></note>")
    assert isinstance(a, Article) and a.body == "Kursk note."


def test_broken_xml_is_read_leniently_or_skipped(tmp_path: Path) -> None:
    (a,) = items(tmp_path / "broken.xml", "<doc><p>Kursk text that never closes")
    assert isinstance(a, Article) and a.body == "Kursk text that never closes"
    assert any("not well-formed XML" in w for w in a.warnings)
    (b,) = items(tmp_path / "nothing.xml", "<<<>>>")
    assert isinstance(b, Skip) and "not well-formed XML" in b.reason


@pytest.mark.parametrize("root", ["doc", "rss"])
def test_billion_laughs_is_not_expanded(tmp_path: Path, root: str) -> None:
    body = "<doc><p>Kursk &lol9;</p></doc>" if root == "doc" else FEED_ITEM.format(entity="&lol9;")
    text = f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n{LAUGHS}]>\n{body}'
    start = time.monotonic()
    found = items(tmp_path / "laughs.xml", text)
    assert time.monotonic() - start < 5
    for item in found:  # a Skip, or an article that does not hold a billion "lol"s
        assert isinstance(item, Skip) or len(item.body) < 1000, item
    if root == "doc":
        (skip,) = found
        assert isinstance(skip, Skip) and "billion laughs" in skip.reason


@pytest.mark.parametrize("root", ["doc", "rss"])
def test_external_entities_are_never_read(tmp_path: Path, root: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER", encoding="utf-8")
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(f'<!ENTITY ext SYSTEM "{secret.as_uri()}">', encoding="utf-8")
    subset = f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">\n<!ENTITY % p SYSTEM "{dtd.as_uri()}"> %p;'
    body = (
        "<doc><p>Kursk &xxe; &ext; end.</p></doc>"
        if root == "doc"
        else FEED_ITEM.format(entity="&xxe; &ext;")
    )
    text = f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n{subset}\n]>\n{body}'
    for item in items(tmp_path / "xxe.xml", text):
        assert "SECRET" not in repr(item)


def test_a_feed_whose_bytes_name_another_file_does_not_read_that_file(tmp_path: Path) -> None:
    other = tmp_path / "private.rss"
    other.write_text(FEED_ITEM.format(entity="secretly"), encoding="utf-8")
    (skip,) = items(tmp_path / "pointer.rss", str(other))
    assert isinstance(skip, Skip) and "feed" in skip.reason
