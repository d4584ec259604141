"""One parsed sentence -> its quantitative claims: rules over spaCy's tags, lemmas and parse.

A figure is a run of number tokens ("14,000", "1.5 million", "three hundred", "10,000 to
12,000"). It is a **claim** when it counts something: a noun it modifies ("4,000 soldiers"),
a partitive ("300 of Pyongyang's troops"), a unit ("3.2 mln barrels"), or, elided, a subject or
object of a verb whose noun an earlier claim gives ("dispatched at least 10,000"). It is not
one when it is:

- a date, year or time: next to a month name, a bare year 1000-2100, "09:16", "the 1990s";
- an identifier: after the noun it belongs to ("Article 4", "Nokia 6600", "number one");
- an attribute: joined by a hyphen ("a 5,000-tonne destroyer", "45-year-old", "19-5");
- money, a percentage, a duration or age (the unit quantulum3 reads, currency signs, "aged");
- a reference to a known set or a rate ("the two countries", "per 100,000 people").

The **event** is the verb (with its coordinated verbs: "killed or wounded") or event noun
("the deaths of 300") the counted noun is subject or object of; a part ("including 3,000
reinforcements") shares the event of its whole. The **attribution** is the subject of the
nearest reporting verb above the figure ("South Korea's military estimated that ..."), or
"according to X"; a pronoun is no attribution.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from newsearch.compare.attribution import DIRECT_REPORT, REPORT_VERBS, SPEECH, attribution
from newsearch.compare.groups import is_event_word
from newsearch.compare.numbers import (
    CURRENCY_WORDS,
    FRACTION_WORDS,
    PERCENT_WORDS,
    TIME_WORDS,
    Figure,
    Qualifier,
    normalise_words,
    qualifier_after,
    qualifier_before,
    read_figure,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

NUMBER_WORDS = frozenset(
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
    ninety hundred thousand million billion trillion dozen""".split()
)
SCALE_WORDS = frozenset(
    "hundred thousand million billion trillion dozen mln bln bn mn m k tn".split()
)
MONTHS = frozenset(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec""".split()
)
# Words just before a figure that make it a reference to a known set, a rank or a rate.
_REFERENCE = frozenset(
    "the these those this that its their his her our my your whose both each every first "
    "last next top past per other".split()
)
_AGE = frozenset({"aged", "age", "ages"})
_TIME_AFTER = frozenset({"a.m.", "p.m.", "am", "pm", "gmt", "o'clock", "hrs", "bst", "est"})
_GLUED = re.compile(r"(?i)\d[\d,]*(?:\.\d+)?(?:m|mn|mln|bn|bln|k|tn)")
_DIGITS = re.compile(r"[+-]?\d[\d,]*(?:\.\d+)?")
_YEAR = re.compile(r"1\d{3}|20\d{2}|2100")
_SCORE = re.compile(r"\d{1,3}\s*[-–]\s*\d{1,3}")
# Amounts rather than things: a figure before these is money, a change or a rate in copy
# that leaves its unit out ("a 226 mln loss", "a 0.6 pct rise").
AMOUNT_WORDS = frozenset(
    """rise increase decrease decline drop fall gain growth loss losses profit profits revenue
    revenues sales earnings income debt debts deficit surplus budget price prices cost costs
    value rate rates yield dividend""".split()
)
_NOT_COUNTED = PERCENT_WORDS | TIME_WORDS | CURRENCY_WORDS | FRACTION_WORDS | AMOUNT_WORDS
_COMPARATIVE = frozenset({"more", "fewer", "less", "extra"})
_ATTACH = ("nummod", "compound", "amod", "quantmod", "nmod", "npadvmod", "appos", "dep")
Elided = Literal["role", "compared"]
_COMPARED = frozenset({"from", "with", "vs", "vs.", "versus", "against", "than"})
_PART_OF = ("including", "among", "of", "plus")
_NOT_EVENTS = frozenset({"compare"})  # "compared with 4,070,000 bags": no event
_CLAUSE_PARTS = ("nsubj", "nsubjpass", "dobj", "ccomp", "xcomp")
_ELIDED = ("nsubj", "nsubjpass", "dobj", "conj")
_ROLE = ("nsubj", "nsubjpass", "dobj", "attr", "oprd", "dative", "pobj", "conj", "appos")


@dataclass(frozen=True)
class Reading:
    """A claim read from one sentence; offsets are into the sentence's text."""

    start: int  # the figure's words, its qualifier included
    end: int
    value: float
    low: float
    high: float
    qualifier: Qualifier
    counts: str | None  # the counted noun as written (None: elided, an earlier claim's)
    counts_lemma: str | None
    unit: str | None  # a measure's unit (quantulum3's name), None for a count
    event: str | None  # as written: "killed or wounded", "are in", "deaths"
    event_lemmas: tuple[str, ...]
    attribution: str | None


def _is_number(t: Token) -> bool:
    text = t.text
    if t.lower_ in NUMBER_WORDS:
        return True
    return bool(_DIGITS.fullmatch(text) or _GLUED.fullmatch(text))


def _phrases(doc: Doc | Span) -> list[tuple[int, int]]:
    """Runs of number tokens (token offsets, end exclusive): "1.5 million", "three hundred
    and fifty", "twenty-five", "a dozen", "10,000 to 12,000" (not "from 5 to 10")."""
    out: list[tuple[int, int]] = []
    toks = list(doc)
    i = 0
    while i < len(toks):
        if not _is_number(toks[i]) or toks[i].lower_ in SCALE_WORDS - NUMBER_WORDS:
            i += 1
            continue
        start = i
        if i > 0 and toks[i - 1].lower_ in ("a", "an") and toks[i].lower_ in SCALE_WORDS:
            start = i - 1
        j = i + 1
        while j < len(toks):
            if _is_number(toks[j]) or toks[j].lower_ in SCALE_WORDS:
                j += 1
            elif _joins(toks, start, j):
                j += 2
            else:
                break
        out.append((start, j))
        i = j
    return out


def _joins(toks: list[Token], start: int, j: int) -> bool:
    """Whether ``toks[j]`` joins two numbers into one figure: a range ("10,000-12,000",
    "10,000 to 12,000", "between 700,000 and one million", not "from 5 to 10") or a
    number in words ("three hundred and fifty")."""
    if j + 1 >= len(toks) or not _is_number(toks[j + 1]):
        return False
    before = toks[start - 1].lower_ if start > 0 else ""
    word = toks[j].lower_
    if word in ("-", "–"):
        return True
    if word == "to":
        return before != "from"
    if word == "and":
        if before == "between":
            return True
        return toks[j - 1].lower_ in ("hundred", "thousand") and toks[j + 1].lower_ in NUMBER_WORDS
    return False


def _outside_heads(doc: Doc | Span, start: int, end: int) -> list[tuple[Token, Token]]:
    """(token of the figure, its head) for each figure token whose head is outside it."""
    return [
        (doc[k], doc[k].head)
        for k in range(start, end)
        if not (doc[start].i <= doc[k].head.i < doc[start].i + (end - start))
    ]


def _not_a_claim(doc: Doc | Span, start: int, end: int) -> bool:
    """The rules of the module docstring that need no noun: dates, times, identifiers,
    attributes, ages, references."""
    words = [t.text for t in doc[start:end]]
    text = doc[start:end].text
    before = doc[start - 1] if start > 0 else None
    after = doc[end] if end < len(doc) else None
    if len(words) == 1 and _YEAR.fullmatch(words[0]):
        return True
    if _SCORE.fullmatch(text.replace(" ", "")) and "," not in text:
        return True
    for near in (
        before,
        after,
        doc[end + 1] if after is not None and after.text == "." and end + 1 < len(doc) else None,
    ):
        if near is not None and near.lower_.rstrip(".") in MONTHS and near.pos_ == "PROPN":
            return True
    if after is not None and (after.lower_ in _TIME_AFTER or after.text in ("-", "–")):
        return True  # "10 a.m.", "a 5,000-tonne destroyer", "45-year-old"
    if before is not None and (before.lower_ in _REFERENCE or before.lower_ in _AGE):
        return True
    if before is not None and before.text in ("#", "No.", "no."):
        return True
    if before is not None and before.text in ("-", "–", "/", ":") and not before.whitespace_:
        return True  # "F-16", "1986/87", "3:1"
    name = before is not None and before.pos_ == "PROPN" and before.text[:1].isupper()
    if name and len(words) == 1 and words[0].isdigit() and int(words[0]) < 1000:
        assert before is not None
        if before.lower_.rstrip(".") not in MONTHS:
            return True  # a name's number: "Channel 4", "PlayStation 3", "Article 4"
    if after is not None and after.lower_ in _COMPARATIVE:
        return True  # "30 million fewer workers": a difference, not a count
    first = doc[start]
    if first.text[0].isupper() and not first.is_sent_start and first.lower_ in NUMBER_WORDS:
        return True  # a number word in a name: "Six Nations", "Channel Four"
    for tok, head in _outside_heads(doc, start, end):
        if head.i < doc[start].i and head.pos_ in ("NOUN", "PROPN") and tok.dep_ in _ATTACH:
            return True  # "Article 4", "Dec. 5", "number one"
    return False


def _counted(doc: Doc | Span, start: int, end: int) -> Token | None:
    """The noun the figure counts: the noun after it that it modifies, or the noun of a
    partitive "of" ("300 of Pyongyang's troops")."""
    last = doc[end - 1].i
    for tok, head in _outside_heads(doc, start, end):
        if head.i > last and head.pos_ in ("NOUN", "PROPN") and tok.dep_ in _ATTACH:
            return head
    for tok, _head in _outside_heads(doc, start, end):
        for child in tok.children:
            if child.dep_ == "prep" and child.lower_ == "of":
                objs = [c for c in child.children if c.dep_ == "pobj" and c.pos_ == "NOUN"]
                if objs:
                    return objs[0]
    return None


def _anchor(doc: Doc | Span, start: int, end: int) -> Token:
    """The figure's token that attaches it to the rest of the sentence."""
    heads = _outside_heads(doc, start, end)
    return heads[0][0] if heads else doc[end - 1]


def _event(anchor: Token) -> tuple[Token | None, list[Token]]:
    """(the governing verb or event noun, the event's words) of a counted noun or figure."""
    x = anchor
    for _ in range(8):
        dep, head = x.dep_, x.head
        if dep == "pobj":
            prep = head
            whole = prep.head
            part = prep.lower_ in _PART_OF and whole.pos_ in ("NOUN", "PROPN", "NUM")
            if part and (prep.lower_ != "of" or whole.pos_ == "NUM"):  # (not "leaders of 9,000")
                x = whole  # a part shares the event of its whole
                continue
            if whole.pos_ in ("VERB", "AUX") and whole.lemma_ not in _NOT_EVENTS:
                return whole, _verb_words(whole)
            if whole.pos_ == "NOUN" and is_event_word(whole.lemma_):
                return whole, [whole]
            break
        if dep in ("conj", "appos") and head.pos_ in ("NOUN", "PROPN", "NUM"):
            x = head
            continue
        if dep in _ROLE and head.pos_ in ("VERB", "AUX") and head.lemma_ not in _NOT_EVENTS:
            return head, _verb_words(head, x)
        break
    for child in anchor.children:  # "9,000 miners employed by ...", "troops who died"
        if child.dep_ in ("acl", "relcl") and child.pos_ == "VERB":
            return child, _verb_words(child)
    return None, []


def _verb_words(verb: Token, role: Token | None = None) -> list[Token]:
    """The event's words: the verb and the verbs coordinated with it ("killed or wounded");
    a copula with a locative ("are in"); a passive reporting verb's complement ("are
    believed to have died" -> died)."""
    if verb.lemma_ in REPORT_VERBS:
        comps = [c for c in verb.children if c.dep_ == "xcomp" and c.pos_ == "VERB"]
        if comps and role is not None and role.dep_ == "nsubjpass":
            return _verb_words(comps[0])
        if verb.lemma_ in DIRECT_REPORT or verb.lemma_ in SPEECH:
            return []  # the figure is what is reported: no event of its own
    if verb.lemma_ == "be":
        subject = role is not None and role.dep_ == "nsubj"
        for c in verb.children:
            if c.dep_ == "acomp" and subject:
                return [c]  # "300 were dead"
            if c.dep_ == "prep" and c.lower_ in ("in", "inside") and subject:
                return [verb, c]  # "14,000 soldiers are in Russia"
        return []
    words = [verb]
    for c in verb.children:  # "killed or wounded": a verb with no subject, object or clause
        near = c.dep_ == "conj" and c.pos_ == "VERB" and 0 < c.i - verb.i <= 3
        if near and not any(g.dep_ in _CLAUSE_PARTS for g in c.children):
            words += [t for t in verb.doc[verb.i + 1 : c.i] if t.dep_ == "cc"] + [c]
    return sorted(words, key=lambda t: t.i)


def _figure(doc: Doc | Span, start: int, end: int, noun: Token | None) -> Figure | None:
    """The figure's value and kind, read with the word after it (its unit, a currency, "pct")
    and its noun; None unless it counts or measures something."""
    before = doc[start - 1] if start > 0 else None
    after = doc[end] if end < len(doc) else None
    if before is not None and (before.is_currency or before.text in ("US$", "C$")):
        return None
    for word in (after, noun):
        if word is not None and word.lower_ in _NOT_COUNTED:
            return None
    if doc[start].lower_ in ("one", "a", "an") and end - start == 1:
        return None  # "one option", "one of the world's biggest": not a figure to compare
    plural = noun is not None and noun.tag_ in ("NNS", "NNPS")
    words = normalise_words([t.text for t in doc[start:end]], plural, currency=False)
    if before is not None and before.lower_ == "between" and " and " in words:
        words = f"between {words}"  # (quantulum3 reads the range so)
    nounlike = after is not None and after.pos_ in ("NOUN", "PROPN", "SYM", "X")
    unit = after.text if after is not None and (nounlike or after.text == "%") else ""
    figure = read_figure(words, unit)
    if figure is None or figure.kind not in ("count", "measure"):
        return None
    if noun is not None and noun.i != doc[end - 1].i + 1:  # "300 mln Swiss francs"
        held = read_figure(words, noun.text)
        if held is None or held.kind not in ("count", "measure"):
            return None
    if noun is not None and len(noun.text) == 1:
        return None  # "3G", "4.5 m": a code or a letter, no noun
    return figure


def _what(noun: Token | None, figure: Figure) -> tuple[str | None, str | None]:
    """The counted noun as written and its lemma; a measure's "of" too ("tonnes of crops")."""
    if noun is None:
        return None, None
    counts, lemma = noun.text, noun.lemma_.lower()
    if figure.kind == "measure":
        lemma = figure.unit or lemma  # one unit however written ("bpd", "barrels per day")
        for prep in noun.children:
            objs = [c for c in prep.children if c.dep_ == "pobj"] if prep.lower_ == "of" else []
            if objs:
                counts, lemma = (
                    f"{counts} of {objs[0].text}",
                    f"{lemma} of {objs[0].lemma_.lower()}",
                )
    return counts, lemma


def _elided(anchor: Token) -> Elided | None:
    """How a figure with no noun of its own takes one: as a subject or object of a verb,
    from an earlier claim ("dispatched at least 10,000"); compared with a figure before it in
    the sentence, from that one, unit and all ("fell to 1.9 mln tonnes from 2.1 mln")."""
    head = anchor.head
    if anchor.dep_ == "pobj" and head.lower_ in _COMPARED:
        return "compared"
    if anchor.dep_ == "conj" and head.pos_ == "NUM" and head.dep_ == "pobj":
        return _elided(head)  # "from 7,472 in January and 14,280 a year earlier"
    if anchor.dep_ in _ELIDED and head.pos_ in ("VERB", "AUX"):
        return "role"
    return None


def read_sentence(doc: Doc | Span) -> list[tuple[Reading, Elided | None]]:
    """The claims of one parsed sentence, each with how its noun is elided (None: it has
    its own), to be taken from an earlier claim."""
    found: list[tuple[Reading, Elided | None]] = []
    base = doc[0].idx if len(doc) else 0
    lower = [t.lower_ for t in doc]
    for start, end in _phrases(doc):
        if _not_a_claim(doc, start, end):
            continue
        noun = _counted(doc, start, end)
        figure = _figure(doc, start, end, noun)
        if figure is None:
            continue
        anchor = noun if noun is not None else _anchor(doc, start, end)
        elided = _elided(anchor) if noun is None else None
        if noun is None and elided is None:
            continue  # a bare number, no subject or object, no comparison: a table, an age
        qualifier, n_before = qualifier_before(lower[max(0, start - 6) : start])
        after, n_after = qualifier_after(lower[end : end + 2])
        if after is not None and qualifier == "=":
            qualifier = after
        gov, event_words = _event(anchor)
        if noun is not None and is_event_word(noun.lemma_):
            event_words = [noun]
        first = doc[start - n_before] if n_before else doc[start]
        last = doc[end - 1 + (n_after if after is not None else 0)]
        counts, counts_lemma = _what(noun, figure)
        reading = Reading(
            start=first.idx - base,
            end=last.idx + len(last.text) - base,
            value=figure.value,
            low=figure.low,
            high=figure.high,
            qualifier=qualifier,
            counts=counts,
            counts_lemma=counts_lemma,
            unit=figure.unit,
            event=" ".join(t.text for t in event_words) or None,
            event_lemmas=_event_lemmas(event_words),
            attribution=attribution(doc, gov if gov is not None else anchor),
        )
        found.append((reading, elided))
    return found


def _event_lemmas(words: list[Token]) -> tuple[str, ...]:
    """The event's lemmas for grouping: verbs and nouns ("kill", "wound"); a copula with a
    locative is "present"."""
    if len(words) == 2 and words[0].lemma_ == "be":
        return ("present",)
    return tuple(t.lemma_.lower() for t in words if t.pos_ in ("VERB", "NOUN", "ADJ", "AUX"))
