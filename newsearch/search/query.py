"""The free text of a query, parsed leniently into Whoosh's tree (the plan walks it once).

Filter clauses are taken out of the text first (filters.py); the rest is parsed leniently as an
OR of its terms, so natural multi-word queries need not hold every word: BM25 (and the passage
blend, selection.py) ranks what holds more of them first. (No coordination bonus: Whoosh
2.7.5's parser drops the factor of ``OrGroup.factory``, so every measured ranking was made
without one.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from whoosh import matching, query
from whoosh.fields import Schema
from whoosh.qparser import FuzzyTermPlugin, MultifieldParser, OrGroup, PlusMinusPlugin, plugins

from newsearch.errors import QueryError
from newsearch.index.schema import TEXT_FIELDS
from newsearch.text.analysis import STOP_WORDS, TOKEN, fold_word, is_cjk, normalize_word

# Words search passage text; the title counts through the article's evidence (scoring.py), or
# directly with title:word. A second field per word would double the cost of every query.
DEFAULT_FIELDS = ("text",)
FIELD_BOOSTS = {"text": 1.0, "title": 1.0}
_FIELD_PREFIX = re.compile(r"(?<![^\s(+-])(?P<name>\w+):(?=\S)")


MAX_QUERY_CHARS = 2000  # longer is refused: Whoosh's parser is quadratic in the length
_OPERATORS = ("AND", "OR", "ANDNOT", "ANDMAYBE", "NOT")
_TOKENS = re.compile(r'"[^"]*"(?:~\d+)?|\S+')
_FUZZY = re.compile(r"(?<![\w\"])([^\W\d_][\w'’.-]*)~(\d)?(?![\w.])")


@dataclass(frozen=True)
class ParsedText:
    """The free text of a query as parsed: Whoosh's tree (None if nothing positive or negative
    is left), what was repaired on the way, and the words typed before ``~`` by their stem."""

    text: str
    tree: query.Query | None
    notices: tuple[str, ...] = ()
    fuzzy_words: dict[str, str] = field(default_factory=dict)
    had_text: bool = False  # the text held something besides filters
    nothing_reason: str | None = None  # why nothing is searchable, when nothing is
    # The words typed, by their English index term (Whoosh's tree holds those): the plan
    # analyses them in the index's other languages (``Architekten`` -> ``architekt``).
    typed: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _shorten(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _repair(text: str, operators: bool) -> tuple[str, list[str]]:
    """``text`` with what the parser would choke on or misread mended, and a notice for each:
    an unbalanced quote or parenthesis, an operator with nothing to join."""
    notices: list[str] = []
    if text.count('"') % 2:
        text += '"'
        notices.append('closed an unbalanced quote (")')
    depth, kept = 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                notices.append("ignored a ) with no ( before it")
                continue
            depth -= 1
        kept.append(ch)
    text = "".join(kept) + ")" * depth
    if depth:
        notices.append("closed an unbalanced parenthesis")
    if not operators:
        return text, notices
    tokens = [m.group() for m in _TOKENS.finditer(text)]
    out: list[str] = []
    for i, tok in enumerate(tokens):
        bare = tok.strip("()")
        if bare in _OPERATORS and bare == tok:
            after = tokens[i + 1].strip("(") if i + 1 < len(tokens) else None
            before = out[-1].strip(")") if out else None
            binary = bare != "NOT"
            lone = (
                after is None
                or after in _OPERATORS[: 5 if bare == "NOT" else 4]
                or (binary and (before is None or before in _OPERATORS))
            )
            if lone:
                notices.append(f"ignored a lone {bare}")
                continue
        out.append(tok)
    return " ".join(out), notices


_CJK_RUN = re.compile(r'"[^"]*"|(?P<run>' + TOKEN.pattern.rpartition("|")[2] + ")")


def _cjk_phrases(text: str) -> str:
    """Runs of three or more CJK characters outside quotes quoted: their bigrams must stand
    side by side, as Lucene's CJK analysis asks (``健康食品`` is the phrase ``健康 康食 食品``)."""

    def quote(m: re.Match[str]) -> str:
        run = m["run"]
        if run is None or len(run) <= 2:
            return m.group()
        before = " " if text[m.start() - 1 : m.start()].isalnum() else ""
        after = " " if text[m.end() : m.end() + 1].isalnum() else ""
        return f'{before}"{run}"{after}'

    return _CJK_RUN.sub(quote, text)


def typed_words(text: str) -> dict[str, tuple[str, ...]]:
    """The words of ``text`` (not CJK runs: their bigrams are the same in every language) by
    their English index term, each term's words in the order typed."""
    out: dict[str, list[str]] = {}
    for token in TOKEN.findall(text):
        if is_cjk(token):
            continue
        term = normalize_word(token)
        if term is not None and token not in out.setdefault(term, []):
            out[term].append(token)
    return {term: tuple(words) for term, words in out.items()}


