"""Entities resolved across the corpus: one type by the articles' vote, short forms and
spelling variants merged, junk out; filters and facets see the resolved entities."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from newsearch import SearchEngine, build_index
from newsearch.ingest.entities import normalise
from newsearch.models import Article, Mention
from newsearch.text.entity_resolution import is_junk_key, resolve


def test_a_short_name_resolves_to_the_full_name_the_corpus_gives_once() -> None:
    res = resolve({"blair": {"person": 15}, "tony blair": {"person": 1}, "iraq": {"place": 9}})
    assert res.canonical["blair"] == "tony blair"
    assert res.members["tony blair"] == ("blair", "tony blair")
    assert res.types["tony blair"] == "person"


def test_a_short_name_of_two_people_goes_to_one_only_when_it_dominates() -> None:
    plenty = resolve(
        {"blair": {"person": 9}, "tony blair": {"person": 40}, "cherie blair": {"person": 2}}
    )
    assert plenty.canonical["blair"] == "tony blair"
    even = resolve(
        {"blair": {"person": 9}, "tony blair": {"person": 4}, "cherie blair": {"person": 3}}
    )
    assert even.canonical["blair"] == "blair"


def test_a_middle_initial_and_spelling_variants_are_one_entity() -> None:
    res = resolve(
        {
            "george bush": {"person": 5},
            "george w bush": {"person": 27},
            "lib dem": {"org": 40},
            "lib dems": {"person": 52},
            "libdem": {"org": 1},
            "x box": {"org": 2},
            "xbox": {"org": 9},
        }
    )
    assert res.canonical["george bush"] == "george w bush"
    assert res.canonical["lib dem"] == res.canonical["lib dems"] == res.canonical["libdem"]
    assert res.canonical["x box"] == "xbox"


def test_an_organisation_is_the_start_of_its_fuller_name_with_generic_words() -> None:
    res = resolve(
        {"labour": {"org": 145}, "labour party": {"org": 39}, "labour market": {"org": 3}}
    )
    assert res.canonical["labour"] == "labour party"
    assert res.canonical["labour market"] == "labour market"


def test_the_type_is_the_one_most_articles_give() -> None:
    res = resolve({"yukos": {"person": 3, "org": 21}, "lib dems": {"person": 30, "org": 45}})
    assert res.types["yukos"] == "org" and res.types["lib dems"] == "org"


@pytest.mark.parametrize(
    "key", ["280bn", "hk 631bn", "roddick 6 2 7 6", "argentina 3 0", "mr", "of ireland", "1999"]
)
def test_numbers_money_scores_honorifics_and_fragments_are_junk(key: str) -> None:
    assert is_junk_key(key)
    assert key not in resolve({key: {"person": 9}}).canonical


@pytest.mark.parametrize("key", ["channel 4", "g8", "tony blair", "formula 1", "bbc"])
def test_names_with_a_number_are_kept(key: str) -> None:
    assert not is_junk_key(key)
    assert resolve({key: {"org": 3}}).canonical[key] == key


@pytest.mark.parametrize(
    "surface",
    [
        "Argentina 3-0",
        "Roddick 6-2 7-6",
        "HK$6.31bn",
        "£280bn",
        "J Thomas (Wales",
        "Mr",
        "midfield",
        "U.N. Charter and Security Council",
    ],
)
def test_the_extractor_keeps_no_junk_surface(surface: str) -> None:
    text = f"They said {surface} was there."
    start = text.index(surface)
    mentions = normalise([text], [[(start, start + len(surface), "ORG")]])[0]
    assert mentions == ()


def test_a_name_joined_with_of_and_and_stays_one() -> None:
    name = "Department of Health and Human Services"
    text = f"The {name} said so."
    start = text.index(name)
    (mention,) = normalise([text], [[(start, start + len(name), "ORG")]])[0]
    assert mention.entity.name == name


class Labelled:
    """An extractor that labels the names it is told to, as the model might: spaCy's raw
    spans of one label per run, put through newsearch's own normalisation."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels

    def extract(self, texts: Sequence[str]) -> list[tuple[Mention, ...]]:
        spans = [
            [
                (m.start(), m.end(), label)
                for name, label in self.labels.items()
                for m in re.finditer(rf"\b{re.escape(name)}\b", t)
            ]
            for t in texts
        ]
        return normalise(texts, spans)


