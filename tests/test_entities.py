"""Entity extraction: the normaliser on synthetic spans, and the real model on seeds (the merge
key of names, ``entity_key``, is tested in test_names.py)."""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import SimpleNamespace

import pytest

from newsearch.ingest import entities
from newsearch.ingest.entities import SpacyExtractor, normalise
from newsearch.models import Entity, Mention
from newsearch.text.names import entity_key

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))


def spans(text: str, *marked: tuple[str, str]) -> list[tuple[int, int, str]]:
    """(surface, label) pairs -> spans at each occurrence of the surface in ``text``."""
    out = []
    for surface, label in marked:
        start = text.find(surface)
        while start >= 0:
            out.append((start, start + len(surface), label))
            start = text.find(surface, start + len(surface))
    return out


def names(mentions: Sequence[Mention], text: str) -> list[tuple[str, str, str]]:
    return [(text[m.start : m.end], m.entity.name, m.entity.type) for m in mentions]


def test_trims_possessives_articles_and_punctuation() -> None:
    text = "The Kremlin said North Korea’s and Russia's troops met “Kim Jong Un”."
    sp = spans(text, ("The Kremlin", "ORG"), ("North Korea’s", "GPE"), ("Russia's", "GPE"))
    sp += spans(text, ("“Kim Jong Un”.", "PERSON"))
    [got] = normalise([text], [sp])
    assert names(got, text) == [
        ("Kremlin", "Kremlin", "org"),
        ("North Korea", "North Korea", "place"),
        ("Russia", "Russia", "place"),
        ("Kim Jong Un", "Kim Jong Un", "person"),
    ]


def test_drops_junk() -> None:
    text = "ALSO READ: Trade talks. 2024 Monday A Foo Bar Baz Qux Quux Corge Grault met 12-14 North"
    sp = spans(text, ("ALSO READ", "ORG"), ("2024", "ORG"), ("Monday", "PERSON"), ("A", "ORG"))
    sp += spans(text, ("Foo Bar Baz Qux Quux Corge Grault", "ORG"), ("12-14", "ORG"))
    sp += spans(text, ("North", "LOC"))
    assert normalise([text], [sp]) == [()]


def test_short_forms_resolve_within_the_article_only() -> None:
    one = "Russian President Vladimir Putin met Kim Jong Un. Putin and Kim spoke."
    two = "Kim said nothing."
    sp1 = spans(one, ("Vladimir Putin", "PERSON"), ("Kim Jong Un", "PERSON"), ("Russian", "NORP"))
    sp1 += [(one.index("Putin and"), one.index("Putin and") + 5, "ORG")]
    sp1 += [(one.index("Kim spoke"), one.index("Kim spoke") + 3, "PERSON")]
    got1, got2 = normalise([one, two], [sp1, spans(two, ("Kim", "PERSON"))])
    assert [m.entity for m in got1] == [
        Entity("Russia", "place"),
        Entity("Vladimir Putin", "person"),
        Entity("Kim Jong Un", "person"),
        Entity("Vladimir Putin", "person"),
        Entity("Kim Jong Un", "person"),
    ]
    assert [m.entity for m in got2] == [Entity("Kim", "person")]


def test_spelling_variants_share_one_canonical_name() -> None:
    texts = ["Kim Jong-un and Volodymyr Zelenskiy.", "Zelenskyy spoke.", "Zelensky spoke."]
    sps = [
        spans(texts[0], ("Kim Jong-un", "PERSON"), ("Volodymyr Zelenskiy", "PERSON")),
        spans(texts[1], ("Zelenskyy", "ORG")),
        spans(texts[2], ("Zelensky", "PERSON")),
    ]
    got = normalise(texts, sps)
    assert [m.entity.name for ms in got for m in ms] == ["Kim Jong Un"] + 3 * [
        "Volodymyr Zelenskyy"
    ]


def test_acronym_defined_in_the_article() -> None:
    text = "The Acme Widget Board (AWB) said. Later AWB added, and the Board agreed."
    later, board = text.index("AWB added"), text.index("Board agreed")
    sp = [(0, 21, "ORG"), (later, later + 3, "ORG"), (board, board + 5, "ORG")]
    [got] = normalise([text], [sp])
    assert {m.entity for m in got} == {Entity("Acme Widget Board", "org")}
    assert [text[m.start : m.end] for m in got] == ["Acme Widget Board", "AWB", "AWB", "Board"]