def _clean_text_query(text: str) -> tuple[str, list[str]]:
    """Make free text safe for the parser: unknown ``field:`` prefixes become plain words,
    ``?`` (a wildcard to Whoosh, punctuation to people) goes, ``*`` stays only after a word
    stem of two letters or more."""
    notices: list[str] = []

    def prefix(m: re.Match[str]) -> str:
        if m["name"] in TEXT_FIELDS:
            return m.group(0)
        if m["name"].isalpha():
            notices.append(f"no field {m['name']!r}: searched it as a word")
        return m["name"] + " "

    text = _FIELD_PREFIX.sub(prefix, text)
    text = text.replace("?", " ")
    text = re.sub(r"(?<!\w\w)\*", " ", text)
    if not text.isascii():
        text = _cjk_phrases(text)
    return text, notices


class QueryParser:
    """Parses query text for one schema; reusable across queries.

    Words are OR-ed. ``"phrases"`` (``"a b"~N`` within N words), ``field:word``,
    ``+word``/``-word`` at the start of a word, ``troop*``, ``word~``/``word~2`` (fuzzy) and
    grouping work; AND/OR/NOT are operators only in a query that is not written all in capitals
    (a shouted query is just words). A hyphen inside a word is part of it ("three-point" is not
    "three NOT point"). What the parser repairs is said in ``notices``.
    """

    def __init__(self, schema: Schema) -> None:
        self._parsers = {ops: self._parser(schema, ops) for ops in (True, False)}

    @staticmethod
    def _parser(schema: Schema, operators: bool) -> MultifieldParser:
        parser = MultifieldParser(
            list(DEFAULT_FIELDS), schema, fieldboosts=FIELD_BOOSTS, group=OrGroup
        )
        parser.remove_plugin_class(plugins.RangePlugin)
        parser.remove_plugin_class(plugins.EveryPlugin)
        if not operators:
            parser.remove_plugin_class(plugins.OperatorsPlugin)
        parser.add_plugin(PlusMinusPlugin(r"(?:^|(?<=[\s(]))\+", r"(?:^|(?<=[\s(]))-"))
        parser.add_plugin(FuzzyTermPlugin())
        return parser

    def parse(self, text: str) -> ParsedText:
        """The free-text part of a query, parsed leniently."""
        if len(text) > MAX_QUERY_CHARS:
            raise QueryError(
                f"the query is {len(text):,} characters long; the limit is "
                f"{MAX_QUERY_CHARS:,}: shorten it"
            )
        cleaned, notices = _clean_text_query(text)
        operators = any(c.islower() for c in cleaned)
        cleaned, repaired = _repair(cleaned.strip(), operators)
        notices += repaired
        had_text = bool(text.strip())
        if not cleaned.strip():
            reason = f"nothing to search for in {_shorten(text)!r}" if had_text else None
            return ParsedText(text, None, tuple(notices), had_text=had_text, nothing_reason=reason)
        fuzzy = {}
        for m in _FUZZY.finditer(cleaned):
            stem = normalize_word(m[1])
            if stem is not None:
                fuzzy[stem] = fold_word(m[1])
        parser = self._parsers[operators]
        words = cleaned.split()
        if all(w.startswith("-") and len(w) > 1 for w in words):  # only exclusions
            inner = self.parse(" ".join(w[1:] for w in words))
            tree = query.Not(inner.tree) if inner.tree is not None else None
            return ParsedText(
                text,
                tree,
                (*notices, *inner.notices),
                fuzzy,
                had_text,
                None if tree is not None else inner.nothing_reason,
                inner.typed,
            )
        try:
            tree = parser.parse(cleaned)
        except Exception:  # Whoosh's parser fails on some operator soups: search the words
            plain = re.findall(r"\w+", cleaned)
            tree = self._parsers[False].parse(" ".join(plain)) if plain else query.NullQuery
            notices.append("could not read the query's operators: searched its words")
        if tree is query.NullQuery or isinstance(tree, type(query.NullQuery) | query.Every):
            words = re.findall(r"\w+", cleaned)
            if words and all(w.lower() in STOP_WORDS for w in words):
                reason = (
                    f"{_shorten(text)!r} holds only words too common to be indexed "
                    f"({', '.join(dict.fromkeys(w.lower() for w in words))}): nothing to search for"
                )
            else:
                reason = f"nothing to search for in {_shorten(text)!r}"
            return ParsedText(text, None, tuple(notices), fuzzy, had_text, reason)
        return ParsedText(text, tree, tuple(notices), fuzzy, had_text, typed=typed_words(cleaned))


class Unscored(query.WrappingQuery):  # type: ignore[misc]
    """Matches what ``child`` matches and adds nothing to the score. (Whoosh 2.7.5 scores
    ``ConstantScoreQuery(q, 0.0)`` as 1.0, a zero weight being taken for "none", and a ``Not``
    inside an ``And`` as 1.0 too: every filtered score was off by one or two.)"""

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        m = self.child.matcher(searcher, context)
        if isinstance(m, matching.NullMatcherClass):
            return m
        return matching.WrappingMatcher(m, boost=0.0)


def restrict(q: query.Query, must: query.Query | None, mask: query.Query | None) -> query.Query:
    """``q`` limited to documents matching ``must`` and not ``mask``, scored by ``q`` alone.

    Intersecting inside the query lets Whoosh skip through postings; a search-time filter
    would first list every document the filter matches, on every search.
    """
    if must is not None:
        q = query.And([q, Unscored(must)])
    if mask is not None:
        q = query.And([q, Unscored(query.Not(mask))])
    return q
