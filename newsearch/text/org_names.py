"""Organisations' names across a corpus: spellings, short forms, acronyms (entity_resolution).

Rules on keys and the articles naming them, for ``entity_resolution.resolve``: a company's
trailing words and abbreviations (``salomon bros inc`` = ``salomon brothers``), a name cut
short (``shearson`` = ``shearson lehman brothers``; ``moody`` = ``moodys investors
service``), a brand named more than its company's full name (``ford motor co`` -> ``ford``),
an acronym that is the initials of one organisation of the corpus (``gm``, ``usda``), and a
body named with and without its country (``treasury``, ``us treasury``). Plain Python.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping

from newsearch.models import EntityType
from newsearch.text.names import alias_tables, basic_key

DOMINANT = 5  # a short form goes to the fuller name named this many times more than the next
TOGETHER_MIN = 3  # articles naming a short form with its fuller name before they are one
# How many articles name both of two keys (the caller's index knows; resolve() may go without).
Together = Callable[[str, str], int]
COMPANY_WORDS = frozenset(
    "co corp corporation inc incorporated ltd llc plc company cos ag sa nv".split()
)
FIRM_TAIL = COMPANY_WORDS | {"sons", "cie"}  # "Alex. Brown and Sons": the firm Alex. Brown
# Company-name abbreviations spelled out for the spelling key (Salomon Bros = Salomon Brothers).
ABBREVIATIONS = {"bros": "brothers", "intl": "international", "natl": "national"}
# A body of a larger one ("EC Commission"), not the larger one's brand name (org_prefixes).
INSTITUTION_WORDS = frozenset(
    "commission council committee department ministry office board agency authority bank "
    "court union party association federation assembly parliament institute fund".split()
)
_REORDERED = frozenset({"department", "ministry"})  # the X Department = the Department of X
ACRONYM_MAX = 5  # letters of a one-word key read as initials (acronyms)
ACRONYM_MIN = 3  # articles naming each of an acronym and its name before they are one
_FUNCTION_WORDS = frozenset({"of", "and", "the", "for", "de", "du", "des", "la", "le", "on"})


class Groups:
    """Union-find over keys; a group's root is the key the others join."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.parent = {k: k for k in keys}

    def root(self, key: str) -> str:
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def join(self, key: str, into: str) -> None:
        a, b = self.root(key), self.root(into)
        if a != b:
            self.parent[a] = b


def compact(key: str) -> str:
    """A key without spaces, its trailing company words or its company abbreviations:
    ``general motors corp``, ``general motors`` and ``generalmotors`` are one spelling, and so
    are ``salomon bros inc`` and ``salomon brothers``, ``alex brown and sons`` and ``alex
    brown``."""
    words = [ABBREVIATIONS.get(w, w) for w in key.split()]
    words = [w[:-7] + "ization" if w.endswith("isation") else w for w in words]  # organisation
    at = words.index("of") if "of" in words else 0
    if 0 < at < len(words) - 1 and words[at - 1] in _REORDERED:  # department of agriculture
        words = words[: at - 1] + words[at + 1 :] + [words[at - 1]]
    while len(words) > 1 and words[-1] in FIRM_TAIL:
        words.pop()
    if len(words) > 1 and words[-1] == "and":
        words.pop()
    return "".join(words)


def spellings(same: list[str], keys: Mapping[str, Counter[EntityType]]) -> list[list[str]]:
    """Keys of one compact spelling, in the groups they make: one, but a surname and the
    firm of that name (``johnson`` the person, ``johnson co``) stay two while the bare name
    is mostly a person's."""
    firms = [k for k in same if is_firm(k)]
    bare = [k for k in same if not is_firm(k)]
    if not firms or not bare or any(" " in _compact_words(k) for k in same):
        return [same]
    person = sum(keys[k]["person"] for k in bare)
    return [same] if person * 2 < sum(sum(keys[k].values()) for k in bare) else [firms, bare]


def _compact_words(key: str) -> str:
    """A key without its trailing company words, its spaces kept."""
    words = key.split()
    while len(words) > 1 and words[-1] in FIRM_TAIL:
        words.pop()
    if len(words) > 1 and words[-1] == "and":
        words.pop()
    return " ".join(words)


