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
- ``--top N`` (with ``--index`` and/or ``--bbc-index DIR``, an index of BBC): the listing a
  user sees, ``newsearch stories --limit N`` (the N largest stories), each story judged by
  hand in ``benchmarks/data/stories_top.json`` as a real story (one event or a developing
  thread) or not (a template: one form about different subjects; a topic: one subject,
  different events; a drift: a chain whose ends are different events). A listed story is
  matched to the judged one sharing most of its articles (Jaccard at least ``MATCH``); one
  matching none is listed with its headlines, to be judged (``--pending`` writes it to the
  file with no verdict). The labelled B-cubed cannot see templates: they are unlabelled.
- ``--sweep``: the same single pass (cluster.py's own functions, in the same order) at other
  thresholds and windows, the threshold chosen on the odd-numbered stories and reported on
  the even ones; and the pass on the article vectors the index would hold (the shipped
  static embedding) instead of salient terms, at its best threshold.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
TOP = DATA / "stories_top.json"
MATCH = 0.5  # Jaccard of article ids at which a listed story is the judged one
REAL = "story"


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


def judged() -> list[dict[str, Any]]:
    if not TOP.exists():
        return []
    found: list[dict[str, Any]] = json.loads(TOP.read_text())["judged"]
    return found


def top_listing(corpus: str, index: Path, n: int, pending: bool) -> tuple[int, int, int]:
    """The ``n`` largest stories of ``index`` against the judged ones: (real, judged, listed)."""
    from newsearch import SearchEngine

    known = [j for j in judged() if j["corpus"] == corpus]
    new: list[dict[str, Any]] = []
    real = seen = 0
    verdicts: Counter[str] = Counter()
    print(f"\nThe {n} largest stories of {corpus} ({index})\n")
    print("| size | span (days) | headline | words | judged |\n|---|---|---|---|---|")
    with SearchEngine(index) as engine:
        for st in engine.stories(limit=n, min_size=2).stories:
            arts = engine.story(st.id).articles
            ids = {a.id for a in arts}
            best, score = None, 0.0
            for j in known:
                other = set(j["articles"])
                jac = len(ids & other) / len(ids | other)
                if jac > score:
                    best, score = j, jac
            span = (st.last_date - st.first_date).days if st.first_date and st.last_date else "-"
            matched = best if best is not None and score >= MATCH else None
            verdict = matched["verdict"] if matched is not None else None
            head = (st.headline.title or st.headline.id)[:60]
            print(f"| {st.size} | {span} | {head} | {', '.join(st.words[:4])} | "
                  f"{verdict or 'not judged'} |")  # fmt: skip
            if verdict is not None:
                verdicts[verdict] += 1
                seen += 1
                real += verdict == REAL
                continue
            if matched is not None:  # (written before, to be judged)
                continue
            titles = sorted(((a.date or dt.date.min).isoformat(), a.title or "") for a in arts)
            new.append({
                "corpus": corpus, "size": len(ids), "headline": head, "verdict": None,
                "why": "", "titles": [f"{d} {t}" for d, t in titles], "articles": sorted(ids),
            })  # fmt: skip
    listed = seen + len(new)
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(verdicts.items()))
    print(f"\n{corpus}: {real} of {seen} judged stories real ({kinds}; {len(new)} not judged)")
    if new and pending:
        data = json.loads(TOP.read_text()) if TOP.exists() else {"judged": []}
        data["judged"].extend(new)
        TOP.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
        print(f"({len(new)} written to {TOP.name} to be judged)")
    return real, seen, listed


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
        found = cluster.best_story(
            vec, day, (stories[s] for s in sorted(candidates)), df, n, a.body
        )
        sid = found.id if found is not None else cluster.story_id(a.id)
        story = stories.setdefault(sid, cluster.Story(sid))
        for t in story.add(vec, day):
            index[(t, cluster.week_of(day))].add(sid)
        out[a.id] = sid
    return out


