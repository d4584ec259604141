"""Entity rules measured on BBC and Reuters-21578 (benchmarks/README.md, Entities): datelines,
company names and their short forms, acronyms, towns that mean their clubs, awards, products
and money; each on a fixture made here from short articles or a corpus's key counts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from newsearch import SearchEngine, build_index
from newsearch.ingest.entities import normalise
from newsearch.models import Article, Mention
from newsearch.text.entity_resolution import resolve


def _found(text: str, names: dict[str, str]) -> list[tuple[str, str]]:
    """(name, type) of each mention of ``text`` whose spans the model tagged as ``names``
    says (every occurrence of each name)."""
    spans = [
        (m.start(), m.end(), label)
        for name, label in names.items()
        for m in re.finditer(re.escape(name), text)
    ]
    return [(m.entity.name, m.entity.type) for m in normalise([text], [spans])[0]]


@pytest.mark.parametrize(
    ("text", "name", "label", "expected"),
    [
        ("FRANKFURT, March 3 - Rates held.", "FRANKFURT", "ORG", "Frankfurt am Main"),
        ("ROTTERDAM, March 3 - Grain arrived.", "ROTTERDAM", "PERSON", "Rotterdam"),
        ("SMALLVILLE, Kan., March 3 - Wheat rose.", "SMALLVILLE", "ORG", "Smallville"),
    ],
)
def test_a_dateline_names_a_place_whatever_the_tag(
    text: str, name: str, label: str, expected: str
) -> None:
    assert _found(text, {name: label})[0] == (expected, "place")


def test_a_city_known_by_its_short_name_is_that_city() -> None:
    found = _found("Bankers in Frankfurt said so.", {"Frankfurt": "GPE"})
    assert found == [("Frankfurt am Main", "place")]


def test_a_name_ending_in_a_company_word_is_a_company_whatever_the_tag() -> None:
    assert _found("Courier Corp said it would buy.", {"Courier Corp": "PERSON"}) == [
        ("Courier Corp", "org")
    ]


def test_a_currency_is_money_not_an_organisation_but_a_company_named_dollar_is_one() -> None:
    text = "The U.S. Dollar fell while Dollar General rose."
    found = _found(text, {"U.S. Dollar": "ORG", "Dollar General": "ORG"})
    assert found == [("Dollar General", "org")]


def test_a_first_name_the_model_cut_off_before_and_is_part_of_the_name() -> None:
    text = "NEW YORK, March 6 - Standard and Poor's Corp cut its rating."
    spans = [(0, 8, "GPE"), (10, 28, "DATE"), (text.index("Poor"), text.index(" cut"), "ORG")]
    found = [(m.entity.name, m.entity.type) for m in normalise([text], [spans])[0]]
    assert ("Standard and Poor's Corp", "org") in found
    assert ("Ford and Poor's Corp", "org") not in _found(
        "Ford and Poor's Corp fell.", {"Ford": "ORG", "Poor's Corp": "ORG"}
    )


@pytest.mark.parametrize(
    ("text", "cut", "name"),
    [
        ("March 19 - Duff and Phelps said it cut the rating.", "Phelps", "Duff and Phelps"),
        ("The bank will accept Banco do Brasil guarantees.", "Brasil", "Banco do Brasil"),
    ],
)
def test_a_firm_cut_after_and_or_do_is_the_whole_firm(text: str, cut: str, name: str) -> None:
    spans = [(0, text.index(" -") + 8, "DATE")] if " - " in text else []
    at = text.index(cut)
    spans.append((at, at + len(cut), "PERSON"))
    found = [(m.entity.name, m.entity.type) for m in normalise([text], [spans])[0]]
    assert found == [(name, "org")]


@pytest.mark.parametrize(
    "text",
    [
        "said Rosario Ilacqua, an analyst with L.F. Rothschild in New York.",
        "Analyst Alan Gottesman of L.F. Rothschild said so.",
        "It was managed by L.F. Rothschild, Unterberg, Towbin Inc and others.",
    ],
)
def test_an_analysts_employer_and_a_firms_first_words_are_a_company(text: str) -> None:
    found = _found(text, {"L.F. Rothschild": "PERSON"})
    assert [t for name, t in found if name == "L.F. Rothschild"] == ["org"]


def test_a_person_named_by_a_colleague_stays_a_person() -> None:
    text = "Analyst Alan Gottesman said Brown was right."
    assert _found(text, {"Alan Gottesman": "PERSON", "Brown": "PERSON"}) == [
        ("Alan Gottesman", "person"),
        ("Brown", "person"),
    ]


@pytest.mark.parametrize(
    ("text", "name", "label"),
    [
        ("She won at the Academy Awards on Sunday.", "Academy Awards", "ORG"),
        ("The Oscars ceremony is on Sunday.", "Oscars", "ORG"),
        ("The Aviator won five Oscars.", "Oscars", "ORG"),
        ("Sales of the Xbox games console rose.", "Xbox", "ORG"),
        ("Wimbledon starts on Monday.", "Wimbledon", "EVENT"),
    ],
)
def test_awards_tournaments_and_products_are_no_organisation_or_place(
    text: str, name: str, label: str
) -> None:
    assert _found(text, {name: label}) == []


def test_a_town_is_its_club_in_an_article_that_says_so_and_a_town_elsewhere() -> None:
    texts = [
        "Newcastle boss Graeme Souness was pleased. Fans in Newcastle sang.",
        "Barcelona are top after they beat Sevilla. Chelsea v Barcelona is next.",
        "A casino in Newcastle opened. Tourists like Barcelona.",
    ]
    spans = [
        [(m.start(), m.end(), "GPE") for m in re.finditer("Newcastle|Barcelona", t)] for t in texts
    ]
    types = [{(m.entity.name, m.entity.type) for m in ms} for ms in normalise(texts, spans)]
    assert types == [
        {("Newcastle", "org")},
        {("Barcelona", "org"), ("Sevilla", "org")},  # the gazetteer's town, beaten
        {("Newcastle", "place"), ("Barcelona", "place")},
    ]


def test_an_acronym_defined_in_brackets_must_spell_the_name() -> None:
    texts = [
        "Julian Barratt of The Mighty Boosh (BBC Three) won. General Motors Corp (GM) fell.",
        "The BBC said GM would cut jobs.",
    ]
    names = [["Mighty Boosh", "BBC", "General Motors Corp"], ["BBC", "GM"]]
    spans = [
        [(t.index(n), t.index(n) + len(n), "ORG") for n in ns]
        for t, ns in zip(texts, names, strict=True)
    ]
    found = [[m.entity.name for m in ms] for ms in normalise(texts, spans)]
    assert found[1] == ["BBC", "General Motors Corp"]


# The corpus-wide step, on key counts as an index gives them (articles per key and type).


def test_a_firm_named_after_people_is_a_company_but_a_surname_stays_a_person() -> None:
    res = resolve(
        {
            "james capel": {"person": 14},
            "james capel and co": {"org": 3},
            "johnson": {"person": 25},
            "johnson co": {"org": 1},
        }
    )
    assert res.canonical["james capel and co"] == res.canonical["james capel"]
    assert res.types[res.canonical["james capel"]] == "org"
    assert res.canonical["johnson"] != res.canonical["johnson co"]
    assert res.types["johnson"] == "person"


def test_company_abbreviations_plurals_and_word_order_are_one_spelling() -> None:
    res = resolve(
        {
            "salomon brothers inc": {"org": 40},
            "salomon bros": {"org": 9},
            "salomon inc": {"org": 12},
            "standard and poors corp": {"org": 134},
            "standard and poor": {"org": 26},
            "department of agriculture": {"org": 5},
            "agriculture department": {"org": 45},
        }
    )
    assert res.canonical["salomon bros"] == res.canonical["salomon brothers inc"]
    assert res.canonical["salomon inc"] != res.canonical["salomon brothers inc"]  # the parent
    assert res.canonical["standard and poor"] == res.canonical["standard and poors corp"]
    assert res.canonical["department of agriculture"] == "agriculture department"


def test_an_organisations_name_cut_short_is_the_organisation() -> None:
    res = resolve(
        {
            "shearson lehman brothers inc": {"org": 40},
            "shearson lehman": {"org": 21},
            "shearson": {"org": 15},
            "moodys investors service inc": {"org": 121},
            "moody": {"org": 192},
            "ford": {"org": 80},
            "ford motor co": {"org": 34},
            "ec": {"org": 351},
            "ec commission": {"org": 70},
            "phelps": {"person": 5},
            "phelps dodge corp": {"org": 20},
        }
    )
    lehman = res.canonical["shearson lehman brothers inc"]
    assert res.canonical["shearson"] == res.canonical["shearson lehman"] == lehman
    assert res.canonical["moodys investors service inc"] == res.canonical["moody"]
    assert res.canonical["ford motor co"] == "ford"  # the brand is the more named
    assert res.canonical["ec commission"] == "ec commission"  # a body of the EC, not the EC
    assert res.canonical["phelps"] == "phelps dodge corp"
    assert res.types["phelps dodge corp"] == "org"


def test_an_acronym_is_the_one_organisation_whose_initials_it_is() -> None:
    res = resolve(
        {
            "gm": {"org": 86},
            "general motors corp": {"org": 120},
            "usda": {"org": 185},
            "us agriculture department": {"org": 189},
            "cbs": {"org": 22},
            "cbs inc": {"org": 17},
            "central bureau of statistics": {"org": 21},
            "ibm": {"org": 97},
            "ibm company": {"org": 1},
            "international business machines corp": {"org": 57},
            "s and p": {"org": 47},
            "standard and poors corp": {"org": 186},
            "ira": {"org": 2},
            "irish rugby association": {"org": 2},
        }
    )
    assert res.canonical["gm"] == "general motors corp"
    assert res.canonical["usda"] == "us agriculture department"
    assert res.canonical["central bureau of statistics"] != res.canonical["cbs"]  # CBS Inc
    assert res.canonical["international business machines corp"] == "ibm"  # one "ibm company"
    assert res.canonical["s and p"] == "standard and poors corp"
    assert res.canonical["ira"] == "ira"  # too rarely named to tell


def test_british_and_american_spellings_and_an_acronym_with_a_subject_are_one() -> None:
    res = resolve(
        {
            "international coffee organization": {"org": 37},
            "international coffee organisation": {"org": 16},
            "ico": {"org": 49},
            "ico coffee": {"org": 56},
            "international cocoa organization": {"org": 24},
            "ico cocoa": {"org": 30},
        }
    )
    coffee = res.canonical["international coffee organization"]
    assert res.canonical["international coffee organisation"] == coffee
    assert res.canonical["ico coffee"] == coffee  # ICO alone is either: its word says which
    assert res.canonical["ico cocoa"] == res.canonical["international cocoa organization"]
    assert res.canonical["ico cocoa"] != coffee


def test_an_acronym_in_capitals_is_no_town_of_that_name() -> None:
    # Ico is a Brazilian town of 65,000; ICO, tagged an organisation, is the coffee body.
    assert _found("Delegates to the ICO met in London.", {"ICO": "ORG"})[0] == ("ICO", "org")


def test_a_body_named_with_and_without_its_country_is_one() -> None:
    res = resolve(
        {
            "treasury": {"org": 243},
            "us treasury": {"org": 144},
            "treasury department": {"org": 22},
            "united states": {"place": 900},
            "uk treasury": {"org": 2},
            "banking department": {"org": 4},
            "new banking department": {"org": 9},
            "european community": {"org": 700},
            "community": {"org": 30},
            "caribbean community": {"org": 1},
            "caribbean": {"place": 40},
        }
    )
    assert res.canonical["caribbean community"] == "caribbean community"
    assert res.canonical["treasury"] == res.canonical["us treasury"]
    assert res.canonical["treasury department"] == res.canonical["treasury"]
    assert res.canonical["banking department"] == "banking department"  # "new" is no place


def test_a_lone_word_joins_a_longer_name_it_ends_only_when_that_is_named_no_less() -> None:
    res = resolve({"bbc": {"org": 142}, "ex bbc": {"org": 2}})
    assert res.canonical["bbc"] == "bbc"


class _Tagged:
    """An extractor tagging the given names with the given labels (spaCy's raw spans),
    through newsearch's own normalisation."""

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


def test_org_and_entity_filters_find_every_article_under_any_name(tmp_path: Path) -> None:
    bodies = [
        "General Motors Corp said sales fell.",
        "General Motors Corp cut output again.",
        "General Motors Corp hired staff.",
        "Shares in GM rose on Monday.",
        "GM said it would build a plant.",
        "GM and its unions met.",
    ]
    articles = [
        Article(id=f"a{i}", path=f"a/{i}.txt", title=f"Report {i}", body=b)
        for i, b in enumerate(bodies)
    ]
    idx = tmp_path / "idx"
    tags = {"General Motors Corp": "ORG", "GM": "ORG"}
    # Each article its own batch: no batch learns GM from another article.
    for a in articles:
        build_index([a], idx, extractor=_Tagged(tags), processes=1)
    with SearchEngine(idx) as engine:
        assert engine.search("", org="GM", limit=20).total == 6
        assert engine.search("", org="General Motors", limit=20).total == 6
        assert engine.search("", entity="general motors corp", limit=20).total == 6
        orgs = {v.value: v.count for v in engine.facets(limit=20)["org"]}
    assert len(orgs) == 1 and next(iter(orgs.values())) == 6
