"""Names and index keys: when two names are one (text/names.py), and the term each filter value
becomes in the index (index/keys.py), one rule each for the indexer and the query."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from newsearch.index import keys
from newsearch.text.names import alias_tables, basic_key, entity_key, source_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("kim jong-un", "Kim Jong Un"),
        ("Zelenskiy", "Zelenskyy"),
        ("Zelensky", "Zelenskyy"),
        ("Volodymyr Zelenskiy", "Volodymyr Zelenskyy"),
        ("U.S.", "United States"),
        ("US", "united states"),
        ("São Paulo", "Sao Paulo"),
        ("North Korea’s", "North Korea"),
        ("the Kremlin", "Kremlin"),
        ("KCNA", "Korean Central News Agency"),
        ("Recep Tayyip Erdoğan", "Recep Tayyip Erdogan"),
    ],
)
def test_entity_key_merges_variants(a: str, b: str) -> None:
    assert entity_key(a) == entity_key(b)


def test_entity_key_keeps_different_names_apart() -> None:
    assert entity_key("u.s.") == "united states"
    assert entity_key("Kim Jong Un") != entity_key("Kim Yo Jong")
    assert entity_key("Kim") != entity_key("Kim Jong Un")
    assert entity_key("Georgia") != entity_key("Georgian")


def test_basic_key_is_spelling_only_and_aliases_come_after() -> None:
    assert basic_key("The Kim Jong-un's") == "kim jong un"
    assert basic_key("AT&T") == "at and t"
    assert basic_key("U.S.") == "us" != entity_key("U.S.")
    tables = alias_tables()
    assert tables.alias_keys["us"] == "united states"
    assert tables.fixed["united states"] == ("United States", "place")
    assert tables.demonyms["north korean"] == "North Korea"


def test_source_key_ignores_case_and_spacing_only() -> None:
    assert source_key("  Korea  JoongAng\tDaily ") == "korea joongang daily"
    assert source_key("RFA") != source_key("RFE/RL")


def test_each_filter_value_has_one_term() -> None:
    assert keys.source_term("Korea  JoongAng Daily") == "korea joongang daily"
    assert keys.entity_term("kim jong-un") == keys.entity_term("Kim Jong Un") == "kim jong un"
    assert keys.topic_term(" Grain ") == "grain"
    assert keys.topic_term("Oil,  Gas") == "oil gas"  # a comma would make two terms
    assert keys.date_term(dt.date(2025, 4, 8)) == "20250408"
    assert keys.date_term(dt.date(987, 1, 2)) == "09870102"  # string order is date order


def test_keyword_value_leaves_out_empty_terms_and_repeats() -> None:
    assert keys.keyword_value(["grain", "", "wheat", "grain"]) == "grain,wheat"
    assert keys.keyword_value([]) == ""


def test_sort_keys_order_by_day_and_time_with_undated_last_either_way() -> None:
    stamps = [
        (dt.date(2024, 1, 1), None),
        (dt.date(2024, 1, 1), dt.time(9, 30)),
        (dt.date(2024, 1, 2), dt.time(0, 0, 1)),
        (dt.date(999, 12, 31), dt.time(23, 59, 59)),
    ]
    undated = keys.sort_keys(None, None)
    newest = sorted([*stamps, (None, None)], key=lambda s: keys.sort_keys(*s)[0])
    oldest = sorted([*stamps, (None, None)], key=lambda s: keys.sort_keys(*s)[1])
    assert newest == [stamps[2], stamps[1], stamps[0], stamps[3], (None, None)]
    assert oldest == [stamps[3], stamps[0], stamps[1], stamps[2], (None, None)]
    assert undated == (keys.UNDATED, keys.UNDATED)
    assert {len(k) for s in stamps for k in keys.sort_keys(*s)} == {15}  # fixed width


def test_names_and_keys_load_no_spacy_nltk_or_indexer() -> None:
    """A query keys its filters with these modules: they must not drag in what a query never
    needs (spaCy, nltk, the readers and the indexer)."""
    code = (
        "import sys, json\n"
        "import newsearch.index.keys, newsearch.text.names\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('spacy', 'nltk') or m.startswith('newsearch.ingest'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
