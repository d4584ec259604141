"""Queries stem English without nltk (text/porter2.py), so answering never waits for it to
load, and the stems are nltk's (the index was made with them)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from nltk.stem.snowball import SnowballStemmer

from newsearch.text.analysis import _TOKEN, stem
from tests.conftest import SEEDS

QUERY = """
import json, sys
from newsearch import SearchEngine
if sys.argv[2] == "with-nltk":
    import nltk.stem.snowball
with SearchEngine(sys.argv[1]) as engine:
    res = engine.search("Kursk casualties troops", limit=10, facets=True)
    # words the index never saw (a typo, an inflection): stemmed too, still without nltk
    odd = engine.search("Kursc casualtis nightwatchmen's outflanking", limit=10)
print(json.dumps({
    "nltk": any(m == "nltk" or m.startswith("nltk.") for m in sys.modules),
    "numpy.ma": "numpy.ma" in sys.modules,
    "indexing": [
        m for m in ("newsearch.ingest.pipeline", "newsearch.ingest.readers", "spacy")
        if m in sys.modules
    ],
    "hits": [[h.article.id, h.start, round(h.score, 9), h.highlights] for h in res.results],
    "total": res.total,
    "odd": [[h.article.id, h.start, round(h.score, 9)] for h in odd.results] + [odd.total],
}))
"""


def run_query(index: Path, mode: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", QUERY, str(index), mode], capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_a_query_does_not_load_nltk_and_ranks_as_if_it_had(seed_index: Path) -> None:
    cold = run_query(seed_index, "cold")
    warm = run_query(seed_index, "with-nltk")
    assert cold["nltk"] is False and warm["nltk"] is True
    assert cold["indexing"] == []  # nor the readers, the indexer or spaCy
    assert cold["numpy.ma"] is False  # (~20 ms of a command line query's start: search/arrays)
    assert cold["hits"] and cold["hits"] == warm["hits"] and cold["total"] == warm["total"]
    assert cold["odd"] == warm["odd"]


def test_stems_are_nltks_snowball_stems_for_every_word_of_the_seeds() -> None:
    """text/porter2.py stems as nltk does (the index's terms and a query's must agree);
    what Snowball leaves alone (short or letterless tokens) stays as it is."""
    words = {w.lower() for p in SEEDS.iterdir() for w in _TOKEN.findall(p.read_text())}
    snowball = SnowballStemmer("english")
    assert len(words) > 500
    assert all(stem(w) == snowball.stem(w) for w in words)
    for w in words:
        if len(w) <= 2 or not re.search(r"[^\W\d_]", w):
            assert stem(w) == w
