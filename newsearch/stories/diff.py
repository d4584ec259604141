"""What a copy changed: a word-level diff of its text against the article's.

Both texts are split into words (with their offsets); difflib aligns the word sequences
(case and spacing aside); each run of words that differs is one ``CopyChange``: the article's
words there (with their offsets in its body) and the copy's instead, in the article's passage
that holds them. A changed headline is a change of passage -1.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Sequence

from newsearch.models import CopyChange

MAX_CHANGES = 50  # a copy differing in more places is shown by its first ones
_WORD = re.compile(r"\S+")


def _words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text)]


def changes(
    body: str,
    passage_starts: Sequence[int],
    other: str,
    title: str | None = None,
    other_title: str | None = None,
) -> tuple[CopyChange, ...]:
    """The places where ``other`` differs from ``body`` (``passage_starts``: where each of
    the article's passages starts), word by word; the headline first if it changed."""
    out: list[CopyChange] = []
    if (title or "").split() != (other_title or "").split() and (title or other_title):
        out.append(CopyChange(-1, 0, len(title or ""), title or "", other_title or ""))
    mine, theirs = _words(body), _words(other)
    matcher = difflib.SequenceMatcher(
        None, [w for w, _, _ in mine], [w for w, _, _ in theirs], autojunk=False
    )
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if i1 < i2:
            start, end = mine[i1][1], mine[i2 - 1][2]
        else:  # words added: at the end of the word before (or the start)
            start = end = mine[i1 - 1][2] if i1 else 0
        added = other[theirs[j1][1] : theirs[j2 - 1][2]] if j1 < j2 else ""
        passage = max(0, bisect.bisect_right(list(passage_starts), start) - 1)
        out.append(CopyChange(passage, start, end, body[start:end], added))
        if len(out) >= MAX_CHANGES:
            break
    return tuple(out)
