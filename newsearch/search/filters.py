"""Filters on article metadata, from every route to the index terms they match.

Filters arrive three ways: ``field:value`` clauses in the query text (``source:RFA``,
``person:"Kim Jong Un"``, ``since:2025-04``, ``-source:RFA``), keyword arguments of the API
(``source=``, ``exclude=``...), and a ``Filters`` object. ``gather`` merges them once, before
the query plan is built; ``filter_queries`` turns them into what an article must and must not
match, with the index terms of index/keys.py (the indexer's own rules).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from whoosh import query

from newsearch.errors import QueryError
from newsearch.index import keys
from newsearch.index.schema import ENTITY_FIELDS
from newsearch.text.entity_resolution import Resolution

TYPE_NAMES = {"person": "a person", "org": "an organisation", "place": "a place"}


@dataclass(frozen=True)
class Filters:
    """Filters on article metadata; lists within a field: sources and languages OR-ed,
    entities and topics AND-ed, tags (``"category=BUSINESS"``) OR-ed within a name and AND-ed
    across names. The
    same filters come by three routes (``field:value`` in the query, keyword arguments, a
    ``Filters`` object) and are merged by ``gather``."""

    source: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    person: tuple[str, ...] = ()
    org: tuple[str, ...] = ()
    place: tuple[str, ...] = ()
    entity: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()  # "name=value": values of one name OR-ed, names AND-ed
    language: tuple[str, ...] = ()  # codes or names ("de", "German"), OR-ed
    story: tuple[str, ...] = ()  # story ids (newsearch/stories/; the start of one will do), OR-ed
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
# (``story``, newsearch/stories/, is a list filter of the query, the engine and the command
# line, but not yet of the HTTP API, batch columns or watches, which take LIST_FILTERS.)
LIST_FILTERS = tuple(
    f.name for f in fields(Filters) if f.name not in ("since", "until", "exclude", "story")
)
FILTER_NAMES = (*LIST_FILTERS, "story", "since", "until", "date")
ALIASES = {"lang": "language"}  # other names of filters in the query text and exclusions
_CLAUSE = re.compile(
    r"(?<![^\s(])(?P<neg>-)?(?P<field>" + "|".join((*FILTER_NAMES, *ALIASES)) + r"):"
    r"(?:\"(?P<quoted>[^\"]*)\"?|(?P<bare>[^\s\"()]+))",
    re.IGNORECASE,
)


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
        name = ALIASES.get(name, name)
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


def _field_query(name: str, value: str) -> query.Query:
    # The terms as the indexer wrote them: one rule each, in index/keys.py.
    if name == "source":
        return query.Term("source", keys.source_term(value))
    if name == "topic":
        return query.Term("topic", keys.topic_term(value))
    if name == "tag":
        return query.Term("tag", keys.tag_term(*tag_pair(value)))
    if name == "language":
        return query.Term("language", language_value(value))
    if name == "story":  # (an id, or its start)
        return query.Prefix("story", value.strip().lower())
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


def language_value(value: str) -> str:
    """The language term of a filter's value (``de``, ``German``, ``pt-BR``), or a
    QueryError saying what to write."""
    term = keys.language_term(value)
    if term is None:
        raise QueryError(
            f"language {value!r} not understood: give a code such as de, fr, zh "
            "(the language facet lists the index's) or a name such as German"
        )
    return term


def tag_pair(value: str) -> tuple[str, str]:
    """``("category", "BUSINESS")`` from ``category=BUSINESS`` (or ``category:BUSINESS``)."""
    sep = "=" if "=" in value else ":"
    name, found, text = value.partition(sep)
    if not found or not name.strip() or not text.strip():
        raise QueryError(
            f"tag {value!r}: write NAME=VALUE, e.g. --tag category=BUSINESS "
            "(the names are the --tag-field names the index was built with)"
        )
    return name.strip(), text.strip()


def _tag_query(values: Sequence[str]) -> list[query.Query]:
    """One clause per tag name, OR-ing its values."""
    by_name: dict[str, list[query.Query]] = {}
    for value in values:
        if value.strip():
            name, _ = tag_pair(value)
            by_name.setdefault(keys.tag_name(name), []).append(_field_query("tag", value))
    return [q[0] if len(q) == 1 else query.Or(q) for q in by_name.values()]


def _date_range(start: dt.date | None, end: dt.date | None) -> query.Query:
    lo = keys.date_term(start) if start else None
    hi = keys.date_term(end) if end else None
    return query.TermRange("date", lo, hi)


def _entity_query(name: str, value: str, resolution: Resolution, notices: list[str]) -> query.Query:
    """An entity filter as the corpus resolved it: the entity's every key (its variants and
    short forms) under any type. A type filter (``--org``) on an entity of another type
    still finds it, and says which type it is."""
    found = resolution.find(keys.entity_term(value))
    if found is None:
        return _field_query(name, value)
    kind = resolution.types[found]
    if name != "entity" and kind != name:
        notices.append(
            f"{value} is indexed as {TYPE_NAMES[kind]}: use --{kind} or --entity "
            f"(its articles are shown)"
        )
    terms = [query.Term(f, k) for k in resolution.members[found] for f in ENTITY_FIELDS]
    return query.Or(terms) if len(terms) > 1 else terms[0]


@dataclass(frozen=True)
class FilterQueries:
    """Filters as Whoosh queries: what an article must match, what it must not (None: no
    such filter), and what the filters say to the user."""

    must: query.Query | None = None
    mask: query.Query | None = None
    notices: tuple[str, ...] = ()


def filter_queries(
    filters: Filters, entities: Callable[[], Resolution] | None = None
) -> FilterQueries:
    """``entities`` gives the corpus's entities resolved (entity filters then match every
    variant of the entity); without it an entity filter matches its key as indexed."""
    notices: list[str] = []
    resolution: Resolution | None = None

    def field_query(name: str, value: str, said: list[str]) -> query.Query:
        """``said``: where a notice about the value goes (an exclusion's goes nowhere)."""
        nonlocal resolution
        if entities is None or (name not in ENTITY_FIELDS and name != "entity"):
            return _field_query(name, value)
        if resolution is None:
            resolution = entities()
        return _entity_query(name, value, resolution, said)

    must: list[query.Query] = []
    if filters.source:
        must.append(query.Or([_field_query("source", s) for s in filters.source]))
    if filters.language:
        found = list(dict.fromkeys(_field_query("language", v) for v in filters.language))
        must.append(found[0] if len(found) == 1 else query.Or(found))
    stories = [_field_query("story", v) for v in filters.story if v.strip()]
    if stories:
        must.append(stories[0] if len(stories) == 1 else query.Or(stories))
    if filters.since and filters.until and filters.since > filters.until:
        raise QueryError(f"--since {filters.since} is after --until {filters.until}: swap them")
    if filters.since or filters.until:
        must.append(_date_range(filters.since, filters.until))
    must.extend(_tag_query(filters.tag))
    for name in LIST_FILTERS:
        if name in ("source", "tag", "language", "story"):
            continue
        values: Sequence[str] = getattr(filters, name)
        must.extend(field_query(name, v, notices) for v in values if v.strip())
    mask = [field_query(name, value, []) for name, value in filters.exclude]
    return FilterQueries(
        query.And(must) if len(must) > 1 else must[0] if must else None,
        query.Or(mask) if mask else None,
        tuple(notices),
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
        elif name in LIST_FILTERS or name == "story":
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
        name = ALIASES.get(name, name)
        if name not in FILTER_NAMES or not text:
            raise QueryError(
                f"exclude {item!r}: use FIELD:VALUE with FIELD one of {', '.join(FILTER_NAMES)}"
            )
        out.append((name, text))
    return tuple(out)


def _is_pairs(value: object) -> bool:
    return isinstance(value, tuple) and all(isinstance(v, tuple) for v in value)
