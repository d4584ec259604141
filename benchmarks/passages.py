"""Passage retrieval on hand-judged questions answered in other words: lexical vs hybrid.

    python benchmarks/passages.py [--json] [--index-cache DIR] [--show-misses]

The questions (``benchmarks/passages/judged.json``) were written by hand from reading the
articles: 20 over the five seed articles (``seeds/``: five outlets on one story), asked of an
index of the seeds alone, and 35 over the BBC corpus (``shared/corpora/bbc``), asked of an
index of the BBC articles alone (the seeds are a different story and year: they would only be
noise there). Each answer is an exact substring of an article that lies inside the passage
that answers the question.

Every question is searched with ``limit=10`` in each mode (``SearchEngine.search(mode=...)``;
without a ``mode`` parameter both rows run the default search, with a warning). Per mode:

- ``recall@10``: mean over questions of the fraction of its answers found. An answer is found
  by a hit from its article (by path ending or id) whose passage text holds the answer, or
  whose ``[start, end)`` span in the article body covers the answer's offset.
- ``ndcg@10``: binary gain for a hit that finds an answer not found higher up; the ideal is
  ``min(#answers, 10)`` such hits at the top.
- ``mrr``: mean of 1 / rank of the first hit that finds an answer (0 if none in the top 10).
- ``outlets@10``: mean number of distinct sources among the top 10 (an article without a
  source counts as its own): how many voices the answers come from.

Exit status: 0 on success, 1 when the judged set or the BBC corpus is missing or broken.
The corpora stay in ``shared/corpora`` (research use only); nothing of them is written here
beyond the questions and the short answer substrings of the judged set.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` and ``newsearch`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import DEFAULT_ROOT

REPO = Path(__file__).resolve().parents[1]
JUDGED = Path(__file__).resolve().parent / "passages" / "judged.json"
SEEDS = REPO / "seeds"
LIMIT = 10
MODES = ("lexical", "hybrid")
CORPORA = ("seeds", "bbc")
METRICS = ("recall@10", "ndcg@10", "outlets@10", "mrr")


@dataclass(frozen=True)
class Answer:
    path: str  # "seeds/x.txt" or "bbc/<category>/NNN.txt"
    text: str
    file: Path


@dataclass(frozen=True)
class Question:
    id: str
    query: str
    corpus: str
    answers: tuple[Answer, ...]
    wording: str = "other"


def answer_file(path: str, root: Path = DEFAULT_ROOT) -> Path:
    """Where an answer's article lives: ``seeds/...`` in the repository, the rest in ``root``."""
    return REPO / path if path.startswith("seeds/") else root / path


def load_judged(path: Path = JUDGED, root: Path = DEFAULT_ROOT) -> list[Question]:
    data = json.loads(path.read_text(encoding="utf-8"))
    questions = []
    for q in data["questions"]:
        answers = tuple(
            Answer(a["path"], a["text"], answer_file(a["path"], root)) for a in q["answers"]
        )
        questions.append(
            Question(q["id"], q["query"], q["corpus"], answers, q.get("wording", "other"))
        )
    return questions


