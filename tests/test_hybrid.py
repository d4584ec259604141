"""Hybrid search: answers in other words, related words lit, every outlet's passage first, and
vectors that follow their articles through update, prune and rebuild."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pytest
from typer.testing import CliRunner

from newsearch import SearchEngine, build_index
from newsearch.cli import app
from newsearch.errors import IndexVersionError, QueryError
from newsearch.index import store
from newsearch.index.vectors import COLUMN, pack, unpack
from newsearch.text.embedding import default_embedder
from tests.conftest import SEEDS

CASUALTIES = ["killed or wounded", "significant casualties", "troops died", "heavy casualties"]


def texts(results: object) -> list[str]:
    return [h.text for h in results.results]  # type: ignore[attr-defined]


def test_kursk_casualties_finds_every_outlets_casualty_passage(seed_vector_index: Path) -> None:
    with SearchEngine(seed_vector_index) as engine:
        res = engine.search("Kursk casualties", limit=10)
        lexical = engine.search("Kursk casualties", limit=10, mode="lexical")
    found = [k for k in CASUALTIES if any(k in t for t in texts(res))]
    assert found == CASUALTIES
    # "killed or wounded" holds no query word: words alone do not rank it in the top 10
    assert not any("killed or wounded" in t for t in texts(lexical))
    related = {h.text[s:e].lower() for h in res.results for s, e in h.related}
    assert {"killed", "wounded", "died"} <= related
    assert all(not h.related for h in lexical.results)
    firsts = [h.article.id for h in res.results[:4]]
    assert len(set(firsts)) == 4


def test_related_words_are_not_the_query_words_and_do_not_overlap_them(
    seed_vector_index: Path,
) -> None:
    with SearchEngine(seed_vector_index) as engine:
        res = engine.search("Kursk casualties", limit=10)
    for h in res.results:
        for s, e in h.related:
            assert h.text[s:e].lower() not in {"kursk", "casualties"}
            assert not any(s < he and hs < e for hs, he in h.highlights)


def test_an_answer_found_by_meaning_counts_as_a_match(seed_vector_index: Path) -> None:
    with SearchEngine(seed_vector_index) as engine:
        lexical = engine.search("wartime deaths", mode="lexical")
        hybrid = engine.search("wartime deaths", facets=True)
        unrelated = engine.search("recipe for pancakes")
    assert lexical.total == 0 and not lexical.results  # no seed says "wartime" or "deaths"
    assert hybrid.results and hybrid.total == len({h.article.id for h in hybrid.results})
    assert sum(v.count for v in hybrid.facets["source"]) <= hybrid.total
    assert unrelated.total == 0 and not unrelated.results  # nothing close enough in meaning


def test_required_words_keep_their_matches(seed_vector_index: Path) -> None:
    with SearchEngine(seed_vector_index) as engine:
        lexical = engine.search("+drone casualties", mode="lexical", limit=20)
        hybrid = engine.search("+drone casualties", limit=20)
    assert {h.article.id for h in hybrid.results} <= {h.article.id for h in lexical.results}
    assert hybrid.total == lexical.total


def test_filters_hold_in_hybrid_mode(seed_vector_index: Path) -> None:
    with SearchEngine(seed_vector_index) as engine:
        res = engine.search("soldiers killed", source="RFA", limit=10)
    assert res.results and {h.article.source for h in res.results} == {"RFA"}


def test_explain_shows_the_parts_of_the_hybrid_score(seed_vector_index: Path) -> None:
    with SearchEngine(seed_vector_index) as engine:
        res = engine.search("Kursk casualties", explain=True, limit=5)
    for h in res.results:
        parts = {c.term: c.score for c in h.explanation if c.field == "hybrid"}
        assert len(parts) == 2
        assert sum(parts.values()) == pytest.approx(h.score, abs=1e-6)


def test_per_article_and_mode_are_checked(seed_vector_index: Path) -> None:
    with SearchEngine(seed_vector_index) as engine:
        one = engine.search("North Korean soldiers", per_article=1, limit=10)
        with pytest.raises(QueryError, match="mode"):
            engine.search("x", mode="semantic")  # type: ignore[arg-type]
        with pytest.raises(QueryError, match="per-article"):
            engine.search("x", per_article=0)
    ids = [h.article.id for h in one.results]
    # one passage of each seed first; then more, as too few other articles remain
    assert len(set(ids[:5])) == 5 and len(ids) == 10


def test_cli_json_plain_and_lexical(seed_vector_index: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(
        app, ["query", "Kursk casualties", "--index", str(seed_vector_index), "--json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert any(r["related"] for r in data["results"])
    plain = runner.invoke(app, ["query", "Kursk casualties", "--index", str(seed_vector_index)])
    assert "_killed_" in plain.stdout or "_wounded_" in plain.stdout or "_died_" in plain.stdout
    assert "outlets:" in plain.stdout
    lexical = runner.invoke(
        app, ["query", "Kursk casualties", "--index", str(seed_vector_index), "--mode", "lexical"]
    )
    assert lexical.exit_code == 0 and "_killed_" not in lexical.stdout
    bad = runner.invoke(app, ["query", "x", "--index", str(seed_vector_index), "--mode", "vector"])
    assert bad.exit_code != 0


def test_pack_keeps_the_cosine() -> None:
    rng = np.random.default_rng(1)
    rows = rng.normal(size=(50, 64)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    back = unpack(pack(np.vstack([rows, np.zeros((1, 64), np.float32)])), 64)
    assert back.shape == (51, 64) and not back[-1].any()
    assert np.all(np.sum(back[:-1] * rows, axis=1) > 0.999)


def _stored_vectors(index: Path) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Each live article's stored vectors and the texts they should be made of: its title,
    then each passage."""
    with SearchEngine(index) as engine:
        view = engine._segments()
        out = {}
        for docnum in np.flatnonzero(view.live):
            fields = view.stored_fields(int(docnum))
            body = fields["body"]
            parts = [fields["meta"]["title"] or ""]
            parts += [body[s:e] for s, e, _ in fields["meta"]["passages"]]
            value = view.column_value(COLUMN, int(docnum))
            out[fields["article_id"]] = (unpack(value, default_embedder().dim), parts)
    return out


