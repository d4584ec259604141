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
from newsearch.text.names import entity_key


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
    # Either of two people: none of them, and no facet value lumping both.
    assert "blair" not in even.canonical and "blair" not in even.types
    assert even.find("blair") is None
    assert even.canonical["tony blair"] == "tony blair"
    # A surname no fuller name of the corpus explains stays a name of its own.
    alone = resolve({"blair": {"person": 9}, "iraq": {"place": 4}})
    assert alone.canonical["blair"] == "blair" and alone.types["blair"] == "person"


def _together(pairs: dict[frozenset[str], int]):  # type: ignore[no-untyped-def]
    """How many articles name both of two keys, from a table of pairs (0 if absent)."""
    return lambda a, b: pairs.get(frozenset((a, b)), 0)


def test_a_short_name_goes_to_the_full_name_named_in_its_own_articles() -> None:
    """No full name dominates the corpus (8 to 2 articles), but the short form's own articles
    name one of them: a reader takes "Johnson" there for Manuel Johnson."""
    counts = {
        "johnson": {"person": 10},
        "manuel johnson": {"person": 8},
        "ben johnson": {"person": 2},
    }
    assert "johnson" not in resolve(counts).canonical  # (counts alone: undecided, dropped)
    beside = _together({frozenset(("johnson", "manuel johnson")): 6})
    assert resolve(counts, beside).canonical["johnson"] == "manuel johnson"
    # Shared by too few articles, or by both names alike: still undecided.
    few = _together({frozenset(("johnson", "manuel johnson")): 2})
    assert "johnson" not in resolve(counts, few).canonical
    both = _together(
        {frozenset(("johnson", "manuel johnson")): 6, frozenset(("johnson", "ben johnson")): 3}
    )
    assert "johnson" not in resolve(counts, both).canonical


def test_an_acronym_is_not_the_body_the_corpus_names_after_it() -> None:
    """ "EC Commission" (an alias of the European Commission) and "XA Authority" (a key of
    the corpus) say what the acronym alone is not: EC is the European Community, XA the
    Xenon Alliance, though neither dominates the other name it spells by counts alone."""
    res = resolve(
        {
            "ec": {"org": 351},
            "european community": {"org": 396},
            "european commission": {"org": 95},
            "xa": {"org": 40},
            "xenon alliance": {"org": 30},
            "xylo authority": {"org": 20},
            "xa authority": {"org": 12},
        }
    )
    assert res.canonical["ec"] == "european community"
    assert res.canonical["european commission"] == "european commission"
    assert res.canonical["xa"] == res.canonical["xenon alliance"]
    assert res.canonical["xa authority"] == "xylo authority"
    # Without the body's name, either could be meant: the acronym stays apart.
    alone = resolve(
        {"xa": {"org": 40}, "xenon alliance": {"org": 30}, "xylo authority": {"org": 20}}
    )
    assert alone.canonical["xa"] == "xa"


def test_an_acronym_two_names_spell_is_the_one_its_articles_name() -> None:
    counts = {
        "s and p": {"org": 9},
        "standard and poors corp": {"org": 12},
        "security pacific corp": {"org": 7},
    }
    assert resolve(counts).canonical["s and p"] == "s and p"
    beside = _together({frozenset(("s and p", "standard and poors corp")): 5})
    res = resolve(counts, beside)
    assert res.canonical["s and p"] == "standard and poors corp"
    assert res.canonical["security pacific corp"] == "security pacific corp"


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


def test_a_short_name_is_the_person_its_own_articles_name_in_facets_and_filters(
    tmp_path: Path,
) -> None:
    """Manuel Johnson is named in 4 articles and Ben Johnson in 1 (not five times fewer), but
    the articles that say JOHNSON (in capitals: no article's own rule reads them as a short
    form, they might be initials) are Manuel Johnson's."""
    fed = [
        f"Manuel Johnson of the Fed spoke on day {n}. JOHNSON SAID RATES HOLD." for n in range(4)
    ]
    ran = ["Ben Johnson ran in Seoul."]
    idx = tmp_path / "idx"
    labels = {"Manuel Johnson": "PERSON", "Ben Johnson": "PERSON", "JOHNSON": "PERSON"}
    build_index(_articles("j", [*fed, *ran]), idx, extractor=Labelled(labels), processes=1)
    with SearchEngine(idx) as engine:
        people = {v.value: v.count for v in engine.facets(limit=20)["person"]}
        assert people == {"Manuel Johnson": 4, "Ben Johnson": 1}
        assert engine.search("", person="Johnson", limit=20).total == 4


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


