"""Quantitative claims read from sentences: values, qualifiers, what is counted, the event,
the attribution, and the numbers that are no claim (newsearch/compare/)."""

from __future__ import annotations

import math

import pytest

from newsearch.compare.claims import MAX_BODY_CHARS, FoundClaim, extract_claims
from newsearch.compare.duplicates import near_duplicates, shingles
from newsearch.compare.groups import Bounds, agree, event_class, noun_class, spread
from newsearch.compare.numbers import interval, normalise_words, qualifier_before, read_figure


def claims(text: str) -> list[FoundClaim]:
    return extract_claims([text])[0]


def only(text: str) -> FoundClaim:
    found = claims(text)
    assert len(found) == 1, [(c.value, c.counts) for c in found]
    return found[0]


def test_the_seed_figures_with_their_qualifier_noun_event_and_source() -> None:
    c = only(
        "In March, South Korea’s military estimated that around 4,000 North Korean soldiers "
        "had been killed or wounded in the deployment."
    )
    assert (c.value, c.qualifier, c.counts, c.event) == (4000, "~", "soldiers", "killed or wounded")
    assert c.attribution == "South Korea’s military"
    c = only(
        "U.S. officials have reported that more than 11,000 North Korean soldiers participated."
    )
    assert (c.value, c.qualifier, c.event, c.attribution) == (
        11000,
        ">",
        "participated",
        "U.S. officials",
    )


def test_an_elided_noun_comes_from_the_claim_before_it() -> None:
    text = (
        "In January, Ukrainian military captured two North Korean soldiers and Seoul estimated "
        "that some 300 of Pyongyang’s troops died while supporting Russia’s war. South Korean "
        "and Ukraine intelligence officials have said North Korea dispatched at least 10,000 "
        "to Russia last fall."
    )
    found = {c.value: c for c in claims(text)}
    assert set(found) == {2, 300, 10000}
    assert (found[300].qualifier, found[300].counts, found[300].attribution) == (
        "~",
        "troops",
        "Seoul",
    )
    tenk = found[10000]
    assert (tenk.qualifier, tenk.counts, tenk.event, tenk.inferred) == (
        ">=",
        "troops",
        "dispatched",
        True,
    )
    assert tenk.attribution == "South Korean and Ukraine intelligence officials"
    assert found[2].event == "captured" and found[2].attribution is None
    # the offsets are the figure's words in the text given, qualifier included
    assert text[tenk.start : tenk.end] == "at least 10,000"


@pytest.mark.parametrize(
    ("sentence", "value", "qualifier"),
    [
        ("Officials said as many as 14,000 troops were sent.", 14000, "<="),
        ("It employs about 1.5 million people.", 1_500_000, "~"),
        ("Fewer than two hundred people attended.", 200, "<"),
        ("The company sold 3.2 mln barrels last week.", 3_200_000, "="),
        ("Unions representing 4.5m workers threatened action.", 4_500_000, "="),
        ("Fifteen thousand people were evacuated, police said.", 15000, "="),
        ("Up to 15 pay-TV channels will launch on the network.", 15, "<="),
    ],
)
def test_values_in_words_and_digits(sentence: str, value: float, qualifier: str) -> None:
    c = only(sentence)
    assert math.isclose(c.value, value) and c.qualifier == qualifier


def test_a_range_keeps_its_ends() -> None:
    c = only("TNT expects between 700,000 and one million set-top boxes to be sold.")
    assert (c.low, c.high, c.counts, c.attribution) == (700_000, 1_000_000, "boxes", "TNT")
    c = only("Imports will increase 3.5 to four mln barrels per day, Randol said.")
    assert (c.low, c.high) == (3_500_000, 4_000_000)


