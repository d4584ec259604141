"""The query plan and the parser, without an index: a fake lexicon stands for the index's words."""

from __future__ import annotations

import pytest
from whoosh import query as wq

from newsearch.errors import QueryError
from newsearch.index.schema import build_schema
from newsearch.search.filters import Filters, gather
from newsearch.search.highlight import highlights
from newsearch.search.plan import Clause, Lexicon, QueryPlan, build
from newsearch.search.query import QueryParser
from newsearch.search.scoring import occurrences

TERMS = {"troop": 40, "troopship": 2, "kursk": 30, "putin": 9, "zelenskyy": 3, "zelenskiy": 2}
WORDS = ["troops", "troopship", "kursk", "putin", "zelenskyy", "zelenskiy"]


def fake_lexicon() -> Lexicon:
    from newsearch.search.spelling import edit_distance

    return Lexicon(
        prefixed=lambda field, p: sorted(t for t in TERMS if t.startswith(p)),
        frequency=lambda field, t: TERMS.get(t, 0),
        near=lambda word, d: [w for w in WORDS if edit_distance(word, w, d) <= d],
        within=lambda field, t, d: [],
    )


def plan(query: str, **filters: object) -> QueryPlan:
    text, merged = gather(query, **filters)
    return build(
        query, QueryParser(build_schema()).parse(text), merged, "relevance", fake_lexicon()
    )


def test_not_minus_and_andnot_are_one_plan() -> None:
    plans = [plan(q) for q in ("Kursk NOT Putin", "Kursk -Putin", "Kursk ANDNOT Putin")]
    assert {p.excluded for p in plans} == {(wq.Term("text", "putin"),)}
    assert {p.clauses for p in plans} == {(Clause(("kursk",), "text"),)}
    assert all(p.flat for p in plans)


def test_required_and_optional_groups() -> None:
    p = plan("+casualties Kursk")
    assert [(g.clauses[0].words, g.required) for g in p.groups] == [
        (("casualti",), True),
        (("kursk",), False),
    ]
    assert isinstance(p.positive, wq.And)  # required AND (all OR-ed, for the score)


def test_prefix_expands_to_index_terms_most_frequent_first() -> None:
    p = plan("troop*")
    assert [c.words for c in p.clauses] == [("troop",), ("troopship",)]
    assert p.positive == wq.Or([wq.Term("text", "troop"), wq.Term("text", "troopship")])


def test_fuzzy_uses_the_word_as_typed() -> None:
    p = plan("Zelensky~")
    assert {c.words for c in p.clauses} == {("zelenskyy",), ("zelenskiy",)}


def test_an_expansion_matching_nothing_is_told() -> None:
    p = plan("qqq* Kursk")
    assert any("qqq*" in n for n in p.notices)
    assert [c.words for c in p.clauses] == [("kursk",)]


def test_filters_from_three_routes_merge() -> None:
    text, merged = gather(
        "Kursk source:RFA -place:Kyiv", Filters(person=("Kim",)), source="Yonhap", since="2025"
    )
    assert text.split() == ["Kursk"]
    assert merged.source == ("RFA", "Yonhap") and merged.person == ("Kim",)
    assert merged.exclude == (("place", "Kyiv"),) and merged.since is not None
    with pytest.raises(QueryError):
        gather("Kursk", colour="red")


def test_only_filters_is_a_listing() -> None:
    p = plan("source:RFA")
    assert p.listing and p.searchable and not p.notices


def test_occurrences_respect_order_and_slop() -> None:
    terms = ["kim", "jong", "un", "met", "un", "kim", "x", "jong"]
    assert occurrences(terms, ["kim", "jong"]) == [[0, 1]]
    assert occurrences(terms, ["kim", "jong"], slop=2) == [[0, 1], [5, 7]]
    assert occurrences(terms, ["un"]) == [[2], [4]]


def test_highlights_follow_the_clauses() -> None:
    text = "Kim Jong Un met U.N. envoys; the UN said Kim's visit was brief."
    phrase = (Clause(("kim", "jong", "un"), "text"),)
    shown = [text[s:e] for s, e in highlights(text, phrase)]
    assert shown == ["Kim", "Jong", "Un"]
    words = tuple(Clause((w,), "text") for w in ("kim", "un"))
    assert [text[s:e] for s, e in highlights(text, words)] == ["Kim", "Un", "U.N", "UN", "Kim's"]
    assert highlights(text, (Clause(("kim",), "title"),)) == ()
