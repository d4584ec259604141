"""Values as index terms: one rule for each filter field, and the date sort keys.

The document builder (``ingest/document.py``) writes these terms and the query's filters
(``search/query.py``) look them up, so a filter finds what was stored by construction. Which
names are the same name is ``text/names.py``'s business; how the index spells the key is this
module's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from newsearch.text.dates import day_key
from newsearch.text.languages import language_code
from newsearch.text.names import entity_key, source_key

# Sort keys (the ``newest``/``oldest`` columns): fixed-width byte strings, ``0`` + 14 digits for
# a dated article, ``1`` for an undated one, so undated articles come last in either order.
UNDATED = b"1"
_LATEST = 99999999999999


def source_term(name: str) -> str:
    """The ``source`` term of an outlet name."""
    return source_key(name)


def entity_term(name: str) -> str:
    """The ``person``/``org``/``place`` term of an entity name (commas would split it)."""
    return entity_key(name).replace(",", " ")


def topic_term(value: str) -> str:
    """The ``topic`` term of a topic: lower case, spaces collapsed (commas would split it)."""
    return " ".join(value.lower().replace(",", " ").split())


def tag_name(name: str) -> str:
    """A tag's name as the index spells it: lower case, no space, comma or colon."""
    return "_".join(name.lower().replace(",", " ").replace(":", " ").split())


def tag_term(name: str, value: str) -> str:
    """The ``tag`` term of a tag (``category``, ``BUSINESS`` -> ``category:business``): its
    name, then its value as a topic's (one field holds every tag name's values)."""
    return f"{tag_name(name)}:{topic_term(value)}"


def split_tag(term: str) -> tuple[str, str]:
    """``("category", "business")`` from the term ``category:business``."""
    name, _, value = term.partition(":")
    return name, value


def language_term(value: str) -> str | None:
    """The ``language`` term of a language as a record or a user names it (``de``, ``DE``,
    ``de-AT``, ``German``, ``Deutsch`` -> ``de``); None when it names no language."""
    return language_code(value)


def date_term(day: dt.date) -> str:
    """The ``date`` term of a day, ``YYYYMMDD``: string order is date order (ranges)."""
    return day_key(day)


def keyword_value(terms: Iterable[str]) -> str:
    """A comma-separated field's value holding ``terms`` (empty ones and repeats left out)."""
    return ",".join(dict.fromkeys(t for t in terms if t))


def sort_keys(day: dt.date | None, time: dt.time | None) -> tuple[bytes, bytes]:
    """``(newest, oldest)``: sort keys that order articles by publication day and time, latest
    or earliest first, with undated articles last either way."""
    if day is None:
        return UNDATED, UNDATED
    t = time or dt.time.min
    stamp = int(day_key(day)) * 1_000_000 + (t.hour * 100 + t.minute) * 100 + t.second
    return f"0{_LATEST - stamp:014d}".encode(), f"0{stamp:014d}".encode()
