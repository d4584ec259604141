"""Search over the seeds through the embedded API."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from newsearch import SearchEngine
from newsearch.text.analysis import analyze
from tests.conftest import assert_best_first


def test_natural_query_ranks_passages_from_several_articles(seed_index: Path) -> None:
    with SearchEngine(seed_index) as engine:
        res = engine.search("Kursk casualties", limit=10)
    assert len(res.results) == 10
    assert len({h.article.id for h in res.results}) >= 3
    assert [h.rank for h in res.results] == list(range(1, 11))
    scores = [h.score for h in res.results]
    assert_best_first(scores, [h.article.id for h in res.results])
    # a passage holding both words outranks any holding one of them
    both = [h for h in res.results if {"kursk", "casualti"} <= set(analyze(h.text))]
    assert both and res.results[0] in both


def test_highlights_mark_the_query_words_at_their_offsets(seed_index: Path) -> None:
    with SearchEngine(seed_index) as engine:
        res = engine.search("Kursk casualties", limit=10)
    marked = [h.text[s:e] for h in res.results for s, e in h.highlights]
    assert marked and all(re.fullmatch(r"(?i)kursk|casualties", m) for m in marked)
    for h in res.results:  # every occurrence is marked, nothing else
        expected = [m.span() for m in re.finditer(r"(?i)\b(kursk|casualties)\b", h.text)]
        assert list(h.highlights) == expected


def test_results_carry_the_article_metadata(seed_index: Path) -> None:
    with SearchEngine(seed_index) as engine:
        res = engine.search("Bae Jae-sung OR JoongAng OR Pyongyang monument", limit=10)
    hit = next(h for h in res.results if "monument" in h.text)
    assert hit.article.source == "Korea JoongAng Daily"
    assert hit.article.title == "North Korea acknowledges sending troops to Russia for first time"
    assert str(hit.article.date) == "2025-04-28"
    body = Path(hit.article.path).read_text(encoding="utf-8")
    assert hit.text in body


def test_phrase_query_matches_only_the_phrase(seed_index: Path) -> None:
    with SearchEngine(seed_index) as engine:
        phrase = engine.search('"mutual defense treaty"', limit=50)
        words = engine.search("mutual defense treaty", limit=50)
    assert phrase.results and phrase.total < words.total
    for h in phrase.results:
        assert re.search(r"(?i)mutual\s+defen[cs]e\s+treaty", h.text)


def test_field_syntax_searches_titles(seed_index: Path) -> None:
    with SearchEngine(seed_index) as engine:
        res = engine.search("title:admits", limit=50)
    assert res.results
    assert {h.article.title for h in res.results} == {
        "North Korea Admits Sending Troops to Support Russia in Ukraine War for the First Time"
    }


def test_minus_excludes_a_word(seed_index: Path) -> None:
    with SearchEngine(seed_index) as engine:
        res = engine.search("Kursk -Zelenskyy", limit=50)
    assert res.results
    assert all("zelenskyy" not in h.text.lower() for h in res.results)


@pytest.mark.parametrize(
    "text,matches",
    [
        ('Kursk "unbalanced', True),
        ("AND", False),
        ("(", False),
        ("Kursk OR", True),
        ("what? (troops", True),
        ("foo:bar kursk", True),
        ("*", False),
    ],
)
def test_malformed_queries_are_parsed_leniently(seed_index: Path, text: str, matches: bool) -> None:
    """Read leniently: what holds a word is answered, what holds none says there is nothing to
    search for; either way the user is told what was repaired or ignored."""
    with SearchEngine(seed_index) as engine:
        res = engine.search(text, limit=5)
    assert (res.total > 0 and len(res.results) > 0) == matches
    assert res.notices


def test_query_with_no_match_is_empty_not_an_error(seed_index: Path) -> None:
    with SearchEngine(seed_index) as engine:
        res = engine.search("zzzyzzy", limit=5)
    assert res.total == 0 and res.results == ()


def test_did_you_mean_corrects_words_the_index_lacks(seed_index: Path) -> None:
    with SearchEngine(seed_index) as engine:
        assert engine.search("Kursc casualtis").suggestion == "kursk casualties"
        assert engine.search("Kursk casualties").suggestion is None
        assert engine.search("Pyongyangg").suggestion == "pyongyang"
        assert engine.search("qqqqqqqqq").suggestion is None


def test_edit_distance_counts_transpositions() -> None:
    from newsearch.search.spelling import edit_distance

    assert edit_distance("kursk", "kursc", 2) == 1
    assert edit_distance("casualties", "casualtise", 2) == 1
    assert edit_distance("abc", "xyz", 1) == 2
    assert edit_distance("troops", "troops", 2) == 0


@pytest.mark.parametrize(
    "query",
    [
        "Kursk casualties",
        "Kursk casualties -source:RFA",  # filters add nothing to a score
        "Kursk -casualties",  # nor does excluding a word
        '"Kursk region" casualties since:2025-01',  # a phrase: Whoosh's own matchers
    ],
)
def test_explain_adds_up_to_the_score(seed_index: Path, query: str) -> None:
    with SearchEngine(seed_index) as engine:
        res = engine.search(query, limit=5, explain=True)
    assert res.results
    for hit in res.results:
        assert hit.explanation
        assert abs(sum(c.score for c in hit.explanation) - hit.score) < 1e-6
        fields = {c.field for c in hit.explanation}
        assert "atext" in fields  # the article's own evidence is part of every score
        assert {w for c in hit.explanation for w in c.term.split()} <= set(analyze(query))


def test_excluding_a_source_in_query_syntax_removes_its_passages(seed_index: Path) -> None:
    with SearchEngine(seed_index) as engine:
        res = engine.search("Commission -source:RFA", limit=50, facets=True)
        every = engine.search("Commission", limit=50)
    assert any(h.article.source == "RFA" for h in every.results)
    assert res.results and all(h.article.source != "RFA" for h in res.results)
    assert "RFA" not in {v.value for v in res.facets["source"]}
    assert res.total == every.total - sum(h.article.source == "RFA" for h in every.results)


def test_feedback_reranks_with_shared_words_but_matches_the_same_articles(
    seed_index: Path,
) -> None:
    with SearchEngine(seed_index) as engine:
        plain = engine.search("casualties", limit=50, facets=True)
        fed = engine.search("casualties", limit=50, facets=True, feedback=True, explain=True)
    assert fed.total == plain.total and fed.facets == plain.facets
    assert {h.article.id for h in fed.results} == {h.article.id for h in plain.results}
    # Words the query lacks now add to the articles' scores, and the explanation says so
    added = {c.term for h in fed.results for c in h.explanation} - {"casualti"}
    assert added and all(
        c.field == "atext" for h in fed.results for c in h.explanation if c.term in added
    )
    for hit in fed.results:
        assert abs(sum(c.score for c in hit.explanation) - hit.score) < 1e-6
    # ...while highlights stay on the words the user typed
    assert all(
        hit.text[a:b].lower().startswith("casualt")
        for hit in fed.results
        for a, b in hit.highlights
    )


def test_results_show_several_articles_before_more_of_one(seed_index: Path) -> None:
    with SearchEngine(seed_index) as engine:
        top = engine.search("Kursk", limit=10)
        every = engine.search("Kursk", limit=500)
    per_article = Counter(h.article.id for h in top.results)
    assert top.total == 5 and len(per_article) >= 4 and max(per_article.values()) <= 3
    assert_best_first([h.score for h in top.results], [h.article.id for h in top.results])
    # with room for everything, every matching passage comes back, best first
    assert (
        len(every.results) > 3 * 5
        and max(Counter(h.article.id for h in every.results).values()) > 3
    )
    assert_best_first([h.score for h in every.results], [h.article.id for h in every.results])


def test_speller_corrects_as_the_edit_distance_says() -> None:
    """The speller's fast distances (rapidfuzz) choose what the plain edit distance would: the
    closest word, then the most frequent, keeping the first letter or swapping the first two."""
    import random
    from collections import Counter

    from newsearch.search.spelling import Speller, edit_distance

    rng = random.Random(5)
    letters = "aeiourstnlkc"
    vocab = Counter(
        {
            "".join(rng.choice(letters) for _ in range(rng.randint(3, 9))): rng.randint(1, 50)
            for _ in range(3000)
        }
    )
    speller = Speller(vocab)

    def brute(word: str) -> str | None:
        limit = 1 if len(word) <= 5 else 2
        close = [
            (edit_distance(word, c, limit), -n, c)
            for c, n in vocab.items()
            if c[0] == word[0] or c[:2] == word[:2][::-1]
        ]
        best = min((k for k in close if k[0] <= limit), default=None)
        return best[2] if best else None

    typos = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(300)]
    typos = [t for t in typos if t not in vocab]
    assert sum(brute(t) is not None for t in typos) > 50  # the sample has corrections to make
    assert [speller.correct(t) for t in typos] == [brute(t) for t in typos]
