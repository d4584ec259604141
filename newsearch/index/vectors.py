"""Article and passage vectors as the index keeps them: one column value per article document.

An article document's ``vectors`` column holds int8 rows of the model's dimensions: row 0 is
the article's (title and body), then one row per passage, in text order. Each row is its unit
vector scaled so that its largest component is 127: a cosine needs no scale back, only each
row's norm. Whoosh keeps the column with the article's segment, so a replaced or deleted
article's vectors go with it, merges carry them, and ``--rebuild`` makes them again. The
manifest names the model that made them (``embedding``): vectors of another model are not
compared with this model's queries.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from newsearch.index.segments import SegmentView

COLUMN = "vectors"
Vectors = npt.NDArray[np.float32]


def quantize(vectors: npt.NDArray[np.floating]) -> npt.NDArray[np.int8]:
    """Rows of float vectors as the column stores them: int8, each row's largest |x| 127 (a
    zero row stays zero)."""
    rows = np.asarray(vectors, np.float32)
    peak = np.abs(rows).max(axis=1, keepdims=True) if rows.size else rows[:, :1]
    scaled = np.divide(rows * 127.0, peak, out=np.zeros_like(rows), where=peak > 0)
    quantized: npt.NDArray[np.int8] = np.rint(scaled).astype(np.int8)
    return quantized


def pack(vectors: npt.NDArray[np.floating]) -> bytes:
    """One column value: ``vectors`` quantized, as bytes."""
    packed: bytes = quantize(vectors).tobytes()
    return packed


def unpack(value: bytes, dim: int) -> Vectors:
    """A column value back as unit rows (float32; a zero row stays zero)."""
    if not value or len(value) % dim:
        return np.zeros((0, dim), np.float32)
    rows = np.frombuffer(value, np.int8).reshape(-1, dim).astype(np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    unit: Vectors = np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)
    return unit


class VectorTable:
    """One open searcher's vectors: every article's in memory (a float32 matrix, ~0.5 kB an
    article at 128 dimensions), a passage's read from its segment when asked for."""

    def __init__(self, view: SegmentView, dim: int) -> None:
        self._view = view
        self.dim = dim
        heads, have = view.column_heads(COLUMN, dim)  # (row 0 of each: the article's)
        rows = heads.view(np.int8).astype(np.float32)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        self.articles: Vectors = np.divide(rows, norms, out=rows, where=norms > 0)  # (0 stays)
        self.present = have & view.live  # live articles that have vectors
        self._passages: dict[int, Vectors] = {}

    @property
    def any(self) -> bool:
        return bool(self.present.any())

    def article_similarity(self, query: Vectors) -> npt.NDArray[np.float32]:
        """The cosine of every article's vector to ``query`` (a unit vector); 0 without one.

        By einsum, not ``@``: OpenBLAS splits a matrix-vector product over its threads, which
        costs more than it saves at this size (21k articles: 0.9 ms in one thread, 16 ms in
        two on a busy 2-core machine; benchmarks/README.md)."""
        sims: npt.NDArray[np.float32] = np.einsum("ij,j->i", self.articles, query)
        return sims

    def nearest(
        self, query: Vectors, allowed: npt.NDArray[np.int64], k: int, floor: float
    ) -> list[tuple[int, float]]:
        """``(docnum, cosine)`` of the ``k`` ``allowed`` articles nearest ``query`` with a
        cosine of at least ``floor``, nearest first (equal cosines in document order), and any
        more as near as the last, up to ``2 * k`` (copies share their vectors: no cut falls
        between a few of them)."""
        if not len(allowed):
            return []
        pool = allowed[self.present[allowed]]
        sims = self.article_similarity(query)[pool]
        keep = sims >= floor
        pool, sims = pool[keep], sims[keep]
        if len(pool) > k:
            kth = np.partition(sims, len(sims) - k)[len(sims) - k]
            keep = sims >= kth
            pool, sims = pool[keep], sims[keep]
        order = np.lexsort((pool, -sims))[: k * 2]  # (a template's thousands alike: cut)
        return [(int(pool[i]), float(sims[i])) for i in order]

    def passages(self, docnum: int) -> Vectors:
        """The article's passage vectors (unit rows, in text order; none if it has none)."""
        found = self._passages.get(docnum)
        if found is None:
            found = unpack(self._view.column_value(COLUMN, docnum), self.dim)[1:]
            if len(self._passages) > 4096:
                self._passages.clear()
            self._passages[docnum] = found
        return found
