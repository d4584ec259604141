"""Entity facets against hand judgements: how right are the most frequent values?

    python benchmarks/entities.py [--corpus bbc,reuters21578] [--index-bbc DIR]
        [--index-reuters21578 DIR] [--top 50] [--json]

For each corpus, an index with entities is built in a temp dir (``newsearch index --quiet
--no-vectors``, timed) unless an existing one is given; the ``--top`` values of each facet
(person, org, place) are read with ``newsearch facets --json --limit TOP`` and looked up in
``benchmarks/entities/labels.json``, judged by hand: ``right`` (an entity of the facet's
type), ``wrong`` (an entity of another type), ``junk`` (not an entity) or ``variant:<Name>``
(the same entity as <Name>). Per corpus and facet:

- ``precision``: right / judged (unjudged values are left out, and listed on stderr);
- ``variants``: values judged ``variant:X`` while another name of the same entity (X itself,
  or another value judged ``variant:X`` in any facet of that corpus) is also a value of the
  index, in any facet, at any rank (read with ``newsearch facets --limit`` large): one entity
  counted under two names. A variant whose other names the index does not hold at all is the
  one name it gives that entity, and counts as right (a value of the wrong type is judged
  ``wrong``, never ``variant``).

Exit status: 0 on success, 1 when the labels, a corpus or an index cannot be read.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import DEFAULT_ROOT

LABELS = Path(__file__).resolve().parent / "entities" / "labels.json"
CORPORA = ("bbc", "reuters21578")
FACETS = ("person", "org", "place")
COLUMNS = ("judged", "precision", "right", "wrong", "junk", "variants", "unjudged")
ALL = 1_000_000  # a --limit above any facet's number of values

Counts = dict[str, Any]


def newsearch_cmd() -> list[str]:
    """The installed CLI (beside this Python first), else ``python -m newsearch``."""
    beside = Path(sys.executable).with_name("newsearch")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("newsearch")
    return [found] if found else [sys.executable, "-m", "newsearch"]


def load_labels(path: Path = LABELS) -> dict[str, dict[str, dict[str, str]]]:
    data: dict[str, dict[str, dict[str, str]]] = json.loads(path.read_text(encoding="utf-8"))
    for corpus, facets in data.items():
        for facet, labels in facets.items():
            for value, verdict in labels.items():
                ok = verdict in ("right", "wrong", "junk") or (
                    verdict.startswith("variant:") and len(verdict) > len("variant:")
                )
                if not ok:
                    raise ValueError(f"{corpus}/{facet}/{value!r}: verdict {verdict!r}")
    return data


def build(corpus: Path, target: Path) -> float:
    """Index ``corpus`` with entities into ``target``; the seconds it took."""
    started = time.monotonic()
    cmd = [*newsearch_cmd(), "index", str(corpus), "--index", str(target), "--quiet"]
    subprocess.run([*cmd, "--no-vectors", "--rebuild"], check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def facet_values(index: Path, limit: int) -> dict[str, list[str]]:
    """``newsearch facets --json --limit LIMIT``: each entity facet's values, most frequent
    first."""
    cmd = [*newsearch_cmd(), "facets", "--index", str(index), "--json", "--limit", str(limit)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    facets = json.loads(out)["facets"]
    return {f: [v["value"] for v in facets.get(f, [])] for f in FACETS}


def entity_names(labels: Mapping[str, Mapping[str, str]]) -> dict[str, set[str]]:
    """Each entity a variant verdict names, with all its names in a corpus's labels (any
    facet): X and every value judged ``variant:X``."""
    names: dict[str, set[str]] = {}
    for facet_labels in labels.values():
        for value, verdict in facet_labels.items():
            if verdict.startswith("variant:"):
                target = verdict.removeprefix("variant:")
                names.setdefault(target, {target}).add(value)
    return names


def score(
    top: Sequence[str], labels: Mapping[str, str], names: Mapping[str, set[str]], held: set[str]
) -> tuple[Counts, list[tuple[str, str]]]:
    """Counts for one facet's ``top`` values, and the (value, verdict) of each offender.
    ``names``: each entity's names (``entity_names``); ``held``: every value of the index, any
    facet. A variant is unmerged when another of its entity's names is held too."""
    counts: Counts = {k: 0 for k in ("right", "wrong", "junk", "variants")}
    unjudged: list[str] = []
    offenders: list[tuple[str, str]] = []
    for value in top:
        verdict = labels.get(value)
        if verdict is None:
            unjudged.append(value)
            continue
        if verdict.startswith("variant:"):
            others = names.get(verdict.removeprefix("variant:"), set()) - {value}
            if not others & held:
                counts["right"] += 1
                continue
            counts["variants"] += 1
        else:
            counts[verdict] += 1
        if verdict != "right":
            offenders.append((value, verdict))
    judged = len(top) - len(unjudged)
    precision = round(counts["right"] / judged, 3) if judged else 0.0
    result = {"judged": judged, "precision": precision, **counts, "unjudged": unjudged}
    return result, offenders


