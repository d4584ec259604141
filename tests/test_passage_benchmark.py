"""The judged set of benchmarks/passages.py: well formed, and every answer is in its article."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
JUDGED = REPO / "benchmarks" / "passages" / "judged.json"
BBC_ROOT = REPO.parent / "shared" / "corpora"


def _questions() -> list[dict]:
    return json.loads(JUDGED.read_text(encoding="utf-8"))["questions"]


def _answers(corpus: str) -> list[tuple[str, str, str]]:
    return [
        (q["id"], a["path"], a["text"])
        for q in _questions()
        if q["corpus"] == corpus
        for a in q["answers"]
    ]


def test_ids_unique_and_enough_questions() -> None:
    questions = _questions()
    ids = [q["id"] for q in questions]
    assert len(ids) == len(set(ids))
    assert len(questions) >= 40
    for q in questions:
        assert q["corpus"] in ("seeds", "bbc"), q["id"]
        assert q["query"].strip(), q["id"]
        assert q["answers"], f"{q['id']} has no answer"
        for a in q["answers"]:
            assert a["path"].startswith(q["corpus"] + "/"), (q["id"], a["path"])
            assert 3 <= len(a["text"].split()) <= 15, (q["id"], a["text"])


def test_most_questions_worded_differently() -> None:
    questions = _questions()
    other = [q for q in questions if q.get("wording") == "other"]
    assert 3 * len(other) >= 2 * len(questions)


def test_seed_answers_occur_in_their_files() -> None:
    answers = _answers("seeds")
    assert answers
    for qid, path, text in answers:
        assert text in (REPO / path).read_text(encoding="utf-8"), (qid, path, text)


def test_bbc_answers_occur_in_their_files() -> None:
    if not (BBC_ROOT / "bbc").is_dir():
        pytest.skip("the BBC corpus is not in ../shared/corpora")
    answers = _answers("bbc")
    assert answers
    for qid, path, text in answers:
        body = (BBC_ROOT / path).read_text(encoding="utf-8", errors="replace")
        assert text in body, (qid, path, text)
