"""When two names are the same name: one key per person, organisation, place and outlet.

``entity_key`` is the forgiving match key of an entity name (case, accents, dots, hyphens,
possessives, "the", -iy/-yy spellings and the aliases of ``name_data`` all merge);
``source_key`` that of an outlet (case and spacing). The indexer keys what it stores with them
and a query keys what it asks for with them (both through ``newsearch.index.keys``), so the two
always meet. Plain Python and the hand-kept tables: no spaCy, no nltk.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from newsearch.models import EntityType
from newsearch.text import name_data as data

_POSSESSIVE = re.compile(r"['’]s$", re.I)
_TYPES: dict[str, EntityType] = {"person": "person", "org": "org", "place": "place"}


def fold(name: str) -> str:
    """Accents dropped and case folded: ``"Zelenskyy"`` and ``"ZELENSKYY"`` alike."""
    folded = unicodedata.normalize("NFKD", name)
    return "".join(c for c in folded if not unicodedata.combining(c)).casefold()


@functools.lru_cache(maxsize=1 << 16)
def basic_key(name: str) -> str:
    """The spelling-level key, before aliases: ``"The Kim Jong-un's"`` -> ``"kim jong un"``
    (remembered: an archive names the same people, places and outlets again and again)."""
    s = _POSSESSIVE.sub("", fold(name).replace("’", "'").strip())
    s = s.replace(".", "").replace("'", "").replace("&", " and ")
    words = re.sub(r"[\W_]+", " ", s).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    out = []
    for w in words:
        if (len(w) >= 4 and w[-2:] in ("iy", "yy")) or (len(w) >= 6 and w[-2:] in ("ii", "yi")):
            w = w[:-2] + "y"
        out.append(w)
    return " ".join(out)


def entity_key(name: str) -> str:
    """Forgiving match key: ``entity_key("kim jong-un") == entity_key("Kim Jong Un")``, and an
    alias is its canonical name: ``entity_key("U.S.") == entity_key("United States")``."""
    basic = basic_key(name)
    return alias_tables().alias_keys.get(basic, basic)


def source_key(name: str) -> str:
    """An outlet's key: ``"Korea  JoongAng Daily"`` -> ``"korea joongang daily"``."""
    return " ".join(name.lower().split())


@dataclass(frozen=True)
class AliasTables:
    """``name_data``'s tables by key (built once)."""

    alias_keys: dict[str, str]  # basic key of an alias -> key of its canonical name
    fixed: dict[str, tuple[str, EntityType]]  # key -> canonical display and type
    demonyms: dict[str, str]  # basic key of an adjective -> country display


@functools.cache
def alias_tables() -> AliasTables:
    alias_keys: dict[str, str] = {}
    fixed: dict[str, tuple[str, EntityType]] = {}
    for display, (kind, aliases) in data.ALIASES.items():
        key = basic_key(display)
        fixed[key] = (display, _TYPES[kind])
        for alias in aliases:
            alias_keys[basic_key(alias)] = key
    return AliasTables(alias_keys, fixed, {basic_key(k): v for k, v in data.DEMONYMS.items()})
