"""The numpy scorer (matching.py) against Whoosh's own matchers: the same articles, scores, totals
and facets, over an index with several segments and deleted documents."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from newsearch import SearchEngine, build_index
from newsearch.index import postings_copy, segments
from newsearch.index.copies import DIRNAME, PickledPositions
from newsearch.models import Article, SearchResults
from newsearch.search import matching as bulk_module
from newsearch.text.analysis import analyze

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]


def _articles(ids: range, seed: int) -> Iterator[Article]:
    rng = random.Random(seed)
    for i in ids:
        # Skewed word choice: early words are common, late ones rare; lengths vary widely.
        words = [rng.choice(WORDS[: rng.randint(2, len(WORDS))]) for _ in range(rng.randint(4, 90))]
        sentences = [" ".join(words[j : j + 9]).capitalize() for j in range(0, len(words), 9)]
        yield Article(
            id=f"a{i}",
            path=f"synthetic/{i}.txt",
            title=" ".join(rng.sample(WORDS, 2)).title(),
            body=". ".join(sentences) + ".",
            source=rng.choice(["Wire", "Daily", "Herald"]),
            date=dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(400)),
            tags=(("place", rng.choice(["usa", "uk", "france"])),),
        )


@pytest.fixture(scope="module", params=["copied", "whoosh"])
def synthetic_index(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Path:
    """Every test runs twice: with every word's (and filter value's) postings copied beside
    its segment (postings_copy.py), and with none, read from Whoosh's blocks."""
    path = tmp_path_factory.mktemp("synthetic")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(postings_copy, "MIN_DF", 1 if request.param == "copied" else 10**9)
        if request.param != "copied":
            mp.setattr(postings_copy, "COMPLETE_FIELDS", ())
        build_index(list(_articles(range(150), seed=1)), path, entities=False)
        # A second run: a new segment, and changed articles whose old documents are deleted.
        second = build_index(list(_articles(range(130, 190), seed=2)), path, entities=False)
    assert second.updated > 0
    copies = list(path.glob(f"gen-*/{DIRNAME}/*/terms.json"))
    assert len(copies) >= 2 if request.param == "copied" else not copies
    return path


def _run(index: Path, query: str, fast_path: bool = True, **kw: object) -> SearchResults:
    with SearchEngine(index, fast_path=fast_path) as engine:
        return engine.search(query, limit=10, facets=True, **kw)  # type: ignore[arg-type]


QUERIES = [
    ("alpha", {}),
    ("alpha bravo", {}),
    ("india hotel golf", {}),
    ("title:delta echo", {}),
    ("foxtrot^3 alpha", {}),
    ("charlie -bravo", {}),
    ("bravo delta", {"source": "Herald"}),
    ("bravo delta", {"place": "uk", "since": "2024-06"}),
    ("alpha golf", {"until": "2024-09-30"}),
    ("echo -source:wire", {}),
    ('"alpha bravo"', {}),
    ('"bravo alpha alpha" golf', {}),
    ('title:"charlie delta" "alpha charlie"^2', {}),
    ('"alpha bravo"', {"place": "france"}),
    ('"india india india india" alpha', {}),  # a phrase no article holds, with a word many do
    ("charlie NOT bravo", {}),
    ("alph* golf", {}),  # a prefix: the words it stands for
    ("bravi~ hotel", {}),  # a fuzzy word
    ("+alpha hotel", {}),
    ("alpha AND hotel", {}),
    ("+golf +hotel alph*", {"source": "Wire"}),
    ("(alpha OR golf) AND hotel -bravo", {}),
    ('"alpha bravo"~3', {}),
]


# Shapes the numpy scorer does not take: groups inside an AND, phrases with slop. Left to
# Whoosh's matchers.
WHOOSH_WALKS = {"(alpha OR golf) AND hotel -bravo", '"alpha bravo"~3'}


