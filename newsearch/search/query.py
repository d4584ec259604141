"""From the user's query string and filter options to Whoosh queries.

Filter clauses (``source:RFA``, ``person:"Kim Jong Un"``, ``since:2025-04``, ``-source:RFA``) are
taken out of the text first and become filters; the rest is parsed leniently as an OR of its
terms, so natural multi-word queries need not hold every word: BM25 (and the passage blend,
ranking.py) ranks what holds more of them first. (No coordination bonus: Whoosh 2.7.5's parser
drops the factor of ``OrGroup.factory``, so every measured ranking was made without one.)
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from whoosh import matching, query
from whoosh.fields import Schema
from whoosh.qparser import FuzzyTermPlugin, MultifieldParser, OrGroup, PlusMinusPlugin, plugins

from newsearch.errors import QueryError
from newsearch.index import keys
from newsearch.index.schema import ENTITY_FIELDS, TEXT_FIELDS
from newsearch.text.analysis import STOP_WORDS, fold_word, normalize_word

# Words search passage text; the title counts through the article's evidence (ranking.py), or
# directly with title:word. A second field per word would double the cost of every query.
DEFAULT_FIELDS = ("text",)
FIELD_BOOSTS = {"text": 1.0, "title": 1.0}


@dataclass(frozen=True)
class Filters:
    """Filters on article metadata; lists within a field: sources OR-ed, entities and topics
    AND-ed. The same filters come by three routes (``field:value`` in the query, keyword
    arguments, a ``Filters`` object) and are merged by ``gather``."""

    source: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    person: tuple[str, ...] = ()
    org: tuple[str, ...] = ()
    place: tuple[str, ...] = ()
    entity: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()
    exclude: tuple[tuple[str, str], ...] = field(default=())  # (field, value) pairs

    def merged(self, other: Filters) -> Filters:
        """Both sets of filters: lists joined, ``other``'s dates where it has them."""
        changes: dict[str, Any] = {}
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            changes[f.name] = mine + theirs if isinstance(mine, tuple) else theirs or mine
        return Filters(**changes)


# Every filter's name, written once: the lists of Filters, its two dates, and ``date:`` (a day,
# month or year: both dates at once).
LIST_FILTERS = tuple(f.name for f in fields(Filters) if f.name not in ("since", "until", "exclude"))
FILTER_NAMES = (*LIST_FILTERS, "since", "until", "date")
_CLAUSE = re.compile(
    r"(?<![^\s(])(?P<neg>-)?(?P<field>" + "|".join(FILTER_NAMES) + r"):"
    r"(?:\"(?P<quoted>[^\"]*)\"?|(?P<bare>[^\s\"()]+))",
    re.IGNORECASE,
)
_FIELD_PREFIX = re.compile(r"(?<![^\s(+-])(?P<name>\w+):(?=\S)")


