"""The document builder (ingest/document.py): an Article and its mentions as one index document,
its hashes, and filter terms a query finds by the same rule (index/keys.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import pytest

from newsearch import SearchEngine, build_index
from newsearch.index import keys
from newsearch.ingest.document import (
    build_document,
    content_hash,
    entity_records,
    norm_hash,
    passage_entities,
    tag_display,
)
from newsearch.models import Article, Entity, Mention, Passage

BODY = "Kim Jong Un met Vladimir Putin in Moscow. It rained.\n\nThe talks went on in Moscow."


def article(**changes: object) -> Article:
    base = Article(
        id="a1",
        path="news/a1.txt",
        body=BODY,
        title="Summit in Moscow",
        date=dt.date(2025, 4, 28),
        time=dt.time(9, 16),
        source="Korea  JoongAng Daily",
        author="Mina Park",
        url="https://example.com/a1",
        tags=(("topic", "Diplomacy"), ("place", "usa"), ("topic", "diplomacy")),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def mention(name: str, kind: str, surface: str, nth: int = 0) -> Mention:
    start = -1
    for _ in range(nth + 1):
        start = BODY.index(surface, start + 1)
    return Mention(Entity(name, kind), start, start + len(surface))  # type: ignore[arg-type]


MENTIONS = (
    mention("Kim Jong Un", "person", "Kim Jong Un"),
    mention("Vladimir Putin", "person", "Vladimir Putin"),
    mention("Moscow", "place", "Moscow"),
    mention("Moscow", "place", "Moscow", nth=1),
)


def test_document_fields_hold_text_terms_and_metadata() -> None:
    a = article()
    doc = build_document(a, MENTIONS, (content_hash(a), norm_hash(a)))
    assert doc["article_id"] == "a1"
    assert doc["text"] == f"Summit in Moscow\n\n{BODY}" and doc["title"] == "Summit in Moscow"
    assert doc["source"] == keys.source_term("korea joongang daily")
    assert doc["topic"] == "diplomacy"  # one term for both spellings
    assert doc["person"] == "kim jong un,vladimir putin"
    assert doc["place"] == "moscow,united states"  # the tag "usa" is an alias
    assert "org" not in doc
    assert doc["date"] == "20250428"
    assert (doc["newest"], doc["oldest"]) == keys.sort_keys(a.date, a.time)
    assert (doc["hash"], doc["norm"]) == (content_hash(a), norm_hash(a))
    assert doc["body"] == BODY and doc["passages"].split() == ["p"] * len(doc["meta"]["passages"])
    meta = doc["meta"]
    assert meta["path"] == "news/a1.txt"  # as given, for display
    assert meta["abspath"] == os.path.abspath("news/a1.txt")  # for --prune from anywhere
    assert (meta["date"], meta["time"], meta["source"]) == ("2025-04-28", "09:16:00", a.source)
    for start, end, _ in meta["passages"]:
        assert BODY[start:end].strip() == BODY[start:end]


def test_passages_carry_the_entities_mentioned_inside_them() -> None:
    a = article()
    doc = build_document(a, MENTIONS, ("h", "n"))
    first, *rest = doc["meta"]["passages"]
    met = [["person", "Kim Jong Un"], ["person", "Vladimir Putin"], ["place", "Moscow"]]
    assert first[2] == met
    assert all(["person", "Kim Jong Un"] not in p[2] for p in rest)
    p = Passage("a1", 0, 0, 20, BODY[:20])
    assert passage_entities(p, MENTIONS) == [["person", "Kim Jong Un"]]


def test_undated_article_has_no_date_term_and_sorts_last() -> None:
    doc = build_document(article(date=None, time=None), (), ("h", "n"))
    assert "date" not in doc and doc["newest"] == doc["oldest"] == keys.UNDATED


def test_entity_records_merge_mentions_and_tags_by_key() -> None:
    a = article(tags=(("person", "kim jong-un"), ("org", "imf"), ("category", "World")))
    records = entity_records(a, MENTIONS)
    assert records == [
        ["person", "Kim Jong Un", "kim jong un"],  # the mention's name wins over the tag's
        ["person", "Vladimir Putin", "vladimir putin"],
        ["place", "Moscow", "moscow"],
        ["org", "IMF", "international monetary fund"],
    ]


@pytest.mark.parametrize(
    ("tag", "shown"), [("usa", "USA"), ("brazil", "Brazil"), ("McDonald's", "McDonald's")]
)
def test_tag_display(tag: str, shown: str) -> None:
    assert tag_display(tag) == shown


def test_content_hash_follows_what_is_indexed_and_norm_hash_the_text() -> None:
    a = article()
    assert content_hash(a) == content_hash(article(path="elsewhere.txt", id="other"))
    assert content_hash(a) != content_hash(article(source="RFA"))
    assert norm_hash(a) == norm_hash(article(body=BODY.upper().replace(" ", "  "), source="RFA"))
    assert norm_hash(a) != norm_hash(article(title=None))


def test_a_filter_finds_what_the_document_stored(tmp_path: Path) -> None:
    """Filter values written as people write them meet the terms the indexer stored."""
    a = article(tags=(("topic", "Oil,  Gas"), ("place", "usa"), ("person", "Kim Jong-un")))
    build_index([a], tmp_path / "i", entities=False)
    with SearchEngine(tmp_path / "i") as engine:
        for kw in (
            {"source": "KOREA JOONGANG   DAILY"},
            {"topic": "oil gas"},
            {"place": "United States"},
            {"person": "kim jong un"},
            {"entity": "U.S."},
            {"since": "2025-04-28", "until": "2025-04"},
        ):
            assert engine.search("Moscow", **kw).total == 1, kw  # type: ignore[arg-type]
        assert engine.search("Moscow", source="RFA").total == 0
