"""Stories (newsearch/stories/cluster.py) against hand-built stories of Reuters-21578.

    python benchmarks/stories.py [--index DIR] [--sweep]

``benchmarks/data/stories.json`` holds 21 stories of 3 to 49 articles built by hand (how:
benchmarks/README.md, "Stories"). Scores are B-cubed precision, recall and F1 over the
labelled articles (each article: the share of its predicted story's labelled articles in
its true story, and the share of its true story in its predicted one), and purity and
inverse purity. Several stories are on one company or topic (Texaco's litigation and
others', TWA's bid for USAir and USAir's for Piedmont, three of BP's), so merging stories
costs precision.

- ``--index DIR``: the stories an index of Reuters holds (the indexing run's clustering, in
  the order the files are read), built there without entities or vectors when absent.
- ``--sweep``: the same single pass (cluster.py's own functions, in the same order) at other
  thresholds and windows, the threshold chosen on the odd-numbered stories and reported on
  the even ones; and the pass on the article vectors the index would hold (the shipped
  static embedding) instead of salient terms, at its best threshold.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
DATA = ROOT / "benchmarks" / "data"
sys.path.insert(0, str(ROOT))

import json  # noqa: E402

from newsearch.errors import NewsearchError  # noqa: E402
from newsearch.ingest.readers import iter_items  # noqa: E402
from newsearch.models import Article  # noqa: E402
from newsearch.stories import cluster  # noqa: E402

Labels = dict[str, str]


def labels() -> tuple[Labels, list[str]]:
    stories = json.loads((DATA / "stories.json").read_text())["stories"]
    return {a: s["story"] for s in stories for a in s["articles"]}, [s["story"] for s in stories]


def bcubed(
    pred: dict[str, str], gold: Labels, only: Iterable[str] | None = None
) -> dict[str, float]:
    keep = set(only) if only is not None else None
    items = [a for a in gold if keep is None or gold[a] in keep]
    by_pred: dict[str, set[str]] = defaultdict(set)
    by_gold: dict[str, set[str]] = defaultdict(set)
    for a in items:
        by_pred[pred[a]].add(a)
        by_gold[gold[a]].add(a)
    p = sum(len(by_pred[pred[a]] & by_gold[gold[a]]) / len(by_pred[pred[a]]) for a in items)
    r = sum(len(by_pred[pred[a]] & by_gold[gold[a]]) / len(by_gold[gold[a]]) for a in items)
    p, r = p / len(items), r / len(items)
    purity = sum(max(Counter(gold[a] for a in c).values()) for c in by_pred.values())
    inverse = sum(max(Counter(pred[a] for a in g).values()) for g in by_gold.values())
    return {
        "P": p,
        "R": r,
        "F1": 2 * p * r / (p + r),
        "purity": purity / len(items),
        "inverse purity": inverse / len(items),
    }


def largest(pred: dict[str, str]) -> int:
    return max(Counter(pred.values()).values())


def row(name: str, m: dict[str, float], extra: str = "") -> None:
    print(
        f"| {name} | {m['P']:.3f} | {m['R']:.3f} | {m['F1']:.3f} | {m['purity']:.3f} | "
        f"{m['inverse purity']:.3f} |{extra}"
    )


HEAD = "| | B-cubed P | R | F1 | purity | inverse purity |\n|---|---|---|---|---|---|"


def from_index(index: Path, gold: Labels) -> None:
    from newsearch import SearchEngine, build_index
    from newsearch.index import store

    if not store.exists(index):
        started = time.monotonic()
        build_index(CORPORA / "reuters21578", index, entities=False, vectors=False)
        print(f"(indexed Reuters in {time.monotonic() - started:.0f} s)")
    pred: dict[str, str] = {}
    with SearchEngine(index) as engine:  # (an exact copy is indexed once: not judged)
        for aid in gold:
            try:
                pred[aid] = engine.article(aid).story or f"none-{aid}"
            except NewsearchError:
                continue
        sizes = [s.size for s in engine.stories(limit=10**6, min_size=1).stories]
    print(f"\nThe index's stories ({len(sizes)} stories, {sum(n >= 2 for n in sizes)} of 2 or "
          f"more articles, the largest {max(sizes)})\n\n{HEAD}")  # fmt: skip
    held = {a: g for a, g in gold.items() if a in pred}
    row(f"as indexed ({len(held)} labelled articles indexed)", bcubed(pred, held))


def single_pass(arts: list[Article], vectors: Any = None) -> dict[str, str]:
    """cluster.py's single pass over ``arts`` in order (with ``vectors``: dense article
    vectors instead of salient terms, compared with every story in the window)."""
    df: dict[int, int] = {}
    n = 0
    stories: dict[str, cluster.Story] = {}
    index: dict[tuple[int, int], set[str]] = defaultdict(set)
    dense: dict[str, np.ndarray] = {}
    out: dict[str, str] = {}
    for k, a in enumerate(arts):
        day = a.date.toordinal() if a.date else None
        if vectors is not None:
            v = vectors[k]
            best, score = None, cluster.THRESHOLD
            for sid, c in dense.items():
                s = stories[sid]
                if s.near(day):
                    sim = float(c @ v) / (float(np.linalg.norm(c)) or 1.0)
                    if sim >= score:
                        best, score = sid, sim
            sid = best or cluster.story_id(a.id)
            dense[sid] = dense.get(sid, 0) + v
            stories.setdefault(sid, cluster.Story(sid)).add({}, day)
            out[a.id] = sid
            continue
        counts = cluster.term_counts(a.title, a.body)
        for t in counts:
            df[t] = df.get(t, 0) + 1
        n += 1
        vec = cluster.vector(counts, df, n)
        weeks = cluster.weeks_near(day)
        probes = set(cluster.probe_terms(vec))
        if weeks is None:  # an undated article: every week
            keys = [k for k in index if k[0] in probes]
        else:
            keys = [(t, w) for t in probes for w in weeks]
        candidates: set[str] = set().union(*(index.get(k, set()) for k in keys))
        found = cluster.best_story(vec, day, (stories[s] for s in sorted(candidates)))
        sid = found.id if found is not None else cluster.story_id(a.id)
        story = stories.setdefault(sid, cluster.Story(sid))
        for t in story.add(vec, day):
            index[(t, cluster.week_of(day))].add(sid)
        out[a.id] = sid
    return out


def sweep(arts: list[Article], gold: Labels, names: list[str]) -> None:
    dev, test = names[0::2], names[1::2]
    print(f"\nThe single pass at other settings (threshold chosen on {len(dev)} stories, "
          f"reported on the other {len(test)})\n")  # fmt: skip
    print("| threshold | window (days) | F1 (choosing) | F1 (reported) | F1 (all) |")
    print("|---|---|---|---|---|")
    default = (cluster.THRESHOLD, cluster.WINDOW_DAYS)
    best: tuple[float, float, int] | None = None
    for window in (3, 7, 14):
        for threshold in (0.1, 0.15, 0.2, 0.25, 0.3):
            cluster.THRESHOLD, cluster.WINDOW_DAYS = threshold, window
            pred = single_pass(arts)
            f_dev, f_test = bcubed(pred, gold, dev)["F1"], bcubed(pred, gold, test)["F1"]
            mark = " (default)" if (threshold, window) == default else ""
            print(f"| {threshold}{mark} | {window} | {f_dev:.3f} | {f_test:.3f} | "
                  f"{bcubed(pred, gold)['F1']:.3f} |")  # fmt: skip
            if best is None or f_dev > best[0]:
                best = (f_dev, threshold, window)
    assert best is not None
    print(f"\nbest on the choosing half: threshold {best[1]}, window {best[2]} days")
    from newsearch.text.embedding import default_embedder

    embed = default_embedder().embed
    vectors = embed([f"{a.title or ''}\n{a.body}" for a in arts])
    print(f"\nThe same pass on the static embedding's article vectors\n\n{HEAD}")
    cluster.WINDOW_DAYS = default[1]
    for threshold in (0.6, 0.7, 0.8, 0.85, 0.9):
        cluster.THRESHOLD = threshold
        row(f"embedding, cosine >= {threshold}", bcubed(single_pass(arts, vectors), gold))
    cluster.THRESHOLD, cluster.WINDOW_DAYS = default
    row(f"salient terms, >= {default[0]} (default)", bcubed(single_pass(arts), gold))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, help="the stories of an index of Reuters")
    ap.add_argument("--sweep", action="store_true", help="other settings, and the embedding")
    args = ap.parse_args(argv)
    gold, names = labels()
    sizes = Counter(gold.values())
    print(f"{len(names)} stories, {len(gold)} articles, {min(sizes.values())} to "
          f"{max(sizes.values())} a story")  # fmt: skip
    if args.index is not None:
        from_index(args.index, gold)
    if args.sweep:
        arts = [a for a in iter_items([CORPORA / "reuters21578"]) if isinstance(a, Article)]
        sweep(arts, gold, names)


if __name__ == "__main__":
    main()
