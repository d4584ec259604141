"""The engine's fast tokeniser sees exactly the terms the index was built with."""

from __future__ import annotations

import pytest

from newsearch.ingest.readers import iter_items
from newsearch.models import Article
from newsearch.text.analysis import news_analyzer, term_spans
from tests.conftest import SEEDS

TRICKY = [
    "North Korea’s troops; Russia's army. The U.S. and U.N. said so.",
    "Zelenskyy (Зеленський) met Président Macron in Kyiv — 1,200 killed, 3.5% up.",
    "Kim Jong-un's order: 'investigating', investigate, investigated!",
    "  trailing   spaces\tand\nnew lines  ",
    "",
]


def seed_bodies() -> list[str]:
    return [a.title or "" for a in iter_items([SEEDS]) if isinstance(a, Article)] + [
        a.body for a in iter_items([SEEDS]) if isinstance(a, Article)
    ]


@pytest.mark.parametrize("text", TRICKY + seed_bodies())
def test_term_spans_agree_with_the_index_analyzer(text: str) -> None:
    indexed = [(t.text, t.startchar, t.endchar) for t in news_analyzer()(text, chars=True)]
    assert list(term_spans(text)) == indexed


def test_term_spans_offsets_point_at_the_words() -> None:
    text = "Kursk casualties: Russia’s losses"
    assert [(t, text[a:b]) for t, a, b in term_spans(text)] == [
        ("kursk", "Kursk"),
        ("casualti", "casualties"),
        ("russia", "Russia’s"),
        ("loss", "losses"),
    ]
