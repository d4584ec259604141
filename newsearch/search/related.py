"""Related words: the words of a passage close in meaning to a word of the query.

A passage found by meaning holds the answer in its own words ("killed or wounded" for
"casualties"); those words are lit as related, apart from the query's own matches. A word is
related when the cosine of its vector (the embedding model's, a word alone) to one of the query
words' is at least RELATED_SIMILARITY; stop words, numbers, words of one or two letters and the
query's own matches are not lit. Only words the model holds whole are compared (a rare name it
knows by its pieces is near any word sharing a piece). The threshold was chosen from the
model's similarities (killed 0.39, died 0.35, wounded 0.57 to "casualties"; football 0.15).
The same words and the query's own, weighted by their rarity, are the ``evidence`` hybrid
ranking adds up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from typing import Protocol

import numpy as np
import numpy.typing as npt

from newsearch.text.analysis import STOP_WORDS
from newsearch.text.embedding import CONTENT_WORD, content_words

__all__ = ["RELATED_SIMILARITY", "Related", "content_words"]

RELATED_SIMILARITY = 0.35

Span = tuple[int, int]


class WordEmbedder(Protocol):
    def known_vectors(self, words: Sequence[str]) -> npt.NDArray[np.float32]: ...

    def knows(self, word: str) -> bool: ...

    @property
    def vocabulary(self) -> AbstractSet[str]: ...


class Related:
    """Lights related words for one query (``words``: the query's words as typed)."""

    def __init__(self, embedder: WordEmbedder, words: Sequence[str]) -> None:
        self._embedder = embedder
        self._query = frozenset(words)
        # Only words the model knows whole have neighbours: a name it knows by its pieces
        # ("kursk": ku + ##rsk) is near every word sharing a piece.
        known = sorted(w for w in self._query if embedder.knows(w))
        found = embedder.known_vectors(known) if known else np.zeros((0, 1))
        self._vectors: npt.NDArray[np.float32] = np.asarray(found, np.float32)
        # What ``evidence`` compared (the candidates' words), so that ``spans`` looks the
        # shown passages' words up rather than comparing them again: the related ones, with
        # their best cosine, and every word compared.
        self._close: dict[str, float] = {}
        self._compared: AbstractSet[str] = frozenset()

    def closeness(self, words: Sequence[str]) -> dict[str, float]:
        """Each of ``words`` (lower case) that is related to a query word: its greatest cosine
        to one (query words themselves are left out)."""
        if not len(self._vectors):
            return {}
        compared, close = self._compared, self._close
        out = {w: close[w] for w in words if w in close}
        unique = sorted(
            {
                w
                for w in words
                if w not in compared and w not in self._query and self._embedder.knows(w)
            }
        )
        if unique:
            best = _cosines(self._embedder.known_vectors(unique), self._vectors).max(axis=1)
            out.update(
                (w, float(b)) for w, b in zip(unique, best, strict=True) if b >= RELATED_SIMILARITY
            )
        return out

    def evidence(
        self, passages: Sequence[frozenset[str]], rarity: Callable[[str], float]
    ) -> npt.NDArray[np.float64]:
        """How well each passage (its distinct words, lower case) answers the query, in its
        words or in others: for each query word, the best of the passage's words close to it
        (the word itself, cosine 1, or a related word) by cosine times that word's ``rarity``,
        summed. A query word a passage holds (one the model knows whole) counts in full, so
        that a passage saying what was asked never weighs less than one saying it in other
        words (leaving them out cost the passages that had them: TIME MAP 0.685 against 0.701
        so, benchmarks/README.md). The words of all the passages are compared at once."""
        out = np.zeros(len(passages))
        every = set().union(*passages) if passages else set()
        vocab = sorted(every & self._embedder.vocabulary)
        if not vocab or not len(self._vectors):
            return out
        sims = _cosines(self._embedder.known_vectors(vocab), self._vectors)
        related = np.flatnonzero((sims >= RELATED_SIMILARITY).any(axis=1))  # rows of words
        self._remember(vocab, sims, related)
        if not len(related):
            return out
        # Only the related words count: a passage's are found by a set intersection (in C)
        # rather than by looking up each of its words, and the best of each passage's rows
        # taken for all the passages at once.
        sims = sims[related]
        weights = np.asarray([rarity(vocab[i]) for i in related])
        scored = np.where(sims >= RELATED_SIMILARITY, sims, 0.0) * weights[:, None]
        index = {vocab[i]: k for k, i in enumerate(related)}
        keys = index.keys()
        rows: list[int] = []
        holding: list[int] = []  # the passages with a related word, each one's first row
        starts: list[int] = []
        for n, ws in enumerate(passages):
            found = ws & keys
            if found:
                holding.append(n)
                starts.append(len(rows))
                rows.extend(map(index.__getitem__, found))
        if holding:
            best = np.maximum.reduceat(scored[rows], starts, axis=0)
            out[holding] = best.sum(axis=1)
        return out

    def _remember(
        self, vocab: list[str], sims: npt.NDArray[np.float32], related: npt.NDArray[np.intp]
    ) -> None:
        """Keep what ``evidence`` compared for ``closeness``: every word, and the related
        ones (but the query's own) with their best cosine."""
        self._compared = frozenset(vocab)
        best = sims[related].max(axis=1) if len(related) else np.zeros(0, np.float32)
        query = self._query
        self._close = {
            vocab[i]: b
            for i, b in zip(related.tolist(), best.tolist(), strict=True)
            if vocab[i] not in query
        }

    def spans(self, text: str, highlights: Sequence[Span]) -> tuple[Span, ...]:
        """``(start, end)`` of each related word of ``text`` that is not inside a highlight."""
        if not len(self._vectors):
            return ()
        found = [
            (m.start(), m.end(), m.group().lower())
            for m in CONTENT_WORD.finditer(text)
            if len(m.group()) > 2 and m.group().lower() not in STOP_WORDS
        ]
        found = [
            (s, e, w)
            for s, e, w in found
            if w not in self._query and not any(s < he and hs < e for hs, he in highlights)
        ]
        close = self.closeness([w for _, _, w in found])
        return tuple((s, e) for s, e, w in found if w in close)


def _cosines(
    words: npt.NDArray[np.float32], query: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """Each word's cosine (rows of unit vectors) to each query word's: by einsum, not ``@``,
    as index/vectors.py's article_similarity. OpenBLAS splits a product of a few thousand
    words by a few query words over its threads, which costs more than it saves: over 360
    Reuters queries on two cores, hybrid p95 28-32 ms with ``@`` here and in hybrid.py's
    candidates, 23-26 ms with einsum (the same results; scores within 3e-7)."""
    sims: npt.NDArray[np.float32] = np.einsum("ij,kj->ik", words, query)
    return sims