@pytest.mark.parametrize(
    "sentence",
    [
        "Citing the treaty signed on December 4, 2024, the Ministry spoke.",  # a date
        "Published: 28 Apr. 2025, 09:16",  # a date and a time
        "The situation warranted the activation of Article 4 of the treaty.",  # an identifier
        "Kim attended a launch ceremony for a new 5,000-tonne destroyer.",  # an attribute
        "Profits rose 20% to £4.6bn ($8.6bn) in the year.",  # a percentage and money
        "The company reported income of 32 mln dlrs on 143 mln dlrs in revenues.",  # money
        "The 67-year-old stopped working a few years ago.",  # an age
        "Scotland won an 18-10 victory at Murrayfield.",  # a score
        "He was jailed for 12 years in 2003.",  # a duration, a year
        "The two countries signed the deal.",  # a reference to a known set
        "Stallone joined the Channel 4 show on Monday.",  # a name
        "It is one of the world's biggest armies.",  # a pronoun
        "The bank left rates on hold at 4.75% for a sixth month.",  # a rate, an ordinal
    ],
)
def test_numbers_that_are_no_claims(sentence: str) -> None:
    assert claims(sentence) == []


def test_a_sentence_without_numbers_is_not_parsed_and_bodies_keep_their_order() -> None:
    found = extract_claims(["No figures here at all.", "", "Police arrested 12 protesters."])
    assert found[0] == [] and found[1] == [] and [c.value for c in found[2]] == [12]
    assert found[2][0].counts == "protesters" and found[2][0].event == "arrested"


def test_a_claim_survives_a_round_trip_as_data() -> None:
    c = only("Rebels freed more than 300 hostages, the army said.")
    assert FoundClaim.from_dict(c.as_dict()) == c
    assert c.attribution == "the army"


def test_qualifier_table_and_intervals() -> None:
    assert qualifier_before(["the", "army", "said", "more", "than"]) == (">", 2)
    assert qualifier_before(["less", "than", "an", "anticipated"]) == ("<", 4)
    assert qualifier_before(["troops", "numbering"]) == ("=", 0)
    assert interval(4000, "~", 4000, 4000) == pytest.approx((3400, 4600))
    assert interval(11000, ">", 11000, 11000) == (11000, math.inf)
    assert interval(14000, "<=", 14000, 14000) == (0, 14000)


def test_figures_are_read_with_their_unit() -> None:
    assert normalise_words(["3.2", "mln"], True, False) == "3.2 million"
    assert normalise_words(["100m"], False, False) == "100m"  # the 100m: metres
    money = read_figure("20", "dlrs")
    assert money is not None and money.kind == "money"
    oil = read_figure("3.2 million", "barrels")
    assert oil is not None and (oil.kind, oil.unit, oil.value) == ("measure", "barrel", 3_200_000)
    assert read_figure("nothing", "") is None


def test_groups_by_synonyms_and_agreement_by_overlap() -> None:
    assert noun_class("soldier") == noun_class("troop") == "troops"
    assert event_class(("kill", "wound")) == event_class(("die",)) == "casualties"
    assert event_class(("send",)) == event_class(("participate",)) == "deployed"
    assert event_class(("produce",)) == "produce"
    deployed = [
        Bounds(14000, 0, 14000),
        Bounds(11000, 11000, math.inf),
        Bounds(10000, 10000, math.inf),
    ]
    assert agree(deployed) and spread(deployed) == pytest.approx(1.4)
    casualties = [Bounds(4000, 3400, 4600), Bounds(300, 255, 345)]
    assert not agree(casualties) and spread(casualties) == pytest.approx(4000 / 300)


def test_near_duplicates_need_most_of_their_word_runs_shared() -> None:
    wire = (
        "The central bank raised its main interest rate by half a point to 7.5 percent on Monday."
    )
    texts = [
        wire,
        "Shares fell sharply in early trade.",
        wire.replace("on Monday", "on Monday, it said"),
        "The central bank held its main interest rate at 7 percent on Tuesday after a meeting.",
    ]
    assert near_duplicates(texts) == [[0, 2]]
    assert near_duplicates(texts, lambda i, j: False) == []
    assert shingles("One two") == frozenset({"one two"}) and shingles("") == frozenset()


def test_a_giant_body_is_read_for_figures_only_so_far() -> None:
    """Bounded work on hostile input: figures past MAX_BODY_CHARS are not read (the sentence
    splitter never sees that text), those before it are."""
    early = "Officials said 120 people were killed in the flood."
    late = "Officials said 450 soldiers were wounded in the fighting."
    filler = "\n\n".join(["The river rose again overnight."] * (MAX_BODY_CHARS // 30))
    (found,) = extract_claims([f"{early}\n\n{filler}\n\n{late}"])
    assert [c.value for c in found] == [120]
