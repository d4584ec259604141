"""A fast smoke version of benchmarks/relevance.py: a handful of TIME and CRAN queries through
the public API, metrics above floors set well under the measured values (see
benchmarks/README.md for the full run). Skips without ../shared/corpora."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPORA, ROOT

sys.path.insert(0, str(ROOT))

from benchmarks.corpora import Collection, load_cran, load_time
from benchmarks.metrics import evaluate
from benchmarks.relevance import run_newsearch, run_whoosh

pytestmark = pytest.mark.corpus
QUERIES = 15


def first_queries(c: Collection, n: int = QUERIES) -> Collection:
    qids = list(c.queries)[:n]
    return dataclasses.replace(
        c, queries={q: c.queries[q] for q in qids}, qrels={q: c.qrels[q] for q in qids}
    )


@pytest.fixture(scope="module")
def time_collection() -> Collection:
    if not (CORPORA / "time").is_dir():
        pytest.skip("needs ../shared/corpora/time")
    return first_queries(load_time(CORPORA))


@pytest.fixture(scope="module")
def cran_collection() -> Collection:
    if not (CORPORA / "cran").is_dir():
        pytest.skip("needs ../shared/corpora/cran")
    return first_queries(load_cran(CORPORA))


def test_time_newsearch_beats_a_floor_and_plain_whoosh(
    time_collection: Collection, tmp_path: Path
) -> None:
    ours = evaluate(
        run_newsearch(time_collection, passages=300, index_dir=tmp_path / "i"),
        time_collection.qrels,
    )
    base = evaluate(run_whoosh(time_collection), time_collection.qrels)
    print("TIME smoke", ours, base)
    assert ours["map"] >= 0.55 and ours["ndcg@10"] >= 0.6
    assert ours["map"] >= base["map"] - 0.02


def test_cran_newsearch_beats_a_floor(cran_collection: Collection, tmp_path: Path) -> None:
    ours = evaluate(
        run_newsearch(cran_collection, passages=300, index_dir=tmp_path / "i"),
        cran_collection.qrels,
    )
    print("CRAN smoke", ours)
    assert ours["map"] >= 0.2 and ours["recall@100"] >= 0.5
