"""Group an article body's sentences into passages, keeping exact character offsets; cut a
body over ``MAX_BODY_CHARS`` at a boundary before it is split into sentences."""

from __future__ import annotations

import re

from newsearch.models import Passage
from newsearch.text.analysis import split_sentences

MAX_SENTENCES = 3
MAX_CHARS = 700
# The longest body indexed, in characters (1 MB of text: a long book chapter; a news article
# is rarely over 50,000). A longer body is cut by ``cut_body`` before sentence splitting, so
# one giant file makes an article of a few thousand passages, not of 65,000 (and Punkt never
# reads more than this much of it).
MAX_BODY_CHARS = 1_000_000
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s")


def cut_body(body: str, limit: int = MAX_BODY_CHARS) -> str:
    """``body`` if it holds at most ``limit`` characters, else its start cut at the last
    paragraph break, else sentence end, else line break, else space in its second half
    (``limit`` characters at worst), so the cut falls between passages. Cheap: it looks at the
    second half of the kept part only, never at the rest."""
    if len(body) <= limit:
        return body
    floor = limit // 2
    tail = body[floor : limit + 1]  # one more: a break right at the limit counts
    para = tail.rfind("\n\n")
    if para > 0:
        return body[: floor + para].rstrip()
    ends = [m.end() for m in _SENTENCE_END.finditer(tail)]
    if ends:
        return body[: floor + ends[-1]].rstrip()
    for sep in ("\n", " "):
        at = tail.rfind(sep)
        if at > 0:
            return body[: floor + at].rstrip()
    return body[:limit]


def make_passages(
    article_id: str,
    body: str,
    max_sentences: int = MAX_SENTENCES,
    max_chars: int = MAX_CHARS,
    *,
    language: str | None = None,
) -> list[Passage]:
    """Consecutive sentences, up to ``max_sentences`` or about ``max_chars`` a passage; the
    sentences split as ``language`` (the article's code; None: English) splits them.

    ``body[p.start:p.end] == p.text`` for every passage returned.
    """
    passages: list[Passage] = []
    group: list[tuple[int, int]] = []

    def flush() -> None:
        if group:
            start, end = group[0][0], group[-1][1]
            passages.append(Passage(article_id, len(passages), start, end, body[start:end]))
            group.clear()

    for span in split_sentences(body, language):
        if group and (span[1] - group[0][0] > max_chars):
            flush()
        group.append(span)
        if len(group) >= max_sentences:
            flush()
    flush()
    return passages
