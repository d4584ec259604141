"""Near-duplicate passages and sentences (newsearch/compare/duplicates.py) on whole indexes.

    newsearch index ../shared/corpora/bbc --index /tmp/bbc --no-entities --no-vectors
    python benchmarks/duplicates.py --index seeds-index --index /tmp/bbc --show 20

For every passage (what ``query --collapse`` compares) and every sentence holding a number
(what ``compare`` compares) of an index, in pairs from different articles:

- *flagged*: pairs duplicates.py joins (MinHash LSH candidates whose word-shingle Jaccard is
  at least the threshold);
- *LSH precision*: of the candidate pairs MinHash proposes, the share that are near duplicates
  by exact Jaccard (the rest cost a set comparison, never a wrong join);
- *recall*: of the pairs at or over the threshold by exact Jaccard (every pair sharing a
  shingle that at most 200 texts hold is compared), the share flagged;
- ``--show N`` prints N flagged pairs drawn at random (fixed seed) to judge by reading: the
  precision a reader sees (benchmarks/README.md gives the judgement).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsearch import SearchEngine
from newsearch.compare.duplicates import (
    THRESHOLD,
    candidate_pairs,
    jaccard,
    shingles,
)
from newsearch.text.analysis import split_sentences

RARE = 200  # a shingle held by more texts is not used to find exact pairs
_NUMBER = re.compile(r"\d")


def texts_of(index: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(article id, text) for every passage, and for every sentence holding a digit."""
    passages: list[tuple[str, str]] = []
    sentences: list[tuple[str, str]] = []
    with SearchEngine(index) as engine:
        ids = [hit.article.id for hit in engine.export("", sort="newest", highlights=False).rows]
        for article_id in dict.fromkeys(ids):
            view = engine.article(article_id)
            for p in view.passages:
                passages.append((article_id, view.body[p.start : p.end]))
            for s, e in split_sentences(view.body):
                if _NUMBER.search(view.body[s:e]):
                    sentences.append((article_id, view.body[s:e]))
    return passages, sentences


def exact_pairs(sets: list[frozenset[str]], owners: list[str]) -> set[tuple[int, int]]:
    holders: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sets):
        for sh in s:
            holders[sh].append(i)
    seen: set[tuple[int, int]] = set()
    found: set[tuple[int, int]] = set()
    for ids in holders.values():
        if len(ids) > RARE:
            continue
        for pair in combinations(ids, 2):
            if pair in seen or owners[pair[0]] == owners[pair[1]]:
                continue
            seen.add(pair)
            if jaccard(sets[pair[0]], sets[pair[1]]) >= THRESHOLD:
                found.add(pair)
    return found


def measure(name: str, items: list[tuple[str, str]], show: int) -> None:
    owners = [a for a, _ in items]
    sets = [shingles(t) for _, t in items]
    started = time.perf_counter()
    candidates = {p for p in candidate_pairs(sets) if owners[p[0]] != owners[p[1]]}
    flagged = {p for p in candidates if jaccard(sets[p[0]], sets[p[1]]) >= THRESHOLD}
    seconds = time.perf_counter() - started
    exact = exact_pairs(sets, owners)
    lsh = len(flagged) / len(candidates) if candidates else 1.0
    recall = len(flagged & exact) / len(exact) if exact else 1.0
    print(
        f"| {name} | {len(items):,} | {len(candidates):,} | {len(flagged):,} | {lsh:.2f} | "
        f"{recall:.2f} ({len(flagged & exact)}/{len(exact)}) | {seconds:.2f} s |"
    )
    for i, j in random.Random(17).sample(sorted(flagged), min(show, len(flagged))):
        print(f"    J={jaccard(sets[i], sets[j]):.2f} {owners[i]} / {owners[j]}")
        print(f"      {items[i][1][:300]!r}\n      {items[j][1][:300]!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, action="append", required=True)
    parser.add_argument("--show", type=int, default=0, help="print N flagged pairs to judge")
    args = parser.parse_args(argv)
    print(f"threshold: word 3-shingle Jaccard >= {THRESHOLD}\n")
    print("| texts | count | LSH candidates | flagged | LSH precision | recall | time |")
    print("|---|---|---|---|---|---|---|")
    for index in args.index:
        passages, sentences = texts_of(index)
        measure(f"{index.name} passages", passages, args.show)
        measure(f"{index.name} sentences with numbers", sentences, args.show)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
