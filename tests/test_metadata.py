"""Metadata of the seeds as a reader of them would state it; nothing invented."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from newsearch.ingest.readers import iter_items
from newsearch.models import Article, Skip
from tests.conftest import SEED_000, SEED_001, SEED_002, SEED_003, SEED_004


def read_one(path: Path) -> Article:
    (item,) = list(iter_items([path]))
    assert isinstance(item, Article)
    return item


@pytest.mark.parametrize(
    ("path", "title", "date", "source", "author"),
    [
        (SEED_000, None, dt.date(2025, 4, 28), "RFA", None),
        (
            SEED_001,
            "North Korea Admits Sending Troops to Support Russia in Ukraine War for the First Time",
            None,
            None,
            None,
        ),
        (SEED_002, None, dt.date(2025, 4, 28), None, "Hyonhee Shin"),
        (
            SEED_003,
            "North Korea acknowledges sending troops to Russia for first time",
            dt.date(2025, 4, 28),
            "Korea JoongAng Daily",
            "Bae Jae-sung",
        ),
        (SEED_004, None, None, None, None),
    ],
)
def test_seed_metadata(
    path: Path, title: str | None, date: dt.date | None, source: str | None, author: str | None
) -> None:
    a = read_one(path)
    assert (a.title, a.date, a.source, a.author) == (title, date, source, author)


def test_header_lines_are_not_part_of_the_body() -> None:
    a = read_one(SEED_000)
    assert a.body.startswith("North Korea on Monday acknowledged")
    c = read_one(SEED_003)
    assert c.time == dt.time(9, 16)
    assert c.body.startswith("In this screenshot")
    assert "Published:" not in c.body
    assert "BAE JAE-SUNG" not in c.body and "JoongAng Daily staff" not in c.body
    e = read_one(SEED_004)  # the first line is a paragraph, not a headline
    assert e.body.startswith("Russia has, for the first time")


def test_ids_are_stable_and_distinct() -> None:
    first = [a.id for a in iter_items([SEED_000.parent]) if isinstance(a, Article)]
    again = [a.id for a in iter_items([SEED_000.parent]) if isinstance(a, Article)]
    assert first == again and len(set(first)) == 5


def test_front_matter_supplies_and_overrides_metadata(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text(
        "---\ntitle: Troops in Kursk\ndate: 2025-04-29\nsource: Example Times\n"
        "author: A. Writer\nid: story-1\n---\n date 2025-04-28 By RFA\n\nBody text here.\n",
        encoding="utf-8",
    )
    a = read_one(path)
    assert (a.id, a.title, a.date, a.source, a.author) == (
        "story-1",
        "Troops in Kursk",
        dt.date(2025, 4, 29),
        "Example Times",
        "A. Writer",
    )
    assert a.body == "Body text here."


def test_front_matter_bad_date_is_a_warning_not_a_guess(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text("---\ndate: someday\n---\nBody text.\n", encoding="utf-8")
    a = read_one(path)
    assert a.date is None
    assert any("someday" in w for w in a.warnings)


def test_missing_path_is_a_skip_with_reason(tmp_path: Path) -> None:
    (item,) = list(iter_items([tmp_path / "nope.txt"]))
    assert isinstance(item, Skip) and "no such file" in item.reason


@pytest.mark.parametrize(
    "value", ["{", "[Reuters, AP]", "{name: Reuters}", "...", "---", "R" * 121]
)
def test_front_matter_value_that_is_not_one_value_is_refused(tmp_path: Path, value: str) -> None:
    path = tmp_path / "story.txt"
    path.write_text(
        f"---\nsource: {value}\ntitle: Troops in Kursk\n---\n date 2025-04-28 By RFA\n\nBody.\n",
        encoding="utf-8",
    )
    a = read_one(path)
    assert a.source == "RFA"  # the value read from the text, not the front matter's
    assert a.title == "Troops in Kursk"
    (warning,) = a.warnings
    assert warning.startswith("front matter source ") and "refused" in warning


def test_a_refused_front_matter_value_is_reported_with_the_file(tmp_path: Path) -> None:
    from newsearch.ingest.pipeline import build_index

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "story.txt").write_text("---\nsource: {\n---\nBody about Kursk.\n", encoding="utf-8")
    summary = build_index([folder], tmp_path / "idx", entities=False)
    (warning,) = summary.warnings
    assert "story.txt" in warning and "front matter source '{' refused" in warning


@pytest.mark.parametrize(
    "headline",
    [
        "Can Yahoo dominate next decade?",
        "Analysis: No pain, no gain?",
        "What price for 'trusted PC security'?",
        "Rivals of the £400 Apple...",
        "Rivals of the £400 Apple…",
    ],
)
def test_a_headline_may_end_in_a_question_mark_or_an_ellipsis(
    tmp_path: Path, headline: str
) -> None:
    path = tmp_path / "bbc.txt"
    path.write_text(f"{headline}\n\nThe body starts here. It goes on.\n", encoding="utf-8")
    a = read_one(path)
    assert (a.title, a.body) == (headline, "The body starts here. It goes on.")


@pytest.mark.parametrize(
    "first",
    [
        "Why now? Because the front moved.",  # two sentences: a paragraph
        "Is this the end?",  # no blank line after it: it runs into the text
        "It was over.",
        "He said: ",
    ],
)
def test_a_first_line_that_is_a_sentence_is_not_a_headline(tmp_path: Path, first: str) -> None:
    path = tmp_path / "story.txt"
    gap = "\n" if first == "Is this the end?" else "\n\n"
    path.write_text(f"{first}{gap}The body starts here.\n", encoding="utf-8")
    a = read_one(path)
    assert a.title is None and a.body.startswith(first.strip())