def check_judged(questions: Sequence[Question]) -> list[str]:
    """Problems with the judged set: every answer must occur in its article's file."""
    problems = []
    ids = [q.id for q in questions]
    problems += [f"{i}: id appears twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for q in questions:
        if q.corpus not in CORPORA:
            problems.append(f"{q.id}: corpus {q.corpus!r} is not one of {CORPORA}")
        if not q.answers:
            problems.append(f"{q.id}: no answers")
        for a in q.answers:
            try:
                text = a.file.read_text(encoding="utf-8", errors="replace")
            except OSError as exc:
                problems.append(f"{q.id}: {a.path}: {exc}")
                continue
            if a.text not in text:
                problems.append(f"{q.id}: {a.text!r} is not in {a.path}")
    return problems


# --------------------------------------------------------------------------- indexes


def build_indexes(base: Path, root: Path, reuse: bool, vectors: bool) -> dict[str, Path]:
    """The seeds index and the BBC index under ``base`` (built, or reused when ``reuse``).

    ``vectors``: whether the indexes need passage vectors (for hybrid search). Without them,
    ``build_index(vectors=False)`` is used where the parameter exists. A cached index built
    without vectors is rebuilt when they are now needed (``built.json`` records it).
    """
    from newsearch.ingest.pipeline import build_index

    takes_vectors = "vectors" in inspect.signature(build_index).parameters
    options: dict[str, Any] = {"entities": False}
    if takes_vectors:
        options["vectors"] = vectors
    marker = base / "built.json"
    try:
        built = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        built = {}
    inputs = {"seeds": SEEDS, "bbc": root / "bbc"}
    dirs = {}
    for name, source in inputs.items():
        target = base / name
        dirs[name] = target
        done = name in built  # written once a build is complete: a broken build is redone
        fresh_enough = done and (built[name].get("vectors", False) or not vectors)
        if reuse and fresh_enough and target.is_dir():
            print(f"reusing the {name} index in {target}", file=sys.stderr)
            continue
        started = time.monotonic()
        summary = build_index([str(source.resolve())], target, rebuild=True, **options)
        print(
            f"indexed {name}: {summary.indexed} articles, {summary.duplicate} duplicates "
            f"({time.monotonic() - started:.1f} s)",
            file=sys.stderr,
        )
        built[name] = {"vectors": bool(vectors and takes_vectors)}
        marker.write_text(json.dumps(built), encoding="utf-8")
    return dirs


# --------------------------------------------------------------------------- scoring


class Bodies:
    """Article bodies as newsearch reads them, to place an answer in the body's offsets."""

    def __init__(self) -> None:
        self._offsets: dict[tuple[Path, str], int | None] = {}

    def offset(self, answer: Answer) -> int | None:
        key = (answer.file, answer.text)
        if key not in self._offsets:
            from newsearch.ingest.readers import read_file
            from newsearch.models import Article

            found = None
            for item in read_file(answer.file):
                if isinstance(item, Article) and answer.text in item.body:
                    found = item.body.index(answer.text)
                    break
            self._offsets[key] = found
        return self._offsets[key]


def finds(hit: Any, answer: Answer, bodies: Bodies) -> bool:
    """Whether ``hit`` is a passage of the answer's article that holds the answer."""
    path = str(hit.article.path).replace("\\", "/")
    name = answer.path
    if not (path.endswith("/" + name) or path == name or hit.article.id == name):
        return False
    if answer.text in hit.text:
        return True
    offset = bodies.offset(answer)
    return offset is not None and hit.start <= offset < hit.end


def score_question(question: Question, hits: Sequence[Any], bodies: Bodies) -> dict[str, float]:
    found: set[int] = set()
    dcg = 0.0
    first = 0
    for rank, hit in enumerate(hits[:LIMIT], start=1):
        new = {
            i for i, a in enumerate(question.answers) if i not in found and finds(hit, a, bodies)
        }
        if new:
            found |= new
            dcg += 1 / math.log2(rank + 1)
            first = first or rank
    ideal = sum(1 / math.log2(r + 1) for r in range(1, min(len(question.answers), LIMIT) + 1))
    voices = {
        ("source", h.article.source) if h.article.source else ("article", h.article.id)
        for h in hits[:LIMIT]
    }
    return {
        "recall@10": len(found) / len(question.answers),
        "ndcg@10": dcg / ideal if ideal else 0.0,
        "outlets@10": float(len(voices)),
        "mrr": 1 / first if first else 0.0,
    }


def has_mode(engine: Any = None) -> bool:
    """Whether ``SearchEngine.search`` (of ``engine``, else the class) takes ``mode``."""
    if engine is None:
        from newsearch.search.engine import SearchEngine

        engine = SearchEngine
    return "mode" in inspect.signature(engine.search).parameters


def run(
    questions: Sequence[Question], dirs: Mapping[str, Path]
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, dict[str, float]]], bool]:
    """Mean metrics per mode, per-question metrics per mode, and whether ``mode`` existed."""
    from newsearch.search.engine import SearchEngine

    per: dict[str, dict[str, dict[str, float]]] = {m: {} for m in MODES}
    bodies = Bodies()
    moded = True
    for corpus in CORPORA:
        asked = [q for q in questions if q.corpus == corpus]
        if not asked:
            continue
        with SearchEngine(dirs[corpus]) as engine:
            moded = moded and has_mode(engine)
            for mode in MODES:
                for q in asked:
                    if moded:
                        results = engine.search(q.query, limit=LIMIT, mode=mode)
                    else:
                        results = engine.search(q.query, limit=LIMIT)
                    per[mode][q.id] = score_question(q, results.results, bodies)
    means = {
        mode: {
            m: round(sum(s[m] for s in per[mode].values()) / max(len(per[mode]), 1), 4)
            for m in METRICS
        }
        for mode in MODES
    }
    return means, per, moded


