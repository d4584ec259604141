"""A query word's forms in each language the index holds (search/plan.py asks).

Each article's words are indexed in its own language (text/languages.py). The parser's tree
holds each word's English index term; ``Forms`` analyses the word as typed in each language
asked and says which languages each resulting form is for: ``Architekten`` is ``architekt``
for German articles and ``architekten`` for English ones. Languages that analyse alike (every
language without a stemmer is ``plain``) are analysed once; a form that every language asked
gives is for all of them (``None``), so an index of one language has exactly the forms it
always had.

English stop words (``will``, ``also``) are gone from the parser's tree (its analysis is
English): ``typed_stop_words`` finds those typed as words of their own, and ``Forms.stopped``
gives their forms in the other languages asked (``will`` is a German word), for the plan to
ask of those languages' articles only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from whoosh import query as wq

from newsearch.search.query import Unscored
from newsearch.text.analysis import TOKEN, fold_word, is_cjk, normalize_word, normalizer
from newsearch.text.languages import family

_QUERY_TOKENS = re.compile(r'"[^"]*"(?:~\d+)?|\S+')
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})
_LEAVE_OUT = frozenset({"NOT", "ANDNOT"})


def beyond_english(languages: Sequence[str]) -> bool:
    """Whether any of ``languages`` (codes) is analysed otherwise than English."""
    return any(family(code) != "en" for code in languages)


def typed_stop_words(text: str) -> list[tuple[str, bool]]:
    """The English stop words typed in ``text`` as words of their own (not in a phrase, not
    ``field:word``, not a prefix or fuzzy word), each once, with whether it is left out
    (``-will``, ``NOT will``): English drops them, other languages may not."""
    out: dict[str, bool] = {}
    before = ""
    for m in _QUERY_TOKENS.finditer(text):
        raw = m.group()
        token = raw.strip("()")
        if token in _OPERATORS or raw.startswith('"'):
            before = token
            continue
        sign, word = (token[0], token[1:]) if token[:1] in ("+", "-") else ("", token)
        leave_out = sign == "-" or before in _LEAVE_OUT
        before = token
        if not TOKEN.fullmatch(word) or is_cjk(word):
            continue
        if fold_word(word) and normalize_word(word) is None:
            out[word] = out.get(word, leave_out) and leave_out
    return list(out.items())


def language_query(languages: frozenset[str]) -> wq.Query:
    """The articles in any of ``languages``."""
    terms = [wq.Term("language", code) for code in sorted(languages)]
    return terms[0] if len(terms) == 1 else wq.Or(terms)


class Forms:
    """A query word's index terms in each language asked of (``languages``: codes), and for
    which of them each term is: ``Architekten`` -> ``architekten`` (English), ``architekt``
    (German). Languages that analyse alike (those without a stemmer) are asked once."""

    def __init__(
        self,
        languages: Sequence[str],
        typed: dict[str, tuple[str, ...]],
        stopped: Sequence[str] = (),
    ) -> None:
        by_family: dict[str, set[str]] = {}
        for code in languages:
            by_family.setdefault(family(code), set()).add(code)
        self._families = {fam: frozenset(codes) for fam, codes in sorted(by_family.items())}
        self._all = frozenset(c for codes in self._families.values() for c in codes)
        self._typed = typed
        # Nothing to add: no language but English (or none known), or the query typed nothing
        self.plain = set(self._families) <= {"en"} or not (typed or stopped)

    def of(self, terms: Sequence[str]) -> list[tuple[tuple[str, ...], frozenset[str] | None]]:
        """``(words, languages)`` of a word or phrase given as English index terms (as the
        parser made them): in each family, the word's typed forms (a phrase: each word's
        first), its stop words left out as that family's index leaves them out; forms alike
        in several families joined, languages None where a form is every language's."""
        terms = tuple(terms)
        if self.plain or not all(t in self._typed for t in terms):
            return [(terms, None)]
        found: dict[tuple[str, ...], set[str]] = {}
        for fam, codes in self._families.items():
            norm = normalizer(fam)
            candidates: list[tuple[str, ...]]
            if len(terms) == 1:
                candidates = [(f,) for f in map(norm, self._typed[terms[0]]) if f is not None]
            else:
                candidates = [tuple(f for f in (norm(self._typed[t][0]) for t in terms) if f)]
            for words in candidates:
                if words:
                    found.setdefault(words, set()).update(codes)
        return [
            (words, None if frozenset(codes) == self._all else frozenset(codes))
            for words, codes in found.items()
        ]

    def stopped(self, word: str) -> list[tuple[tuple[str, ...], frozenset[str] | None]]:
        """``(words, languages)`` of a word English drops as a stop word, in each other
        family asked that does not (none in an index of English alone)."""
        if self.plain:
            return []
        found: dict[tuple[str, ...], set[str]] = {}
        for fam, codes in self._families.items():
            form = normalizer(fam)(word)
            if form is not None:
                found.setdefault((form,), set()).update(codes)
        return [
            (words, None if frozenset(codes) == self._all else frozenset(codes))
            for words, codes in found.items()
        ]


def restricted(q: wq.Query, languages: frozenset[str] | None) -> wq.Query:
    """``q`` asked only of articles in ``languages`` (None: of all)."""
    return q if languages is None else wq.And([q, Unscored(language_query(languages))])


def alternative(
    field: str, words: tuple[str, ...], slop: float, boost: float, languages: frozenset[str] | None
) -> wq.Query:
    """One form of a word or phrase as a Whoosh query, asked of its languages' articles."""
    if len(words) == 1:
        return restricted(wq.Term(field, words[0], boost=boost), languages)
    return restricted(wq.Phrase(field, list(words), slop=slop, boost=boost), languages)