def _assert_fresh(index: Path) -> None:
    """Every article's vectors are those of its current text: row 0 the article's (its
    title's and passages' vectors together), then each passage's."""
    embedder = default_embedder()
    for aid, (stored, parts) in _stored_vectors(index).items():
        assert len(stored) == len(parts), aid
        rows = embedder.embed(parts)
        whole = rows.sum(axis=0)
        expected = np.vstack([whole / np.linalg.norm(whole), rows[1:]])
        assert np.all(np.sum(stored * expected, axis=1) > 0.99), aid


def test_vectors_follow_their_articles(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Harvest report\n\nFarmers gathered a record wheat harvest.\n")
    (docs / "b.txt").write_text("Match report\n\nThe striker scored twice in the final.\n")
    index = tmp_path / "idx"
    build_index(docs, index, entities=False)
    _assert_fresh(index)
    # update: the article's text changes, its vectors with it
    (docs / "a.txt").write_text("Flood report\n\nRivers burst their banks and homes flooded.\n")
    build_index(docs, index, entities=False)
    _assert_fresh(index)
    with SearchEngine(index) as engine:  # the old text's words find nothing any more
        assert not engine.search("wheat harvest", mode="lexical").results
        assert "Flood" in (engine.search("flooded homes").results[0].article.title or "")
    # prune: the article and its vectors are gone from every answer
    (docs / "b.txt").unlink()
    build_index(docs, index, entities=False, prune=True, confirm=True)
    _assert_fresh(index)
    with SearchEngine(index) as engine:
        assert all("striker" not in h.text for h in engine.search("striker final").results)
    build_index(docs, index, entities=False, rebuild=True)
    _assert_fresh(index)
    assert len(_stored_vectors(index)) == 1


def test_without_vectors_hybrid_ranks_by_words(tmp_path: Path) -> None:
    index = tmp_path / "idx"
    build_index(SEEDS, index, entities=False, vectors=False)
    with SearchEngine(index) as engine:
        hybrid = engine.search("Kursk casualties")
        lexical = engine.search("Kursk casualties", mode="lexical")
    assert [h.text for h in hybrid.results] == [h.text for h in lexical.results]
    assert all(not h.related for h in hybrid.results)


def test_another_models_vectors_are_not_mixed(tmp_path: Path) -> None:
    index = tmp_path / "idx"
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    build_index(docs, index, entities=False)
    gen = store.current_generation(index)
    assert gen is not None
    store.write_manifest(gen, embedding="some-other-model")
    with SearchEngine(index) as engine:  # its vectors are not compared with this model's
        res = engine.search("Kursk casualties")
        lexical = engine.search("Kursk casualties", mode="lexical")
    assert [h.text for h in res.results] == [h.text for h in lexical.results]
    assert any("rebuild" in n for n in res.notices)
    (docs / "new.txt").write_text("A new article about the harvest.\n")
    with pytest.raises(IndexVersionError, match="--rebuild"):
        build_index(docs, index, entities=False)


def test_without_meanings_share_hybrid_ranks_as_lexical_mode(
    seed_vector_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Meaning's share falls with the query's length; at none, hybrid mode shows lexical
    mode's passages in lexical mode's order (the article's part of the words' score included:
    so long queries lose no document ranking to meaning)."""
    from newsearch.search import hybrid

    monkeypatch.setattr(hybrid, "SHORT_QUERY", 1e-6)
    query = "North Korean troops Kursk casualties"
    with SearchEngine(seed_vector_index) as engine:
        both = [engine.search(query, limit=12, mode=m).results for m in ("lexical", "hybrid")]
    lexical, meaningless = ([(h.article.id, h.start) for h in r] for r in both)
    assert meaningless == lexical


def test_related_words_rank_short_queries_only(
    seed_vector_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past SHORT_QUERY words the related words' evidence weighs nothing (most words of a long
    query have related words in most passages: TIME and CRAN lost MAP to their sum); a short
    query's ranking still follows it ("killed or wounded" for "Kursk casualties")."""
    from newsearch.search import hybrid

    long = "North Korean troops fighting for Russia near Kursk suffered casualties, Seoul says"
    short = "Kursk casualties"

    def ranked(query: str) -> list[tuple[str, int]]:
        with SearchEngine(seed_vector_index) as engine:
            return [(h.article.id, h.start) for h in engine.search(query, limit=12).results]

    before = {q: ranked(q) for q in (long, short)}
    monkeypatch.setattr(hybrid, "RELATED_WEIGHT", 0.0)
    assert ranked(long) == before[long]
    assert ranked(short) != before[short]


def test_meaning_only_for_the_models_language(tmp_path: Path) -> None:
    """The model is English: an article in another language is ranked by its words alone (no
    meaning part, no related words lit), and meaning alone brings none; English articles keep
    theirs."""
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    (docs / "de.txt").write_text(
        "---\ntitle: Nordkoreanische Soldaten in Kursk\nlanguage: de\n---\n"
        "Nordkoreanische Soldaten kämpften in der Region Kursk an der Seite russischer Truppen. "
        "Nach Angaben aus Seoul wurden Tausende getötet oder verwundet.\n",
        encoding="utf-8",
    )
    build_index(docs, tmp_path / "idx", entities=False)
    with SearchEngine(tmp_path / "idx") as engine:
        res = engine.search("Kursk casualties", explain=True, limit=20)
        german = [h for h in res.results if h.article.language == "de"]
        english = [h for h in res.results if h.article.language != "de"]
        assert german and english
        for h in german:
            parts = {c.term: c.score for c in h.explanation if c.field == "hybrid"}
            assert parts["meaning (cosine to the query)"] == 0 and h.related == ()
        assert any(h.related for h in english)
        assert any(
            c.score > 0 for h in english for c in h.explanation if c.term.startswith("meaning")
        )
        # no word of the query in it: meaning alone does not bring the German article
        wounded = engine.search("wounded soldiers", limit=20)
        assert all(h.article.language != "de" for h in wounded.results)
        view = engine.article(german[0].article.id, query="Kursk casualties")
        assert view.related == () and view.highlights


class _Words:
    """An embedder of four words: "casualties" and "killed" close (cosine 0.6), the rest apart."""

    _vectors: ClassVar[dict[str, npt.NDArray[np.float32]]] = {
        "casualties": np.array([1.0, 0.0, 0.0, 0.0], np.float32),
        "killed": np.array([0.6, 0.8, 0.0, 0.0], np.float32),
        "football": np.array([0.0, 0.0, 1.0, 0.0], np.float32),
        "kursk": np.array([0.0, 0.0, 0.0, 1.0], np.float32),
    }
    vocabulary = frozenset(_vectors)

    def knows(self, word: str) -> bool:
        return word in self._vectors

    def known_vectors(self, words: Sequence[str]) -> npt.NDArray[np.float32]:
        return np.stack([self._vectors[w] for w in words])


def test_a_passage_saying_what_was_asked_weighs_no_less_than_one_in_other_words() -> None:
    """The evidence counts a query word a passage holds whole (cosine 1), a related word by
    its cosine, an unrelated word not at all; each by its rarity, summed over query words."""
    from newsearch.search.related import Related

    related = Related(_Words(), ["casualties", "kursk"])
    rarity = {"casualties": 2.0, "killed": 1.0, "football": 1.0, "kursk": 3.0}.__getitem__
    said, other, both, neither = related.evidence(
        [
            frozenset({"casualties"}),
            frozenset({"killed"}),
            frozenset({"casualties", "killed", "kursk"}),
            frozenset({"football"}),
        ],
        rarity,
    )
    assert said == pytest.approx(2.0)  # the word itself: 1 x its rarity
    assert other == pytest.approx(0.6)  # related: its cosine (0.6) x its rarity (1)
    assert both == pytest.approx(2.0 + 3.0)  # each query word's best: casualties, kursk
    assert neither == 0.0


def test_related_spans_use_what_the_evidence_compared() -> None:
    """The shown passages' related words are those a fresh comparison finds, and the words the
    evidence compared already are not embedded again (only a word it never saw is)."""
    from newsearch.search.related import Related

    asked: list[str] = []

    class Counting(_Words):
        def known_vectors(self, words: Sequence[str]) -> npt.NDArray[np.float32]:
            asked.extend(words)
            return super().known_vectors(words)

    text = "Kursk: 300 killed, football off, more casualties feared"
    fresh = Related(_Words(), ["casualties", "kursk"]).spans(text, [])
    related = Related(Counting(), ["casualties", "kursk"])
    related.evidence([frozenset({"killed", "football"})], lambda w: 1.0)
    asked.clear()
    spans = related.spans(text, [])
    assert spans == fresh and [text[a:b] for a, b in spans] == ["killed"]
    assert asked == []  # "killed" and "football" compared by the evidence already
    related.spans("troops killed as casualties mount", [(0, 6)])
    assert asked == []  # no word the model knows left to compare
    alone = Related(Counting(), ["casualties"])
    asked.clear()
    alone.spans("killed", [])
    assert asked == ["killed"]  # without the evidence, compared here
