"""Sentence splitting and passages keep exact offsets into the body."""

from __future__ import annotations

import re

import pytest

from newsearch.ingest.readers import iter_items
from newsearch.models import Article
from newsearch.text import analysis
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


# Paragraphs of every kind split_sentences meets: where Punkt may end a sentence and where it
# cannot (wire-table rows, datelines, headlines, decimals, a full stop at the very end, a
# closing quote, CJK full stops, which Punkt does not know).
_PARAGRAPHS = [
    "Shr 10 cts vs five cts\n    Net 1,200,000 vs 900,000\n    Revs 12.4 mln vs 10.1 mln",
    "NEW YORK, March 3 - Volume rose 2.5 pct to 1.2 billion shares",
    "Oil prices rise sharply",
    "Prices rose 2.5 pct. Analysts said it would last.",
    "Is it over? Nobody knows! Ask again...",
    'He said: "It is over." Then he left',
    "The deal closed.",
    "U.S. Treasury bills rose in thin trade",
    "Reuters\n\n",
    "Der Preis stieg um 2,5 Prozent. Das sagte die Bank bzw. ihr Sprecher",
    "油价周一大幅上涨。分析人士表示，这种情况将会持续",
    "  Indented line with no end\n\n  Another one. And a second sentence",
]


@pytest.mark.parametrize("language", [None, "de", "zh"])
def test_sentences_are_punkts_where_a_paragraph_cannot_end_one(
    language: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A paragraph with nowhere Punkt may end a sentence is taken as one sentence without
    asking Punkt: the spans are those Punkt gives when asked about every paragraph."""
    text = "\n\n".join(_PARAGRAPHS + [a.body for a in seed_articles()])
    fast = split_sentences(text, language)
    real = analysis._punkt.__wrapped__

    def always_punkt(*args: frozenset[str]) -> tuple[object, object]:
        tokenizer, _ = real(*args)
        return tokenizer, re.compile("")  # (a place to end one everywhere)

    monkeypatch.setattr(analysis, "_punkt", always_punkt)
    assert fast == split_sentences(text, language)
    assert len(fast) > len(_PARAGRAPHS)
