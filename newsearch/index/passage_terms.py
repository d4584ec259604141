"""Each passage's index terms and words, stored with its article (format 10).

A query scores the passages of its best articles with BM25 over their own terms
(search/scoring.py). Analysing them again on every query (tokens found, normalised, stemmed)
was the largest part of a hybrid query's time on articles it had not met before: the terms
are made once, when the article is indexed, and the writer builds the text field's postings
from the same terms rather than analysing the text a second time.

So are the words of each passage the embedding model knows (``WORDS``: the content words
hybrid ranking compares with the query's by meaning, search/related.py), when the run makes
vectors.

A stored value is one string: the title's terms, then each passage's, a line each, the
terms of a line separated by single spaces (an index term holds no white space); the words
the same, a passage a line, without the title's line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

FIELD = "terms"
WORDS = "words"
Terms = tuple[str, ...]


def encode(title: Sequence[str], passages: Sequence[Sequence[str]]) -> str:
    """The stored value of an article's title terms and each passage's terms."""
    return "\n".join(" ".join(line) for line in (title, *passages))


def decode(value: object, count: int) -> tuple[Terms, list[Terms]] | None:
    """``(title terms, each passage's terms)`` of a stored value, or None when there is none
    or it does not hold ``count`` passages (then the caller analyses the text)."""
    if not isinstance(value, str):
        return None
    lines = value.split("\n")
    if len(lines) != count + 1:
        return None
    title, *passages = (tuple(line.split(" ")) if line else () for line in lines)
    return title, passages


def encode_words(passages: Sequence[Iterable[str]]) -> str:
    """The stored value of each passage's distinct words (sorted: the same text, the same
    value)."""
    return "\n".join(" ".join(sorted(set(words))) for words in passages)


def decode_words(value: object, count: int) -> list[frozenset[str]] | None:
    """Each passage's words from a stored value, or None when there is none or it does not
    hold ``count`` passages."""
    if not isinstance(value, str):
        return None
    lines = value.split("\n")
    if len(lines) != count:
        return None
    return [frozenset(line.split(" ")) if line else frozenset() for line in lines]