def parse_date_bound(value: str, *, end: bool) -> dt.date:
    """``2025``, ``2025-04`` or ``2025-04-28`` as the first (or, with end, last) day it covers."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", value.strip())
    if not m:
        raise QueryError(f"date {value!r} not understood: use YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = int(m[1]), m[2], m[3]
    try:
        if day:
            return dt.date(year, int(month), int(day))
        if month:
            mon = int(month)
            last = calendar.monthrange(year, mon)[1]
            return dt.date(year, mon, last if end else 1)
        return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
    except ValueError:
        raise QueryError(f"date {value!r} does not exist: use a real YYYY-MM-DD") from None


def extract_filters(text: str) -> tuple[str, Filters]:
    """Take ``field:value`` filter clauses out of a query string."""
    found: dict[str, list[str]] = {}
    exclude: list[tuple[str, str]] = []
    since = until = None

    def take(m: re.Match[str]) -> str:
        nonlocal since, until
        name = m["field"].lower()
        value = (m["quoted"] if m["quoted"] is not None else m["bare"]).strip()
        if not value:
            return " "
        if m["neg"]:
            exclude.append((name, value))
        elif name == "since":
            since = parse_date_bound(value, end=False)
        elif name == "until":
            until = parse_date_bound(value, end=True)
        elif name == "date":
            since = parse_date_bound(value, end=False)
            until = parse_date_bound(value, end=True)
        else:
            found.setdefault(name, []).append(value)
        return " "

    rest = _CLAUSE.sub(take, text)
    filters = Filters(
        since=since,
        until=until,
        exclude=tuple(exclude),
        **{k: tuple(v) for k, v in found.items()},
    )
    return rest, filters


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
        return ParsedText(text, tree, tuple(notices), fuzzy, had_text)


def _field_query(name: str, value: str) -> query.Query:
    # The terms as the indexer wrote them: one rule each, in index/keys.py.
    if name == "source":
        return query.Term("source", keys.source_term(value))
    if name == "topic":
        return query.Term("topic", keys.topic_term(value))
    if name in ENTITY_FIELDS:
        return query.Term(name, keys.entity_term(value))
    if name == "entity":
        term = keys.entity_term(value)
        return query.Or([query.Term(f, term) for f in ENTITY_FIELDS])
    if name in ("since", "until", "date"):
        start = parse_date_bound(value, end=False)
        end = parse_date_bound(value, end=True)
        return _date_range(start, end)
    raise QueryError(f"unknown filter {name!r}: use one of {', '.join(FILTER_NAMES)}")


def _date_range(start: dt.date | None, end: dt.date | None) -> query.Query:
    lo = keys.date_term(start) if start else None
    hi = keys.date_term(end) if end else None
    return query.TermRange("date", lo, hi)


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


@dataclass(frozen=True)
class FilterQueries:
    """Filters as Whoosh queries: what an article must match, what it must not (None: no
    such filter)."""

    must: query.Query | None = None
    mask: query.Query | None = None


def filter_queries(filters: Filters) -> FilterQueries:
    must: list[query.Query] = []
    if filters.source:
        must.append(query.Or([_field_query("source", s) for s in filters.source]))
    if filters.since and filters.until and filters.since > filters.until:
        raise QueryError(f"--since {filters.since} is after --until {filters.until}: swap them")
    if filters.since or filters.until:
        must.append(_date_range(filters.since, filters.until))
    for name in LIST_FILTERS:
        if name == "source":
            continue
        values: Sequence[str] = getattr(filters, name)
        must.extend(_field_query(name, v) for v in values if v.strip())
    mask = [_field_query(name, value) for name, value in filters.exclude]
    return FilterQueries(
        query.And(must) if len(must) > 1 else must[0] if must else None,
        query.Or(mask) if mask else None,
    )


def gather(text: str, base: Filters | None = None, **options: object) -> tuple[str, Filters]:
    """The query's free text, and its filters from every route merged: ``field:value`` clauses
    in ``text``, the ``base`` Filters, and keyword options (a string or a sequence of strings
    each; ``since``/``until`` a date or a date string; ``exclude`` "field:value" strings or
    pairs). An unknown option is a QueryError."""
    rest, parsed = extract_filters(text)
    merged = (base or Filters()).merged(parsed)
    changes: dict[str, object] = {}
    for name, value in options.items():
        if value is None or value == () or value == []:
            continue
        if name == "exclude":
            changes[name] = merged.exclude + _exclusions(value)
        elif name in ("since", "until"):
            if isinstance(value, str):
                value = parse_date_bound(value, end=name == "until")
            if not isinstance(value, dt.date):
                raise QueryError(f"{name}={value!r}: give a date or YYYY[-MM[-DD]]")
            changes[name] = value
        elif name in LIST_FILTERS:
            values = (value,) if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]
            changes[name] = getattr(merged, name) + tuple(str(v) for v in values)
        else:
            raise QueryError(f"unknown filter {name!r}: use one of {', '.join(FILTER_NAMES)}")
    return rest, replace(merged, **changes)  # type: ignore[arg-type]


def _exclusions(value: object) -> tuple[tuple[str, str], ...]:
    """``"source:RFA"``, a sequence of them, or of ``(field, value)`` pairs."""
    single = isinstance(value, str) or (isinstance(value, tuple) and not _is_pairs(value))
    items: Iterable[object] = [value] if single else value  # type: ignore[assignment]
    out: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, tuple) and len(item) == 2:
            name, text = str(item[0]), str(item[1])
        else:
            name, sep, text = str(item).partition(":")
            if not sep:
                raise QueryError(f"exclude {item!r}: use FIELD:VALUE, e.g. source:RFA")
        name, text = name.strip().lower(), text.strip()
        if name not in FILTER_NAMES or not text:
            raise QueryError(
                f"exclude {item!r}: use FIELD:VALUE with FIELD one of {', '.join(FILTER_NAMES)}"
            )
        out.append((name, text))
    return tuple(out)


def _is_pairs(value: object) -> bool:
    return isinstance(value, tuple) and all(isinstance(v, tuple) for v in value)
