"""Query latency: newsearch (passages, highlights, facets) against raw Whoosh, in one run.

    python benchmarks/query.py [--corpus reuters21578] [--scale N] [--queries 120] [--json]
                               [--index DIR]   # a newsearch index of the data, built if absent
                               [--raw DIR]     # the raw Whoosh index, built if absent

Builds a newsearch index of the corpus (no entities unless --entities: Reuters' own
PLACES/PEOPLE/ORGS lists still give place/person/org facets) and a raw Whoosh index of the same
texts as whole documents, then runs the same queries through both: one to five words taken from
the corpus vocabulary, some quoted phrases from titles, some with a place or topic filter from
the Reuters lists (fixed seed). Reports p50/p95/max milliseconds for
  newsearch          engine.search(q, limit=10): hybrid ranking (the default), passages,
                     highlights and related words
  newsearch_lexical  the same with mode="lexical"
  newsearch_facets   the same with facets=True
  whoosh_raw         BM25F top 10 over whole documents, OR-ed terms, stored ids read
and the cold start: a fresh process opening the index and answering one query.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from ingest import articles  # noqa: E402  (the same replicated article stream)


def make_queries(arts: list[Any], n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Realistic queries from the corpus itself (fixed seed)."""
    rng = random.Random(seed)
    df: Counter[str] = Counter()
    titles: list[str] = []
    places: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    for a in arts:
        df.update({w for w in a.body.lower().split() if w.isalpha() and len(w) > 3})
        if a.title:
            titles.append(a.title)
        for kind, value in a.tags:
            if kind == "place":
                places[value] += 1
            elif kind == "topic":
                topics[value] += 1
    # words neither ubiquitous nor rare: what people type
    vocab = [w for w, c in df.items() if 20 <= c <= len(arts) // 10]
    vocab.sort()
    common_places = [p for p, _ in places.most_common(30)]
    common_topics = [t for t, _ in topics.most_common(30)]
    out: list[dict[str, Any]] = []
    for i in range(n):
        kind = i % 6
        if kind == 4 and titles:  # a phrase from a title
            words = [w for w in rng.choice(titles).lower().split() if w.isalpha()]
            if len(words) >= 2:
                j = rng.randrange(len(words) - 1)
                out.append({"q": f'"{words[j]} {words[j + 1]}"'})
                continue
        q = " ".join(rng.sample(vocab, rng.randint(1, 5 if kind < 4 else 3)))
        if kind == 5 and common_places:
            out.append({"q": q, "place": rng.choice(common_places)})
        elif kind == 3 and common_topics:
            out.append({"q": q, "topic": rng.choice(common_topics)})
        else:
            out.append({"q": q})
    return out


def percentiles(ms: list[float]) -> dict[str, float]:
    ms = sorted(ms)
    return {
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 2),
        "max_ms": round(ms[-1], 2),
    }


def bench_newsearch(
    index: Path,
    queries: list[dict[str, Any]],
    facets: bool,
    mode: str = "hybrid",
    opened: Any = None,
) -> list[float]:
    """Each query's milliseconds through the public API (``opened``: an engine to search with,
    else ``SearchEngine(index)``)."""
    from newsearch import SearchEngine

    times = []
    with opened or SearchEngine(index) as engine:
        engine.search("warmup", limit=10, facets=facets, mode=mode)
        for spec in queries:
            kw = {k: v for k, v in spec.items() if k != "q"}
            start = time.perf_counter()
            engine.search(spec["q"], limit=10, facets=facets, mode=mode, **kw)
            times.append((time.perf_counter() - start) * 1000)
    return times


def build_raw(arts: list[Any], where: Path) -> None:
    from whoosh import index
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, KEYWORD, TEXT, Schema

    schema = Schema(
        id=ID(stored=True), body=TEXT(StemmingAnalyzer()), place=KEYWORD(), topic=KEYWORD()
    )
    ix = index.create_in(str(where), schema)
    w = ix.writer(procs=2, multisegment=True, limitmb=256)
    for a in arts:
        tags = {
            k: " ".join(v.replace(" ", "_") for kk, v in a.tags if kk == k)
            for k in ("place", "topic")
        }
        w.add_document(id=a.id, body=f"{a.title or ''}\n\n{a.body}", **tags)
    w.commit()