@pytest.mark.parametrize("query,kw", QUERIES)
def test_numpy_scoring_gives_whoosh_results(
    synthetic_index: Path, monkeypatch: pytest.MonkeyPatch, query: str, kw: dict[str, object]
) -> None:
    taken: list[bool] = []
    search = bulk_module.BulkScorer.search

    def spy(self: bulk_module.BulkScorer, *args: object) -> object:
        found = search(self, *args)  # type: ignore[arg-type]
        taken.append(found is not None)
        return found

    monkeypatch.setattr(bulk_module.BulkScorer, "search", spy)
    fast = _run(synthetic_index, query, **kw)
    assert (taken == [True]) == (query not in WHOOSH_WALKS)
    slow = _run(synthetic_index, query, fast_path=False, **kw)  # Whoosh walks every query
    assert fast.total == slow.total > 0
    assert fast.facets == slow.facets
    assert [(h.article.id, h.start) for h in fast.results] == [
        (h.article.id, h.start) for h in slow.results
    ]
    assert [h.score for h in fast.results] == pytest.approx([h.score for h in slow.results])


@pytest.mark.parametrize("query", ["alpha bravo", "india hotel golf", '"alpha bravo" echo'])
def test_feedback_scored_by_numpy_gives_whoosh_results(
    synthetic_index: Path, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    """Feedback words (RM3) add to the articles' scores by numpy as by Whoosh's matchers."""
    given: list[object] = []
    search = bulk_module.BulkScorer.search

    def spy(self: bulk_module.BulkScorer, *args: object) -> object:
        given.append(args[4] if len(args) > 4 else ())
        return search(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(bulk_module.BulkScorer, "search", spy)
    fast = _run(synthetic_index, query, feedback=True)
    assert len(given) == 2 and given[1]  # the rescoring went to numpy, with the words
    slow = _run(synthetic_index, query, fast_path=False, feedback=True)
    plain = _run(synthetic_index, query)
    assert [h.article.id for h in fast.results] == [h.article.id for h in slow.results]
    assert [h.score for h in fast.results] == pytest.approx([h.score for h in slow.results])
    assert [h.score for h in fast.results] != [h.score for h in plain.results]


@pytest.mark.parametrize("whoosh", [False, True])
def test_total_counts_every_article_holding_any_word(
    synthetic_index: Path, monkeypatch: pytest.MonkeyPatch, whoosh: bool
) -> None:
    """More articles match than are ranked for passages; all of them are counted and faceted
    (Whoosh's top-N collector drops an OR's rarer words once they cannot enter the top)."""
    latest = {a.id: a for a in _articles(range(150), seed=1)}
    latest.update({a.id: a for a in _articles(range(130, 190), seed=2)})
    holding = [
        a for a in latest.values() if {"hotel", "alpha"} & set(analyze(f"{a.title}\n\n{a.body}"))
    ]
    assert len(holding) > 60  # more than the articles searched for passages
    res = _run(synthetic_index, "hotel alpha", fast_path=not whoosh)
    assert res.total == len(holding)
    assert sum(v.count for v in res.facets["source"]) == len(holding)


@pytest.mark.parametrize(
    "query", ["alpha", "golf hotel", "india", "title:bravo echo", "delta^2 foxtrot"]
)
def test_skipping_articles_that_cannot_place_changes_no_result(
    synthetic_index: Path, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    """Articles whose passages cannot enter the results are not read; reading them all gives
    the same results."""
    from newsearch.search.scoring import PassageScorer

    pruned = _run(synthetic_index, query)
    monkeypatch.setattr(PassageScorer, "ceiling", lambda self, held=None: float("inf"))
    everything = _run(synthetic_index, query)
    assert [(h.article.id, h.start, h.score) for h in pruned.results] == [
        (h.article.id, h.start, h.score) for h in everything.results
    ]


def test_positions_decode_as_whoosh_decodes_them() -> None:
    """All postings' positions unpickled at once read as Whoosh reads each one, in any subset
    and order of postings, with or without the final pickle stop Whoosh may leave off."""
    from whoosh.formats import Positions

    fmt = Positions()
    rng = random.Random(3)
    lists = [sorted(rng.sample(range(70_000), rng.randint(0, 40))) for _ in range(300)]
    lists[5] = list(range(0, 6000, 2))  # longer than pickle's batches of 1,000 appends
    values = [fmt.encode(p) for p in lists]
    values = [v if i % 2 else v[:-1] for i, v in enumerate(values)]
    idx = np.asarray(sorted(rng.sample(range(300), 120)), dtype=np.int64)
    keys = PickledPositions(values, fmt).keys(idx)
    expected = [(k << 32) | p for k, i in enumerate(idx.tolist()) for p in lists[i]]
    assert keys.tolist() == expected
    assert [fmt.decode_positions(values[i]) for i in idx.tolist()] == [
        lists[i] for i in idx.tolist()
    ]


def test_remembered_postings_give_the_same_results(
    synthetic_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Postings kept between queries (up to a budget) change nothing, whatever the budget."""
    queries = ['"alpha bravo"', "alpha bravo", '"bravo alpha alpha" golf', "alpha"]

    def answers() -> list[list[tuple[str, int, float]]]:
        with SearchEngine(synthetic_index) as engine:
            return [
                [(h.article.id, h.start, h.score) for h in engine.search(q).results]
                for q in queries * 2
            ]

    roomy = answers()
    monkeypatch.setattr(segments, "POSTINGS_CACHE", 40)  # evicts all the time
    assert answers() == roomy
    assert roomy[: len(queries)] == roomy[len(queries) :]


def _whoosh_sorted(index: Path, order: str, **kw: object) -> list[str]:
    """Article ids in Whoosh's own date order (the oracle for the numpy listing)."""
    from whoosh import query as wq

    from newsearch.index import store
    from newsearch.search.filters import filter_queries, gather

    fq = filter_queries(gather("", **kw)[1])
    must, mask = fq.must, fq.mask
    q: wq.Query = wq.Every() if must is None else must
    if mask is not None:
        q = wq.AndNot(q, mask)
    ix = store.open_index(index)
    with ix.searcher() as s:
        found = s.search(q, limit=None, sortedby=order)
        ids = [s.stored_fields(hit.docnum)["article_id"] for hit in found]
    ix.close()
    return ids


def _listed(index: Path, order: str, **kw: object) -> tuple[int, list[str]]:
    with SearchEngine(index) as engine:
        res = engine.search("", limit=10_000, sort=order, **kw)  # type: ignore[arg-type]
    return res.total, list(dict.fromkeys(h.article.id for h in res.results))


@pytest.mark.parametrize("order", ["newest", "oldest"])
@pytest.mark.parametrize("kw", [{}, {"place": "uk"}, {"source": "Herald", "since": "2024-06"}])
def test_listing_by_date_gives_whoosh_order(
    synthetic_index: Path, order: str, kw: dict[str, object]
) -> None:
    """Filters only, sorted by date: every live article in Whoosh's order (many share a day:
    ties in index order), counted once."""
    expected = _whoosh_sorted(synthetic_index, order, **kw)
    total, listed = _listed(synthetic_index, order, **kw)
    assert total == len(expected) > 5
    assert listed == expected


@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_undated_articles_come_last_either_way(tmp_path: Path, order: str) -> None:
    articles = list(_articles(range(30), seed=5))
    articles += [
        Article(id=f"u{i}", path=f"u/{i}.txt", title="Undated", body=f"No date here ({i}).")
        for i in range(4)
    ]
    build_index(articles, tmp_path, entities=False)
    total, listed = _listed(tmp_path, order)
    assert total == 34 and listed == _whoosh_sorted(tmp_path, order)
    assert set(listed[-4:]) == {"u0", "u1", "u2", "u3"}
    with SearchEngine(tmp_path) as engine:  # a word and a date order: only its articles
        res = engine.search("undated", limit=10, sort=order)
    assert res.total == 4 and {h.article.id for h in res.results} == {"u0", "u1", "u2", "u3"}


def test_a_ranking_cut_keeps_a_few_ties_whole_and_bounds_a_template() -> None:
    """Which of tied articles make the cut must not follow document numbers (they differ
    between one index and its shards), but a template's thousands of equal scores must not
    all be read for passages either."""
    from newsearch.search.matching import TIE_ROOM, _best

    docnums = np.arange(6, dtype=np.int64)
    scores = np.array([5.0, 3.0, 4.0, 3.0, 3.0, 1.0])
    assert _best(docnums, scores, 3) == [(0, 5.0), (2, 4.0), (1, 3.0), (3, 3.0), (4, 3.0)]
    assert _best(docnums[::-1].copy(), scores[::-1].copy(), 3)[2:] == [(1, 3.0), (3, 3.0), (4, 3.0)]
    alike = _best(np.arange(5000, dtype=np.int64), np.ones(5000), 50)
    assert len(alike) == 50 * TIE_ROOM and alike[0] == (0, 1.0)