def is_firm(key: str) -> bool:
    """A name of several words ending in a company word (``courier corp``): a company."""
    words = key.split()
    return len(words) > 1 and words[-1] in FIRM_TAIL


def org_prefixes(
    votes: Mapping[str, Counter[EntityType]],
    groups: Groups,
    orgs: list[str],
    named: Mapping[str, int],
    kind: Callable[[str], EntityType],
    by_last: Mapping[str, list[str]],
    firms: set[str],
) -> None:
    """An organisation's name cut short is the organisation: ``shearson lehman`` and
    ``shearson`` are ``shearson lehman brothers``, ``moody`` is ``moodys investors service``
    when that is the one name (or DOMINANT times the most named) they start, and named no
    less. A lone word named more than that name is its brand: ``ford motor`` joins ``ford``
    (not a body of it: ``ec commission`` stays apart from ``ec``). A lone word the model
    calls a person joins too when no person's name ends with it (``phelps``: Phelps Dodge)."""
    starting: defaultdict[str, list[str]] = defaultdict(list)  # "shearson" -> names it opens
    for r in orgs:
        words = r.split()
        for n in range(1, len(words)):
            starting[" ".join(words[:n])].append(r)
            if words[n - 1].endswith("s"):  # "moodys investors service" opens with "moody"
                starting[" ".join([*words[: n - 1], words[n - 1][:-1]])].append(r)
    for r in sorted(votes, key=lambda k: -len(k.split())):
        if groups.root(r) != r or r not in starting:
            continue
        words, what = r.split(), kind(r)
        if what == "place" or (what == "person" and (len(words) > 1 or by_last.get(r))):
            continue
        full = dominant([f for f in starting[r] if groups.root(f) == f], named)
        if full is None:
            continue
        if named[full] >= named[r]:
            groups.join(r, full)
            if what == "person":
                firms.add(full)
        elif what == "org" and len(words) == 1 and not INSTITUTION_WORDS & set(full.split()):
            groups.join(full, r)


def _initials(key: str) -> set[str]:
    """The acronyms a name of several words may go by: its initials with and without its
    function words, a word of two letters kept whole (``us department of agriculture``:
    ``usda``), its trailing company words left out (``general motors corp``: ``gm``)."""
    words = key.split()
    while len(words) > 1 and words[-1] in FIRM_TAIL:
        words.pop()
    if len(words) < 2:
        return set()
    forms = [words]
    if words[-1] in _REORDERED:  # "us agriculture department": "us department of agriculture"
        forms += [[*words[:i], words[-1], "of", *words[i:-1]] for i in range(len(words) - 1)]
    out: set[str] = set()
    for form in forms:
        content = [w for w in form if w not in _FUNCTION_WORDS]
        out |= {
            "".join(w[0] for w in form),
            "".join(w[0] for w in content),
            "".join(w if len(w) <= 2 else w[0] for w in content),
        }
    return out


def acronyms(
    votes: Mapping[str, Counter[EntityType]],
    groups: Groups,
    orgs: list[str],
    named: Mapping[str, int],
    kind: Callable[[str], EntityType],
    firms: set[str],
    together: Together | None = None,
) -> None:
    """A one-word key of a few letters (or letters joined by "and": ``s and p``, from S&P)
    that is the initials of one organisation's name of the corpus (or of one named DOMINANT
    times the next) is that organisation (``gm``: ``general motors``; ``usda``); the name
    less often given joins the other. An acronym and a word of the name it stands for name
    that one of its names (``ec commission``: ``european commission``, not ``european
    community``; ``ico coffee``: the coffee organisation, not the cocoa one). Of several
    such organisations, the one the acronym's articles name (``together``); none a name
    calls a body of the acronym's (``ec commission``: so ``ec`` is not the European
    Commission). Not a company's own name (``firms``: ``cbs``, a quarter of whose articles
    say ``cbs inc``)."""
    spelled: defaultdict[str, list[str]] = defaultdict(list)
    for r in orgs:
        for letters in _initials(r) - set(r.split()):  # "ec commission" spells no "ec"
            spelled[letters].append(r)
    bodies = _bodies_of(groups, spelled)
    for r in votes:  # (r may have joined a longer name already: "ico", "ico coffee")
        words = r.split()
        spaced = len(words) > 1 and all(len(w) == 1 or w == "and" for w in words)
        letters = "".join(w for w in words if w != "and") if spaced else r
        subject = ""  # "ec commission", "ico coffee": the acronym, and a word of its name
        if len(words) == 2 and not spaced and words[1].isalpha() and len(words[1]) > 2:
            letters, subject = words
        if not letters.isalpha() or not 2 <= len(letters) <= ACRONYM_MAX:
            continue
        mine = groups.root(r)
        if kind(r) == "place" or mine in firms:  # cbs: cbs inc's name
            continue
        spelling = {
            groups.root(f) for f in spelled.get(letters, []) if not subject or subject in f.split()
        } - {mine}
        if not subject:  # "ec" is not the European Commission the corpus calls "ec commission"
            spelling -= {groups.root(b) for b in bodies.get(letters, ())}
        full = dominant(sorted(spelling), named, r, together)
        if full is not None and min(named.get(full, 0), named.get(mine, 0)) >= ACRONYM_MIN:
            if named.get(full, 0) >= named.get(mine, 0):
                groups.join(mine, full)
            else:
                groups.join(full, mine)


