from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
CORPORA = ROOT.parent / "shared" / "corpora"

SEED_000 = SEEDS / "000_7605931e5e27fa1f.txt"  # " date 2025-04-28 By RFA"
SEED_001 = SEEDS / "001_19a4667f5072d908.txt"  # headline, no date, no source
SEED_002 = SEEDS / "002_38b05d4338d82b95.txt"  # " date 2025-04-28 By Hyonhee Shin"
SEED_003 = SEEDS / "003_f7fbc22d062b2b94.txt"  # headline, Published:, trailing byline
SEED_004 = SEEDS / "004_c473904d00b49991.txt"  # no header at all


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the seeds without entities or vectors (fast; hybrid mode ranks by words on
    it, so the tests of lexical matching hold whatever the mode); tests must not write to it."""
    from newsearch import build_index

    path = tmp_path_factory.mktemp("seed-index")
    build_index(SEEDS, path, entities=False, vectors=False)
    return path


@pytest.fixture(scope="session")
def seed_vector_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the seeds with passage vectors (hybrid mode), without entities."""
    from newsearch import build_index

    path = tmp_path_factory.mktemp("seed-vector-index")
    build_index(SEEDS, path, entities=False)
    return path


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A Dask client of a LocalCluster of two in-process workers, one a module (the cluster
    tests: test_cluster.py, test_cluster_search.py)."""
    from distributed import Client

    from newsearch.cluster.connect import local_cluster

    with local_cluster(2, processes=False) as cluster, Client(cluster) as c:
        yield c


@pytest.fixture()
def seeds_copy(tmp_path: Path) -> Iterator[Path]:
    dest = tmp_path / "seeds"
    shutil.copytree(SEEDS, dest)
    yield dest


def corpus(name: str) -> Path:
    path = CORPORA / name
    if not path.is_dir():
        pytest.skip(f"{path} is absent (needs ../shared/corpora)")
    return path


def assert_best_first(scores: list[float], articles: list[str]) -> None:
    """Results as the engine orders them: each article's best passage first (a leading run
    of distinct articles, best first), then the rest (best first, but for passages of an
    article over the per-article cap, shown last for want of other articles)."""
    first = 0
    while first < len(articles) and articles[first] not in articles[:first]:
        first += 1
    lead, rest = scores[:first], scores[first:]
    assert lead == sorted(lead, reverse=True) and (not lead or lead[0] == max(scores))
    capped = [a for a in articles[first:] if articles.count(a) > 2]
    kept = [s for s, a in zip(rest, articles[first:], strict=True) if a not in capped]
    assert kept == sorted(kept, reverse=True)
