"""The QueryPlan: built once per search from the query string and every filter route, then read
by everything that answers it (matching, the numpy fast path, passage scoring, highlighting,
explain, feedback, totals and facets). This module is the only one that walks the parsed tree.

A query's text is parsed (query.py) into Whoosh's tree; ``build`` walks it once and lays it out
the way a search engine's boolean query is usually read (Lucene's SHOULD/MUST/MUST_NOT):

- **groups**: the positive parts, each a word, a phrase, or what a prefix, wildcard or fuzzy word
  stands for in this index (its *expansions*, a few dozen index terms at most); a group is
  *required* (``+word``, ``a AND b``) or optional (plain words, OR-ed);
- **excluded**: ``-word``, ``NOT word``, ``a ANDNOT b``: an article holding any is left out,
  whichever way the user wrote it (``Kursk NOT Putin`` is ``Kursk -Putin``);
- the same positive query rewritten for Whoosh (expansions spelled out as terms, so Whoosh
  matches exactly what is scored and highlighted) for the shapes the fast path does not take:
  ``flat`` says whether it does (no nesting of groups inside AND/OR).

**Languages.** Each article's words are indexed in its own language (text/languages.py). A
word or phrase of the query is analysed in each language the index holds (or the
``--language`` filter names) and its forms are one group's alternatives, each *for* the
languages that give it (``Clause.languages``: ``architekt`` for German articles, ``architekten``
for English ones): a form matches, scores and lights only in articles of its languages. A form
every language gives is for all (``languages`` None), so an index of one language has exactly
the plan it always had. An English stop word typed as a word of its own (``will``) is an optional
group of its forms in the other languages asked (German ``will``), for their articles only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from whoosh import query as wq

from newsearch.search.filters import FilterQueries, Filters, filter_queries, language_value
from newsearch.search.forms import (
    Forms,
    alternative,
    beyond_english,
    language_query,
    typed_stop_words,
)
from newsearch.search.query import ParsedText, Unscored
from newsearch.text.analysis import fold_word, normalize_word
from newsearch.text.entity_resolution import Resolution

Sort = Literal["relevance", "newest", "oldest"]
SORTS: tuple[Sort, ...] = ("relevance", "newest", "oldest")
TEXT_FIELDS = ("text", "title")
MAX_EXPANSIONS = 64  # index terms a prefix, wildcard or fuzzy word stands for, most frequent first


@dataclass(frozen=True)
class Clause:
    """One positive part of the query as passages and highlights see it: a word or a phrase
    (``words``, index terms in order), asked of ``field`` (``text``: the title and body;
    ``title``: the title alone), with its boost; a phrase's words at most ``slop`` positions
    apart (1: side by side)."""

    words: tuple[str, ...]
    field: str
    boost: float = 1.0
    slop: int = 1
    # The languages of the articles it is asked of (their codes): the query's words analysed
    # in those languages give these terms. None: every article.
    languages: frozenset[str] | None = None

    def applies(self, language: str | None) -> bool:
        """Whether it is asked of an article in ``language`` (None: an article of an index
        that kept no language, analysed as English)."""
        return self.languages is None or (language or "en") in self.languages

    @property
    def where(self) -> wq.Query | None:
        """The articles it is asked of, as a query of the ``language`` field (None: all)."""
        return language_query(self.languages) if self.languages is not None else None

    @property
    def fields(self) -> frozenset[str]:
        """Where a passage can earn score for it: a word asked of the text counts in the title
        too (the article's text holds both)."""
        return frozenset(TEXT_FIELDS) if self.field == "text" else frozenset([self.field])

    @property
    def key(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class Group:
    """A word, a phrase, or a prefix/wildcard/fuzzy word's expansions (any one matches)."""

    clauses: tuple[Clause, ...]
    required: bool = False


@dataclass(frozen=True)
class QueryPlan:
    """Everything a search needs to know about its query, decided once."""

    query: str  # as the user gave it
    text: str  # the free text, filter clauses taken out
    filters: Filters
    sort: Sort
    groups: tuple[Group, ...]
    excluded: tuple[wq.Query, ...]  # articles matching any are left out
    positive: wq.Query | None  # the positive text query for Whoosh (None: a listing)
    flat: bool  # groups alone describe the match (the numpy fast path takes it)
    filter_queries: FilterQueries
    notices: tuple[str, ...] = ()
    searchable: bool = True  # False: the text had nothing to search for (said in notices)
    vocabulary_words: tuple[str, ...] = field(default=())  # the words to check for spelling

    @property
    def clauses(self) -> tuple[Clause, ...]:
        return tuple(c for g in self.groups for c in g.clauses)

    @property
    def listing(self) -> bool:
        """No words to rank by: the matching articles are listed (by date)."""
        return self.positive is None


class Lexicon:
    """What the index holds, for expanding prefixes, wildcards and fuzzy words: given by the
    engine (its reader's terms and the spelling vocabulary)."""

    def __init__(
        self,
        prefixed: Callable[[str, str], Sequence[str]],
        frequency: Callable[[str, str], int],
        near: Callable[[str, int], Sequence[str]],
        within: Callable[[str, str, int], Sequence[str]],
        written: Callable[[str, re.Pattern[str]], Sequence[str]] = lambda prefix, pattern: (),
    ) -> None:
        self.prefixed = prefixed  # (field, prefix) -> index terms
        self.frequency = frequency  # (field, term) -> articles holding it
        self.near = near  # (word, max edits) -> words of the corpus as written (lower case)
        self.within = within  # (field, term, max edits) -> index terms
        self.written = written  # (prefix, pattern) -> words of the corpus as written
        # the corpus's entities resolved (facets.FacetTable.resolution), for entity filters
        self.entities: Callable[[], Resolution] | None = None
        # the languages the index holds (codes): each query word is analysed in each
        self.languages: Callable[[], Sequence[str]] = lambda: ()


def asked_languages(filters: Filters, lexicon: Lexicon) -> list[str]:
    """The languages a query's words are analysed in: the filter's, else the index's."""
    if filters.language:
        return list(dict.fromkeys(language_value(v) for v in filters.language))
    return list(lexicon.languages())


def build(
    query: str, parsed: ParsedText, filters: Filters, sort: Sort, lexicon: Lexicon
) -> QueryPlan:
    """The plan of ``query``: its parsed text, the merged filters, the sort."""
    notices = list(parsed.notices)
    languages = asked_languages(filters, lexicon)
    stopped = typed_stop_words(parsed.text) if beyond_english(languages) else []
    forms = Forms(languages, parsed.typed, [w for w, _ in stopped])
    walker = _Walker(lexicon, parsed.fuzzy_words, forms)
    groups: list[Group] = []
    excluded: list[wq.Query] = []
    positives: list[tuple[wq.Query, bool]] = []
    flat = True
    if parsed.tree is not None:
        for node, required in _top(parsed.tree, excluded, type(parsed.tree) is wq.And):
            rewritten, node_groups, leaf = walker.walk(node, 1.0)
            if rewritten is None:
                continue
            positives.append((rewritten, required))
            groups.extend(Group(g.clauses, required and leaf) for g in node_groups)
            flat = flat and leaf
    notices.extend(walker.notices)
    if not forms.plain:  # a word left out is left out in every language
        excluded = [walker.in_languages(q) for q in excluded]
    for word, leave_out in stopped:  # an English stop word, in the languages that keep it
        found = [(w, langs) for w, langs in forms.stopped(word) if lexicon.frequency("text", w[0])]
        if not found:  # no article of those languages holds it: as in English, nothing
            continue
        parts = [alternative("text", w, 1, 1.0, langs) for w, langs in found]
        either = parts[0] if len(parts) == 1 else wq.Or(parts)
        if leave_out:
            excluded.append(either)
            continue
        positives.append((either, False))
        groups.append(Group(tuple(Clause(w, "text", 1.0, 1, langs) for w, langs in found)))
    fq = filter_queries(filters, lexicon.entities)
    positive = _combine(positives)
    searchable = positive is not None or bool(excluded) or not parsed.had_text
    if not searchable and not walker.notices:
        notices.append(parsed.nothing_reason or "nothing to search for in the query")
    return QueryPlan(
        query=query,
        text=parsed.text,
        filters=filters,
        sort=sort,
        groups=tuple(groups),
        excluded=tuple(excluded),
        positive=positive,
        flat=flat,
        filter_queries=fq,
        notices=(*notices, *fq.notices),
        searchable=searchable,
        vocabulary_words=_unknown(re.findall(r"[^\W\d_]+(?![\w~*])", parsed.text), forms, lexicon),
    )


def _unknown(words: list[str], forms: Forms, lexicon: Lexicon) -> tuple[str, ...]:
    """The words to check for spelling: all of them, but, in an index of several languages,
    those some language's form of which the index holds (``героина`` is ``героин``)."""
    if forms.plain:
        return tuple(words)

    def held(word: str) -> bool:
        term = normalize_word(word)  # None: an English stop word, maybe another's word
        found = forms.of((term,)) if term is not None else forms.stopped(word)
        return any(lexicon.frequency("text", f) for form, _ in found for f in form)

    return tuple(w for w in words if not held(w))


def _top(
    q: wq.Query, excluded: list[wq.Query], required: bool, top: bool = True
) -> list[tuple[wq.Query, bool]]:
    """The top level of the tree as (positive part, required?) pairs; every NOT, ANDNOT and
        -word found on the way goes to ``excluded``. An AND's parts are required, an OR's optional;
        a part of another kind (an OR inside an AND, an AND inside an OR) is kept whole, and so is a
    nested OR with a NOT in it (``(a NOT b) OR c``: b leaves out a's articles, not c's)."""
    if isinstance(q, wq.Not):
        excluded.append(q.query)
        return []
    if isinstance(q, wq.AndNot):
        excluded.append(q.b)
        return _top(q.a, excluded, required, top)
    if isinstance(q, wq.AndMaybe):
        return _top(q.a, excluded, True, top) + _top(q.b, excluded, False, False)
    plain = type(q) in (wq.And, wq.Or) and q.boost == 1.0
    negates = plain and any(isinstance(sub, wq.Not) for sub in q.subqueries)
    if (plain and (type(q) is wq.And) == required) or (plain and len(q.subqueries) == 1):
        if negates and not top and type(q) is wq.Or:  # (a NOT b) OR c: b leaves out a only
            return [(q, required)]
        out: list[tuple[wq.Query, bool]] = []
        for sub in q.subqueries:
            out.extend(_top(sub, excluded, required, top and type(q) is wq.And))
        return out
    if negates and type(q) is wq.Or and required:
        for sub in q.subqueries:  # (a NOT b) AND c: a and c, and b left out
            if isinstance(sub, wq.Not):
                excluded.append(sub.query)
        rest = [sub for sub in q.subqueries if not isinstance(sub, wq.Not)]
        return [(rest[0] if len(rest) == 1 else wq.Or(rest), required)] if rest else []
    return [(q, required)]


def _combine(parts: list[tuple[wq.Query, bool]]) -> wq.Query | None:
    """The positive parts as one query for Whoosh and the numpy scorer: required parts AND-ed,
    optional ones OR-ed (an OR of expansions joins the OR: the scores are the same sums)."""
    required = [q for q, r in parts if r]
    optional: list[wq.Query] = []
    for q, r in parts:
        if not r:
            flat = type(q) is wq.Or and q.boost == 1.0
            optional.extend(q.subqueries if flat else [q])
    if not required and len(optional) > 1:
        return wq.Or(optional)
    must = required[0] if len(required) == 1 else wq.And(required) if required else None
    may = optional[0] if len(optional) == 1 else wq.Or(optional) if optional else None
    if must is not None and may is not None:
        return maybe(must, may)
    return must if must is not None else may


def maybe(must: wq.Query, may: wq.Query) -> wq.Query:
    """What matches ``must``, scored with ``may`` too where it matches. (Not Whoosh's AndMaybe:
    in 2.7.5 its matcher, skipped to an article by a filter, can leave its optional side behind
    and drop its score.)"""
    return wq.And([wq.Or([must, may]), Unscored(must)])


class _Walker:
    """Rewrites a positive part for Whoosh and collects its groups, in one pass."""

    def __init__(
        self, lexicon: Lexicon, fuzzy_words: dict[str, str], forms: Forms | None = None
    ) -> None:
        self._lexicon = lexicon
        self._fuzzy_words = fuzzy_words  # stemmed form -> the word as typed
        self._forms = forms or Forms((), {})
        self.notices: list[str] = []

    def in_languages(self, q: wq.Query) -> wq.Query:
        """A query of words (to leave out) with each word and phrase in every language asked."""
        if type(q) in (wq.Term, wq.Phrase) and q.fieldname in TEXT_FIELDS:
            rewritten, _, _ = self._in_forms(q, 1.0)
            return rewritten if rewritten is not None else q
        return q if q.is_leaf() else q.apply(self.in_languages)

    def _in_forms(
        self, q: wq.Term | wq.Phrase, boost: float
    ) -> tuple[wq.Query | None, list[Group], bool]:
        """A word or phrase as its forms in the languages asked: one group of alternatives,
        each for its languages (forms.py); as it was when one form serves them all."""
        name: str = q.fieldname
        words = (_text(q.text),) if type(q) is wq.Term else tuple(str(w) for w in q.words)
        slop = int(getattr(q, "slop", 1))
        found = self._forms.of(words)
        if found == [(words, None)]:
            return q, [Group((Clause(words, name, boost, slop),))], True
        if not found:  # stop words in every language asked
            return None, [], False
        clauses = tuple(Clause(w, name, boost, slop, langs) for w, langs in found)
        parts = [alternative(name, w, slop, q.boost, langs) for w, langs in found]
        return (parts[0] if len(parts) == 1 else wq.Or(parts)), [Group(clauses)], True

    def walk(self, q: wq.Query, boost: float) -> tuple[wq.Query | None, list[Group], bool]:
        """(the part for Whoosh, its groups, whether it is one leaf group)."""
        boost *= float(q.boost or 1.0) if hasattr(q, "boost") else 1.0
        field_name = getattr(q, "fieldname", None)
        if isinstance(q, wq.Phrase) or type(q) is wq.Term:
            if field_name not in TEXT_FIELDS:
                return q, [], False
            return self._in_forms(q, boost)
        if isinstance(q, wq.FuzzyTerm | wq.Prefix | wq.Wildcard):
            return self._expand(q, boost)
        if isinstance(q, wq.Not):  # inside a group: what the group's articles must not hold
            return Unscored(q), [], False
        if isinstance(q, wq.AndNot):
            a, kept, _ = self.walk(q.a, boost)
            if a is None:
                return None, [], False
            return wq.And([a, Unscored(wq.Not(q.b))]), kept, False
        if q.is_leaf():
            return q, [], False
        subs: list[wq.Query] = []
        groups: list[Group] = []
        for child in q.children():
            sub, child_groups, _ = self.walk(child, boost)
            if sub is not None:
                subs.append(sub)
                groups.extend(child_groups)
        if not subs:
            return None, [], False
        if isinstance(q, wq.Or) and any(isinstance(sub, Unscored) for sub in subs):
            # (a NOT b): a, without b (as at the top level), not "a, or anything but b"
            keep = [sub for sub in subs if not isinstance(sub, Unscored)]
            nots = [sub for sub in subs if isinstance(sub, Unscored)]
            if not keep:
                return None, [], False
            base = wq.Or(keep, boost=q.boost) if len(keep) > 1 else keep[0]
            return wq.And([base, *nots]), groups, False
        if isinstance(q, wq.AndMaybe) and len(subs) == 2:
            return maybe(subs[0], subs[1]), groups, False
        kind = type(q) if isinstance(q, wq.And | wq.Or) else wq.Or
        return kind(subs, boost=q.boost) if len(subs) > 1 else subs[0], groups, False

    def _expand(
        self, q: wq.FuzzyTerm | wq.Prefix | wq.Wildcard, boost: float
    ) -> tuple[wq.Query | None, list[Group], bool]:
        """A prefix, wildcard or fuzzy word as the index terms it stands for (an OR of them)."""
        name: str = q.fieldname
        if name not in TEXT_FIELDS:
            return q, [], False
        lex = self._lexicon
        text = _text(q.text)
        if isinstance(q, wq.FuzzyTerm):
            typed = self._fuzzy_words.get(text, text)
            found = set(lex.within(name, text, int(q.maxdist)))
            for word in lex.near(typed, int(q.maxdist)):
                term = normalize_word(word)
                if term is not None and lex.frequency(name, term):
                    found.add(term)
            shown = f"{typed}~{int(q.maxdist)}" if q.maxdist != 1 else f"{typed}~"
        else:  # a prefix or a pattern: over the index terms and the words as written
            folded = fold_word(text)
            glob = folded + "*" if isinstance(q, wq.Prefix) else folded
            pattern = re.compile(_glob(glob))
            literal = re.split(r"[*?]", glob)[0]
            found = {t for t in lex.prefixed(name, literal) if pattern.fullmatch(t)}
            for word in lex.written(literal, pattern):  # "tr*ps" is "troops", indexed "troop"
                term = normalize_word(word)
                if term is not None and lex.frequency(name, term):
                    found.add(term)
            shown = glob
        ranked = sorted(found, key=lambda t: (-lex.frequency(name, t), t))
        if len(ranked) > MAX_EXPANSIONS:
            self.notices.append(
                f"{shown} stands for {len(ranked)} words here: searched the "
                f"{MAX_EXPANSIONS} most frequent"
            )
            ranked = ranked[:MAX_EXPANSIONS]
        if not ranked:
            self.notices.append(f"{shown} matches no word in the index")
            return None, [], False
        clauses = tuple(Clause((t,), name, boost) for t in ranked)
        terms: list[wq.Query] = [wq.Term(name, t) for t in ranked]
        rewritten = terms[0] if len(terms) == 1 else wq.Or(terms)
        return rewritten, [Group(clauses)], True


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _glob(pattern: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
