"""Group an article body's sentences into passages, keeping exact character offsets."""

from __future__ import annotations

from newsearch.models import Passage
from newsearch.text.analysis import split_sentences

MAX_SENTENCES = 3
MAX_CHARS = 700


def make_passages(
    article_id: str, body: str, max_sentences: int = MAX_SENTENCES, max_chars: int = MAX_CHARS
) -> list[Passage]:
    """Consecutive sentences, up to ``max_sentences`` or about ``max_chars`` a passage.

    ``body[p.start:p.end] == p.text`` for every passage returned.
    """
    passages: list[Passage] = []
    group: list[tuple[int, int]] = []

    def flush() -> None:
        if group:
            start, end = group[0][0], group[-1][1]
            passages.append(Passage(article_id, len(passages), start, end, body[start:end]))
            group.clear()

    for span in split_sentences(body):
        if group and (span[1] - group[0][0] > max_chars):
            flush()
        group.append(span)
        if len(group) >= max_sentences:
            flush()
    flush()
    return passages
