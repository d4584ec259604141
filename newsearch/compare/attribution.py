"""Who a sentence says gives a figure: the subject of the nearest reporting verb above it
("South Korea's military estimated that ...", "..., the agency said"), or "according to X".
A passive's subject ("prices were expected"), a pronoun, a dateline ("NEW YORK, June 1 -")
and an apposition ("..., the holding company for ...") are no part of a source's name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

REPORT_VERBS = frozenset(
    """say tell report estimate claim state announce believe think confirm add note show
    reveal indicate suggest find calculate count cite insist assert allege acknowledge admit
    warn predict forecast expect project explain write declare quote tally disclose""".split()
)
# Reporting verbs whose object can be the figure itself ("Ukraine estimates 14,000 troops");
# the others attribute only a clause ("officials said [that] ..."), not an object ("he added
# four conversions").
DIRECT_REPORT = frozenset("estimate report count tally claim forecast project".split())
SPEECH = frozenset({"say", "tell", "state"})  # an object of these is a misread clause
_CLAUSES = ("ccomp", "xcomp", "parataxis", "advcl")
_DASHES = frozenset({"-", "–", "—", "--"})
_PRONOUNS = frozenset("it he she they we i you this that which who".split())
_SUBJECTS = ("nsubj",)  # (a passive's subject is no source: "prices were expected")


def attribution(doc: Doc | Span, start_tok: Token) -> str | None:
    """Who the sentence says gives the figure: the subject of the nearest reporting verb
    above it, else "according to X"."""
    x = start_tok
    via = "self"  # how the walk reached x: the figure's own governor, or a child's dependency
    for _ in range(12):
        if x.lemma_ in REPORT_VERBS and x.pos_ == "VERB":
            direct = x.lemma_ in DIRECT_REPORT or x.lemma_ in SPEECH
            if via in _CLAUSES or (via == "self" and direct):
                found = _subject(doc, x)
                if found:
                    return found
        if x.head.i == x.i:
            break
        via, x = x.dep_, x.head
    for tok in doc:
        if tok.lower_ == "according":
            for to in tok.children:
                for obj in to.children:
                    if obj.dep_ == "pobj":
                        return _words(doc, obj)
    return None


def _subject(doc: Doc | Span, verb: Token) -> str | None:
    for c in verb.children:
        if c.dep_ in _SUBJECTS:
            dash = [t for t in doc if c.i < t.i < verb.i and t.text in _DASHES and t.whitespace_]
            if dash:  # a dateline read as the subject: "NEW YORK, June 1 - Thompson Co said"
                return _clean(doc[dash[-1].i - doc[0].i + 1 : verb.i - doc[0].i].text)
            return _words(doc, c)
        if c.dep_ == "agent":
            objs = [o for o in c.children if o.dep_ == "pobj"]
            if objs:
                return _words(doc, objs[0])
    offset = doc[0].i
    k = verb.i - offset - 1  # a subject the parser joined to something else ("... and Seoul
    if k >= 0 and doc[k].pos_ in ("PROPN", "NOUN"):  # estimated that ...")
        return _words(doc, doc[k], whole=False)
    return None


def _words(doc: Doc | Span, tok: Token, whole: bool = True) -> str | None:
    """A noun phrase's words: its subtree, or its head and what precedes it if that is long."""
    if tok.lower_ in _PRONOUNS or tok.pos_ == "PRON":
        return None
    left = tok.left_edge.i
    right = tok.right_edge.i if whole else tok.i
    commas = [t.i for t in doc if tok.i < t.i <= right and t.text == ","]
    if commas:  # "Warwick Insurance Managers Inc, the holding company for ...": the name
        right = commas[0] - 1
    if right - left > 10:
        right = tok.i
    dashes = [t.i for t in doc if left <= t.i < tok.i and t.text in _DASHES and t.whitespace_]
    if dashes:  # "March 9 - BSN Corp": the dateline is no part of it
        left = dashes[-1] + 1
    offset = doc[0].i
    return _clean(doc[left - offset : right - offset + 1].text)


def _clean(text: str) -> str | None:
    """A name as shown: no ticker ("CSR Ltd <CSRA.S>"), no edge punctuation."""
    text = text.split("<")[0].strip(" ,;:-–—\"'“”‘’")
    return text or None
