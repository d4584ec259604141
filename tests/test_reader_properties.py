"""Property tests for the readers (the anchor: SQLite's and Lucene's randomized tests): random
bytes, and random mutations of valid JSON, JSON Lines, CSV, RSS, Atom, HTML, XML, Reuters SGML
and text, never make a reader raise; it yields Articles and per-item Skips, nothing else.

Each reader is called directly with ``(path, data, options)``, as ``read_file`` calls it. The
examples are the same on every run (CI); ``NEWSEARCH_FUZZ_EXAMPLES=N`` explores N new ones.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsearch.ingest.readers import (
    DEFAULT_OPTIONS,
    ReadOptions,
    formats,
    reuters,
    tabular,
    web,
    xmldoc,
)
from newsearch.ingest.readers import text as text_reader
from newsearch.models import Article, Skip

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = int(os.environ.get("NEWSEARCH_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("NEWSEARCH_FUZZ_EXAMPLES"),  # CI: the same examples each run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Reader = Callable[[Path, bytes, ReadOptions], Iterator[Article | Skip]]

TEXT = (
    b"---\ntitle: Troops in Kursk\ndate: 2025-04-28\nsource: Example Times\n---\n"
    b" date 2025-04-28 By RFA\n\nCan Kursk hold?\n\nNorth Korea sent troops to Kursk.\n"
    b"BY BAE JAE-SUNG [bae@example.org]\n"
)
XML = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE articles [<!ENTITY co "ACME">]>\n'
    b"<articles><article><headline>First &co;</headline><date>2025-04-28</date>"
    b"<text><p>Kursk <b>one</b>.</p></text></article><article><title>Second</title>"
    b"<body>Kursk two.</body></article></articles>"
)
# (reader, file name, a valid input)
CASES: dict[str, tuple[Reader, str, bytes]] = {
    "json": (formats.read_json, "a.json", (FIXTURES / "articles.json").read_bytes()),
    "jsonl": (formats.read_jsonl, "a.jsonl", (FIXTURES / "articles.jsonl").read_bytes()),
    "csv": (tabular.read_csv, "a.csv", (FIXTURES / "articles.csv").read_bytes()),
    "rss": (web.read_feed, "a.rss", (FIXTURES / "feed.rss").read_bytes()),
    "atom": (web.read_feed, "a.atom", (FIXTURES / "feed.atom").read_bytes()),
    "html": (web.read_html, "a.html", (FIXTURES / "article.html").read_bytes()[:6000]),
    "xml": (xmldoc.read_xml, "a.xml", XML),
    "sgml": (reuters.read, "reut2-000.sgm", (FIXTURES / "reuters-sample.sgm").read_bytes()),
    "text": (text_reader.read, "a.txt", TEXT),
}


def check(reader: Reader, name: str, data: bytes) -> list[Article | Skip]:
    """Everything the reader yields for ``data``; it must not raise."""
    items = list(reader(Path("in") / name, data, DEFAULT_OPTIONS))
    for item in items:
        assert isinstance(item, Article | Skip), item
        if isinstance(item, Skip):
            assert item.reason and "\n" not in item.reason, item
            continue
        assert item.body.strip() and item.id, item
        assert item.date is None or isinstance(item.date, dt.date)
        assert "\x00" not in item.body and "\x00" not in (item.title or ""), item
    return items


@pytest.mark.parametrize("kind", list(CASES))
def test_the_valid_inputs_give_articles(kind: str) -> None:
    reader, name, data = CASES[kind]
    assert any(isinstance(i, Article) for i in check(reader, name, data)), kind


# Pieces that mean something to one format or another.
PIECES = [b"<", b">", b"&", b"&lol;", b'"', b"{", b"}", b"[", b",", b"\n", b"\x00", b"\xff\xfe",
          b"\xef\xbb\xbf", b"\x1b[31m", b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"]]>", b"<![CDATA[",
          b"\\", b"\r", b"\t", b"\xc3", b"</", b"---\n", b"date ", b"\xe2\x80\xa6?"]  # fmt: skip
# A mutation: (operation, where as a share of the length, how much, bytes to put in).
MUTATION = st.tuples(
    st.sampled_from(["delete", "insert", "replace", "duplicate", "truncate", "swap"]),
    st.floats(0, 1),
    st.integers(1, 64),
    st.binary(min_size=1, max_size=16) | st.sampled_from(PIECES),
)


def mutate(data: bytes, mutations: list[tuple[str, float, int, bytes]]) -> bytes:
    for op, where, size, piece in mutations:
        at = int(where * len(data))
        if op == "delete":
            data = data[:at] + data[at + size :]
        elif op == "insert":
            data = data[:at] + piece + data[at:]
        elif op == "replace":
            data = data[:at] + piece + data[at + len(piece) :]
        elif op == "duplicate":
            data = data[:at] + data[at : at + size * 8] + data[at:]
        elif op == "truncate":
            data = data[:at]
        else:  # swap two halves
            data = data[at:] + data[:at]
    return data


@pytest.mark.parametrize("kind", list(CASES))
@FUZZ
@given(mutations=st.lists(MUTATION, min_size=1, max_size=6))
def test_mutated_inputs_never_raise(
    kind: str, mutations: list[tuple[str, float, int, bytes]]
) -> None:
    reader, name, data = CASES[kind]
    check(reader, name, mutate(data, mutations))


@pytest.mark.parametrize("kind", list(CASES))
@FUZZ
@given(data=st.binary(max_size=3000))
def test_random_bytes_never_raise(kind: str, data: bytes) -> None:
    reader, name, _ = CASES[kind]
    check(reader, name, data)


@FUZZ
@given(
    lines=st.lists(
        st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80),
        max_size=8,
    )
)
def test_random_text_is_read_as_text(lines: list[str]) -> None:
    data = "\n".join(lines).encode("utf-8")
    items = check(text_reader.read, "a.txt", data)
    assert len(items) == 1
    (item,) = items
    if isinstance(item, Skip):  # nothing but blank lines, or header lines, or control bytes
        assert "empty file" in item.reason or "binary file" in item.reason, item


# Inputs that made a lazy pattern scan to the end of the text from each of thousands of places
# (minutes, where a reader should take milliseconds).
SLOW_BEFORE = {
    "credit line": (text_reader.read, "a.txt", b"Title\n\nbody\n" + b"edited by " * 30000),
    "spaces in a header": (text_reader.read, "a.txt", b"Published x" + b" " * 100000 + b"y\n\nz"),
    "unclosed SGML fields": (reuters.read, "reut2-000.sgm", b"<REUTERS>" + b"<BODY>" * 20000),
    "unclosed SGML list items": (
        reuters.read,
        "reut2-000.sgm",
        b"<REUTERS><TOPICS>" + b"<D>x" * 20000 + b"</TOPICS><BODY>Kursk</BODY>",
    ),
}


@pytest.mark.parametrize("kind", list(SLOW_BEFORE))
def test_hostile_structures_are_read_in_linear_time(kind: str) -> None:
    reader, name, data = SLOW_BEFORE[kind]
    start = time.monotonic()
    check(reader, name, data)
    assert time.monotonic() - start < 3, kind
