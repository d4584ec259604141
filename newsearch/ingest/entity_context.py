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
# "analyst Alan Gottesman of L.F. Rothschild", "economists at Merrill Lynch": an employer.
_EMPLOYER_BEFORE = re.compile(
    r"\b(?i:analysts?|economists?|strategists?|traders?|dealers?|brokers?|bankers?)"
    r"(?:\s+[A-Z][\w.'’-]*){0,3},?\s+(?:of|at|with)\s+\Z"
)
# "L.F. Rothschild, Unterberg, Towbin Inc": the start of a company's name.
_FIRM_AFTER = re.compile(r"(?:,?\s+[A-Z][\w.'’-]*){1,3},?\s+(?:Inc|Corp|Co|Ltd|Plc|LP)\b")
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


# The last word of an award's, a tournament's or a festival's name ("Academy Awards", "FA
# Cup", "Six Nations Championship"): no person, organisation or place, whatever the tag.
_EVENT_HEAD = re.compile(
    r"\s(?:awards?|prizes?|cup|championships?|olympics|games|festival|trophy|grand\s+prix)\Z",
    re.I,
)
_AWARD_AFTER = re.compile(  # "the Oscars ceremony", "Bafta nominations": any tag
    r"\s+(?:ceremony|ceremonies|nominations?)\b|-nominated\b", re.I
)
_DEVICE_AFTER = re.compile(  # "the iPod music player", "Xbox games console": any tag
    r"\s+(?:(?:music|mp3|media|dvd)\s+player|(?:games\s+)?console|handset)s?\b", re.I
)
# "won three Oscars": a counted plural is things, not one organisation.
_COUNTED_BEFORE = re.compile(
    r"\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several)\s+\Z", re.I
)
# What a club's name has around it that a town's has not (a city tagged as a place):
# its players and staff, a plural verb (British usage: "Newcastle were beaten"), "v", a
# score, the verbs of a match or a transfer.
_CLUB_AFTER = re.compile(
    r"(?:['’]s?\s+|\s+)(?:fans|supporters|(?:assistant\s+)?(?:manager|coach)|boss|striker"
    r"|midfielder|defender|goalkeeper|keeper|captain|skipper|winger|team-mate|squad|prop"
    r"|fly-half|scrum-half|flanker|star|director\s+of\s+(?:rugby|football)|centre\s+[A-Z])\b"
    r"|\s+(?:are|were|have)\s"
    r"|\s+v\.?\s+[A-Z]"
    r"|\s+\d{1,3}\s*-\s*\d{1,3}\b"
)
_CLUB_BEFORE = re.compile(
    r"(?:\b(?:against|beat|beating|beaten\s+by|playing|play\s+for|played\s+for|joined"
    r"|join|joining|signed\s+for|sign\s+for|loan\s+(?:to|from|at)|trip\s+to"
    r"|defeat\s+(?:at|to|by)|win\s+(?:at|over)|victory\s+over|draw\s+(?:at|with)"
    r"|lost\s+to|leaders|champions|rivals|face|faces|facing|meet|meets|played"
    r"|knocked\s+out|losses\s+to|loss\s+to|clash\s+with|spells?\s+at)\s+"
    r"|[A-Za-z]\s+v\.?\s+)\Z",
    re.I,
)

_LINEUP = re.compile(r"\b[A-Z][a-z]+ \(\Z")


def club_context(text: str, start: int, end: int) -> bool:
    """Whether the words around a town's name say it is the town's club (``Newcastle
    boss``, ``Barcelona are``, ``Chelsea v Barcelona``, ``beat Liverpool``)."""
    before = text[max(0, start - 24) : start]
    lineup = _LINEUP.search(before) and text[end : end + 1] == ")"  # "J Noon (Newcastle)"
    return bool(lineup or _CLUB_AFTER.match(text, end) or _CLUB_BEFORE.search(before))


def is_dateline(text: str, start: int, end: int) -> bool:
    """Whether an all-capitals name opens a line and a comma follows it (``FRANKFURT, March
    3 -``): a dateline, which names a place."""
    surface = text[start:end]
    line = text.rfind("\n", 0, start) + 1
    return (
        surface.isupper()
        and text[end : end + 1] == ","
        and not text[line:start].strip()
        and not any(c.isdigit() for c in surface)
    )


def in_context(text: str, start: int, end: int, label: str) -> tuple[str, bool]:
    """What the words around a span say it is, and whether they said it. Any tag: "NONE" (no
    person, organisation or place) after a word for a work (``film Vera Drake``). A person
    or place tag: "NONE" before a word for a product (``Windows XP``); "ORG" by a word for a
    company (``oil giant Yukos``, ``BT chairman``). A person tag also: "NONE" before a word
    for a work or an award (``Harry Potter films``, ``Oscar-winning``), "ORG" by a word for
    a team, party or band (``the Lib Dems``, ``Everton manager``; not ``the Blair
    government``), and "ORG" after an analyst's "of" or "at" (``analyst Alan Gottesman of
    L.F. Rothschild``); "PERSON" after Mr, Mrs, Dr... In a batch, a name's cues outvote the
    model's bare labels; the corpus decides in the end (text/entity_resolution.py)."""
    after = text[end : end + 24]
    before = text[max(0, start - 24) : start]
    if _WORK_BEFORE.search(before) or _EVENT_HEAD.search(text, start, end):
        return "NONE", True
    if _AWARD_AFTER.match(after) or _DEVICE_AFTER.match(after):
        return "NONE", True
    if text[end - 1 : end] == "s" and _COUNTED_BEFORE.search(before):
        return "NONE", True
    if label == "ORG":
        return label, False
    if _PRODUCT_AFTER.match(after) or (label == "PERSON" and _WORK_AFTER.match(after)):
        return "NONE", True
    if _COMPANY_BEFORE.search(before) or _COMPANY_AFTER.match(after):
        return "ORG", True
    if label == "PERSON" and (
        _EMPLOYER_BEFORE.search(text, max(0, start - 60), start) or _FIRM_AFTER.match(text, end)
    ):
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


_AND_BEFORE = re.compile(r"(?<![\w.’'-])([A-Z][\w’'.-]*) (?:and|&|do|dos|das) \Z")
_OPENS = re.compile(r"(?:^|\n|[.!?:][\"'”’)]*)\s*\Z")


def and_before(text: str, start: int, names: Sequence[tuple[int, int]]) -> int:
    """Where a name starts when the model cut off a first name joined by "and" (or "do":
    Portuguese "of the") that it tagged as nothing (``Standard and`` of Standard and Poor's
    Corp, ``Duff and`` of Duff and Phelps, ``Banco do`` of Banco do Brasil): not a word
    opening a sentence, nor one inside another name's span (``names``). The whole is a
    firm's or an institution's name."""
    m = _AND_BEFORE.search(text, max(0, start - 40), start)
    if m is None or _OPENS.search(text, max(0, m.start() - 20), m.start()):
        return start
    return start if any(s < m.end(1) and m.start() < e for s, e in names) else m.start()


def spells(letters: str, name: str) -> bool:
    """Whether an acronym is made of the name's capitals, in order, from the first (``GM``
    of General Motors Corp, ``USDA`` of U.S. Department of Agriculture)."""
    capitals = iter(re.sub(r"[^A-Z]", "", name))
    return bool(letters) and letters[0] == name[:1] and all(c in capitals for c in letters)
