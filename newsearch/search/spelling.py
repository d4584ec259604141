""" "Did you mean": corrections from the vocabulary of the words the index holds (saved beside
each generation by the indexer: index/vocabulary.py)."""

from __future__ import annotations

import re
from collections import Counter

_WORD = re.compile(r"[^\W\d_]{3,}")  # what the speller corrects to


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (adjacent transpositions), or ``limit + 1`` once it exceeds limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


class Speller:
    """Corrections for words missing from a vocabulary."""

    def __init__(self, vocabulary: Counter[str]) -> None:
        self.vocabulary = vocabulary
        # Candidates by length and first letter: a correction keeps the first letter, or
        # swaps the first two.
        self._groups: dict[tuple[int, str], list[str]] = {}
        for word in vocabulary:
            if _WORD.fullmatch(word):
                self._groups.setdefault((len(word), word[0]), []).append(word)

    def correct(self, word: str) -> str | None:
        """The most frequent close word, or None if the word is known or nothing is close."""
        w = word.lower()
        if w in self.vocabulary or len(w) < 3:
            return None
        # The distances by rapidfuzz (C++): the same measure as edit_distance (optimal string
        # alignment), ~100x faster over a vocabulary's candidates than the Python loop.
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        limit = 1 if len(w) <= 5 else 2
        best: tuple[int, int, str] | None = None
        for n in range(len(w) - limit, len(w) + limit + 1):
            cands = self._groups.get((n, w[0]), [])
            if w[1] != w[0]:  # the first two letters swapped
                cands = cands + [c for c in self._groups.get((n, w[1]), []) if c[1] == w[0]]
            found = process.extract(w, cands, scorer=OSA.distance, score_cutoff=limit, limit=None)
            for cand, d, _ in found:
                key = (int(d), -self.vocabulary[cand], cand)
                if best is None or key < best:
                    best = key
        return best[2] if best else None

    def suggest(self, text: str) -> str | None:
        """``text`` with the words the index lacks corrected (lower case), or None if none."""
        changed = False

        def fix(m: re.Match[str]) -> str:
            nonlocal changed
            word = m.group(0)
            better = self.correct(word)
            if better is None:
                return word.lower()
            changed = True
            return better

        out = re.sub(r"[^\W\d_]+", fix, text)
        return out if changed else None
