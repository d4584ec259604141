"""Sentence splitting and passages keep exact offsets into the body."""

from __future__ import annotations

import pytest

from newsearch.ingest.readers import iter_items
from newsearch.models import Article
from newsearch.text.analysis import split_sentences
from newsearch.text.passages import make_passages
from tests.conftest import SEEDS


def seed_articles() -> list[Article]:
    return [a for a in iter_items([SEEDS]) if isinstance(a, Article)]


@pytest.mark.parametrize("article", seed_articles(), ids=lambda a: a.path.rsplit("/", 1)[-1])
def test_passage_offsets_are_exact(article: Article) -> None:
    passages = make_passages(article.id, article.body)
    assert passages
    for p in passages:
        assert article.body[p.start : p.end] == p.text
        assert p.text == p.text.strip()
    # passages are in order, do not overlap, and lose no sentence
    ends = [p.end for p in passages]
    starts = [p.start for p in passages]
    assert all(e <= s for e, s in zip(ends, starts[1:], strict=False))
    covered = "".join("".join(p.text.split()) for p in passages)
    assert covered == "".join(article.body.split())


@pytest.mark.parametrize(
    "text",
    [
        "U.S. officials said on Monday that troops arrived. They stayed.",
        "The U.N. Security Council met. It voted.",
        "Gen. Valery Gerasimov spoke to Mr. Putin on 28 Apr. 2025 about it. Then he left.",
        "Sen. Smith and Dr. Jones met on Jan. 5 in Washington. Nothing was agreed.",
    ],
)
def test_news_abbreviations_do_not_end_a_sentence(text: str) -> None:
    spans = split_sentences(text)
    assert len(spans) == 2, [text[s:e] for s, e in spans]


@pytest.mark.parametrize("close", ["\u201d", "\u2019", "\xbb", '"'])
def test_a_closing_quote_after_the_full_stop_ends_the_sentence(close: str) -> None:
    text = f"He hailed them as the honour of the motherland.{close}\nOfficials said 14,000 went."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        f"He hailed them as the honour of the motherland.{close}",
        "Officials said 14,000 went.",
    ]


def test_blank_line_ends_a_sentence_without_a_full_stop() -> None:
    text = "Also Read\n\nNorth Korea confirmed it. Russia agreed."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Also Read",
        "North Korea confirmed it.",
        "Russia agreed.",
    ]


def test_passages_hold_a_few_sentences() -> None:
    body = " ".join(f"Sentence number {i} is here." for i in range(10))
    passages = make_passages("x", body)
    assert [len(split_sentences(p.text)) for p in passages] == [3, 3, 3, 1]
