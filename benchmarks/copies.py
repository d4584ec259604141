"""Copy detection (newsearch/stories/copies.py): precision and recall on labelled pairs.

    python benchmarks/copies.py [--index DIR] [--sweep]

- **Reuters-21578**, ``benchmarks/data/copy_pairs.json`` (the development set: the rules
  were made reading its errors) and ``copy_pairs_heldout.json`` (labelled after they were
  fixed): pairs labelled by hand (same story re-sent, corrected, cut or extended: copies;
  the same template on another day or for another company, a price report updated, another
  story on the same topic: not). Each rule
  is measured as it adds up: the shingles' similarity alone, then the date window, then no
  figure or name swapped (the default). ``--sweep`` measures the default rules at other
  thresholds. With ``--index DIR`` (built there from Reuters without entities or vectors when
  absent), the pairs are judged end to end too: copies when the index put them in one copy
  group (LSH candidates, links and groups as a query reads them).
- **BBC News**: its 2,225 files hold byte-identical duplicates; the truth is the pairs
  with the same body (whatever case and spacing: the files, and new headlines); every file is
  compared as the index would (LSH bands, then the rules; no dates). Precision counts a
  joined pair right when the two are identical or in ``benchmarks/data/copy_bbc.json``,
  the non-identical pairs joined, each read and judged.

Data comes from ../shared/corpora (research use; never copied into the repository).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
DATA = ROOT / "benchmarks" / "data"
sys.path.insert(0, str(ROOT))

from newsearch import SearchEngine  # noqa: E402
from newsearch.errors import NewsearchError  # noqa: E402
from newsearch.ingest.readers import iter_items  # noqa: E402
from newsearch.models import Article  # noqa: E402
from newsearch.stories import copies  # noqa: E402

Pair = dict[str, Any]


def articles(corpus: str) -> list[Article]:
    return [a for a in iter_items([CORPORA / corpus]) if isinstance(a, Article)]


def day(a: Article) -> int | None:
    return a.date.toordinal() if a.date else None


def scores(pred: list[bool], gold: list[bool]) -> tuple[float, float, int, int, int]:
    tp = sum(p and g for p, g in zip(pred, gold, strict=True))
    fp = sum(p and not g for p, g in zip(pred, gold, strict=True))
    fn = sum(g and not p for p, g in zip(pred, gold, strict=True))
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1), tp, fp, fn


def line(name: str, pred: list[bool], gold: list[bool]) -> None:
    p, r, tp, fp, fn = scores(pred, gold)
    print(f"| {name} | {p:.3f} | {r:.3f} | {tp} | {fp} | {fn} |")


def reuters(index: Path | None, sweep: bool) -> None:
    by_id = {a.id: a for a in articles("reuters21578")}
    for name, file in (("development", "copy_pairs.json"), ("held out", "copy_pairs_heldout.json")):
        labels: list[Pair] = json.loads((DATA / file).read_text())["pairs"]
        judge(name, labels, by_id, index, sweep and name == "development")


def judge(
    name: str, labels: list[Pair], by_id: dict[str, Article], index: Path | None, sweep: bool
) -> None:
    gold = [bool(p["copy"]) for p in labels]
    pairs = [(by_id[p["a"]], by_id[p["b"]]) for p in labels]
    hashes = copies.shingle_hashes([x.body for a, b in pairs for x in (a, b)])
    sims = [copies.similarity(hashes[2 * i], hashes[2 * i + 1]) for i in range(len(pairs))]
    closes = [copies.close(hashes[2 * i], hashes[2 * i + 1]) for i in range(len(pairs))]
    near = [copies.within_window(day(a), day(b)) for a, b in pairs]
    facts = [copies.is_copy(a.body, b.body, a.title, b.title) for a, b in pairs]
    kinds = defaultdict(int)
    for p in labels:
        kinds[(p["copy"], p["kind"])] += 1
    print(f"\nReuters-21578, {name}: {len(labels)} labelled pairs, {sum(gold)} copies")
    print("  " + ", ".join(f"{k} {n}" for (c, k), n in sorted(kinds.items(), key=str)))
    print("\n| rule | precision | recall | right | wrong | missed |\n|---|---|---|---|---|---|")
    t = copies.THRESHOLD
    line(f"shingles >= {t}", [s >= t for s in sims], gold)
    line("or a copy cut short", closes, gold)
    line("+ dated at most 3 days apart", [c and w for c, w in zip(closes, near, strict=True)], gold)
    default = [c and w and f for c, w, f in zip(closes, near, facts, strict=True)]
    line("+ no figure or name swapped (default)", default, gold)
    if sweep:
        head = "| threshold | precision | recall | right | wrong | missed |"
        print(f"\n{head}\n|---|---|---|---|---|---|")
        for x in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):  # (cut copies as by default)
            pred = [
                (s >= x or (c and s < t)) and w and f
                for s, c, w, f in zip(sims, closes, near, facts, strict=True)
            ]
            line(str(x), pred, gold)
    for (a, b), p, g, s in zip(pairs, default, gold, sims, strict=True):
        if p != g:
            kind = next(q for q in labels if q["a"] == a.id and q["b"] == b.id)
            print(f"  {'missed' if g else 'wrong'}: {a.id} {b.id} {s:.2f} {kind['kind']}")
    if index is not None:
        grouped(index, labels, gold)


def grouped(index: Path, labels: list[Pair], gold: list[bool]) -> None:
    """The pairs judged by the copy groups an index of Reuters holds."""
    from newsearch import build_index
    from newsearch.index import store
    from newsearch.stories.groups import groups_of

    if not store.exists(index):
        started = time.monotonic()
        build_index(CORPORA / "reuters21578", index, entities=False, vectors=False)
        print(f"\n(indexed Reuters in {time.monotonic() - started:.0f} s)")
    generation = store.current_generation(index)
    ids = {x for p in labels for x in (p["a"], p["b"])}
    groups = groups_of(generation, ids)

    def same(a: str, b: str) -> bool:
        g = groups.get(a)
        return g is not None and any(m.id == b for m in g.members)

    with SearchEngine(index) as engine:  # an exact copy is indexed once: no pair to judge
        held = {x for x in ids if _indexed(engine, x)}
    kept = [i for i, p in enumerate(labels) if p["a"] in held and p["b"] in held]
    pred = [same(labels[i]["a"], labels[i]["b"]) for i in kept]
    print(f"\n| end to end ({len(kept)} pairs both indexed) | precision | recall | right | wrong "
          "| missed |\n|---|---|---|---|---|---|")  # fmt: skip
    line("one copy group in the index", pred, [gold[i] for i in kept])


def _indexed(engine: Any, article_id: str) -> bool:
    try:
        engine.article(article_id)
    except NewsearchError:
        return False
    return True


def bbc() -> None:
    arts = articles("bbc")
    started = time.monotonic()
    hashes = copies.shingle_hashes([a.body for a in arts])
    keys = copies.band_keys(hashes)
    buckets: dict[int, list[int]] = defaultdict(list)
    for i, row in enumerate(keys):
        for k in row.tolist():
            if k != -1:
                buckets[k].append(i)
    candidates = {
        pair for held in buckets.values() for pair in itertools.combinations(sorted(set(held)), 2)
    }
    joined = {
        (x, y)
        for x, y in candidates
        if copies.close(hashes[x], hashes[y])
        and copies.is_copy(arts[x].body, arts[y].body, arts[x].title, arts[y].title)
    }
    took = time.monotonic() - started

    def norm(a: Article) -> str:  # (the body: a new headline on the same text is a copy)
        return " ".join(a.body.lower().split())

    same_text: dict[str, list[int]] = defaultdict(list)
    for i, a in enumerate(arts):
        same_text[norm(a)].append(i)
    truth = {p for held in same_text.values() for p in itertools.combinations(held, 2)}
    judged = json.loads((DATA / "copy_bbc.json").read_text())["pairs"]
    read = {frozenset((p["a"], p["b"])) for p in judged if p["copy"]}

    def rel(i: int) -> str:
        return Path(arts[i].path).relative_to(CORPORA / "bbc").as_posix()

    right = sum(1 for x, y in joined if (x, y) in truth or frozenset((rel(x), rel(y))) in read)
    unread = [
        (rel(x), rel(y))
        for x, y in joined
        if (x, y) not in truth and frozenset((rel(x), rel(y))) not in read
    ]
    files = defaultdict(list)
    for i, a in enumerate(arts):
        files[Path(a.path).read_bytes()].append(i)
    identical = sum(len(v) * (len(v) - 1) // 2 for v in files.values())
    print(f"\nBBC News: {len(arts)} articles, {identical} pairs of byte-identical files, "
          f"{len(truth)} pairs with the same body (the truth)")  # fmt: skip
    print("\n| | pairs | precision | recall |\n|---|---|---|---|")
    exact = sum(1 for p in joined if p in truth)
    print(f"| same body only right | {len(joined)} | {exact / max(len(joined), 1):.3f} | "
          f"{exact / max(len(truth), 1):.3f} |")  # fmt: skip
    print(f"| same body, or read and judged copies | {len(joined)} | "
          f"{right / max(len(joined), 1):.3f} | {exact / max(len(truth), 1):.3f} |")  # fmt: skip
    print(f"\n({len(candidates)} LSH candidate pairs, {took:.1f} s for shingles, bands and rules)")
    for x, y in unread:
        print(f"  joined, not judged yet: {x} {y}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, help="judge the pairs by an index of Reuters too")
    ap.add_argument("--sweep", action="store_true", help="other thresholds too")
    args = ap.parse_args(argv)
    reuters(args.index, args.sweep)
    bbc()


if __name__ == "__main__":
    run: Callable[[], None] = main
    run()
