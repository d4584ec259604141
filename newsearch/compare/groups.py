"""Claims grouped by what they count and the event, and whether each group's figures agree.

A claim's counted noun and event are keyed by their lemmas (spaCy's lemmatizer: "soldiers" ->
soldier, "killed" -> kill), then by this small table of synonyms, so that "4,000 soldiers
killed or wounded" and "300 troops died" fall in one group, and "14,000 soldiers are in
Russia", "sent 14,000 troops" and "11,000 soldiers participated" in another:

| class | lemmas |
|---|---|
| counts ``troops``    | troop, soldier, force, fighter, personnel, serviceman, combatant... |
| counts ``people``    | people, person, civilian, individual |
| event ``casualties`` | kill, wound, injure, die, dead, death, casualty, injury, perish... |
| event ``deployed``   | deploy, send, dispatch, participate, station, serve, fight, join... |
| event ``captured``   | capture, detain, imprison, captive, prisoner |

(``present``: a copula with "in", "14,000 soldiers are in Russia", is deployed.)

Any other lemma is its own class (Reuters' "barrels produced" group by ``barrel``/``produce``).

A group's figures **agree** when the ranges their words allow share a value (numbers.interval:
"more than 11,000" is 11,000 and up, "as many as 14,000" up to 14,000, "around 4,000" within
15%, a plain figure within 2%); its **spread** is the largest figure over the smallest.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

NOUN_CLASSES: dict[str, frozenset[str]] = {
    "troops": frozenset(
        "troop soldier force fighter personnel serviceman servicemen servicewoman combatant "
        "conscript paratrooper infantryman marine mercenary".split()
    ),
    "people": frozenset("people person civilian individual".split()),
}
EVENT_CLASSES: dict[str, frozenset[str]] = {
    "casualties": frozenset(
        "kill wound injure die dead death casualty injury perish wounded injured killed "
        "fatality slay".split()
    ),
    "deployed": frozenset(
        "deploy send dispatch participate station serve fight join present deployment "
        "mobilise mobilize commit".split()
    ),
    "captured": frozenset("capture detain imprison captive prisoner".split()),
}
_NOUN_OF = {lemma: name for name, lemmas in NOUN_CLASSES.items() for lemma in lemmas}
_EVENT_OF = {lemma: name for name, lemmas in EVENT_CLASSES.items() for lemma in lemmas}


def noun_class(lemma: str | None) -> str | None:
    """The class of a counted noun's lemma (its own lemma when the table has none)."""
    if not lemma:
        return None
    return _NOUN_OF.get(lemma.lower(), lemma.lower())


def event_class(lemmas: Sequence[str]) -> str | None:
    """The class of an event's lemmas ("kill", "wound" -> casualties); lemmas of several
    classes, or of none, are the event as written (lemmas joined)."""
    if not lemmas:
        return None
    classes = {_EVENT_OF.get(lemma.lower()) for lemma in lemmas}
    if len(classes) == 1 and None not in classes:
        return next(iter(classes))
    return " ".join(lemma.lower() for lemma in lemmas)


def is_event_word(lemma: str) -> bool:
    """Whether a noun is itself an event ("300 deaths", "4,000 casualties")."""
    return lemma.lower() in _EVENT_OF


@dataclass(frozen=True)
class Bounds:
    """A figure's value and the range of values its words allow."""

    value: float
    low: float
    high: float


def agree(figures: Iterable[Bounds]) -> bool:
    """Whether the figures' ranges share a value (for ranges, overlapping pairwise is the same
    as a common value)."""
    listed = list(figures)
    if len(listed) < 2:
        return True
    return max(f.low for f in listed) <= min(f.high for f in listed)


def spread(figures: Iterable[Bounds]) -> float:
    """The largest figure over the smallest (1.0 for one figure or all equal)."""
    values = [f.value for f in figures if f.value > 0]
    if len(values) < 2:
        return 1.0
    return max(values) / min(values)


def label(counts: str | None, event: str | None) -> str:
    """A group's name: "troops: casualties", "barrels: produce", "drones"."""
    if counts and event:
        return f"{counts}: {event}"
    return counts or event or "figures"


def finite(x: float) -> float | None:
    """``x``, or None for an open end (JSON has no infinity)."""
    return None if math.isinf(x) else x
