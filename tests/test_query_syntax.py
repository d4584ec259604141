"""The query syntax over the seeds, as a user sees it: every form matches, counts and lights the
same thing whichever way it is written, and nothing a user can type crashes the engine."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsearch import NewsearchError, SearchEngine, SearchResults
from newsearch.search.query import MAX_QUERY_CHARS


@pytest.fixture(scope="module")
def engine(seed_index: Path) -> Iterator[SearchEngine]:
    with SearchEngine(seed_index) as e:
        yield e


def lit(r: SearchResults) -> list[str]:
    return [h.text[s:e] for h in r.results for s, e in h.highlights]


@pytest.mark.parametrize(
    "a,b",
    [
        ("Kursk NOT Putin", "Kursk -Putin"),
        ("Kursk AND NOT Putin", "Kursk -Putin"),
        ("Kursk ANDNOT Putin", "Kursk -Putin"),
        ("Kursk NOT Putin", "NOT Putin Kursk"),
    ],
)
def test_every_way_of_saying_not_counts_the_same(engine: SearchEngine, a: str, b: str) -> None:
    ra, rb = engine.search(a, facets=True), engine.search(b, facets=True)
    assert ra.total == rb.total == 1  # one seed mentions Kursk and not Putin
    assert ra.facets == rb.facets
    assert [(h.article.id, h.start) for h in ra.results] == [
        (h.article.id, h.start) for h in rb.results
    ]
    assert not any(re.search(r"(?i)putin", t) for t in lit(ra))


def test_plus_requires_a_word(engine: SearchEngine) -> None:
    required = engine.search("+casualties Kursk", limit=20)
    assert required.total == engine.search("casualties").total == 2
    assert engine.search("casualties Kursk").total == 5  # without +, either word will do


@pytest.mark.parametrize("query,pattern", [("troop*", "troop"), ("casualt*", "casualt")])
def test_prefixes_light_what_they_matched(engine: SearchEngine, query: str, pattern: str) -> None:
    r = engine.search(query, limit=20)
    assert r.results and lit(r)
    assert all(re.match(f"(?i){pattern}", t) for t in lit(r))
    assert all(h.highlights for h in r.results)


@pytest.mark.parametrize("query", ["Zelensky~", "Zelensky~2", "zelenskyy~"])
def test_fuzzy_words_find_every_spelling(engine: SearchEngine, query: str) -> None:
    r = engine.search(query, limit=20)
    spelled = {t for t in lit(r)}
    assert {"Zelenskyy", "Zelenskiy"} <= spelled
    assert r.suggestion is None


def test_fuzzy_word_finds_the_misspelt_word(engine: SearchEngine) -> None:
    r = engine.search("Kursc~")
    assert r.total == 5 and set(lit(r)) == {"Kursk"}


def test_proximity_phrase(engine: SearchEngine) -> None:
    near = engine.search('"North soldiers"~3', limit=20)
    exact = engine.search('"North soldiers"', limit=20)
    assert near.total > 0 and exact.total == 0
    assert {"North", "soldiers"} <= set(lit(near))


def test_a_phrase_lights_only_where_it_is(engine: SearchEngine) -> None:
    r = engine.search('"Kim Jong Un"', limit=20)
    words = set(lit(r))
    assert {"Kim", "Jong", "Un"} <= words
    assert not words & {"U.N", "UN"}  # "un" alone is not the phrase
    loose = engine.search("Kim Jong Un", limit=20)  # unquoted: any of the words
    assert loose.total >= r.total


def test_title_field_lights_nothing_in_the_body(engine: SearchEngine) -> None:
    r = engine.search("title:admits")
    assert r.total == 1
    assert not any(re.match("(?i)admit", t) for t in lit(r))


@pytest.mark.parametrize(
    "query,notice",
    [
        ('Kursk "unbalanced', "quote"),
        ("Kursk NOT AND troops", "NOT"),
        ("Kursk AND", "AND"),
        ("(Kursk troops", "parenthesis"),
        ("Kursk) troops", ")"),
        ("foo:Kursk", "foo"),
    ],
)
def test_repairs_are_told(engine: SearchEngine, query: str, notice: str) -> None:
    r = engine.search(query)
    assert r.total > 0
    assert any(notice in n for n in r.notices), r.notices


@pytest.mark.parametrize("query", ["The Who", "-", "*", '"', "🙂", "AND", "of the"])
def test_nothing_searchable_says_so(engine: SearchEngine, query: str) -> None:
    r = engine.search(query)
    assert r.total == 0 and not r.results
    assert r.notices and "nothing to search for" in r.notices[-1]


def test_only_exclusions_list_everything_else(engine: SearchEngine) -> None:
    r = engine.search("-Putin", limit=50)
    assert r.total == 1 and not r.notices


def test_long_queries_are_refused_quickly(engine: SearchEngine) -> None:
    started = time.monotonic()
    with pytest.raises(NewsearchError) as err:
        engine.search("Kursk casualties " * 6000)
    assert time.monotonic() - started < 1
    assert "Kursk" not in str(err.value) and str(MAX_QUERY_CHARS)[0] in str(err.value)
    engine.search("Kursk " * (MAX_QUERY_CHARS // 6 - 1))  # under the limit: answered


@pytest.mark.parametrize(
    "kw",
    [
        {"limit": 0},
        {"limit": -3},
        {"sort": "bogus"},
        {"date_bucket": "week"},
        {"exclude": "RFA"},
        {"exclude": "colour:red"},
        {"since": "last week"},
    ],
)
def test_api_arguments_are_checked(engine: SearchEngine, kw: dict[str, object]) -> None:
    with pytest.raises(NewsearchError):
        engine.search("Kursk", **kw)  # type: ignore[arg-type]


def test_exclude_argument(engine: SearchEngine) -> None:
    everything = engine.search("Kursk", facets=True)
    rfa = next(v.count for v in everything.facets["source"] if v.value == "RFA")
    assert engine.search("Kursk", exclude="source:RFA").total == everything.total - rfa
    assert engine.search("Kursk", exclude=[("source", "RFA")]).total == everything.total - rfa
    assert engine.search("Kursk -source:RFA").total == everything.total - rfa


def test_a_closed_engine_says_so(seed_index: Path) -> None:
    e = SearchEngine(seed_index)
    e.close()
    with pytest.raises(NewsearchError, match="closed"):
        e.search("Kursk")


# Pieces of the syntax, joined at random: words the seeds hold and do not, operators, quotes,
# fields, prefixes, fuzzy marks, filters, stray punctuation.
PIECES = st.sampled_from(
    [
        "Kursk", "troops", "Putin", "casualties", "Kim", "Jong", "Un", "the", "who", "zzqx",
        "AND", "OR", "NOT", "ANDNOT", "-", "+", "*", "~", "~2", '"', "(", ")", "^2", ":",
        "title:", "source:RFA", "person:", "since:2025", "date:2025-04", "troop*", "Zelensky~",
        '"North Korean"', '"Kim Jong Un"~2', "-Putin", "+Kursk", "[/b]", "🙂", "?", "U.S.",
    ]
)  # fmt: skip


@settings(
    max_examples=int(os.environ.get("NEWSEARCH_FUZZ_EXAMPLES", "150")),
    deadline=None,
    derandomize=not os.environ.get("NEWSEARCH_FUZZ_EXAMPLES"),  # CI: the same examples each run
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(pieces=st.lists(PIECES, min_size=1, max_size=8), glue=st.sampled_from([" ", ""]))
def test_no_query_crashes_and_counts_agree(
    engine: SearchEngine, pieces: list[str], glue: str
) -> None:
    query = glue.join(pieces)
    try:
        r = engine.search(query, limit=10, facets=True)
    except NewsearchError:
        return
    assert r.total >= len({h.article.id for h in r.results})
    assert sum(v.count for v in r.facets["source"]) == r.total  # unknown sources counted too
    plan = engine.plan(query)
    words = {w for c in plan.clauses for w in c.words}
    from newsearch.text.analysis import normalize_word

    for h in r.results:
        for s, e in h.highlights:
            assert normalize_word(h.text[s:e]) in words, (query, h.text[s:e])
