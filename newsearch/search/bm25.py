"""The BM25 formula, once: articles (numpy, and Whoosh's scorer for the shapes numpy does not
take) and passages all score with ``bm25`` below, with the parameters chosen on CRAN.

``bm25`` is Whoosh 2.7.5's own expression in its order of operations, so scores computed with
numpy over whole posting lists equal Whoosh's to the last bit (tests compare them), and it works
on floats and numpy arrays alike.
"""

from __future__ import annotations

import math
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from whoosh import scoring
from whoosh.searching import Searcher

K1 = 1.6  # chosen on CRAN (0.9: 0.316, 1.2: 0.319, 1.6: 0.3205, 2.0: 0.3204 MAP; b 0.75)
B = 0.75

Value = TypeVar("Value", float, npt.NDArray[np.float64])


def bm25(
    idf: float, tf: Value, length: Value, avg_length: float, k1: float = K1, b: float = B
) -> Value:
    """BM25 of a term held ``tf`` times by a field ``length`` long (average ``avg_length``)."""
    return idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * length / avg_length)))


def idf(documents: int, frequency: int) -> float:
    """The inverse document frequency of a term held by ``frequency`` of ``documents``."""
    return math.log(max(documents, 1) / (frequency + 1)) + 1


def saturation(idf_value: float, k1: float = K1) -> float:
    """The most a term can add to one field's score: ``bm25`` as ``tf`` grows without end."""
    return idf_value * (k1 + 1)


def idf_of(searcher: Searcher, fieldname: str, text: bytes | str) -> float:
    """``idf`` of a term over the whole index of ``searcher``."""
    return idf(searcher.doc_count_all(), searcher.doc_frequency(fieldname, text))


def avg_length(searcher: Searcher, fieldname: str) -> float:
    return (searcher.field_length(fieldname) / max(searcher.doc_count_all(), 1)) or 1.0


class CachedBM25F(scoring.BM25F):  # type: ignore[misc]
    """Whoosh's weighting for the query shapes Whoosh matches itself, scoring with ``bm25``
    above, each term's IDF and average field length computed once per searcher (Whoosh
    recomputes them for every segment of every search)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(B=B, K1=K1, **kwargs)
        self._stats: dict[tuple[str, bytes], tuple[float, float]] = {}

    def scorer(self, searcher: Searcher, fieldname: str, text: bytes, qf: int = 1) -> Any:
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        return _Scorer(searcher, fieldname, text, self.stats(searcher, fieldname, text))

    def stats(self, searcher: Searcher, fieldname: str, text: bytes) -> tuple[float, float]:
        """``(idf, average field length)`` of a term, from the whole index."""
        key = (fieldname, text)
        found = self._stats.get(key)
        if found is None:
            parent = searcher.get_parent()
            found = (idf_of(parent, fieldname, text), avg_length(parent, fieldname))
            self._stats[key] = found
        return found


class _Scorer(scoring.WeightLengthScorer):  # type: ignore[misc]
    def __init__(
        self, searcher: Searcher, fieldname: str, text: bytes, stats: tuple[float, float]
    ) -> None:
        self.idf, self.avgfl = stats
        self.setup(searcher, fieldname, text)

    def _score(self, weight: float, length: float) -> float:
        return bm25(self.idf, weight, length, self.avgfl)
