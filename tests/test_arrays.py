"""search/arrays.py: sets of document numbers as numpy's unique would give them."""

from __future__ import annotations

import numpy as np
import pytest

from newsearch.search.arrays import unique


@pytest.mark.parametrize("seed", range(20))
def test_unique_is_numpys(seed: int) -> None:
    rng = np.random.default_rng(seed)
    parts = [rng.integers(0, 50, rng.integers(0, 30)) for _ in range(rng.integers(1, 4))]
    got = unique(*parts)
    assert got.dtype == np.int64
    assert got.tolist() == np.unique(np.concatenate(parts)).tolist()


def test_unique_of_nothing() -> None:
    assert unique().tolist() == [] and unique(np.empty(0, np.int64)).tolist() == []
    assert unique(np.array([7, 7, 7])).tolist() == [7]