def _articles(prefix: str, bodies: Sequence[str]) -> list[Article]:
    return [
        Article(id=f"{prefix}{i}", path=f"{prefix}/{i}.txt", title=f"Report {prefix}{i}", body=b)
        for i, b in enumerate(bodies)
    ]


@pytest.fixture(scope="module")
def oil_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four runs name Yukos as an organisation, a fifth (its own batch) as a person; Tony
    Blair is named in full once and as Blair in three other articles."""
    idx = tmp_path_factory.mktemp("oil") / "idx"
    orgs = _articles("a", [f"Shares in Yukos fell {n} percent on Monday." for n in range(4)])
    build_index(orgs, idx, extractor=Labelled({"Yukos": "ORG"}), processes=1)
    person = _articles("b", ["Yukos said the auction was illegal, and the court agreed."])
    build_index(person, idx, extractor=Labelled({"Yukos": "PERSON"}), processes=1)
    blair = _articles(
        "c",
        ["Tony Blair spoke in London.", "Blair said no.", "Blair left.", "Later, Blair smiled."],
    )
    build_index(
        blair, idx, extractor=Labelled({"Tony Blair": "PERSON", "Blair": "PERSON"}), processes=1
    )
    return idx


def test_a_name_typed_wrongly_once_and_rightly_four_times_ends_with_the_right_type(
    oil_index: Path,
) -> None:
    with SearchEngine(oil_index) as engine:
        facets = engine.facets(limit=20)
    assert ("Yukos", 5) in [(v.value, v.count) for v in facets["org"]]
    assert "Yukos" not in [v.value for v in facets["person"]]


def test_org_and_entity_filters_find_every_article_naming_it(oil_index: Path) -> None:
    with SearchEngine(oil_index) as engine:
        assert engine.search("", org="Yukos", limit=20).total == 5
        assert engine.search("", entity="yukos", limit=20).total == 5
        wrong = engine.search("", person="Yukos", limit=20)
        assert wrong.total == 5
        assert any("indexed as an organisation" in n for n in wrong.notices)


def test_blair_is_tony_blair_in_facets_filters_and_the_entity_list(oil_index: Path) -> None:
    with SearchEngine(oil_index) as engine:
        people = {v.value: v.count for v in engine.facets(limit=20)["person"]}
        assert people.get("Tony Blair") == 4 and "Blair" not in people
        assert engine.search("", person="Blair", limit=20).total == 4
        assert engine.search("", person="tony blair", limit=20).total == 4
        (listed,) = engine.entities(type="person")
    assert listed.name == "Tony Blair" and listed.count == 4
    assert set(listed.variants) == {"Tony Blair", "Blair"}


def test_entities_named_with_one_have_exact_counts(oil_index: Path) -> None:
    with SearchEngine(oil_index) as engine:
        with_blair = engine.entities(with_="Blair")
    assert [(e.name, e.type, e.count) for e in with_blair] == [("London", "place", 1)]


def test_a_lower_case_prefix_is_not_part_of_the_name() -> None:
    text = "The ex-Yukos boss spoke."
    start = text.index("ex-Yukos")
    (mention,) = normalise([text], [[(start, start + len("ex-Yukos"), "ORG")]])[0]
    assert text[mention.start : mention.end] == "Yukos"


def test_a_title_before_a_full_name_joins_the_full_name() -> None:
    res = resolve({"kelly holmes": {"person": 12}, "sprinter kelly holmes": {"person": 19}})
    assert res.canonical["sprinter kelly holmes"] == "kelly holmes"
