"""What the words around a name say it is, for the entity extractor (ingest/entities.py).

spaCy's small model types a name from one sentence; the words next to it often know better
("oil giant Yukos" is a company, "Everton manager" a club, "Harry Potter films" a work, "Mr
Smith" a person), and a capitalised word the texts also use in lower case is a common word
("Budget"). These cues vote in a batch with the model's labels (``normalise``); the corpus
decides in the end (text/entity_resolution.py). Plain regular expressions: no spaCy here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

_LOWER_WORD = re.compile(r"\b[a-z]{3,}\b")
COMMON_SHARE = 0.5  # a one-word name this often in lower case (per use as a name) is a word
# The words around a name that say what it is (in_context). Company words hold for a name
# the model calls a person or a place; team words (a club, a party, a band) only for a
# person's: "England manager" is a team, but England stays a place.
_COMPANY_BEFORE = re.compile(
    r"\b(?:firm|company|giant|group|carrier|maker|bank|retailer|operator|broadcaster"
    r"|network|label|studio|airline|insurer|conglomerate|chain)\s+\Z",
    re.I,
)
_TEAM_BEFORE = re.compile(r"\b(the|band|club|side|team|party|rivals|champions)\s+\Z", re.I)
_COMPANY_AFTER = re.compile(  # "Manchester United's board", "Yukos spokesman" ("Blair's" is not)
    r"(?:['’]s?\s+|\s+)(?:shares|shareholders|subsidiary|headquarters)\b"
    r"|\s+(?:chairman|lawyers|spokesman|spokeswoman|executives|directors|bankruptcy)\b",
    re.I,
)
_BOSS_AFTER = re.compile(  # a person tag only: "Yukos boss"; "England boss" is a team's
    r"(?:['’]s?\s+|\s+)(?:board|stake)\b|\s+(?:boss|unit)\b", re.I
)
_TEAM_AFTER = re.compile(
    r"(?:['’]s?\s+|\s+)(?:fans|supporters)\b|\s+(?:manager|striker|midfielder|defender"
    r"|goalkeeper|coach)\b",
    re.I,
)
_WORK_AFTER = re.compile(  # a person tag only: "England star" is England
    r"[-\s]+(?:films?|movies?|books?|novels?|stars?|album|author|franchise|awards?"
    r"|ceremony|nominations?|nominated|winners?|winning|nominee)\b",
    re.I,
)
_PRODUCT_AFTER = re.compile(
    r"\s+(?:xp|operating\s+system|software|users|pcs|computers|vista|music\s+player"
    r"|mp3\s+player|console|handset)\b",
    re.I,
)
_TITLE_BEFORE = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Sir|Lord|Lady|Dame)\.?\s+\Z")
_WORK_BEFORE = re.compile(  # not "play" or "game": "will play England"
    r"\b(?:film|movie|book|novel|album|song|musical|sitcom)\s+(?:the\s+)?\Z",
    re.I,
)
_PERSON_AFTER = re.compile(  # "the Blair government": a person's name used of what he leads
    r"\s+(?:government|administration|era|years|camp|family|cabinet|doctrine|presidency"
    r"|regime|case|trial)\b",
    re.I,
)


def in_context(text: str, start: int, end: int, label: str) -> tuple[str, bool]:
    """What the words around a span say it is, and whether they said it. Any tag: "NONE" (no
    person, organisation or place) after a word for a work (``film Vera Drake``). A person
    or place tag: "NONE" before a word for a product (``Windows XP``); "ORG" by a word for a
    company (``oil giant Yukos``, ``BT chairman``). A person tag also: "NONE" before a word
    for a work or an award (``Harry Potter films``, ``Oscar-winning``), "ORG" by a word for
    a team, party or band (``the Lib Dems``, ``Everton manager``; not ``the Blair
    government``); "PERSON" after Mr, Mrs, Dr... In a batch, a name's cues outvote the
    model's bare labels; the corpus decides in the end (text/entity_resolution.py)."""
    after = text[end : end + 24]
    before = text[max(0, start - 24) : start]
    if _WORK_BEFORE.search(before):
        return "NONE", True
    if label == "ORG":
        return label, False
    if _PRODUCT_AFTER.match(after) or (label == "PERSON" and _WORK_AFTER.match(after)):
        return "NONE", True
    if _COMPANY_BEFORE.search(before) or _COMPANY_AFTER.match(after):
        return "ORG", True
    if label != "PERSON":
        return label, False
    if _TITLE_BEFORE.search(before):
        return "PERSON", True
    team = _TEAM_BEFORE.search(before)
    if (
        _TEAM_AFTER.match(after)
        or _BOSS_AFTER.match(after)
        or (team and not (team.group(1).lower() == "the" and _PERSON_AFTER.match(after)))
    ):
        return "ORG", True
    return label, False


def common_words(texts: Sequence[str], names: Iterable[tuple[str, str, bool]]) -> set[str]:
    """The one-word names of the batch (capitalised, not acronyms: ``WHO`` is no "who") that
    its texts use in lower case at least COMMON_SHARE times as often (``Budget``,
    ``Digital``): common words, not names."""
    named: Counter[str] = Counter(
        basic
        for basic, surface, fixed in names  # (key before aliases, text, fixed by a table)
        if not fixed and surface.istitle() and " " not in surface  # not "WHO", "US"
    )
    if not named:
        return set()
    lower: Counter[str] = Counter()
    for text in texts:
        lower.update(w for w in _LOWER_WORD.findall(text) if w in named)
    return {w for w, n in named.items() if lower[w] >= COMMON_SHARE * n}