def test_a_lone_word_the_model_also_calls_a_place_is_a_place() -> None:
    res = resolve({"glasgow": {"person": 17, "place": 10}, "smith": {"person": 17, "place": 3}})
    assert res.types["glasgow"] == "place" and res.types["smith"] == "person"


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        ("Shares fell after Russian oil giant Yukos said so.", "Yukos", "org"),
        ("Everton manager David Moyes was pleased.", "Everton", "org"),
        ("Voters turned to the Lib Dems in May.", "Lib Dems", "org"),
        ("It was the Blair government's plan.", "Blair", "person"),
        ("Tony Blair spoke in the morning.", "Tony Blair", "person"),
        ("The new Harry Potter film opens today.", "Harry Potter", None),
        ("The Oscar-winning actress smiled.", "Oscar", None),
    ],
)
def test_the_words_around_a_person_tag_vote_on_its_type(
    text: str, name: str, kind: str | None
) -> None:
    start = text.index(name)
    found = normalise([text], [[(start, start + len(name), "PERSON")]])[0]
    assert [m.entity.type for m in found] == ([kind] if kind else [])


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        ("Manchester United's board has agreed.", "Manchester United", "org"),
        ("Blair's spokesman said no.", "Blair", "person"),
        ("A Yukos spokesman said no.", "Yukos", "org"),
    ],
)
def test_a_possessive_is_a_company_only_before_its_shares_or_board(
    text: str, name: str, kind: str
) -> None:
    start = text.index(name)
    (found,) = normalise([text], [[(start, start + len(name), "PERSON")]])[0]
    assert found.entity.type == kind


def test_a_capitalised_common_word_is_no_name_but_an_acronym_is() -> None:
    texts = [
        "The Budget was cut. The budget for schools and the budget for roads rose.",
        "WHO said who was ill. Apple sold more.",
    ]
    spans = [
        [(4, 10, "ORG")],
        [(0, 3, "ORG"), (22, 27, "ORG")],
    ]
    found = [[m.entity.name for m in ms] for ms in normalise(texts, spans)]
    assert found == [[], ["World Health Organization", "Apple"]]


def test_a_name_the_model_calls_a_work_in_most_of_a_batch_is_dropped() -> None:
    texts = ["Vera Drake won praise.", "Vera Drake opened.", "Vera Drake was a hit."]
    spans = [[(0, 10, "ORG")], [(0, 10, "WORK_OF_ART")], [(0, 10, "WORK_OF_ART")]]
    assert normalise(texts, spans) == [(), (), ()]


def test_the_words_around_a_name_outvote_the_models_bare_labels_in_a_batch() -> None:
    texts = [
        "Yukos said it would appeal.",
        "Yukos filed papers on Monday.",
        "Yukos denied it.",
        "Shares in Russian oil giant Yukos fell.",
        "Mr Smith said so. Smith left.",
    ]
    at = texts[3].index("Yukos")
    spans = [[(0, 5, "PERSON")]] * 3 + [
        [(at, at + 5, "PERSON")],
        [(3, 8, "PERSON"), (18, 23, "ORG")],
    ]
    types = {m.entity.name: m.entity.type for ms in normalise(texts, spans) for m in ms}
    assert types == {"Yukos": "org", "Smith": "person"}


@pytest.mark.parametrize(
    ("text", "name", "label", "kind"),
    [
        ("The England manager picked his side.", "England", "GPE", "place"),
        ("Gas giant Gazprom bid for it.", "Gazprom", "GPE", "org"),
        ("Microsoft software runs it.", "Microsoft", "ORG", "org"),
        ("Windows XP users were told.", "Windows", "GPE", None),
        ("She starred in the film Vera Drake.", "Vera Drake", "ORG", None),
    ],
)
def test_company_team_and_work_words_hold_for_the_tags_they_fit(
    text: str, name: str, label: str, kind: str | None
) -> None:
    start = text.index(name)
    found = normalise([text], [[(start, start + len(name), label)]])[0]
    assert [m.entity.type for m in found] == ([kind] if kind else [])


