"""A figure's words -> its value, range and kind; the qualifier words around it.

Values come from quantulum3 (a maintained number and unit parser that ships its data: "14,000",
"three hundred", "1.5 million", "10,000 to 12,000"), read from the figure's words and the noun
after them, so the unit tells money, percentages and durations from counts. Before it reads
them, the abbreviations of news copy are spelled out (ABBREVIATIONS: Reuters' "mln", "dlrs",
the BBC's "4.5m workers"), which quantulum3 would otherwise read as units ("mln" as cm³·N).

Qualifiers are a small table of the phrases news puts before (or after) a figure:

| qualifier | meaning | phrases |
|---|---|---|
| ``~``  | about     | about, around, roughly, approximately, some, nearly, almost, an estimated |
| ``>``  | more than | more than, over, above, upwards of, in excess of, just over |
| ``>=`` | at least  | at least, no fewer than, no less than, a minimum of; after: or more |
| ``<``  | less than | less than, fewer than, under, below, just under |
| ``<=`` | at most   | as many as, up to, at most, no more than, as much as, a maximum of |
| ``=``  | as given  | anything else |
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

Qualifier = Literal["=", "~", "<", "<=", ">", ">="]
QUALIFIERS: tuple[Qualifier, ...] = ("=", "~", "<", "<=", ">", ">=")
# What a figure measures: a count of things, a measure in units (tonnes, barrels), or a kind
# that is never a claim here (money, a percentage, a duration or age).
Kind = Literal["count", "measure", "money", "percent", "time"]

_BEFORE: dict[str, Qualifier] = {
    "about": "~",
    "around": "~",
    "roughly": "~",
    "approximately": "~",
    "approx": "~",
    "circa": "~",
    "some": "~",
    "nearly": "~",
    "almost": "~",
    "close to": "~",
    "an estimated": "~",
    "estimated": "~",
    "more than": ">",
    "over": ">",
    "above": ">",
    "upwards of": ">",
    "in excess of": ">",
    "greater than": ">",
    "just over": ">",
    "at least": ">=",
    "no fewer than": ">=",
    "no less than": ">=",
    "not less than": ">=",
    "a minimum of": ">=",
    "less than": "<",
    "fewer than": "<",
    "under": "<",
    "below": "<",
    "just under": "<",
    "as many as": "<=",
    "up to": "<=",
    "at most": "<=",
    "no more than": "<=",
    "not more than": "<=",
    "as much as": "<=",
    "as high as": "<=",
    "a maximum of": "<=",
}
_AFTER: dict[str, Qualifier] = {
    "or more": ">=",
    "plus": ">=",
    "or so": "~",
    "or fewer": "<=",
    "or less": "<=",
}
_LONGEST = max(len(k.split()) for k in (*_BEFORE, *_AFTER))

# News abbreviations spelled out before quantulum3 reads a figure (lower case).
ABBREVIATIONS = {
    "mln": "million",
    "mn": "million",
    "bln": "billion",
    "bn": "billion",
    "trn": "trillion",
    "tn": "trillion",
    "dlrs": "dollars",
    "dlr": "dollar",
    "stg": "pounds",
    "cts": "cents",
    "pct": "percent",
    "bpd": "barrels per day",
    "yrs": "years",
    "mths": "months",
}
# A scale letter glued to a figure ("4.5m", "1.2bn", "30k"): millions before a plural noun or
# after a currency sign; otherwise "m" is metres ("the 100m").
_GLUED = re.compile(r"(?i)(\d[\d,]*(?:\.\d+)?)(m|mn|mln|bn|bln|k|tn)")
_GLUED_SCALE = {"m": "million", "mn": "million", "mln": "million", "bn": "billion"}
_GLUED_SCALE |= {"bln": "billion", "k": "thousand", "tn": "trillion"}
_RANGE = frozenset({"to", "-", "–", "and"})
_SCALES = frozenset({"hundred", "thousand", "million", "billion", "trillion"})
# Nouns that make a figure a percentage, a score or a duration where quantulum3 has no unit.
PERCENT_WORDS = frozenset({"%", "percent", "pct", "percentage", "per", "point", "points"})
# Currencies quantulum3 does not know by these names (Reuters' marks, lire, guilders...).
CURRENCY_WORDS = frozenset(
    "mark marks lira lire guilder guilders pence crown crowns peso pesos krona kronor krone "
    "kroner schilling schillings escudo escudos drachma drachmas peseta pesetas stg dlr dlrs "
    "cts rial rials riyal riyals dinar dinars dirham dirhams baht ringgit rupiah naira shekel "
    "shekels zloty zlotys forint forints koruna rand bolivar bolivars ct ecu ecus cruzado "
    "cruzados austral australs sucre sucres".split()
)
# Durations (quantulum3 reads "four minutes" as minutes of arc), occasions and fractions.
TIME_WORDS = frozenset(
    "time times occasion occasions season seasons term terms decade decades round rounds "
    "innings generation generations century centuries second seconds minute minutes hour "
    "hours day days week weeks month months year years night nights".split()
)
FRACTION_WORDS = frozenset(
    "half halves third thirds quarter quarters fifth fifths sixth sixths tenth tenths".split()
)


@dataclass(frozen=True)
class Figure:
    """A figure read: its value, the range its words give (a range "10,000 to 12,000" or
    one number, low == high), its kind and unit (``None`` for a plain count)."""

    value: float
    low: float
    high: float
    kind: Kind
    unit: str | None = None


def normalise_words(words: Sequence[str], plural_noun_follows: bool, currency: bool) -> str:
    """The figure's words as quantulum3 reads them: abbreviations spelled out, a glued scale
    letter read as millions where the context says so, a lone "one" as 1."""
    out: list[str] = []
    for word in words:
        low = word.lower()
        glued = _GLUED.fullmatch(word)
        if glued and (plural_noun_follows or currency or glued.group(2).lower() != "m"):
            out += [glued.group(1), _GLUED_SCALE[glued.group(2).lower()]]
        elif low in ABBREVIATIONS:
            out.append(ABBREVIATIONS[low])
        elif low == "m" and out and (plural_noun_follows or currency):
            out.append("million")
        else:
            out.append(word)
    for k, word in enumerate(out):  # quantulum3 reads no "one" ("one million", "one soldier")
        if word.lower() == "one" and (k + 1 == len(out) or out[k + 1].lower() in _SCALES):
            out[k] = "1"
    # "3.5 to four mln": the scale of a range's end is its start's too
    if len(out) == 4 and out[1].lower() in _RANGE and out[3].lower() in _SCALES:
        first = out[0].replace(",", "")
        if not first.replace(".", "", 1).isdigit() or float(first) < 1000:
            out.insert(1, out[3])  # (not "between 700,000 and one million")
    return " ".join(out)


@lru_cache(maxsize=1)
def _parser() -> Any:
    with warnings.catch_warnings():  # "classifier dependencies not installed": not used here
        warnings.simplefilter("ignore")
        from quantulum3 import parser

    return parser


@lru_cache(maxsize=4096)
def read_figure(words: str, noun: str = "") -> Figure | None:
    """The figure ``words`` (normalised) before ``noun``, or None if quantulum3 reads no
    number starting there."""
    if noun.lower() in CURRENCY_WORDS:
        noun = "dollars"  # (only its kind matters)
    text = f"{words} {ABBREVIATIONS.get(noun.lower(), noun)}".strip()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = _parser().parse(text)
    first = next((q for q in found if q.span[0] == 0), None)
    if first is None or not isinstance(first.value, int | float) or math.isnan(first.value):
        return None
    value = float(first.value)
    unit = first.unit
    spread = float(first.uncertainty or 0.0)
    low, high = value - spread, value + spread
    entity = unit.entity.name
    kind: Kind
    unit_name: str | None = None
    if unit.name == "percentage":
        kind = "percent"
    elif entity == "currency":
        kind = "money"
    elif entity == "time":
        kind = "time"
    elif unit.name == "dozen":
        value, low, high, kind = value * 12, low * 12, high * 12, "count"
    elif entity in ("dimensionless", "unknown"):
        kind = "count"  # ("unknown": a unit quantulum3 pieced together from letters)
    else:
        kind, unit_name = "measure", str(unit.name)
    return Figure(value, low, high, kind, unit_name)


def qualifier_before(words: Sequence[str]) -> tuple[Qualifier, int]:
    """The qualifier the words just before a figure give (lower case, in order), and how
    many of them it takes; ``("=", 0)`` if none."""
    for skip in (0, 2):  # "less than an anticipated 4 mln": a qualifier, then "a"/"an" + word
        if skip and (len(words) < 3 or words[-2] not in ("a", "an")):
            break
        head = words[: len(words) - skip]
        for n in range(min(_LONGEST, len(head)), 0, -1):
            found = _BEFORE.get(" ".join(head[-n:]))
            if found:
                return found, n + skip
    return "=", 0


def qualifier_after(words: Sequence[str]) -> tuple[Qualifier | None, int]:
    """A qualifier the words just after a figure give ("or more"), and how many it takes."""
    for n in range(min(_LONGEST, len(words)), 0, -1):
        found = _AFTER.get(" ".join(words[:n]))
        if found:
            return found, n
    return None, 0


# How far "about" reaches either side of a figure, and how exact a plain figure is (news rounds).
ABOUT = 0.15
EXACT = 0.02


def interval(value: float, qualifier: Qualifier, low: float, high: float) -> tuple[float, float]:
    """The values a figure allows: its own range, widened by its qualifier (a lower bound
    reaches to infinity, an upper one to zero)."""
    if low != high:  # a range given in words: its ends
        return low, high
    if qualifier == "~":
        return value * (1 - ABOUT), value * (1 + ABOUT)
    if qualifier in (">", ">="):
        return value, math.inf
    if qualifier in ("<", "<="):
        return 0.0, value
    return value * (1 - EXACT), value * (1 + EXACT)