def format_table(top: int, corpora: Mapping[str, Mapping[str, Counts]]) -> str:
    lines = [
        f"| corpus | facet (top {top}) | " + " | ".join(COLUMNS) + " |",
        "|---" * (len(COLUMNS) + 2) + "|",
    ]
    for corpus, facets in corpora.items():
        for facet in FACETS:
            c = facets[facet]
            cells = [
                str(c["judged"]),
                f"{c['precision']:.3f}",
                *(str(c[k]) for k in ("right", "wrong", "junk", "variants")),
                str(len(c["unjudged"])),
            ]
            lines.append(f"| {corpus} | {facet} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--corpus", default=",".join(CORPORA), help="comma-separated corpora")
    for name in CORPORA:
        ap.add_argument(
            f"--index-{name}",
            type=Path,
            default=None,
            metavar="DIR",
            help=f"an existing {name} index with entities (default: build one in a temp dir)",
        )
    ap.add_argument("--top", type=int, default=50, help="values per facet to score")
    ap.add_argument("--json", action="store_true", help="print only one JSON object on stdout")
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the shared corpora folder")
    ap.add_argument("--labels", type=Path, default=LABELS, help="the hand judgements")
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    names = [c for c in args.corpus.split(",") if c]
    unknown = [c for c in names if c not in CORPORA]
    if unknown or args.top < 1:
        print(f"error: corpora are {', '.join(CORPORA)}; --top >= 1", file=sys.stderr)
        return 1
    try:
        labels = load_labels(args.labels)
    except (OSError, ValueError, AttributeError) as exc:
        print(f"error: cannot read the labels {args.labels}: {exc}", file=sys.stderr)
        return 1
    corpora: dict[str, dict[str, Counts]] = {}
    ingest: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="entities-bench-") as tmp:
        for name in names:
            index: Path | None = getattr(args, f"index_{name}")
            try:
                if index is None:
                    source = args.root / name
                    if not source.is_dir():
                        print(f"error: no corpus at {source} (pass --root)", file=sys.stderr)
                        return 1
                    index = Path(tmp) / name
                    ingest[name] = round(build(source, index), 1)
                    print(f"indexed {name} in {ingest[name]:.1f} s", file=sys.stderr)
                top = facet_values(index, args.top)
                held = {v for vals in facet_values(index, ALL).values() for v in vals}
            except (OSError, ValueError, KeyError, subprocess.CalledProcessError) as exc:
                detail = (getattr(exc, "stderr", None) or str(exc)).strip()
                print(f"error: {name}: {detail}", file=sys.stderr)
                return 1
            corpora[name] = {}
            names_of = entity_names(labels.get(name, {}))
            for facet in FACETS:
                given = labels.get(name, {}).get(facet, {})
                counts, bad = score(top[facet][: args.top], given, names_of, held)
                corpora[name][facet] = counts
                if counts["unjudged"]:
                    print(
                        f"unjudged {name} {facet}: " + "; ".join(counts["unjudged"]),
                        file=sys.stderr,
                    )
                if bad:
                    print(
                        f"offenders {name} {facet}: " + "; ".join(f"{v} ({w})" for v, w in bad),
                        file=sys.stderr,
                    )
    if args.json:
        out: dict[str, Any] = {"top": args.top, "corpora": corpora}
        if ingest:
            out["ingest_seconds"] = ingest
        print(json.dumps(out))
    else:
        print(format_table(args.top, corpora))
        for name, seconds in ingest.items():
            print(f"\ningest {name} (entities, no vectors): {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
