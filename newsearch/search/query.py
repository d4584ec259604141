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
from dataclasses import dataclass, field, replace
from typing import Any

from whoosh import matching, query
from whoosh.fields import Schema
from whoosh.qparser import MultifieldParser, OrGroup, PlusMinusPlugin, plugins

from newsearch.errors import QueryError
from newsearch.index.schema import ENTITY_FIELDS, TEXT_FIELDS
from newsearch.text.dates import day_key

# Words search passage text; the title counts through the article's evidence (ranking.py), or
# directly with title:word. A second field per word would double the cost of every query.
DEFAULT_FIELDS = ("text",)
FIELD_BOOSTS = {"text": 1.0, "title": 1.0}


@dataclass(frozen=True)
class Filters:
    """Filters on article metadata; lists within a field: sources OR-ed, entities AND-ed."""

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
        return Filters(
            source=self.source + other.source,
            since=other.since or self.since,
            until=other.until or self.until,
            person=self.person + other.person,
            org=self.org + other.org,
            place=self.place + other.place,
            entity=self.entity + other.entity,
            topic=self.topic + other.topic,
            exclude=self.exclude + other.exclude,
        )


FILTER_NAMES = ("source", "person", "org", "place", "entity", "topic", "since", "until", "date")
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


def _clean_text_query(text: str) -> str:
    """Make free text safe for the parser: unknown ``field:`` prefixes become plain words,
    ``?`` (a wildcard to Whoosh, punctuation to people) goes, ``*`` stays only after a word
    stem of two letters or more, and an unbalanced quote is closed."""

    def prefix(m: re.Match[str]) -> str:
        return m.group(0) if m["name"] in TEXT_FIELDS else m["name"] + " "

    text = _FIELD_PREFIX.sub(prefix, text)
    text = text.replace("?", " ")
    text = re.sub(r"(?<!\w\w)\*", " ", text)
    if text.count('"') % 2:
        text += '"'
    return text


class QueryBuilder:
    """Parses query text for one schema; reusable across queries.

    Words are OR-ed. ``"phrases"``, ``field:word``, ``+word``/``-word``
    at the start of a word, ``troop*`` and grouping work; AND/OR/NOT are operators only in a
    query that is not written all in capitals (a shouted query is just words). A hyphen inside a
    word is part of it ("three-point" is not "three NOT point").
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
        return parser

    def text_query(self, text: str) -> tuple[query.Query | None, query.Query | None]:
        """(what passages should match, what they must not match) for the free-text part."""
        cleaned = _clean_text_query(text).strip()
        if not cleaned:
            return None, None
        words = cleaned.split()
        if all(w.startswith("-") for w in words):  # only exclusions: everything else matches
            q, _ = self.text_query(" ".join(w.lstrip("-") for w in words))
            return None, q
        parser = self._parsers[any(c.islower() for c in cleaned)]
        try:
            q = parser.parse(cleaned)
        except Exception:
            plain = re.findall(r"\w+", cleaned)
            q = parser.parse(" ".join(plain)) if plain else query.NullQuery
        if q is query.NullQuery or isinstance(q, type(query.NullQuery)) or not _has_positive(q):
            return None, None
        return without_andnot(q), None


def entity_key(name: str) -> str:
    from newsearch.ingest.entities import entity_key as key

    return str(key(name))


def source_key(name: str) -> str:
    return " ".join(name.lower().split())


def _field_query(name: str, value: str) -> query.Query:
    if name == "source":
        return query.Term("source", source_key(value))
    if name == "topic":
        return query.Term("topic", value.strip().lower())
    if name in ENTITY_FIELDS:
        return query.Term(name, entity_key(value))
    if name == "entity":
        key = entity_key(value)
        return query.Or([query.Term(f, key) for f in ENTITY_FIELDS])
    if name in ("since", "until", "date"):
        start = parse_date_bound(value, end=False)
        end = parse_date_bound(value, end=True)
        return _date_range(start, end)
    raise QueryError(f"unknown filter {name!r}: use one of {', '.join(FILTER_NAMES)}")


def _date_range(start: dt.date | None, end: dt.date | None) -> query.Query:
    lo = day_key(start) if start else None
    hi = day_key(end) if end else None
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


def without_andnot(q: query.Query) -> query.Query:
    """``a ANDNOT b`` as ``a AND NOT b``: Whoosh 2.7.5's AndNot matcher can let through a
    document that ``b`` matches (seen with ``text:commiss ANDNOT source:rfa``). Each NOT
    inside an AND adds nothing to the score (Whoosh would add 1.0: see Unscored)."""
    if isinstance(q, query.AndNot):
        return query.And([without_andnot(q.a), Unscored(query.Not(without_andnot(q.b)))])
    if isinstance(q, query.And):
        return query.And(
            [
                Unscored(without_andnot(sub)) if isinstance(sub, query.Not) else without_andnot(sub)
                for sub in q.subqueries
            ],
            boost=q.boost,
        )
    return q.apply(without_andnot) if not q.is_leaf() else q


def filter_query(filters: Filters) -> tuple[query.Query | None, query.Query | None]:
    """(what an article must match, what it must not), None where unfiltered."""
    must: list[query.Query] = []
    if filters.source:
        must.append(query.Or([_field_query("source", s) for s in filters.source]))
    if filters.since and filters.until and filters.since > filters.until:
        raise QueryError(f"--since {filters.since} is after --until {filters.until}: swap them")
    if filters.since or filters.until:
        must.append(_date_range(filters.since, filters.until))
    for name in (*ENTITY_FIELDS, "entity", "topic"):
        values: Sequence[str] = getattr(filters, name)
        must.extend(_field_query(name, v) for v in values if v.strip())
    mask = [_field_query(name, value) for name, value in filters.exclude]
    return (
        query.And(must) if len(must) > 1 else must[0] if must else None,
        query.Or(mask) if mask else None,
    )


def _has_positive(q: query.Query) -> bool:
    if isinstance(q, query.Not) or q is query.NullQuery:
        return False
    if isinstance(q, query.AndNot):
        return _has_positive(q.a)
    if q.is_leaf():
        return True
    if isinstance(q, query.And):
        return any(_has_positive(c) for c in q.children() if not isinstance(c, query.Not))
    return any(_has_positive(c) for c in q.children())


def positive_terms(q: query.Query) -> set[str]:
    """Analyzed terms of the text fields that a match may contain (negated parts left out)."""
    out: set[str] = set()
    if isinstance(q, query.Not):
        return out
    if isinstance(q, query.AndNot):
        return positive_terms(q.a)
    if q.is_leaf():
        for fieldname, text in q.terms(phrases=True):
            if fieldname in TEXT_FIELDS:
                out.add(text.decode("utf-8") if isinstance(text, bytes) else str(text))
        return out
    for child in q.children():
        out |= positive_terms(child)
    return out


def with_filters(base: Filters, **options: object) -> Filters:
    """``base`` plus API keyword filters (a string or a sequence of strings each)."""
    changes: dict[str, object] = {}
    for name, value in options.items():
        if value is None or value == () or value == []:
            continue
        if name == "exclude":
            changes[name] = base.exclude + _exclusions(value)
        elif name in ("since", "until"):
            if isinstance(value, str):
                value = parse_date_bound(value, end=name == "until")
            changes[name] = value
        else:
            values = (value,) if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]
            changes[name] = getattr(base, name) + values
    return replace(base, **changes)  # type: ignore[arg-type]


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
