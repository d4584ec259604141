"""One entity per name across a corpus: which keys are the same entity, and of which type.

The extractor decides a mention's type and key from one sentence and one batch of articles;
this module decides again from the whole index. Its input is, for every entity key, how many
articles hold it as a person, an organisation and a place (the index's own terms); its output
maps every key to the canonical key of its entity (or to nothing: junk) and gives each entity
one type. The rules, in order:

1. **Junk out.** A key that is a number, money (``280bn``), a score (``roddick 6 2 7 6``), a
   lone honorific (``mr``) or a fragment (``of ireland``) is no entity.
2. **Spelling variants.** Keys that differ only in spaces, hyphens, dots, trailing company
   words and company abbreviations are one entity (``lib dem``/``libdem``, ``x box``/
   ``xbox``, ``jp morgan``/``jpmorgan``, ``general motors corp``/``general motors``,
   ``goldman sachs and co``, ``salomon bros``/``salomon brothers``, ``department of
   agriculture``/``agriculture department``), and so are a name of several words and its
   plural or possessive (``lib dems``, ``standard and poors corp``); a demonym is its country
   (``welsh``), an alias its name (``west germany``, kept by an index older than the alias
   table's entry). A surname stays apart from the firm of that name (``johnson``, ``johnson
   co``) while the bare name is mostly a person's.
3. **Short forms.** A person's name that is part of exactly one fuller person name of the
   corpus, ending the same (``blair`` -> ``tony blair``, ``george bush`` -> ``george w
   bush``), or clearly the most named of several (DOMINANT times the next, so ``blair`` is
   Tony Blair, not Cherie Blair), or the one named DOMINANT times more often than the next
   in the short form's own articles (``johnson`` in articles naming Manuel Johnson); a few
   mentions of the short form typed otherwise follow it (``mourinho`` once an organisation).
   The other way round, a "fuller" name that only puts a word before a full name (``sprinter
   kelly holmes``) joins the full name. An organisation that is the start of one
   organisation's name whose other words are generic joins it (``labour`` -> ``labour
   party``), and a lone word ending one dominant organisation's name joins it (``united`` ->
   ``manchester united``). A lone given name that starts several people's names
   (``charles``), or a lone surname that ends several and joined none of them (``brown``:
   Keith, William and Walter Brown, none decided by counts or shared articles), is none of
   them: dropped, rather than one facet value lumping them together. Organisations' short
   forms, brands, acronyms and country prefixes: ``org_names`` (``shearson`` -> ``shearson
   lehman brothers``, ``gm`` -> ``general motors corp``, ``us treasury`` -> ``treasury``).
4. **One type by vote.** Each entity's type is the one most of its articles gave it, all its
   variants counted; a person vote for a lone word counts half (``_winner``); an entity the
   vote calls a person but one of whose names ends in a company word is a company (``james
   capel and co``: firms are named after people).

Plain Python on keys: no spaCy, no index. ``newsearch.search.facets`` applies the result.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from newsearch.models import ENTITY_TYPES, EntityType
from newsearch.text.names import alias_tables, basic_key
from newsearch.text.org_names import (
    COMPANY_WORDS,
    DOMINANT,
    Groups,
    Together,
    acronyms,
    compact,
    dominant,
    is_firm,
    org_prefixes,
    place_prefixed,
    spellings,
)

LONE_PERSON = 0.5  # the weight of a person vote for a single word no full name explains
HONORIFICS = frozenset(
    "mr mrs ms miss dr sir lord lady dame prof professor president minister king queen "
    "prince princess rev father st".split()
)
GENERIC_ORG_WORDS = frozenset(
    "party group company co corp corporation inc plc ltd llc holdings club fc union "
    "association council committee organisation organization foundation trust department "
    "ministry".split()
)
_MONEY = re.compile(r"\d+(?:bn|m|mn|k|pc|p|s)$")
_FRAGMENT_START = frozenset({"of", "and", "or", "the", "for", "in", "on", "at", "to", "by"})


def is_junk_key(key: str) -> bool:
    """A key no entity has: no letters, money or a number with a unit, two or more numbers
    (a score, a date), a lone honorific, or a fragment opening with a function word."""
    words = key.split()
    if not words or not any(c.isalpha() for c in key):
        return True
    if any(_MONEY.fullmatch(w) for w in words):
        return True
    if sum(w.isdigit() for w in words) >= 2:
        return True
    if len(words) == 1 and words[0] in HONORIFICS:
        return True
    if all(w in COMPANY_WORDS or w == "and" for w in words):  # "co inc": a name's tail
        return True
    return words[0] in _FRAGMENT_START


@dataclass(frozen=True)
class Resolution:
    """The corpus's entities: ``canonical`` maps each key to its entity's key (junk keys are
    absent), ``types`` gives each entity's type and ``members`` every key it holds."""

    canonical: dict[str, str]
    types: dict[str, EntityType]
    members: dict[str, tuple[str, ...]]
    votes: dict[str, Counter[EntityType]]
    spellings: dict[str, str] = field(default_factory=dict)  # compact(key) -> its entity

    def find(self, key: str) -> str | None:
        """The entity a user means by ``key`` (a name's index key): the entity holding the
        key or a spelling of it (``general motors`` -> ``general motors corp``), else the one
        whose fuller name ends with its words (``mourinho`` -> ``jose mourinho``) when one
        is named DOMINANT times more than any other; None if none."""
        found = self.canonical.get(key) or self.spellings.get(compact(key))
        if found is not None or not key:
            return found
        words = key.split()
        fuller = [r for r in self.types if _within(words, r.split())]
        named = {r: sum(self.votes[r].values()) for r in fuller}
        return dominant(fuller, named)


