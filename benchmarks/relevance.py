"""Relevance evaluation of newsearch against two baselines on TIME and Cranfield.

    python benchmarks/relevance.py [--collections time,cran] [--json] [--quick]

Systems, all computed in the same run over the same documents and queries:
- ``whoosh_or``: plain Whoosh BM25F over whole documents, the query parsed with ``OrGroup``,
  top 100; both StandardAnalyzer and StemmingAnalyzer are measured and the better (by MAP) is
  reported as ``whoosh_or``, the other as ``whoosh_or_<analyzer>``.
- ``fts5``: SQLite FTS5, ``porter`` tokenizer, every query term quoted and OR-ed, ranked by
  ``bm25()``, top 100.
- ``newsearch``: the real pipeline through the public API (``build_index`` + ``SearchEngine``),
  passages turned into a document ranking by first occurrence (= best passage); other
  aggregations are reported as ``newsearch_<aggregation>``.

Exit status: 0 on success, 1 when the corpora are missing or an option is wrong, 2 when
newsearch could not be evaluated or raised on some query (the table still prints).
The data stays in ``shared/corpora`` (research use only); nothing of it is written here.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` and ``newsearch`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import (
    DEFAULT_ROOT,
    Collection,
    CorpusMissingError,
    load_cran,
    load_time,
)
from benchmarks.metrics import (
    MEASURES,
    Run,
    evaluate,
    from_rankings,
    ir_measures_version,
)

__all__ = [
    "DEFAULT_ROOT",
    "aggregate",
    "evaluate",
    "load_cran",
    "load_time",
    "main",
    "newsearch_hits",
    "run_fts5",
    "run_newsearch",
    "run_whoosh",
]

DEPTH = 100  # documents per query that are evaluated
PASSAGES = 1000  # passages asked of newsearch per query, to fill DEPTH distinct documents
QUICK_QUERIES = 10

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def query_words(text: str) -> list[str]:
    """The query's words, lower-cased, without punctuation (so no parser syntax survives)."""
    return [w.lower() for w in _WORD.findall(text)]


# --------------------------------------------------------------------------- baselines


def run_whoosh(collection: Collection, analyzer: str = "stemming", depth: int = DEPTH) -> Run:
    """Whoosh BM25F over ``title + body`` in one field, OR-ed query terms, top ``depth``.

    The query text is lower-cased and stripped of punctuation first: TIME queries are upper
    case and Whoosh would otherwise read words such as ``AND``/``OR``/``NOT`` as operators.
    """
    from whoosh import scoring
    from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.index import create_in
    from whoosh.qparser import OrGroup, QueryParser

    ana = {"stemming": StemmingAnalyzer, "standard": StandardAnalyzer}[analyzer]()
    schema = Schema(id=ID(stored=True), content=TEXT(analyzer=ana))
    rankings: dict[str, list[str]] = {}
    # A file index in a private folder: RamStorage spills to a fixed /tmp/MAIN.tmp folder
    # that two concurrent runs would share (and delete under each other).
    with tempfile.TemporaryDirectory(prefix="relevance-whoosh-") as tmp:
        index = create_in(tmp, schema)
        with index.writer() as writer:
            for doc in collection.docs:
                writer.add_document(id=doc.id, content=doc.text)
        parser = QueryParser("content", schema, group=OrGroup)
        with index.searcher(weighting=scoring.BM25F()) as searcher:
            for qid, text in collection.queries.items():
                hits = searcher.search(parser.parse(" ".join(query_words(text))), limit=depth)
                rankings[qid] = [hit["id"] for hit in hits]
        index.close()
    return from_rankings(rankings)


def run_fts5(collection: Collection, depth: int = DEPTH) -> Run:
    """SQLite FTS5 (porter tokenizer), every query word quoted and OR-ed, ``ORDER BY bm25``."""
    con = sqlite3.connect(":memory:")
    try:
        con.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, content, tokenize='porter')"
        )
        con.executemany(
            "INSERT INTO docs (id, content) VALUES (?, ?)",
            ((doc.id, doc.text) for doc in collection.docs),
        )
        rankings: dict[str, list[str]] = {}
        sql = "SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?"
        for qid, text in collection.queries.items():
            words = query_words(text)
            match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
            rows = con.execute(sql, (match, depth)).fetchall() if words else []
            rankings[qid] = [row[0] for row in rows]
        return from_rankings(rankings)
    finally:
        con.close()


# --------------------------------------------------------------------------- newsearch

Hits = Mapping[str, Sequence[tuple[str, float]]]  # qid -> ranked (article id, passage score)


@dataclass
class NewsearchOutput:
    hits: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # qid -> "ExceptionType: message"
    summary: str = ""
    index_seconds: float = 0.0
    search_seconds: float = 0.0