def test_acronym_propagates_across_the_batch() -> None:
    texts = ["The Acme Widget Board, or AWB, said.", "AWB said."]
    sps = [spans(texts[0], ("The Acme Widget Board", "ORG")), spans(texts[1], ("AWB", "ORG"))]
    got = normalise(texts, sps)
    assert [m.entity.name for ms in got for m in ms] == ["Acme Widget Board"] * 3


def test_type_vote_per_batch() -> None:
    texts = ["Smithers spoke.", "Smithers spoke.", "Smithers spoke.", "Smithers Inc."]
    labels = ["PERSON", "PERSON", "PERSON", "ORG"]
    got = normalise(texts, [[(0, 8, lab)] for lab in labels])
    assert {m.entity for ms in got for m in ms} == {Entity("Smithers", "person")}


def test_gazetteer_places() -> None:
    text = "Kyiv said troops left Kursk for the Kursk Region and Belgorod. Most analysts agree."
    sp = spans(text, ("Kyiv", "PERSON"), ("Kursk for", "PRODUCT"), ("the Kursk Region", "LOC"))
    sp = [(s, e - 4, lab) if lab == "PRODUCT" else (s, e, lab) for s, e, lab in sp]
    [got] = normalise([text], [sp])
    assert names(got, text) == [
        ("Kyiv", "Kyiv", "place"),
        ("Kursk", "Kursk", "place"),
        ("Kursk", "Kursk", "place"),
        ("Belgorod", "Belgorod", "place"),
    ]


def test_demonyms_and_country_aliases() -> None:
    text = "North Korean troops, the U.S. and US officials, Britain and Kiev."
    sp = spans(text, ("North Korean", "NORP"), ("the U.S.", "GPE"), ("US", "GPE"))
    sp += spans(text, ("Britain", "GPE"), ("Kiev", "GPE"))
    [got] = normalise([text], [sp])
    assert [m.entity.name for m in got] == [
        "North Korea",
        "United States",
        "United States",
        "United Kingdom",
        "Kyiv",
    ]


def test_without_cures_only_labels_map() -> None:
    text = "North Korea’s Kim met Trump."
    sp = [(0, 13, "GPE"), (14, 17, "PERSON"), (22, 27, "ORG"), (18, 21, "DATE")]
    [got] = normalise([text], [sp], cures=False)
    assert names(got, text) == [
        ("North Korea’s", "North Korea’s", "place"),
        ("Kim", "Kim", "person"),
        ("Trump", "Trump", "org"),
    ]


def test_importing_does_not_import_spacy() -> None:
    code = "import sys, newsearch.ingest.entities; assert 'spacy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


@pytest.fixture(scope="module")
def extractor() -> SpacyExtractor:
    return SpacyExtractor()


@pytest.fixture(scope="module")
def seed_mentions(extractor: SpacyExtractor) -> list[tuple[Mention, ...]]:
    assert len(SEEDS) == 5
    return extractor.extract([p.read_text(encoding="utf-8") for p in SEEDS])


def test_only_ner_is_loaded_and_pickling_drops_it(extractor: SpacyExtractor) -> None:
    assert extractor.extract(["", "Angela Merkel visited Paris."])[0] == ()
    assert extractor._load().pipe_names == ["ner"]
    clone = pickle.loads(pickle.dumps(extractor))
    assert clone._nlp is None and clone.batch_size == extractor.batch_size
    assert len(pickle.dumps(extractor)) < 500


def test_seed_entities(seed_mentions: list[tuple[Mention, ...]]) -> None:
    found = {m.entity for ms in seed_mentions for m in ms}
    expected = {
        Entity("Kim Jong Un", "person"),
        Entity("Vladimir Putin", "person"),
        Entity("Volodymyr Zelenskyy", "person"),
        Entity("Valery Gerasimov", "person"),
        Entity("North Korea", "place"),
        Entity("Russia", "place"),
        Entity("Ukraine", "place"),
        Entity("Kursk", "place"),
        Entity("Pyongyang", "place"),
        Entity("Korean Central News Agency", "org"),
        Entity("Central Military Commission", "org"),
    }
    assert expected <= found
    by_key: dict[str, set[Entity]] = {}
    for entity in found:
        by_key.setdefault(entity_key(entity.name), set()).add(entity)
    assert {k: v for k, v in by_key.items() if len(v) > 1} == {}
    for bad in ("Kim", "Putin", "Zelenskyy", "Zelenskiy", "KCNA", "Kim Jong-un", "Trump", "Kyiv"):
        assert Entity(bad, "person") not in found and Entity(bad, "org") not in found


