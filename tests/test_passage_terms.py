"""Each passage's index terms are made once, when its article is indexed (index/passage_terms.py):
stored for the queries that score passages, and given to the writer for the text field. A user
sees the same ranking, scores and explanations as when every query analysed the text again."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsearch import SearchEngine, build_index
from newsearch.index import passage_terms
from newsearch.ingest.document import build_document, tiled
from newsearch.ingest.readers import iter_items
from newsearch.models import Article, Passage
from newsearch.search import scoring
from newsearch.text.analysis import terms_between

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = Path(__file__).parent / "fixtures" / "languages" / "articles"

# Text the analysis treats specially: acronyms, possessives, curly quotes, elision, CJK runs,
# a sentence-final abbreviation, numbers, paragraphs, a passage boundary after a quote.
TRICKY = [
    (
        "U.S. and U.K. officials’ talks",
        "The U.S. said it would act.\u201d Then it did.\n\n"
        "Russia’s forces, 4,000 of them, moved. Gen. Smith declined. Prices rose 3.5% on Jan. 5.",
    ),
    (
        "L'économie française",
        "L'agriculture d'aujourd'hui souffre. Les agriculteurs "
        "protestent à Paris.\n\nLe gouvernement répond.",
    ),
    ("中国经济", "中国经济增长放缓。政府表示将采取措施。\n\n专家认为，坚果健康。"),
    (None, "A headline alone"),
    ("Same", "Same"),
]


def _articles() -> list[Article]:
    found = [a for a in iter_items([ROOT / "seeds", LANGUAGES]) if isinstance(a, Article)]
    for n, (title, body) in enumerate(TRICKY):
        found.append(Article(id=f"t{n}", path=f"t{n}.txt", body=body, title=title))
    return found


def test_the_writer_gets_the_terms_analysis_would_give() -> None:
    made = 0
    for a in _articles():
        doc = build_document(a, (), ("h", "n"))
        text, language = doc["text"], doc["language"]
        if text.terms is not None:
            made += 1
            assert tuple(text.terms.split()) == terms_between(str(text), language=language), a.id
        if a.title:
            title = doc["title"].terms.split()
            assert tuple(title) == terms_between(a.title, language=language)
    assert made >= 10  # (nearly every article: its passages hold every word)


def test_stored_terms_are_each_passage_analysed() -> None:
    for a in _articles():
        doc = build_document(a, (), ("h", "n"))
        bounds = [(p[0], p[1]) for p in doc["meta"]["passages"]]
        stored = scoring.article_terms(doc)
        again = scoring.passage_terms(a.body, bounds, a.title, doc["language"])
        assert stored == again, a.id


def test_passages_leaving_a_word_out_do_not_give_the_text_its_terms() -> None:
    body = "One two. Three four."
    whole = [Passage("a", 0, 0, 8, "One two."), Passage("a", 1, 9, 20, "Three four.")]
    assert tiled(body, whole)
    assert not tiled(body, whole[:1])  # the second sentence is in no passage
    touching = [Passage("a", 0, 0, 5, "One t"), Passage("a", 1, 5, 20, body[5:])]
    assert not tiled(body, touching)  # a word could run from one into the next


def test_a_stored_value_of_another_split_is_not_used() -> None:
    value = passage_terms.encode(("kursk",), [("casualti",), ("troop", "die")])
    assert passage_terms.decode(value, 2) == (("kursk",), [("casualti",), ("troop", "die")])
    assert passage_terms.decode(value, 3) is None
    assert passage_terms.decode(None, 2) is None
    assert passage_terms.decode(passage_terms.encode((), [(), ("a",)]), 2) == ((), [(), ("a",)])


@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
def test_results_and_explanations_are_those_of_analysing_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    index = tmp_path / "idx"
    build_index([ROOT / "seeds"], index, entities=False)
    queries = ["Kursk casualties", "North Korean troops", '"Kim Jong Un"', "treaty"]

    def answers() -> list[list[tuple[str, int, float, tuple[object, ...], tuple[object, ...]]]]:
        with SearchEngine(index) as e:
            out = []
            for q in queries:
                r = e.search(q, limit=10, mode=mode, explain=True)
                out.append(
                    [(h.article.id, h.start, h.score, h.explanation, h.related) for h in r.results]
                )
            return out

    stored = answers()
    assert all(stored)
    if mode == "hybrid":  # (the related words and the meaning part are there too)
        assert any(c.field == "hybrid" for q in stored for _, _, _, ex, _ in q for c in ex)
    monkeypatch.setattr(passage_terms, "decode", lambda value, count: None)  # analyse again
    monkeypatch.setattr(passage_terms, "decode_words", lambda value, count: None)
    assert answers() == stored


def test_a_moved_article_keeps_terms_for_its_passages(tmp_path: Path) -> None:
    src = tmp_path / "news"
    src.mkdir()
    (src / "a.txt").write_text(
        "Around 4,000 soldiers were killed or wounded. Officials said so.\n\nSome 300 troops died.",
        encoding="utf-8",
    )
    index = tmp_path / "idx"
    build_index([src], index, entities=False, vectors=False)
    (src / "a.txt").rename(src / "b.txt")
    summary = build_index([src], index, entities=False, vectors=False)
    assert summary.moved == 1
    with SearchEngine(index) as e:
        hits = e.search("troops died", limit=5, mode="lexical").results
    assert hits and "300 troops died" in hits[0].text
    assert hits[0].article.path.endswith("b.txt")


def test_stored_words_are_the_content_words_the_model_knows(tmp_path: Path) -> None:
    from newsearch.ingest.document import add_vectors
    from newsearch.text.embedding import content_words, default_embedder

    embedder = default_embedder()
    docs = [build_document(a, (), ("h", "n")) for a in _articles()]
    add_vectors(docs, embedder.embed, embedder.vocabulary)
    for doc in docs:
        spans = doc["meta"]["passages"]
        words = passage_terms.decode_words(doc[passage_terms.WORDS], len(spans))
        assert words == [
            frozenset(w for w in content_words(doc["body"][a:b]) if embedder.knows(w))
            for a, b, _ in spans
        ]
    assert any(w for doc in docs for w in doc[passage_terms.WORDS].split())
