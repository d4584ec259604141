"""Real corpora through the whole pipeline (index, then query): every item accounted for,
duplicates reported, metadata right. Entities are off here to keep the suite fast; the
acceptance run (../shared/checks) and benchmarks/ingest.py run them with entities."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from newsearch import SearchEngine, build_index
from newsearch.models import IndexSummary
from tests.conftest import ROOT, corpus

pytestmark = pytest.mark.corpus


def accounted(s: IndexSummary) -> int:
    return s.indexed + s.updated + s.unchanged + s.duplicate + len(s.skipped)


def test_bbc_all_files_accounted_duplicates_reported(tmp_path: Path) -> None:
    bbc = corpus("bbc")
    files = sorted(bbc.glob("*/*.txt"))
    assert len(files) == 2225
    distinct = {hashlib.sha1(p.read_bytes()).hexdigest() for p in files}
    s = build_index(bbc, tmp_path / "i", entities=False)
    docs = {"PROVENANCE.md", "README.TXT", "SHA256SUMS"}  # beside the articles: skipped, said
    assert {Path(k.path).name for k in s.skipped} == docs
    assert s.read == accounted(s) == 2225 + len(docs)
    assert s.duplicate >= 2225 - len(distinct)  # every byte-identical copy, at least
    assert any("sport/199.txt" in w for w in s.warnings)  # the one Latin-1 byte
    with SearchEngine(tmp_path / "i") as engine:
        assert engine.stats().articles == s.indexed
        hit = engine.search('title:"Ad sales boost Time Warner profit"', limit=1).results[0]
    assert hit.article.title == "Ad sales boost Time Warner profit"
    assert hit.article.path.endswith("business/001.txt")
    again = build_index(bbc, tmp_path / "i", entities=False)
    assert (again.indexed, again.updated, again.unchanged) == (0, 0, s.indexed)


def test_ag_news_rows_are_articles(tmp_path: Path) -> None:
    ag = corpus("ag_news")
    s = build_index(ag / "test.csv", tmp_path / "i", entities=False)
    assert s.read == accounted(s) == 7600 and s.indexed >= 7500
    with SearchEngine(tmp_path / "i") as engine:
        res = engine.search("oil prices", limit=5)
    assert res.results and all(h.article.title for h in res.results)
    assert all(" #39;" not in h.text for h in res.results)


@pytest.mark.slow
def test_reuters_every_document_accounted_and_tags_filter(tmp_path: Path) -> None:
    r = corpus("reuters21578")
    s = build_index(r, tmp_path / "i", entities=False)
    assert s.read == accounted(s) == 21578
    with SearchEngine(tmp_path / "i") as engine:
        res = engine.search("cocoa exports", place="brazil", topic="cocoa", limit=10)
        assert res.results
        assert all(h.article.source == "Reuters" and h.article.date for h in res.results)
        facets = engine.facets("cocoa", limit=5)
    assert "Brazil" in {v.value for v in facets["place"]}


def test_fixture_formats_index_and_search(tmp_path: Path) -> None:
    fixtures = ROOT / "tests" / "fixtures"
    s = build_index(fixtures, tmp_path / "i", entities=False)
    assert s.read == accounted(s) and s.indexed > 10
    with SearchEngine(tmp_path / "i") as engine:
        sources = {v.value for v in engine.facets(limit=50)["source"]}
    assert len(sources) >= 3  # feeds, pages and Reuters name their outlets
