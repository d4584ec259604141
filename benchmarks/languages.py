"""Languages (issue 18): detection, CJK words, recall per language, and English unchanged.

    python benchmarks/languages.py [--before SRC] [--reuters-files 3] [--json]

SRC is a source tree of newsearch before languages were kept, for the "before" columns, made
with ``git archive 57084ac^ | tar -x -C SRC`` (the commit before them); without it only the
"after" figures are measured. Every text judged here was written for newsearch
(benchmarks/data/languages.json), nothing downloaded.

- **detection**: the labelled sentences (six a language, headlines and sentences, 15
  languages): how many ``text/languages.detect`` names right, and py3langid's own first guess;
  the time a detection takes.
- **cjk**: Chinese queries over the Chinese documents, words cut as the index cuts them
  (overlapping bigrams, a query's bigrams side by side) against jieba (0.42.1, if installed:
  ``pip install jieba==0.42.1``; its search mode, a query's words side by side): relevant
  documents found, others found, the time to load and to cut.
- **recall**: recall@10 of the judged queries of each language (German, French, Portuguese,
  Russian, Chinese; other inflected forms than the documents) over one index of all their
  documents, with each language's analysis (after) and English analysis for all (before).
- **entities**: the labelled texts of benchmarks/data/languages_entities.json (written for
  newsearch): precision and recall of each language's entities (French: spaCy's French
  model; others: the gazetteer's places), and of spaCy's English model read on the same
  texts (``--entities``: this alone).
- **english**: the same Reuters-21578 articles indexed (no entities, no vectors, one process)
  and 200 queries of their words asked (lexical, limit 10), after and before: ingest wall and
  CPU seconds, p50/p95 query milliseconds and mean CPU milliseconds (CPU time is what to
  compare on a shared machine), and whether the results are the same.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = json.loads((ROOT / "benchmarks" / "data" / "languages.json").read_text(encoding="utf-8"))
CORPORA = ROOT.parent / "shared" / "corpora"
SOURCE = Path(os.environ.get("NEWSEARCH_SOURCE", ROOT))
sys.path.insert(0, str(SOURCE))


# ---------------------------------------------------------------------------- entities


ENTITY_SETS = {
    "development": "languages_entities.json",
    "held out": "languages_entities_heldout.json",
}


def entities() -> dict[str, Any]:
    """Each labelled set's entity figures (``entity_set``): the development set (written while
    the code was) and the held-out one (written after it, measured once)."""
    return {name: entity_set(file) for name, file in ENTITY_SETS.items()}


def entity_set(file: str) -> dict[str, Any]:
    """Per language, over the labelled texts (benchmarks/data/``file``): the
    entities newsearch gives (``ours``: French by spaCy's French model, others the gazetteer's
    places) and those spaCy's English model gives read on the same texts (``english``), by
    type: found, right, labelled; names compared by their merge key. Also the time a
    language's place table takes to make, and the texts' extraction."""
    from newsearch.ingest.entities import SpacyExtractor
    from newsearch.ingest.entities_lang import french_model
    from newsearch.ingest.places_i18n import place_table
    from newsearch.text.analysis import LanguageText
    from newsearch.text.names import entity_key

    data = json.loads((ROOT / "benchmarks" / "data" / file).read_text(encoding="utf-8"))
    extractor = SpacyExtractor()
    extractor.english(["Warm-up in London."])
    french_model()
    rows: dict[str, dict[str, Any]] = {}
    wrong: list[str] = []
    for item in data["texts"]:
        code, text = item["language"], item["text"]
        row = rows.setdefault(code, {"texts": 0, "table_seconds": 0.0, "seconds": 0.0})
        if row["texts"] == 0:
            started = time.perf_counter()
            place_table(code)
            row["table_seconds"] = time.perf_counter() - started
        row["texts"] += 1
        gold = {(t, entity_key(n)) for t, n in item["entities"]}
        started = time.perf_counter()
        ours = extractor.extract([LanguageText(text, code)])[0]
        row["seconds"] += time.perf_counter() - started
        english = extractor.english([text])[0]
        for side, mentions in (("ours", ours), ("english", english)):
            found = {(m.entity.type, entity_key(m.entity.name)) for m in mentions}
            for kind in ("person", "org", "place"):
                cell = row.setdefault(side, {}).setdefault(kind, Counter())
                cell["found"] += sum(1 for t, _ in found if t == kind)
                cell["right"] += sum(1 for t, k in found if t == kind and (t, k) in gold)
                cell["labelled"] += sum(1 for t, _ in gold if t == kind)
            if side == "ours":
                wrong.extend(f"{code}: {t} {k}" for t, k in sorted(found - gold))
    return {"per_language": rows, "wrong": wrong}


def _entity_lines(sets: dict[str, Any]) -> list[str]:
    lines = []
    for name, report in sets.items():
        lines.append(f" {name}:")
        lines.extend(_entity_set_lines(report))
    return lines


def _entity_set_lines(report: dict[str, Any]) -> list[str]:
    lines = []
    for code, row in report["per_language"].items():
        parts = []
        for side in ("ours", "english"):
            cells = []
            for kind, c in row[side].items():
                if c["found"] or c["labelled"]:
                    p = f"{c['right']}/{c['found']}" if c["found"] else "-"
                    cells.append(f"{kind} precision {p} recall {c['right']}/{c['labelled']}")
            parts.append(f"{side}: " + ", ".join(cells))
        lines.append(
            f"  {code} ({row['texts']} texts; table {row['table_seconds']:.2f} s, "
            f"{1000 * row['seconds'] / row['texts']:.1f} ms a text): " + "; ".join(parts)
        )
    lines.extend(f"  wrong: {w}" for w in report["wrong"])
    return lines


# ---------------------------------------------------------------------------- detection


def detection() -> dict[str, Any]:
    from newsearch.text.languages import _identifier, detect

    rows: dict[str, dict[str, int]] = {}
    times: list[float] = []
    wrong: list[str] = []
    _identifier()  # the model's load is not a detection's cost
    for code, sentences in DATA["detection"].items():
        row = rows.setdefault(code, {"n": 0, "detect": 0, "py3langid": 0, "headlines": 0})
        for s in sentences:
            start = time.perf_counter()
            found = detect(None, s)[0]
            times.append(time.perf_counter() - start)
            raw = str(_identifier().classify(s)[0])
            row["n"] += 1
            row["detect"] += found == code
            row["py3langid"] += raw == code
            row["headlines"] += len(s.split()) <= 5
            if found != code:
                wrong.append(f"{code}: {s!r} -> {found}")
    total = sum(r["n"] for r in rows.values())
    return {
        "per_language": rows,
        "accuracy": sum(r["detect"] for r in rows.values()) / total,
        "py3langid_accuracy": sum(r["py3langid"] for r in rows.values()) / total,
        "sentences": total,
        "ms_per_detection": 1000 * statistics.mean(times),
        "wrong": wrong,
    }


# ---------------------------------------------------------------------------- CJK words


def _contains(seq: list[str], sub: list[str]) -> bool:
    return bool(sub) and any(seq[i : i + len(sub)] == sub for i in range(len(seq) - len(sub) + 1))


def cjk() -> dict[str, Any]:
    from newsearch.text.analysis import analyze

    zh = DATA["judged"]["zh"]
    docs: dict[str, str] = zh["docs"]
    out: dict[str, Any] = {}

    def score(cut: Any) -> dict[str, Any]:
        cut_docs = {k: cut(v) for k, v in docs.items()}
        found = wrong = relevant = 0
        for query, judged in zh["queries"]:
            q = cut(query)
            hits = {k for k, terms in cut_docs.items() if _contains(terms, q)}
            found += len(hits & set(judged))
            wrong += len(hits - set(judged))
            relevant += len(judged)
        text = "".join(docs.values()) * 50
        start = time.perf_counter()
        cut(text)
        seconds = time.perf_counter() - start
        return {
            "found": found,
            "relevant": relevant,
            "others_found": wrong,
            "chars_per_ms": len(text) / (1000 * seconds),
        }

    out["bigrams"] = score(lambda t: analyze(t, "zh"))
    out["bigrams"]["load_seconds"] = 0.0
    load = subprocess.run(
        [sys.executable, "-c", "import time,jieba,logging; jieba.setLogLevel(logging.ERROR); "
         "t=time.perf_counter(); jieba.initialize(); print(time.perf_counter()-t)"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if load.returncode == 0:
        import logging

        import jieba  # type: ignore[import-untyped]

        jieba.setLogLevel(logging.ERROR)
        jieba.initialize()
        marks = set("，。！？、；：“”‘’（）《》")
        out["jieba"] = score(lambda t: [w for w in jieba.cut_for_search(t) if w not in marks])
        out["jieba"]["load_seconds"] = float(load.stdout.strip().splitlines()[-1])
    else:
        out["jieba"] = None
    return out


# ---------------------------------------------------------------------------- recall


def recall() -> dict[str, Any]:
    """recall@10 per language over one index of every judged document (run by each code)."""
    from newsearch import SearchEngine, build_index

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        for judged in DATA["judged"].values():
            for name, text in judged["docs"].items():
                (folder / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
        build_index(folder, Path(tmp) / "idx", entities=False, vectors=False)
        with SearchEngine(Path(tmp) / "idx") as e:
            for code, judged in DATA["judged"].items():
                scores = []
                for query, relevant in judged["queries"]:
                    hits = e.search(query, limit=10, mode="lexical").results
                    got = {Path(h.article.path).stem for h in hits}
                    scores.append(len(got & set(relevant)) / len(relevant))
                out[code] = {"queries": len(scores), "recall_at_10": statistics.mean(scores)}
    return out


# ---------------------------------------------------------------------------- English


def english(files: int) -> dict[str, Any]:
    """Reuters-21578 articles indexed and asked (run by each code)."""
    from newsearch import SearchEngine, build_index

    source = CORPORA / "reuters21578"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for path in sorted(source.glob("reut2-*.sgm"))[:files]:
            shutil.copy(path, folder / path.name)
        start, cpu = time.perf_counter(), time.process_time()
        summary = build_index(
            folder, Path(tmp) / "idx", entities=False, vectors=False, processes=1
        )  # one process: its CPU time is the whole run's (wall time swings on a shared machine)
        ingest, ingest_cpu = time.perf_counter() - start, time.process_time() - cpu
        words: Counter[str] = Counter()
        for path in folder.iterdir():
            text = path.read_text(encoding="latin-1").lower()
            words.update(w for w in text.split() if w.isalpha() and len(w) > 3)
        common = sorted(w for w, n in words.items() if 20 <= n <= 400)
        rng = random.Random(18)
        queries = [" ".join(rng.sample(common, rng.randint(1, 4))) for _ in range(200)]
        times: list[float] = []
        cpus: list[float] = []
        answers: list[list[Any]] = []
        with SearchEngine(Path(tmp) / "idx") as e:
            e.search(queries[0], mode="lexical")  # warm: the first query opens the index
            for q in queries:
                start, cpu = time.perf_counter(), time.process_time()
                r = e.search(q, limit=10, mode="lexical")
                times.append(time.perf_counter() - start)
                cpus.append(time.process_time() - cpu)
                answers.append(
                    [r.total, [(h.article.id, h.start, round(h.score, 6)) for h in r.results]]
                )
    times.sort()
    return {
        "articles": summary.indexed,
        "ingest_seconds": ingest,
        "ingest_cpu_seconds": ingest_cpu,
        "articles_per_cpu_second": summary.indexed / ingest_cpu,
        "p50_ms": 1000 * times[len(times) // 2],
        "p95_ms": 1000 * times[int(len(times) * 0.95)],
        "mean_cpu_ms": 1000 * statistics.mean(cpus),
        "answers": answers,
    }


# ---------------------------------------------------------------------------- runner


def in_code(source: Path, task: str, *args: str) -> Any:
    """``task`` run by the newsearch in ``source`` (a fresh process)."""
    env = {**os.environ, "NEWSEARCH_SOURCE": str(source), "PYTHONPATH": str(source)}
    done = subprocess.run(
        [sys.executable, __file__, "--task", task, *args],
        env=env, capture_output=True, text=True, check=False, cwd=str(source),
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{task} failed in {source}: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="newsearch's source before languages")
    parser.add_argument("--reuters-files", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--task", help=argparse.SUPPRESS)
    parser.add_argument("--entities", action="store_true", help="only the entities' figures")
    args = parser.parse_args()
    if args.entities:
        found = entities()
        print(json.dumps(found, indent=1, ensure_ascii=False) if args.json else "entities:")
        if not args.json:
            print("\n".join(_entity_lines(found)))
        return
    if args.task:  # a child: one task, its JSON on the last line
        tasks: dict[str, Callable[[], Any]] = {
            "recall": recall,
            "english": lambda: english(args.reuters_files),
        }
        print(json.dumps(tasks[args.task]()))
        return
    files = str(args.reuters_files)
    report: dict[str, Any] = {"detection": detection(), "cjk": cjk(), "entities": entities()}
    report["recall"] = {"after": in_code(ROOT, "recall")}
    report["english"] = {"after": in_code(ROOT, "english", "--reuters-files", files)}
    if args.before:
        report["recall"]["before"] = in_code(args.before, "recall")
        report["english"]["before"] = in_code(args.before, "english", "--reuters-files", files)
    eng = report["english"]
    if "before" in eng:
        eng["same_answers"] = eng["after"]["answers"] == eng["before"]["answers"]
    for side in eng.values():
        if isinstance(side, dict):
            side.pop("answers", None)
    if args.json:
        print(json.dumps(report, indent=1, ensure_ascii=False))
        return
    d = report["detection"]
    print(f"detection: {d['accuracy']:.1%} of {d['sentences']} sentences right "
          f"(py3langid's first guess {d['py3langid_accuracy']:.1%}), "
          f"{d['ms_per_detection']:.2f} ms each")  # fmt: skip
    for code, row in d["per_language"].items():
        print(f"  {code}: {row['detect']}/{row['n']} (py3langid {row['py3langid']}/{row['n']})")
    for line in d["wrong"]:
        print(f"  wrong: {line}")
    for name, c in report["cjk"].items():
        if c is None:
            print(f"cjk {name}: not installed")
            continue
        found = f"found {c['found']}/{c['relevant']} relevant, {c['others_found']} others"
        print(f"cjk {name}: {found}; load {c['load_seconds']:.2f} s, "
              f"{c['chars_per_ms']:.0f} chars/ms")  # fmt: skip
    for side, per in report["recall"].items():
        shown = ", ".join(f"{k} {v['recall_at_10']:.2f}" for k, v in per.items())
        print(f"recall@10 {side}: {shown}")
    for side, e in eng.items():
        if isinstance(e, dict):
            print(f"english {side}: {e['articles']} articles in {e['ingest_seconds']:.1f} s, "
                  f"{e['ingest_cpu_seconds']:.1f} s CPU "
                  f"({e['articles_per_cpu_second']:.0f}/CPU s); "
                  f"queries p50 {e['p50_ms']:.1f} ms, p95 {e['p95_ms']:.1f} ms, "
                  f"{e['mean_cpu_ms']:.1f} ms CPU each")  # fmt: skip
    if "same_answers" in eng:
        print(f"english answers the same before and after: {eng['same_answers']}")
    print("entities:")
    print("\n".join(_entity_lines(report["entities"])))


if __name__ == "__main__":
    main()