def newsearch_hits(
    collection: Collection,
    passages: int = PASSAGES,
    index_dir: Path | None = None,
    search_options: dict[str, Any] | None = None,
    **build_options: Any,
) -> NewsearchOutput:
    """Index ``collection`` with newsearch and run every query; per-query errors are kept.

    Documents become ``Article(id=doc id, title=..., body=...)``. Raises ImportError when the
    public API is not there yet, and whatever ``build_index`` raises.
    """
    from newsearch import SearchEngine, build_index
    from newsearch.models import Article

    out = NewsearchOutput()
    with tempfile.TemporaryDirectory(prefix=f"relevance-{collection.name}-") as tmp:
        where = Path(index_dir) if index_dir else Path(tmp) / "index"
        articles = (
            Article(
                id=doc.id,
                path=f"{collection.name}/{doc.id}",
                body=doc.body,
                title=doc.title,
                location=doc.id,
            )
            for doc in collection.docs
        )
        build_options.setdefault("entities", False)
        started = time.perf_counter()
        out.summary = repr(build_index(articles, where, **build_options))
        out.index_seconds = time.perf_counter() - started
        started = time.perf_counter()
        with SearchEngine(where) as engine:
            for qid, text in collection.queries.items():
                try:
                    res = engine.search(text, limit=passages, **(search_options or {}))
                except Exception as exc:  # recorded, reported, and the query scores 0
                    out.errors[qid] = f"{type(exc).__name__}: {exc}"
                    continue
                out.hits[qid] = [(hit.article.id, float(hit.score)) for hit in res.results]
        out.search_seconds = time.perf_counter() - started
    return out


def _top_sum(n: int | None) -> Callable[[list[float]], float]:
    return lambda scores: sum(sorted(scores, reverse=True)[:n])


AGGREGATIONS: dict[str, Callable[[list[float]], float] | None] = {
    "first": None,  # rank of the article's first (= best) passage
    "top2": _top_sum(2),  # sum of the two best passage scores
    "top3": _top_sum(3),
    "sum": _top_sum(None),  # sum over every passage returned
    "max_mean": lambda s: max(s) + 0.5 * sum(s) / len(s),
}


def aggregate(
    hits: Sequence[tuple[str, float]], method: str = "first", depth: int = DEPTH
) -> list[str]:
    """Passage hits (best first) -> article ids, best first, at most ``depth``."""
    fold = AGGREGATIONS[method]
    if fold is None:
        return list(dict.fromkeys(doc for doc, _ in hits))[:depth]
    scores: dict[str, list[float]] = {}
    order: dict[str, int] = {}
    for i, (doc, score) in enumerate(hits):
        scores.setdefault(doc, []).append(score)
        order.setdefault(doc, i)
    ranked = sorted(scores, key=lambda d: (-fold(scores[d]), order[d]))
    return ranked[:depth]


def run_newsearch(collection: Collection, **options: Any) -> Run:
    """newsearch's document ranking for every query (errors count as empty results).

    Options: ``aggregation`` (one of ``AGGREGATIONS``, default ``"first"``), ``passages``,
    ``depth``, ``index_dir``; anything else goes to ``build_index``.
    """
    method = options.pop("aggregation", "first")
    depth = options.pop("depth", DEPTH)
    out = newsearch_hits(collection, **options)
    return from_rankings({q: aggregate(h, method, depth) for q, h in out.hits.items()})


# --------------------------------------------------------------------------- harness

Row = dict[str, Any]


def _measure(fn: Callable[[], Run], collection: Collection) -> Row:
    started = time.perf_counter()
    run = fn()
    row: Row = evaluate(run, collection.qrels)
    row["seconds"] = round(time.perf_counter() - started, 2)
    return row


def evaluate_collection(collection: Collection, systems: Iterable[str], passages: int) -> Row:
    """Every requested system on one collection: ``{system: {measure: value, ...}}``."""
    result: Row = {}
    systems = list(systems)
    if "whoosh_or" in systems:
        rows = {
            a: _measure(lambda a=a: run_whoosh(collection, a), collection)  # type: ignore[misc]
            for a in ("standard", "stemming")
        }
        best = max(rows, key=lambda a: rows[a]["map"])
        other = "standard" if best == "stemming" else "stemming"
        result["whoosh_or"] = {**rows[best], "analyzer": best}
        result[f"whoosh_or_{other}"] = {**rows[other], "analyzer": other}
    if "fts5" in systems:
        result["fts5"] = _measure(lambda: run_fts5(collection), collection)
    if "newsearch" in systems:
        result.update(_evaluate_newsearch(collection, passages))
    return result


