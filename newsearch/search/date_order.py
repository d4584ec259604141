"""Articles in date order with numpy: a listing by date (``--sort newest``, a query of filters
only) sorts every matching article, which Whoosh does in Python one article at a time (half a
second for 125,000 articles); here the sort keys are read once per open searcher (the columns
of index/segments.py)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from newsearch.index.segments import SegmentView

Ints = npt.NDArray[np.int64]
Order = Literal["newest", "oldest"]


class DateOrder:
    """The ``newest``/``oldest`` sort keys (index.keys.sort_keys: fixed-width byte strings,
    undated articles last either way) of every document of one open searcher."""

    def __init__(self, view: SegmentView) -> None:
        self._view = view

    def first(self, docnums: Ints, order: Order, limit: int) -> list[int]:
        """The first ``limit`` of ``docnums`` in ``order``; equal keys in document order, as
        Whoosh sorts them."""
        if limit <= 0 or not len(docnums):
            return []
        keys = self._view.column(order)[docnums]
        if len(docnums) > limit:  # those up to the limit-th key, then sort only those
            kth = np.partition(keys, limit - 1)[limit - 1]
            keep = keys <= kth
            docnums, keys = docnums[keep], keys[keep]
        picked = np.lexsort((docnums, keys))[:limit]
        return [int(d) for d in docnums[picked]]