def test_a_lone_word_joins_the_club_it_ends_and_a_shared_given_name_is_dropped() -> None:
    res = resolve(
        {
            "united": {"person": 17},
            "manchester united": {"org": 47},
            "leeds united": {"org": 3},
            "charles": {"person": 12},
            "charles kennedy": {"person": 47},
            "charles clarke": {"person": 27},
        }
    )
    assert res.canonical["united"] == "manchester united"
    assert "charles" not in res.canonical and "charles" not in res.types


def test_a_place_stays_a_place_beside_names_that_start_with_it() -> None:
    res = resolve(
        {
            "england": {"place": 96, "org": 37},
            "england club": {"org": 2},
            "sydney": {"place": 28},
            "sydney smith": {"person": 3},
            "sydney brenner": {"person": 2},
        }
    )
    assert res.canonical["england"] == "england" and res.types["england"] == "place"
    assert res.types["sydney"] == "place"


def test_a_star_or_a_win_of_a_place_leaves_it_a_place() -> None:
    texts = ["England star Jonny Wilkinson is back.", "England won in Rome."]
    spans = [[(0, 7, "GPE")], [(0, 7, "GPE")]]
    found = [
        [m.entity.name for m in ms if m.entity.type == "place"] for ms in normalise(texts, spans)
    ]
    assert found == [["England"], ["England", "Rome"]]


def test_a_place_played_or_led_stays_a_place() -> None:
    texts = ["Wales will play England on Saturday.", "England boss Sven said no."]
    spans = [[(0, 5, "GPE"), (21, 28, "GPE")], [(0, 7, "GPE")]]
    found = [[m.entity.type for m in ms] for ms in normalise(texts, spans)]
    assert found == [["place", "place"], ["place"]]


def test_company_words_at_the_end_make_no_other_company() -> None:
    res = resolve(
        {
            "general motors corp": {"org": 20},
            "general motors": {"org": 5},
            "goldman sachs and co": {"org": 4},
            "goldman sachs": {"org": 9},
            "co inc": {"org": 3},
        }
    )
    assert res.canonical["general motors"] == res.canonical["general motors corp"]
    assert res.canonical["goldman sachs and co"] == "goldman sachs"
    assert "co inc" not in res.canonical


def test_a_state_abbreviation_is_the_state_and_a_dateline_city_a_place() -> None:
    text = "DETROIT, March 3 - Shares in Calif. and N.J. rose."
    spans = [[(0, 7, "ORG"), (29, 35, "GPE"), (40, 44, "GPE")]]
    found = [(m.entity.name, m.entity.type) for m in normalise([text], spans)[0]]
    assert found == [("Detroit", "place"), ("California", "place"), ("New Jersey", "place")]


def test_initials_alone_make_no_acronym_in_other_articles() -> None:
    texts = ["The Mighty Boosh returned to the stage.", "It has 512 MB of memory."]
    spans = [[(4, 16, "ORG")], [(11, 13, "ORG")]]
    names = [[m.entity.name for m in ms] for ms in normalise(texts, spans)]
    assert names[1] != ["Mighty Boosh"]


def test_lib_dems_are_the_liberal_democrats_an_organisation() -> None:
    text = "The Lib Dems and the Liberal Democrats are one party."
    spans = [[(4, 12, "PERSON"), (21, 38, "PERSON")]]
    found = {(m.entity.name, m.entity.type) for m in normalise([text], spans)[0]}
    assert found == {("Liberal Democrats", "org")}


def test_west_germany_is_germany_and_east_germany_another_state() -> None:
    """The Federal Republic is Germany (1987's wire copy names it West Germany), also in an
    index keyed before the alias table knew it; the GDR stays apart."""
    assert entity_key("West Germany") == entity_key("W. Germany") == entity_key("Germany")
    assert entity_key("GDR") == entity_key("East Germany") != entity_key("Germany")
    res = resolve(
        {"west germany": {"place": 30}, "germany": {"place": 10}, "east germany": {"place": 3}}
    )
    assert res.canonical["west germany"] == res.canonical["germany"]
    assert res.canonical["east germany"] == "east germany"


def test_a_plural_inside_a_long_name_is_the_same_name() -> None:
    res = resolve(
        {
            "general agreement on tariffs and trade": {"org": 12},
            "general agreements on tariffs and trade": {"org": 1},
            "arms deal": {"org": 3},  # (two words: only a last word's plural is read)
            "arm deal": {"org": 2},
        }
    )
    long = res.canonical["general agreement on tariffs and trade"]
    assert res.canonical["general agreements on tariffs and trade"] == long
    assert res.canonical["arms deal"] != res.canonical["arm deal"]