def _bodies_of(groups: Groups, spelled: Mapping[str, list[str]]) -> dict[str, set[str]]:
    """For an acronym, the organisations a name calls a body of it, an institution word after
    the acronym (``ec commission``: a key of the corpus, or an alias of the European
    Commission): ``ec`` alone is none of them."""
    out: defaultdict[str, set[str]] = defaultdict(set)
    aliases = alias_tables().alias_keys.items()
    for name, target in [(k, k) for k in groups.parent] + list(aliases):
        words = name.split()
        if len(words) != 2 or words[1] not in INSTITUTION_WORDS or not words[0].isalpha():
            continue
        if target in groups.parent:
            out[words[0]].add(target)
        out[words[0]].update(f for f in spelled.get(words[0], []) if words[1] in f.split())
    return out


def place_prefixed(
    votes: Mapping[str, Counter[EntityType]],
    groups: Groups,
    orgs: list[str],
    named: Mapping[str, int],
    kind: Callable[[str], EntityType],
) -> None:
    """A body named with and without its country (``treasury``, ``us treasury``;
    ``agriculture department``, ``us agriculture department``) is one when that is the
    one such name of the corpus (or DOMINANT times the next); the less named joins."""
    tables = alias_tables()
    placed: defaultdict[str, list[str]] = defaultdict(list)
    for f in orgs:
        words = f.split()
        for i in range(1, len(words)):
            prefix = " ".join(words[:i])
            place = tables.alias_keys.get(prefix, prefix)
            country = tables.demonyms.get(prefix)
            place = basic_key(country) if country else place
            if place in votes and kind(place) == "place":
                placed[" ".join(words[i:])].append(f)
    for r in votes:  # (r may have joined a name already: "treasury", "treasury department")
        if kind(r) != "org" or not placed.get(r):
            continue
        mine = groups.root(r)
        if mine != r and mine.endswith(f" {r}"):  # "community": the european community
            continue
        full = dominant(sorted({groups.root(f) for f in placed[r]} - {mine}), named)
        if full is not None:
            if named.get(full, 0) >= named.get(mine, 0):
                groups.join(mine, full)
            else:
                groups.join(full, mine)


def dominant(
    candidates: list[str],
    named: Mapping[str, int],
    key: str | None = None,
    together: Together | None = None,
) -> str | None:
    """The only candidate, or the one named DOMINANT times more than the next. Failing that,
    given ``together``, the one named in the same articles as ``key`` DOMINANT times more
    often than the next, in at least TOGETHER_MIN of them: a reader's way with "Johnson" in
    articles that name Manuel Johnson, of a corpus naming other Johnsons too."""
    if not candidates:
        return None
    ranked = sorted(candidates, key=lambda c: (named.get(c, 0), c), reverse=True)
    if len(ranked) == 1 or named.get(ranked[0], 0) >= DOMINANT * named.get(ranked[1], 0):
        return ranked[0]
    if together is None or key is None:
        return None
    beside = {c: together(key, c) for c in ranked}
    ranked.sort(key=lambda c: (beside[c], named.get(c, 0), c), reverse=True)
    first, second = beside[ranked[0]], beside[ranked[1]]
    return ranked[0] if first >= TOGETHER_MIN and first >= DOMINANT * second else None
