"""Ingest speed and memory: newsearch against the floors it cannot beat, in one run.

    python benchmarks/ingest.py [--corpus reuters21578] [--scale N] [--limit N] [--json]

Each system runs in a fresh child process over the same articles (the corpus read once per
replica; replicas have distinct ids and end with a line "Replica N." so that newsearch does not
index them as duplicates), read into memory before its clock starts (every system is timed
from the same articles to a committed index), and reports wall time, articles/s, the peak RSS
of its process tree and, for newsearch's systems, the size of the index it wrote:
  newsearch     build_index with entities (NER on every core, one writer; vectors, stories)
  no_entities   build_index --no-entities --no-vectors --no-stories: newsearch's own pipeline
                (reading, metadata, languages, passages, terms, writing) without the analyses
                that have costs of their own, as issue 7 set its 2x of raw Whoosh for
  no_entities_default  build_index --no-entities: the command's default (vectors, stories)
  no_entities_vectors  --no-entities --no-stories (not run unless named in --systems)
  no_entities_stories  --no-entities --no-vectors (idem)
  ner_only      spaCy NER alone (the same pipeline, nlp.pipe, the same number of processes)
  whoosh_raw    plain Whoosh on whole documents (procs=2, multisegment=True)
The ratios give each analysis's cost: vectors (passage embeddings, hybrid search) and stories
(copies and story clustering) against newsearch without them, entities against NER alone.
Data comes from ../shared/corpora (research use; never copied into the repository).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
sys.path.insert(0, str(ROOT))

SYSTEMS = ("newsearch", "no_entities", "no_entities_default", "ner_only", "whoosh_raw")
# each newsearch system: (entities, vectors, stories)
NEWSEARCH = {
    "newsearch": (True, True, True),
    "no_entities": (False, False, False),
    "no_entities_default": (False, True, True),
    "no_entities_vectors": (False, True, False),
    "no_entities_stories": (False, False, True),
}


def articles(corpus: str, scale: int, limit: int | None) -> Iterator[Any]:
    from newsearch.ingest.readers import iter_items
    from newsearch.models import Article

    for n in range(scale):
        count = 0
        for item in iter_items([CORPORA / corpus]):
            if not isinstance(item, Article):
                continue
            if limit is not None and count >= limit:
                break
            count += 1
            if n == 0:
                yield item
            else:  # a distinct article: newsearch would index an exact copy once, as a duplicate
                body = f"{item.body}\n\nReplica {n}."
                yield replace(item, id=f"{item.id}~{n}", path=f"{item.path}~{n}", body=body)


def _texts(corpus: str, scale: int, limit: int | None) -> list[tuple[str, str]]:
    return [(a.id, f"{a.title or ''}\n\n{a.body}") for a in articles(corpus, scale, limit)]


def run_system(name: str, corpus: str, scale: int, limit: int | None, procs: int) -> dict[str, Any]:
    """Runs in a child process; returns seconds and the article count."""
    with tempfile.TemporaryDirectory() as tmp:
        if name in NEWSEARCH:
            from newsearch import build_index

            given = list(articles(corpus, scale, limit))  # read before the clock, as whoosh_raw
            start = time.perf_counter()
            s = build_index(
                given,
                Path(tmp) / "idx",
                entities=NEWSEARCH[name][0],
                vectors=NEWSEARCH[name][1],
                stories=NEWSEARCH[name][2],
                processes=procs,
            )
            seconds = time.perf_counter() - start
            size = sum(f.stat().st_size for f in (Path(tmp) / "idx").rglob("*") if f.is_file())
            return {
                "seconds": seconds,
                "articles": s.indexed + s.duplicate,
                "index_mb": size / 2**20,
            }
        texts = _texts(corpus, scale, limit)
        start = time.perf_counter()
        if name == "ner_only":
            import spacy

            from newsearch.ingest.entities import MODEL

            nlp = spacy.load(
                MODEL,
                exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"],
            )
            for _ in nlp.pipe((t for _, t in texts), batch_size=64, n_process=procs):
                pass
        else:
            from whoosh import index
            from whoosh.analysis import StemmingAnalyzer
            from whoosh.fields import ID, TEXT, Schema

            ix = index.create_in(tmp, Schema(id=ID(stored=True), body=TEXT(StemmingAnalyzer())))
            w = ix.writer(procs=procs, multisegment=True, limitmb=256)
            for doc_id, text in texts:
                w.add_document(id=doc_id, body=text)
            w.commit()
        return {"seconds": time.perf_counter() - start, "articles": len(texts)}


def _child(conn: Any, *args: Any) -> None:
    out = run_system(*args)
    usage = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    out["peak_rss_mb"] = usage / 1024
    conn.send(out)
    conn.close()


def measure(name: str, corpus: str, scale: int, limit: int | None, procs: int) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    p = ctx.Process(target=_child, args=(child, name, corpus, scale, limit, procs))
    p.start()
    out: dict[str, Any] = parent.recv()
    p.join()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default="reuters21578")
    ap.add_argument("--scale", type=int, default=1, help="replicate the corpus N times")
    ap.add_argument("--limit", type=int, default=None, help="articles per replica (quick runs)")
    ap.add_argument("--procs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if not (CORPORA / args.corpus).is_dir():
        print(
            f"Error: {CORPORA / args.corpus} is absent: it needs ../shared/corpora", file=sys.stderr
        )
        return 1
    results = {}
    for name in args.systems.split(","):
        print(f"running {name}...", file=sys.stderr)
        results[name] = measure(name, args.corpus, args.scale, args.limit, args.procs)
    n = max(r["articles"] for r in results.values())
    out = {
        "corpus": args.corpus,
        "scale": args.scale,
        "articles": n,
        "processes": args.procs,
        "seconds": {k: round(v["seconds"], 2) for k, v in results.items()},
        "articles_per_s": {k: round(v["articles"] / v["seconds"], 1) for k, v in results.items()},
        "peak_rss_mb": {k: round(v["peak_rss_mb"]) for k, v in results.items()},
        "index_mb": {k: round(v["index_mb"], 1) for k, v in results.items() if "index_mb" in v},
    }
    s = out["seconds"]
    ratios = {}
    if "newsearch" in s and "ner_only" in s:
        ratios["newsearch_vs_ner_only_speed"] = round(s["ner_only"] / s["newsearch"], 2)
    base, size = s.get("no_entities"), out["index_mb"]
    for name, what in (("vectors", "no_entities_vectors"), ("stories", "no_entities_stories")):
        if base and what in s:  # what each analysis adds to a run without entities
            ratios[f"{name}_time"] = round(s[what] / base, 2)
            ratios[f"{name}_size"] = round(size[what] / size["no_entities"], 2)
    if base and "no_entities_default" in s:
        ratios["default_vs_no_entities_time"] = round(s["no_entities_default"] / base, 2)
    for name in ("no_entities", "no_entities_default"):
        if name in s and "whoosh_raw" in s:
            ratios[f"{name}_vs_whoosh_raw_time"] = round(s[name] / s["whoosh_raw"], 2)
    out["ratios"] = ratios
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    print(f"{args.corpus} x{args.scale}: {n} articles, {args.procs} processes")
    print(f"{'system':<20} {'seconds':>9} {'articles/s':>11} {'peak RSS MB':>12} {'index MB':>9}")
    for k in results:
        mb = out["index_mb"].get(k, "")
        rate, rss = out["articles_per_s"][k], out["peak_rss_mb"][k]
        print(f"{k:<20} {s[k]:>9.1f} {rate:>11.1f} {rss:>12} {mb:>9}")
    for k, v in ratios.items():
        print(f"{k}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
