"""The index's words, as the query plan asks for them: index terms by prefix or by edit distance
(Whoosh's term lists), their document frequencies, words of the corpus as written (the
spelling vocabulary) near a fuzzy word, so ``Zelensky~`` finds both Zelenskyy and Zelenskiy
whose stems are further apart than the words, and the languages the articles are in."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from itertools import islice

from whoosh.searching import Searcher

from newsearch.search.plan import Lexicon
from newsearch.search.spelling import edit_distance

MAX_CANDIDATES = 5000  # index terms a prefix is read for, before the most frequent are kept


def index_lexicon(searcher: Searcher, vocabulary: Callable[[], Counter[str]]) -> Lexicon:
    """The lexicon of an open searcher; ``vocabulary`` loads the spelling vocabulary (only a
    fuzzy word needs it)."""
    reader = searcher.reader()
    by_letter: dict[str, list[str]] = {}

    def prefixed(field: str, prefix: str) -> list[str]:
        if field not in searcher.schema or not prefix:
            return []
        found = islice(reader.expand_prefix(field, prefix), MAX_CANDIDATES)
        return [t.decode("utf-8") if isinstance(t, bytes) else str(t) for t in found]

    def frequency(field: str, term: str) -> int:
        return int(reader.doc_frequency(field, term)) if field in searcher.schema else 0

    def letter(first: str) -> list[str]:
        if not by_letter:
            for w in vocabulary():
                by_letter.setdefault(w[:1], []).append(w)
        return by_letter.get(first, [])

    def written(prefix: str, pattern: re.Pattern[str]) -> list[str]:
        if not prefix:  # a pattern starting with * would read the whole vocabulary
            return []
        return [w for w in letter(prefix[0]) if w.startswith(prefix) and pattern.fullmatch(w)]

    def near(word: str, maxdist: int) -> list[str]:
        if not word:
            return []
        return [
            w
            for w in letter(word[0])
            if abs(len(w) - len(word)) <= maxdist and edit_distance(word, w, maxdist) <= maxdist
        ]

    def within(field: str, term: str, maxdist: int) -> list[str]:
        if field not in searcher.schema or not term:
            return []
        found = reader.terms_within(field, term, maxdist, prefix=1)
        return [t.decode("utf-8") if isinstance(t, bytes) else str(t) for t in found]

    held: list[str] = []

    def languages() -> list[str]:
        """The languages of the index's articles (codes), read once."""
        if not held and "language" in searcher.schema:
            held.extend(t.decode("utf-8") if isinstance(t, bytes) else str(t)
                        for t in reader.lexicon("language"))  # fmt: skip
        return held

    lexicon = Lexicon(prefixed, frequency, near, within, written)
    lexicon.languages = languages
    return lexicon