STAGES: list[tuple[str, list[dict[str, Any]]]] = [
    (
        "threshold and window",
        [
            {"THRESHOLD": t, "WINDOW_DAYS": w}
            for w in (3, 7, 14)
            for t in (0.1, 0.15, 0.2, 0.25, 0.3)
        ],
    ),
    (
        "the share of articles a rare term is in (1.0: every term)",
        [{"RARE": r} for r in (0.0025, 0.005, 0.01, 0.02, 1.0)],
    ),
    ("the rare floor", [{"RARE_FLOOR": f} for f in (20, 30, 50, 100)]),
    ("the longest span", [{"MAX_SPAN_DAYS": d} for d in (None, 28, 35, 42, 56)]),
]


def sweep(arts: list[Article], gold: Labels, names: list[str]) -> None:
    """Each stage's settings (the others at their defaults), chosen on the odd-numbered
    stories and reported on the even ones; the largest story shows what the labelled
    stories cannot (templates and topics are unlabelled)."""
    dev, test = names[0::2], names[1::2]
    print(f"\nThe single pass at other settings (chosen on {len(dev)} stories, reported on "
          f"the other {len(test)})")  # fmt: skip
    for title, settings in STAGES:
        keys = list(settings[0])
        defaults = {k: getattr(cluster, k) for k in keys}
        print(f"\n{title}\n\n| {' | '.join(keys)} | F1 (choosing) | F1 (reported) | F1 (all) "
              f"| largest |\n|{'---|' * (len(keys) + 4)}")  # fmt: skip
        scores: list[tuple[float, dict[str, Any]]] = []
        for setting in settings:
            for k, v in setting.items():
                setattr(cluster, k, v)
            pred = single_pass(arts)
            f_dev, f_test = bcubed(pred, gold, dev)["F1"], bcubed(pred, gold, test)["F1"]
            mark = " (default)" if setting == defaults else ""
            print(f"| {' | '.join(str(v) for v in setting.values())}{mark} | {f_dev:.3f} | "
                  f"{f_test:.3f} | {bcubed(pred, gold)['F1']:.3f} | {largest(pred)} |")  # fmt: skip
            scores.append((f_dev, setting))
        for k, v in defaults.items():
            setattr(cluster, k, v)
        top = max(f for f, _ in scores)
        best = [s for f, s in scores if f > top - 0.0005]
        print(f"\nbest on the choosing half ({top:.3f}): {', '.join(map(str, best))}")
    default = (cluster.THRESHOLD, cluster.WINDOW_DAYS)
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
    ap.add_argument("--bbc-index", type=Path, help="an index of BBC (for --top)")
    ap.add_argument("--top", type=int, default=0, help="judge the N largest stories listed")
    ap.add_argument("--pending", action="store_true", help="write stories not judged")
    ap.add_argument("--sweep", action="store_true", help="other settings, and the embedding")
    args = ap.parse_args(argv)
    gold, names = labels()
    sizes = Counter(gold.values())
    print(f"{len(names)} stories, {len(gold)} articles, {min(sizes.values())} to "
          f"{max(sizes.values())} a story")  # fmt: skip
    if args.index is not None:
        from_index(args.index, gold)
    if args.top:
        totals = [0, 0]
        for corpus, index in (("reuters21578", args.index), ("bbc", args.bbc_index)):
            if index is not None:
                real, seen, _ = top_listing(corpus, index, args.top, args.pending)
                totals[0] += real
                totals[1] += seen
        if totals[1]:
            print(f"\nreal stories among the judged largest: {totals[0]} of {totals[1]} "
                  f"({totals[0] / totals[1]:.0%})")  # fmt: skip
    if args.sweep:
        arts = [a for a in iter_items([CORPORA / "reuters21578"]) if isinstance(a, Article)]
        sweep(arts, gold, names)


if __name__ == "__main__":
    main()
