"""A run without entities builds its documents in a worker process (ingest/prepare.py) and the
tracker keeps its look-ups in memory on a first build (stories/rows.py): the index, its
stories and its copies are the same as when everything is done in one process, from SQLite."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from newsearch import Article, SearchEngine, build_index
from newsearch.index import store
from newsearch.ingest import pipeline
from newsearch.ingest.ner_pool import _Worker
from newsearch.ingest.prepare import DocumentMaker
from newsearch.stories import rows

PLACES = ["Rotterdam", "Lagos", "Quito", "Hanoi", "Tromso", "Perth", "Lyon", "Kazan"]
EVENTS = [
    ("dock strike", "dock workers walked out over pay, halting container traffic"),
    ("flood", "river water rose over the banks and closed the main roads"),
    ("election", "voters queued to choose a mayor after a close campaign"),
    ("power cut", "a fault at the grid operator left homes without electricity"),
]


def _corpus(n: int = 640) -> list[Article]:
    """Stories (an event in a place, told on several days), unrelated fillers, wire copies
    (the same text re-sent) and tables: enough for two batches and every kind of decision."""
    rng = random.Random(7)
    start = dt.date(2024, 3, 1)
    out: list[Article] = []
    for i in range(n):
        place = PLACES[i % len(PLACES)]
        event, what = EVENTS[(i // len(PLACES)) % len(EVENTS)]
        day = start + dt.timedelta(days=(i // 32) * 3 + rng.randrange(3))
        if i % 9 == 0 and out:  # a copy of an earlier article, re-sent a day later
            other = out[rng.randrange(len(out))]
            body, title = other.body + " Corrected spelling.", other.title
            day = (other.date or start) + dt.timedelta(days=1)
        elif i % 13 == 0:  # a table
            body = " ".join(f"{rng.randint(1, 999)}.{rng.randint(0, 99)}" for _ in range(40))
            title = f"{place} market prices"
        else:
            filler = " ".join(rng.sample(["today", "officials", "said", "later", "city"], 3))
            body = f"In {place}, {what}. The {event} in {place} {filler} on day {i}."
            title = f"{place} {event} update {i % 5}"
        out.append(Article(id=f"a{i}", path=f"mem/{i}", body=body, title=title, date=day))
    return out


def _built(tmp_path: Path, name: str, processes: int) -> dict[str, Any]:
    root = tmp_path / name
    build_index(_corpus(), root, entities=False, processes=processes)
    gen = store.current_generation(root)
    assert gen is not None
    with sqlite3.connect(gen / "stories.sqlite") as db:
        links = sorted(db.execute("SELECT a, b, similarity FROM links").fetchall())
        stories = sorted(db.execute("SELECT id, size, first, last FROM stories").fetchall())
    ix = store.open_index(root)
    try:
        with ix.searcher() as s:
            fields = sorted(s.all_stored_fields(), key=lambda f: f["article_id"])
    finally:
        ix.close()
    with SearchEngine(root) as engine:
        found = engine.search("dock workers strike Rotterdam", limit=10, mode="hybrid")
        hybrid = [(r.article.id, round(r.score, 6)) for r in found.results]
    return {"fields": fields, "links": links, "stories": stories, "hybrid": hybrid}


def test_documents_made_in_a_worker_equal_those_made_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = _built(tmp_path, "one", processes=1)  # no worker, one writer here
    monkeypatch.setattr(pipeline, "MAKER_BATCHES", 2)  # (a worker for this small corpus)
    started: list[object] = []
    monkeypatch.setattr(_Worker, "__init__", _counting(_Worker.__init__, started))
    pooled = _built(tmp_path, "two", processes=2)  # a document worker, two writers
    assert started, "the documents were made in a worker"
    assert here["links"], "the corpus has copies"
    assert any(size > 2 for _, size, _, _ in here["stories"]), "and stories"
    assert here["hybrid"], "and the vectors answer"
    assert pooled == here


def test_stories_from_sqlite_equal_stories_from_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory = _built(tmp_path, "memory", processes=1)
    monkeypatch.setattr(rows, "MEMORY_ROWS", 0)  # full at once: every look-up from SQLite
    sql = _built(tmp_path, "sql", processes=1)
    assert sql["stories"] == memory["stories"]
    assert sql["links"] == memory["links"]
    assert [f["story"] for f in sql["fields"]] == [f["story"] for f in memory["fields"]]


def _counting(init: Any, started: list[object]) -> Any:
    def counted(self: _Worker, *args: Any) -> None:
        started.append(self)
        init(self, *args)

    return counted


def test_a_small_run_starts_no_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Starting one (its models) takes longer than a few batches take here."""

    def refuse(self: _Worker, *args: Any) -> None:
        raise AssertionError("a worker was started")

    monkeypatch.setattr(_Worker, "__init__", refuse)
    summary = build_index(_corpus(600), tmp_path / "idx", entities=False, processes=2)
    assert summary.indexed + summary.duplicate == 600


def _hold(seconds: float) -> None:
    time.sleep(seconds)


def test_a_worker_stops_when_told_while_a_forked_process_holds_its_pipe() -> None:
    """Whoosh's writer processes are forked after the workers start and so hold their pipes:
    a worker waiting for its input to end would wait for them (it took 10 s, then a kill)."""
    worker = _Worker(DocumentMaker(vectors=False))
    article = Article(id="x", path="mem", body="Dock workers in Rotterdam walked out.")
    worker.submit([(article, ("h", "n")), None])
    made = worker.result()
    assert made[0].doc["article_id"] == "x" and made[1] is None
    holder = multiprocessing.get_context("fork").Process(target=_hold, args=(30,))
    holder.start()
    try:
        started = time.monotonic()
        worker.close()
        assert time.monotonic() - started < 5
        assert worker.proc.returncode == 0
    finally:
        holder.terminate()
        holder.join()


def test_ingest_processes_do_not_load_the_search_engine() -> None:
    """Every process a run starts (the document and entity workers, Whoosh's writer processes,
    which unpickle newsearch's field types) imports the package first: it must not load the
    search engine (Whoosh's searching, the query plan), which none of them uses; `from
    newsearch import SearchEngine` still gives it."""
    code = (
        "import sys, json\n"
        "import newsearch.index.text_format, newsearch.index.schema, newsearch.ingest.prepare\n"
        "searching = ('newsearch.search', 'whoosh.searching')\n"
        "before = sorted(m for m in sys.modules if m.startswith(searching))\n"
        "from newsearch import SearchEngine, Filters\n"
        "print(json.dumps([before, SearchEngine.__module__, Filters.__module__]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [[], "newsearch.search.engine", "newsearch.search.filters"]
