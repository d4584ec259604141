"""Quantitative claims against hand labels: precision, recall and F1 per field.

    python benchmarks/claims.py                 # the table (benchmarks/README.md, "Claims")
    python benchmarks/claims.py --errors        # and every miss, for reading

The labels (benchmarks/data/claims.json) are sentences of the seeds, the BBC corpus and
Reuters-21578 with the claims a reader finds in them (none for dates, money, percentages and
the like). Each sentence is read alone by ``newsearch.compare.claims.extract_claims``.

Matching: a found claim matches a labelled one of the same sentence with the same value
(each used once). ``value`` counts those matches against all found and all labelled claims.
For the other fields, a labelled claim with the field set counts towards recall, a found claim
with it set towards precision, and a match whose two fields agree is a hit: ``qualifier``
exactly; ``counts`` by the head noun (singular or plural, case aside: "tonnes of crop" is
"tonnes"); ``event`` by its words, "or"/"and" aside (labels may give alternatives: "made|
awards"); ``attribution`` when the words of one hold the other's or they share half
(quotes, case and a leading "the" aside). A qualifier is always set ("=" when none).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from newsearch.compare.claims import FoundClaim, extract_claims  # noqa: E402

LABELS = ROOT / "data" / "claims.json"
FIELDS = ("value", "qualifier", "counts", "event", "attribution")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("‘", "'")).strip().lower()


def _head(noun: str) -> str:
    word = _norm(noun).split(" of ")[0].split()[-1]
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _event_words(text: str) -> frozenset[str]:
    return frozenset(w for w in _norm(text).split() if w not in ("or", "and"))


def _who(text: str) -> list[str]:
    words = [w.strip(".,;:'\"()") for w in _norm(text).split()]
    return words[1:] if words[:1] == ["the"] else words


def same(name: str, found: Any, gold: Any) -> bool:
    """Whether a found field agrees with a labelled one (both set)."""
    if name == "qualifier":
        return bool(found == gold)
    if name == "counts":
        return _head(found) == _head(gold)
    if name == "event":
        return any(_event_words(found) == _event_words(g) for g in str(gold).split("|"))
    if name == "attribution":
        for g in str(gold).split("|"):
            a, b = set(_who(found)), set(_who(g))
            if a <= b or b <= a or len(a & b) * 2 >= max(len(a), len(b)):
                return True
        return False
    raise ValueError(name)


@dataclass
class Tally:
    hits: int = 0
    found: int = 0
    gold: int = 0

    def scores(self) -> tuple[float, float, float]:
        p = self.hits / self.found if self.found else 1.0
        r = self.hits / self.gold if self.gold else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@dataclass
class Report:
    tallies: dict[str, Tally] = field(default_factory=lambda: {f: Tally() for f in FIELDS})
    errors: list[str] = field(default_factory=list)


def _value(c: FoundClaim) -> float:
    return (c.low + c.high) / 2 if c.low != c.high else c.value


def _found_field(c: FoundClaim, name: str) -> Any:
    return {"qualifier": c.qualifier, "counts": c.counts, "event": c.event}.get(name, c.attribution)


def score(items: list[dict[str, Any]], found: list[list[FoundClaim]], report: Report) -> None:
    for item, claims in zip(items, found, strict=True):
        gold = list(item["claims"])
        unused = list(claims)
        pairs: list[tuple[FoundClaim, dict[str, Any]]] = []
        for g in gold:
            match = next(
                (
                    c
                    for c in unused
                    if abs(_value(c) - g["value"]) <= 1e-6 * max(1, abs(g["value"]))
                ),
                None,
            )
            if match is None:
                report.errors.append(
                    f"missed {g['value']:g} {g['counts']!r} in {item['text'][:90]!r}"
                )
                continue
            unused.remove(match)
            pairs.append((match, g))
        for c in unused:
            report.errors.append(f"extra  {_value(c):g} {c.counts!r} in {item['text'][:90]!r}")
        t = report.tallies
        t["value"].hits += len(pairs)
        t["value"].found += len(claims)
        t["value"].gold += len(gold)
        for name in FIELDS[1:]:
            t[name].found += sum(1 for c in claims if _found_field(c, name))
            t[name].gold += sum(1 for g in gold if g[name])
            for c, g in pairs:
                mine, theirs = _found_field(c, name), g[name]
                if mine and theirs and same(name, mine, theirs):
                    t[name].hits += 1
                elif mine != theirs:
                    report.errors.append(f"{name:<11} {mine!r} != {theirs!r} ({g['value']:g})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--errors", action="store_true", help="list every disagreement")
    args = parser.parse_args(argv)
    data = json.loads(args.labels.read_text(encoding="utf-8"))
    items = data["items"]
    started = time.perf_counter()
    found = extract_claims([item["text"] for item in items])
    seconds = time.perf_counter() - started
    corpora = sorted({item["source"].split("/")[0].split(" ")[0] for item in items})
    report = Report()
    score(items, found, report)
    gold = sum(len(i["claims"]) for i in items)
    print(
        f"{len(items)} sentences ({', '.join(corpora)}), {gold} labelled claims, "
        f"{sum(len(f) for f in found)} found in {seconds:.1f} s (pipeline load included)"
    )
    print("\n| field | precision | recall | F1 |\n|---|---|---|---|")
    for name, tally in report.tallies.items():
        p, r, f1 = tally.scores()
        print(f"| {name} | {p:.2f} | {r:.2f} | {f1:.2f} |")
    for corpus in corpora:
        part = Report()
        keep = [k for k, i in enumerate(items) if i["source"].split("/")[0].split(" ")[0] == corpus]
        score([items[k] for k in keep], [found[k] for k in keep], part)
        f1s = ", ".join(f"{n} {t.scores()[2]:.2f}" for n, t in part.tallies.items())
        print(f"\n{corpus}: F1 {f1s}", end="")
    print()
    if args.errors:
        print("\n" + "\n".join(report.errors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