def resolve(
    counts: Mapping[str, Mapping[EntityType, int]], together: Together | None = None
) -> Resolution:
    """Resolve the keys of a corpus (``counts``: key -> articles holding it as each type;
    ``together``: how many articles hold both of two keys, for short forms and acronyms that
    several names of the corpus could stand for)."""
    keys: dict[str, Counter[EntityType]] = {
        k: Counter(v) for k, v in counts.items() if not is_junk_key(k) and any(v.values())
    }
    total = {k: sum(v.values()) for k, v in keys.items()}
    tables = alias_tables()
    groups = Groups(keys)

    def weight(k: str) -> tuple[int, int, str]:
        return (total[k], len(k.split()), k)

    # 2. Spelling variants (the most named spelling leads), plurals, demonyms.
    spelt: dict[str, str] = {}  # each key's compact spelling
    by_compact: defaultdict[str, list[str]] = defaultdict(list)
    for k in keys:
        by_compact[spelt.setdefault(k, compact(k))].append(k)
    for same in by_compact.values():
        for part in spellings(same, keys):
            lead = max(part, key=weight)
            for k in part:
                groups.join(k, lead)
    for k in keys:
        spelling = spelt[k]  # "lib dems", "standard and poors corp": plurals, possessives
        for single in _singulars(k, spelling):
            if single in by_compact:
                target = max(by_compact[single], key=weight)
                if weight(target) >= weight(k):
                    groups.join(k, target)
                else:
                    groups.join(target, k)
                break
        country = tables.demonyms.get(k)
        if country is not None and (country_key := basic_key(country)) in keys:
            groups.join(k, country_key)
        alias = tables.alias_keys.get(k)  # (an index made before the alias was known)
        if alias is not None and alias != k and alias in keys:
            groups.join(k, alias)

    # 3. Short forms, once the spellings are grouped: votes of whole groups.
    votes = _group_votes(keys, groups)
    firms = {groups.root(k) for k in keys if is_firm(k)}

    kinds: dict[str, EntityType] = {}

    def kind(r: str) -> EntityType:
        found = kinds.get(r)
        if found is None:
            found = kinds[r] = _kind(votes[r], r in firms)
        return found

    persons = [r for r in votes if kind(r) == "person"]
    orgs = [r for r in votes if kind(r) == "org"]
    by_last: defaultdict[str, list[str]] = defaultdict(list)
    for r in persons:
        if " " in r:
            by_last[r.split()[-1]].append(r)
    by_first: defaultdict[str, list[str]] = defaultdict(list)
    for r in orgs:
        words = r.split()
        if len(words) > 1 and all(w in GENERIC_ORG_WORDS for w in words[1:]):
            by_first[words[0]].append(r)
    named = {r: sum(v.values()) for r, v in votes.items()}
    for r in votes:
        words = r.split()
        fuller = [f for f in by_last.get(words[-1], ()) if f != r and _within(words, f.split())]
        full = dominant(fuller, named, r, together)
        if full is None:
            continue
        if len(words) > 1 and full.endswith(" " + r):  # "sprinter kelly holmes": a title
            groups.join(full, r)
        elif kind(r) == "person" or named[r] * DOMINANT <= named[full]:
            groups.join(r, full)  # a short form (or a few mentions typed otherwise)
    org_last: defaultdict[str, list[str]] = defaultdict(list)
    for r in orgs:
        if " " in r:
            org_last[r.split()[-1]].append(r)
    for r in votes:
        if " " in r or groups.root(r) != r:
            continue
        if kind(r) == "org" and (whole := dominant(by_first.get(r, []), named)) is not None:
            groups.join(r, whole)  # labour -> labour party
        elif (
            kind(r) != "place"
            and (club := dominant(org_last.get(r, []), named)) is not None
            and named[club] >= named[r]  # united -> manchester united; not bbc -> ex bbc
        ):
            groups.join(r, club)
    named_firms: set[str] = set()  # organisations a person's name joined (_org_prefixes)
    org_prefixes(votes, groups, orgs, named, kind, by_last, named_firms)
    by_firm: Counter[str] = Counter()  # articles naming each entity as a firm ("cbs inc")
    for k in keys:
        by_firm[groups.root(k)] += total[k] if is_firm(k) else 0
    firm_acronyms = {r for r, n in by_firm.items() if n * 4 >= named.get(r, n)}
    acronyms(votes, groups, orgs, named, kind, firm_acronyms, together)
    place_prefixed(votes, groups, orgs, named, kind)
    # A lone given name that starts several people's names is none of them ("charles").
    starts = Counter(r.split()[0] for r in persons if " " in r)
    ambiguous = {
        r
        for r in persons
        if " " not in r and groups.root(r) == r and starts[r] >= 2 and not by_last.get(r)
    }
    # Nor is a lone surname that ends several people's names and joined none of them
    # ("brown": Keith Brown, William Brown, ...; neither counts nor shared articles decide).
    ambiguous |= {
        r
        for r in persons
        if " " not in r
        and groups.root(r) == r
        and len({groups.root(f) for f in by_last.get(r, ())} - {r}) >= 2
    }

    # 4. One type per entity, by its articles' votes.
    votes = _group_votes(keys, groups)
    firms = {groups.root(k) for k in [*keys, *named_firms] if k in named_firms or is_firm(k)}
    canonical = {k: groups.root(k) for k in keys if groups.root(k) not in ambiguous}
    members: defaultdict[str, list[str]] = defaultdict(list)
    for k, root in canonical.items():
        members[root].append(k)
    return Resolution(
        canonical=canonical,
        types={
            r: _kind(v, r in firms, lone=" " not in r) for r, v in votes.items() if r in members
        },
        members={r: tuple(sorted(ms, key=weight, reverse=True)) for r, ms in members.items()},
        votes={r: v for r, v in votes.items() if r in members},
        spellings={spelt[k]: root for k, root in canonical.items()},
    )