def test_seed_kim_in_four_articles(seed_mentions: list[tuple[Mention, ...]]) -> None:
    kim = Entity("Kim Jong Un", "person")
    assert [any(m.entity == kim for m in ms) for ms in seed_mentions] == [True] * 4 + [False]


def test_seed_mentions_are_clean(seed_mentions: list[tuple[Mention, ...]]) -> None:
    for path, mentions in zip(SEEDS, seed_mentions, strict=True):
        text = path.read_text(encoding="utf-8")
        for m in mentions:
            surface = text[m.start : m.end]
            assert surface == surface.strip() and not surface.endswith(tuple(",;:!?'\"’”)")), (
                surface
            )
            assert not surface.lower().startswith("the "), surface
            assert "also read" not in surface.lower() and any(c.isalpha() for c in surface)
            assert entity_key(surface) and not surface.endswith(("'s", "’s"))
        kursk = [m for m in mentions if m.entity == Entity("Kursk", "place")]
        assert kursk, path.name


class _RecordingNlp:
    """Stands in for spaCy: records each ``pipe`` batch (as padded characters) and finds no
    entities; used to show what spaCy is given, not what it finds."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def pipe(self, texts: Iterable[str], batch_size: int) -> Iterator[SimpleNamespace]:
        batch = list(texts)
        assert len(batch) <= batch_size
        self.batches.append(batch)
        return iter([SimpleNamespace(ents=()) for _ in batch])


def test_spacy_batches_are_bounded_by_padded_characters() -> None:
    # A file of short lines used to reach spaCy as nine 100,000-character docs in one batch
    # (2.9 GB); every batch now stays within BATCH_CHARS once padded to its longest doc.
    lines = "\n".join(f"Council {i}" for i in range(60_000))
    texts = ["Short note.", lines, *(f"Article {i} about Paris. " * 40 for i in range(100))]
    recorder = _RecordingNlp()
    extractor = SpacyExtractor()
    extractor._nlp = recorder  # type: ignore[assignment]
    assert len(extractor.extract(texts)) == len(texts)
    fed = [doc for batch in recorder.batches for doc in batch]
    assert "".join(fed) == "".join(texts)  # every character reaches spaCy once, in order
    assert all(len(doc) <= entities.MAX_CHUNK for doc in fed)
    assert all(len(b) * max(map(len, b)) <= entities.BATCH_CHARS for b in recorder.batches)
    assert all(len(b) <= extractor.batch_size for b in recorder.batches)
    assert len(recorder.batches) < len(fed) / 4  # still batched, not one doc at a time


def test_long_texts_split_at_paragraphs_then_lines_then_sentences() -> None:
    para = "Word " * 1000 + "end.\n\n"
    pieces = entities._chunks(para * 10)
    assert all(len(p) <= entities.MAX_CHUNK for _, p in pieces)
    assert all(p.endswith("\n\n") for _, p in pieces[:-1])
    prose = "A sentence here. " * 2000
    pieces = entities._chunks(prose)
    assert all(p.endswith(". ") for _, p in pieces[:-1])
    assert [off for off, _ in pieces] == [
        sum(len(p) for _, p in pieces[:k]) for k in range(len(pieces))
    ]
    solid = "x" * (entities.MAX_CHUNK * 2 + 5)
    assert [len(p) for _, p in entities._chunks(solid)] == [entities.MAX_CHUNK] * 2 + [5]


def test_mentions_in_a_split_text_keep_their_offsets(extractor: SpacyExtractor) -> None:
    filler = "Nothing of note happened on that quiet day. " * 300
    text = filler + "\n\nAngela Merkel visited Paris on Monday.\n\n" + filler
    text = text + "Angela Merkel left Paris on Tuesday."
    assert len(text) > entities.MAX_CHUNK
    found = [(m.entity.name, text[m.start : m.end]) for m in extractor.extract([text])[0]]
    assert found.count(("Angela Merkel", "Angela Merkel")) == 2
    assert found.count(("Paris", "Paris")) == 2
