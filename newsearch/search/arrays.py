"""Sets of integers as sorted numpy arrays, without ``np.unique``: numpy 2.4's unique asks
``np.ma`` whether its input is masked, and importing ``numpy.ma`` costs a query process
~20 ms of its start (a command line query pays it on every run)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]


def unique(*parts: npt.NDArray[np.integer]) -> Ints:
    """The distinct values of ``parts``, sorted (``np.unique(np.concatenate(parts))``)."""
    if not parts:
        return np.empty(0, np.int64)
    values = np.sort(np.concatenate(parts).astype(np.int64, copy=False))
    if len(values) < 2:
        return values
    keep = np.empty(len(values), np.bool_)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    out: Ints = values[keep]
    return out