def _singulars(key: str, spelling: str) -> list[str]:
    """The compact spellings ``key`` would have with one plural or possessive word made
    singular: its last word in a name of several (``lib dems``, ``standard and poors corp``),
    or any word of three or more (``general agreements on tariffs and trade``)."""
    words = key.split()
    if len(words) < 2:
        return []
    out = [spelling[:-1]] if spelling.endswith("s") else []
    if len(words) >= 3:
        for i, w in enumerate(words[:-1]):
            if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
                out.append(compact(" ".join([*words[:i], w[:-1], *words[i + 1 :]])))
    return out


def _group_votes(
    keys: Mapping[str, Counter[EntityType]], groups: Groups
) -> dict[str, Counter[EntityType]]:
    votes: defaultdict[str, Counter[EntityType]] = defaultdict(Counter)
    for k, v in keys.items():
        votes[groups.root(k)].update(v)
    return dict(votes)


def _kind(votes: Counter[EntityType], firm: bool, lone: bool = False) -> EntityType:
    """The entity's type: its vote (``_winner``), but a company where the vote says a person
    and one of its names ends in a company word (``james capel and co``, ``courier corp``):
    firms are named after people."""
    won = _winner(votes, lone)
    return "org" if firm and won == "person" else won


def _winner(votes: Counter[EntityType], lone: bool = False) -> EntityType:
    """The type most articles gave (ties: person, then org, then place). For a ``lone`` word
    left unresolved a person's vote counts LONE_PERSON: the model's commonest error is a
    capitalised word alone taken for a person (``Glasgow``: 17 person, 10 place), while a
    person named by the corpus in full has joined that full name by now."""
    weight = {t: float(votes.get(t, 0)) for t in ENTITY_TYPES}
    if lone:
        weight["person"] *= LONE_PERSON
    return max(ENTITY_TYPES, key=lambda t: (weight[t], -ENTITY_TYPES.index(t)))


def _within(short: list[str], full: list[str]) -> bool:
    """Whether ``short``'s words appear in ``full`` in order, ending it."""
    if len(short) >= len(full) or short[-1] != full[-1]:
        return False
    it = iter(full)
    return all(any(w == f for f in it) for w in short)
