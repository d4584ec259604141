"""Ranking metrics with trec_eval semantics: MAP, nDCG@10, P@10, Recall@100.

``evaluate`` uses ir-measures (pytrec_eval) when it is installed and an equivalent pure-Python
implementation otherwise; ``tests/test_metrics.py`` checks both against hand-computed values.

Conventions (those of ``trec_eval -c``):
- a run maps query id -> {doc id: score}; documents are ranked by score, descending, and ties
  are broken by doc id, *descending* (as trec_eval does);
- judgments are gains: > 0 relevant, <= 0 judged not relevant; nDCG uses the gain linearly
  (DCG = sum gain / log2(rank + 1));
- averages run over every query of the qrels: a query the run has no results for scores 0,
  and queries of the run that the qrels do not know are ignored.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

Run = Mapping[str, Mapping[str, float]]
Qrels = Mapping[str, Mapping[str, int]]
Backend = Literal["auto", "python", "ir_measures"]

MEASURES: tuple[str, ...] = ("map", "ndcg@10", "p@10", "recall@100")


def from_rankings(rankings: Mapping[str, Sequence[str]]) -> dict[str, dict[str, float]]:
    """Turn ranked doc-id lists into a run whose scores reproduce exactly that order."""
    run: dict[str, dict[str, float]] = {}
    for qid, docs in rankings.items():
        scores: dict[str, float] = {}
        for rank, doc in enumerate(docs):
            scores.setdefault(doc, float(len(docs) - rank))  # first occurrence wins
        run[qid] = scores
    return run


def ranked(scores: Mapping[str, float]) -> list[str]:
    """Doc ids by score descending, ties by doc id descending (trec_eval's order)."""
    return [doc for doc, _ in sorted(scores.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)]


def average_precision(ranking: Sequence[str], gains: Mapping[str, int]) -> float:
    n_rel = sum(1 for g in gains.values() if g > 0)
    if n_rel == 0:
        return 0.0
    hits, total = 0, 0.0
    for i, doc in enumerate(ranking, 1):
        if gains.get(doc, 0) > 0:
            hits += 1
            total += hits / i
    return total / n_rel


def ndcg_at(ranking: Sequence[str], gains: Mapping[str, int], k: int) -> float:
    ideal_gains = sorted((g for g in gains.values() if g > 0), reverse=True)[:k]
    ideal = sum(g / math.log2(i + 1) for i, g in enumerate(ideal_gains, 1))
    if ideal == 0:
        return 0.0
    dcg = sum(max(gains.get(d, 0), 0) / math.log2(i + 1) for i, d in enumerate(ranking[:k], 1))
    return dcg / ideal


def precision_at(ranking: Sequence[str], gains: Mapping[str, int], k: int) -> float:
    return sum(1 for d in ranking[:k] if gains.get(d, 0) > 0) / k


def recall_at(ranking: Sequence[str], gains: Mapping[str, int], k: int) -> float:
    n_rel = sum(1 for g in gains.values() if g > 0)
    if n_rel == 0:
        return 0.0
    return sum(1 for d in ranking[:k] if gains.get(d, 0) > 0) / n_rel


def _python_per_query(run: Run, qrels: Qrels) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for qid, gains in qrels.items():
        ranking = ranked(run.get(qid, {}))
        out[qid] = {
            "map": average_precision(ranking, gains),
            "ndcg@10": ndcg_at(ranking, gains, 10),
            "p@10": precision_at(ranking, gains, 10),
            "recall@100": recall_at(ranking, gains, 100),
        }
    return out


def _ir_measures_per_query(run: Run, qrels: Qrels) -> dict[str, dict[str, float]]:
    import ir_measures
    from ir_measures import AP, P, R, nDCG

    names = {
        str(AP): "map",
        str(nDCG @ 10): "ndcg@10",
        str(P @ 10): "p@10",
        str(R @ 100): "recall@100",
    }
    out = {qid: dict.fromkeys(MEASURES, 0.0) for qid in qrels}
    run_in = {q: dict(s) for q, s in run.items() if q in qrels and s}
    qrels_in = {q: dict(g) for q, g in qrels.items() if q in run_in}
    if run_in:
        measures = [AP, nDCG @ 10, P @ 10, R @ 100]
        for m in ir_measures.iter_calc(measures, qrels_in, run_in):
            out[m.query_id][names[str(m.measure)]] = float(m.value)
    return out


def ir_measures_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("ir-measures")
    except Exception:
        return None


def per_query(run: Run, qrels: Qrels, backend: Backend = "auto") -> dict[str, dict[str, float]]:
    """Every measure for every query of ``qrels``."""
    if backend == "ir_measures" or (backend == "auto" and ir_measures_version()):
        return _ir_measures_per_query(run, qrels)
    return _python_per_query(run, qrels)


def mean(values: Iterable[float]) -> float:
    vals = list(values)
    return sum(vals) / len(vals) if vals else 0.0


def evaluate(run: Run, qrels: Qrels, backend: Backend = "auto") -> dict[str, float]:
    """Mean of each measure over all queries of ``qrels`` (missing results count as 0)."""
    table = per_query(run, qrels, backend)
    return {m: mean(row[m] for row in table.values()) for m in MEASURES}
