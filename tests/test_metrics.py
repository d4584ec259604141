"""The relevance harness's metrics, checked against values computed by hand."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import metrics  # noqa: E402
from benchmarks.corpora import DEFAULT_ROOT, load_cran, load_time  # noqa: E402
from benchmarks.relevance import aggregate, query_words  # noqa: E402

BACKENDS = [
    "python",
    pytest.param(
        "ir_measures",
        marks=pytest.mark.skipif(
            metrics.ir_measures_version() is None, reason="ir-measures not installed"
        ),
    ),
]

# q1: graded gains, d2 judged not relevant, d4 relevant but not retrieved, d5 not judged.
# q2: relevant documents but no results at all -> every measure 0.
# q3: a tie on score, broken by doc id descending as trec_eval does: b (not relevant), then a.
QRELS = {
    "q1": {"d1": 3, "d2": 0, "d3": 1, "d4": 2},
    "q2": {"x": 1},
    "q3": {"a": 1},
}
RUN = {
    "q1": {"d1": 0.9, "d2": 0.8, "d3": 0.7, "d5": 0.6},
    "q3": {"a": 0.5, "b": 0.5},
    "unjudged": {"z": 1.0},  # not in the qrels: ignored
}

AP_Q1 = (1 / 1 + 2 / 3) / 3  # relevant at ranks 1 and 3 of 3 relevant
NDCG_Q1 = (3 + 1 / math.log2(4)) / (3 + 2 / math.log2(3) + 1 / math.log2(4))
AP_Q3 = 1 / 2
NDCG_Q3 = 1 / math.log2(3)


@pytest.mark.parametrize("backend", BACKENDS)
def test_per_query_values(backend: metrics.Backend) -> None:
    table = metrics.per_query(RUN, QRELS, backend)
    assert set(table) == {"q1", "q2", "q3"}
    assert table["q1"]["map"] == pytest.approx(AP_Q1)
    assert table["q1"]["ndcg@10"] == pytest.approx(NDCG_Q1)
    assert table["q1"]["p@10"] == pytest.approx(0.2)
    assert table["q1"]["recall@100"] == pytest.approx(2 / 3)
    assert table["q2"] == dict.fromkeys(metrics.MEASURES, 0.0)
    assert table["q3"]["map"] == pytest.approx(AP_Q3)
    assert table["q3"]["ndcg@10"] == pytest.approx(NDCG_Q3)
    assert table["q3"]["p@10"] == pytest.approx(0.1)
    assert table["q3"]["recall@100"] == pytest.approx(1.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_means_count_queries_without_results_as_zero(backend: metrics.Backend) -> None:
    means = metrics.evaluate(RUN, QRELS, backend)
    assert means["map"] == pytest.approx((AP_Q1 + 0 + AP_Q3) / 3)
    assert means["ndcg@10"] == pytest.approx((NDCG_Q1 + NDCG_Q3) / 3)
    assert means["p@10"] == pytest.approx((0.2 + 0.1) / 3)
    assert means["recall@100"] == pytest.approx((2 / 3 + 1) / 3)


@pytest.mark.parametrize("backend", BACKENDS)
def test_cutoffs(backend: metrics.Backend) -> None:
    docs = [f"d{i:03d}" for i in range(1, 151)]  # d001 ranked 1st ... d150 ranked 150th
    run = metrics.from_rankings({"q": docs})
    qrels = {"q": {"d011": 1, "d050": 1, "d120": 1, "d999": 1}}
    row = metrics.per_query(run, qrels, backend)["q"]
    assert row["p@10"] == 0.0  # first relevant at rank 11
    assert row["recall@100"] == pytest.approx(2 / 4)
    assert row["map"] == pytest.approx((1 / 11 + 2 / 50 + 3 / 120) / 4)
    assert row["ndcg@10"] == 0.0


def test_ranked_breaks_ties_by_doc_id_descending() -> None:
    assert metrics.ranked({"a": 1.0, "c": 1.0, "b": 2.0}) == ["b", "c", "a"]


def test_from_rankings_keeps_order_and_first_occurrence() -> None:
    run = metrics.from_rankings({"q": ["b", "a", "b", "c"]})
    assert metrics.ranked(run["q"]) == ["b", "a", "c"]


def test_no_relevant_documents_scores_zero() -> None:
    row = metrics.per_query({"q": {"a": 1.0}}, {"q": {"a": 0}}, "python")["q"]
    assert row == dict.fromkeys(metrics.MEASURES, 0.0)


def test_aggregate_passages_into_documents() -> None:
    hits = [("a", 5.0), ("b", 4.0), ("b", 3.5), ("c", 3.0), ("a", 0.5)]
    assert aggregate(hits, "first") == ["a", "b", "c"]
    assert aggregate(hits, "top2") == ["b", "a", "c"]  # 7.5 > 5.5 > 3.0
    assert aggregate(hits, "first", depth=2) == ["a", "b"]


def test_query_words_strip_syntax() -> None:
    assert query_words('THE BAATH (RENAISSANCE) PARTY, "NOT" VIET NAM\'S') == [
        "the",
        "baath",
        "renaissance",
        "party",
        "not",
        "viet",
        "nam's",
    ]


@pytest.mark.corpus
@pytest.mark.skipif(not DEFAULT_ROOT.is_dir(), reason="shared corpora absent")
def test_time_judgments_map_to_positions() -> None:
    aligned = load_time(DEFAULT_ROOT)
    positional = load_time(DEFAULT_ROOT, qrels="positional")
    assert len(aligned.docs) == 423 and len(aligned.queries) == 83
    assert aligned.docs[0].id == "1" and aligned.docs[0].body.startswith("THE ALLIES AFTER NASSAU")
    assert "424" in positional.qrels["15"] and "422" in aligned.qrels["15"]  # SOUTH KOREA
    assert aligned.qrels["23"] == {"423": 1}  # "newly joined the U.N." -> UNITED NATIONS
    assert "268" in aligned.qrels["1"]  # below the shift: unchanged
    assert "SOUTH KOREA" in aligned.docs[421].body[:40]


@pytest.mark.corpus
@pytest.mark.skipif(not DEFAULT_ROOT.is_dir(), reason="shared corpora absent")
def test_cran_fields_and_gains() -> None:
    cran = load_cran(DEFAULT_ROOT)
    assert len(cran.docs) == 1400 and len(cran.queries) == 225
    first = cran.docs[0]
    assert first.title and first.title.startswith("experimental investigation")
    assert "brenckman" not in first.body  # .A stays out of the body
    assert cran.qrels["1"]["184"] == 3  # code 2 -> gain 3
    assert cran.qrels["1"]["486"] == 0  # code -1 -> judged not relevant
    assert cran.queries["3"].startswith("what problems of heat conduction")  # .I 004