def bench_raw(where: Path, queries: list[dict[str, Any]]) -> list[float]:
    from whoosh import index, query
    from whoosh.qparser import OrGroup, QueryParser

    ix = index.open_dir(str(where))
    parser = QueryParser("body", ix.schema, group=OrGroup)
    times = []
    with ix.searcher() as s:
        for spec in queries:
            start = time.perf_counter()
            q = parser.parse(spec["q"])
            flt = None
            for k in ("place", "topic"):
                if k in spec:
                    flt = query.Term(k, spec[k].replace(" ", "_"))
            [hit["id"] for hit in s.search(q, limit=10, filter=flt)]
            times.append((time.perf_counter() - start) * 1000)
    return times


def cold_start(index: Path) -> float:
    code = (
        "import time; t=time.perf_counter(); from newsearch import SearchEngine\n"
        f"e=SearchEngine({str(index)!r}); e.search('oil prices', limit=10)\n"
        "print(time.perf_counter()-t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default="reuters21578")
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--queries", type=int, default=120)
    ap.add_argument(
        "--index", type=Path, help="a newsearch index of the same data (built there if absent)"
    )
    ap.add_argument(
        "--raw", type=Path, help="the raw Whoosh index of the same data (built there if absent)"
    )
    ap.add_argument("--entities", action="store_true", help="extract entities when building")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if not (CORPORA / args.corpus).is_dir():
        print(f"Error: {CORPORA / args.corpus} is absent: needs ../shared/corpora", file=sys.stderr)
        return 1
    from newsearch import build_index

    arts = list(articles(args.corpus, args.scale, None))
    queries = make_queries(arts, args.queries)
    with tempfile.TemporaryDirectory() as tmp:
        index = args.index or Path(tmp) / "newsearch"
        if not index.exists():
            print(f"indexing {len(arts)} articles...", file=sys.stderr)
            build_index(iter(arts), index, entities=args.entities)
        raw = args.raw or Path(tmp) / "raw"
        if not raw.exists():
            raw.mkdir(parents=True)
            build_raw(arts, raw)
        result = {
            "corpus": args.corpus,
            "scale": args.scale,
            "articles": len(arts),
            "queries": len(queries),
            "newsearch": percentiles(bench_newsearch(index, queries, facets=False)),
            "newsearch_facets": percentiles(bench_newsearch(index, queries, facets=True)),
            "newsearch_lexical": percentiles(
                bench_newsearch(index, queries, facets=False, mode="lexical")
            ),
            "whoosh_raw": percentiles(bench_raw(raw, queries)),
            "cold_start_s": round(cold_start(index), 3),
        }
    p95 = result["whoosh_raw"]["p95_ms"]
    result["ratios"] = {
        "newsearch_vs_raw_p95": round(result["newsearch"]["p95_ms"] / p95, 2),
        "facets_vs_newsearch_p95": round(
            result["newsearch_facets"]["p95_ms"] / result["newsearch"]["p95_ms"], 2
        ),
        "hybrid_vs_lexical_p95": round(
            result["newsearch"]["p95_ms"] / result["newsearch_lexical"]["p95_ms"], 2
        ),
    }
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{args.corpus} x{args.scale}: {len(arts)} articles, {len(queries)} queries")
    print(f"{'system':<18} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for k in ("newsearch", "newsearch_facets", "newsearch_lexical", "whoosh_raw"):
        r = result[k]
        print(f"{k:<18} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['max_ms']:>8}")
    print(f"cold start (open + first query): {result['cold_start_s']} s")
    for k, v in result["ratios"].items():
        print(f"{k}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