# --------------------------------------------------------------------------- output


def format_table(n: int, means: Mapping[str, Mapping[str, float]], moded: bool) -> str:
    header = "| mode | questions | " + " | ".join(METRICS) + " |"
    lines = [header, "|---" * (len(METRICS) + 2) + "|"]
    for mode in MODES:
        label = mode if moded else f"{mode} (default search)"
        cells = " | ".join(f"{means[mode][m]:.3f}" for m in METRICS)
        lines.append(f"| {label} | {n} | {cells} |")
    return "\n".join(lines)


def format_misses(
    questions: Sequence[Question], per: Mapping[str, Mapping[str, Mapping[str, float]]]
) -> str:
    lines = ["questions where hybrid misses answers (recall@10 < 1):"]
    for q in questions:
        got = per["hybrid"].get(q.id)
        if got is None or got["recall@10"] >= 1:
            continue
        lex = per["lexical"][q.id]["recall@10"]
        lines.append(
            f"  {q.id} [{q.corpus}] {q.query!r}: hybrid {got['recall@10']:.2f}, "
            f"lexical {lex:.2f}; wanted: " + "; ".join(f"{a.path}: {a.text!r}" for a in q.answers)
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--json", action="store_true", help="print only one JSON object on stdout")
    ap.add_argument(
        "--index-cache",
        type=Path,
        default=None,
        help="keep the indexes here and reuse them on the next run (default: a temp dir)",
    )
    ap.add_argument("--show-misses", action="store_true", help="list the questions hybrid misses")
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the shared corpora folder")
    ap.add_argument("--judged", type=Path, default=JUDGED, help="the judged questions")
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        questions = load_judged(args.judged, args.root)
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: cannot read the judged set {args.judged}: {exc}", file=sys.stderr)
        return 1
    if not (args.root / "bbc").is_dir():
        print(f"error: the BBC corpus is not at {args.root / 'bbc'} (pass --root)", file=sys.stderr)
        return 1
    problems = check_judged(questions)
    if problems:
        print("error: the judged set is broken:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    started = time.monotonic()
    vectors = has_mode()
    if args.index_cache is not None:
        args.index_cache.mkdir(parents=True, exist_ok=True)
        dirs = build_indexes(args.index_cache, args.root, reuse=True, vectors=vectors)
        means, per, moded = run(questions, dirs)
    else:
        with tempfile.TemporaryDirectory(prefix="passages-bench-") as tmp:
            dirs = build_indexes(Path(tmp), args.root, reuse=False, vectors=vectors)
            means, per, moded = run(questions, dirs)
    if not moded:
        print(
            "warning: SearchEngine.search has no mode parameter: both rows are the default search",
            file=sys.stderr,
        )
    print(f"{len(questions)} questions in {time.monotonic() - started:.1f} s", file=sys.stderr)
    if args.show_misses:
        print(format_misses(questions, per), file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps({"questions": len(questions), **means}))
    else:
        print(format_table(len(questions), means, moded))
    return 0


if __name__ == "__main__":
    sys.exit(main())