def _evaluate_newsearch(collection: Collection, passages: int) -> Row:
    try:
        out = newsearch_hits(collection, passages=passages)
    except Exception as exc:
        return {"newsearch": {"error": f"{type(exc).__name__}: {exc}"}}
    result: Row = {}
    for method in AGGREGATIONS:
        run = from_rankings({q: aggregate(h, method) for q, h in out.hits.items()})
        row: Row = evaluate(run, collection.qrels)
        key = "newsearch" if method == "first" else f"newsearch_{method}"
        result[key] = {**row, "aggregation": method}
    # Queries whose passage list was cut at ``passages`` before reaching DEPTH articles.
    short = [
        q
        for q, h in out.hits.items()
        if len(h) >= passages and len(dict.fromkeys(d for d, _ in h)) < DEPTH
    ]
    # The option users can turn on: RM3 pseudo-relevance feedback (--feedback).
    try:
        fed = newsearch_hits(collection, passages=passages, search_options={"feedback": True})
        run = from_rankings({q: aggregate(h, "first") for q, h in fed.hits.items()})
        result["newsearch_rm3"] = {**evaluate(run, collection.qrels), "aggregation": "first"}
    except Exception as exc:
        result["newsearch_rm3"] = {"error": f"{type(exc).__name__}: {exc}"}
    # The default is hybrid (words and meaning); the same by words alone (--mode lexical).
    try:
        lex = newsearch_hits(collection, passages=passages, search_options={"mode": "lexical"})
        run = from_rankings({q: aggregate(h, "first") for q, h in lex.hits.items()})
        result["newsearch_lexical"] = {**evaluate(run, collection.qrels), "aggregation": "first"}
    except Exception as exc:
        result["newsearch_lexical"] = {"error": f"{type(exc).__name__}: {exc}"}
    result["newsearch"].update(
        seconds=round(out.index_seconds + out.search_seconds, 2),
        index_seconds=round(out.index_seconds, 2),
        errors=out.errors,
        queries_truncated=len(short),
        index_summary=out.summary,
    )
    return result


def format_table(results: Mapping[str, Row]) -> str:
    head = f"{'collection':<10} {'system':<26} " + " ".join(f"{m:>10}" for m in MEASURES)
    lines = [head + f"{'seconds':>9}", "-" * (len(head) + 9)]
    for coll, systems in results.items():
        if coll.startswith("_"):
            continue
        for name, row in systems.items():
            label = name + (f" ({row['analyzer']})" if name == "whoosh_or" else "")
            if "error" in row:
                lines.append(f"{coll:<10} {label:<26} ERROR {row['error']}")
                continue
            values = " ".join(f"{row[m]:>10.4f}" for m in MEASURES)
            lines.append(f"{coll:<10} {label:<26} {values} {row.get('seconds', ''):>8}")
            errs = row.get("errors") or {}
            for qid, msg in list(errs.items())[:5]:
                lines.append(f"{'':<10}   query {qid} raised {msg}")
            if len(errs) > 5:
                lines.append(f"{'':<10}   ... {len(errs)} queries raised in all")
    meta = results.get("_meta", {})
    lines.append(", ".join(f"{k}: {v}" for k, v in meta.items() if not isinstance(v, dict)))
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument(
        "--collections",
        default="time,cran,time_positional",
        help="comma-separated: time, cran, time_positional (TIME judged by literal positions)",
    )
    ap.add_argument("--systems", default="newsearch,whoosh_or,fts5", help="comma-separated")
    ap.add_argument("--json", action="store_true", help="print only one JSON object on stdout")
    ap.add_argument("--quick", action="store_true", help=f"first {QUICK_QUERIES} queries only")
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the shared corpora folder")
    ap.add_argument("--passages", type=int, default=PASSAGES, help="passages asked of newsearch")
    ap.add_argument(
        "--time-qrels",
        choices=("aligned", "positional"),
        default="aligned",
        help="aligned (default) corrects the 2-document shift of TIME.REL from 378 on",
    )
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    names = [c.strip() for c in args.collections.split(",") if c.strip()]
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    bad = [c for c in names if c not in ("time", "cran", "time_positional")]
    bad += [s for s in systems if s not in ("newsearch", "whoosh_or", "fts5")]
    if bad:
        print(f"error: unknown collection or system: {', '.join(bad)}", file=sys.stderr)
        return 1
    if not Path(args.root).is_dir():
        print(f"error: corpora not found at {args.root} (pass --root)", file=sys.stderr)
        return 1
    results: dict[str, Row] = {}
    sizes: dict[str, str] = {}
    try:
        for name in names:
            if name == "time_positional":  # the judgments read literally, for comparison
                coll = load_time(args.root, "positional")
            elif name == "time":
                coll = load_time(args.root, args.time_qrels)
            else:
                coll = load_cran(args.root)
            if args.quick:
                coll = coll.subset(QUICK_QUERIES)
            sizes[name] = f"{len(coll.docs)} docs/{len(coll.qrels)} queries"
            results[name] = evaluate_collection(coll, systems, args.passages)
    except CorpusMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    results["_meta"] = {
        **sizes,
        "time_qrels": args.time_qrels,
        "depth": DEPTH,
        "passages": args.passages,
        "metrics": f"ir-measures {v}" if (v := ir_measures_version()) else "python",
    }
    print(json.dumps(results, indent=1) if args.json else format_table(results))
    failed = any(
        "error" in sys_rows.get("newsearch", {}) or sys_rows.get("newsearch", {}).get("errors")
        for key, sys_rows in results.items()
        if not key.startswith("_") and "newsearch" in systems
    )
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
