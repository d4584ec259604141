"""A search as the page's URL holds it: the query, every filter, the order, the page.

``SearchState.parse`` reads a query string (the page's and the API's parameter names are the
same: ``q``, ``source``, ``since``, ``exclude=source:RFA``, ``page``...), checking every bound
before the engine sees it; ``url`` writes a state back, so that each link of the page (a facet
value, a bar of the histogram, the next page) is the whole state with one thing changed, and a
search can be bookmarked and shared.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from newsearch.errors import QueryError
from newsearch.render import clip
from newsearch.search.filters import LIST_FILTERS

# The engine's list filters (source, person, ..., tag, language: whatever it has), each a URL
# parameter repeated for several values; and "exclude", FIELD:VALUE pairs to leave out.
LISTS = (*LIST_FILTERS, "exclude")
SORTS = ("relevance", "newest", "oldest")
MODES = ("hybrid", "lexical")
MAX_LIMIT = 200  # passages on one page or one API answer
MAX_OFFSET = 10_000  # passages skipped: deeper pages rank ever longer lists
MAX_VALUES = 50  # values of one filter
MAX_VALUE_CHARS = 300  # characters of one filter value
MAX_PER_ARTICLE = 50
DEFAULT_LIMIT = 10


class BadParameter(QueryError):
    """A parameter of the URL out of bounds or not understood (HTTP 422)."""


@dataclass(frozen=True)
class SearchState:
    """Everything a results page shows depends on; defaults are left out of its URL."""

    q: str = ""
    # (filter, value) pairs of the list filters and exclusions ("exclude", "source:RFA"), in
    # the order of LISTS: ``values(name)`` reads them, ``url(name=(...))`` changes them.
    chosen: tuple[tuple[str, str], ...] = ()
    since: str = ""
    until: str = ""
    sort: str = "relevance"
    mode: str = "hybrid"
    offset: int = 0  # passages before this page (``page=N`` in the URL where it is one)
    limit: int = DEFAULT_LIMIT
    per_article: int | None = None
    collapse: bool = False
    explain: bool = False
    feedback: bool = False

    @classmethod
    def parse(cls, params: Mapping[str, Any] | Iterable[tuple[str, str]]) -> SearchState:
        """The state of a query string (a multi-dict's ``multi_items()`` or pairs);
        BadParameter names the parameter and the bound."""
        pairs = list(_items(params))
        values: dict[str, list[str]] = {}
        for name, value in pairs:
            values.setdefault(name, []).append(value)

        def one(name: str) -> str:
            got = values.get(name) or [""]
            return got[-1].strip()

        changes: dict[str, Any] = {"q": (values.get("q") or [""])[-1]}
        chosen: list[tuple[str, str]] = []
        for name in LISTS:
            given = tuple(v.strip() for v in values.get(name, []) if v.strip())
            if len(given) > MAX_VALUES:
                raise BadParameter(f"{name}: at most {MAX_VALUES} values (got {len(given)})")
            for v in given:
                if len(v) > MAX_VALUE_CHARS:
                    raise BadParameter(f"{name}: a value of at most {MAX_VALUE_CHARS} characters")
            if name == "exclude":
                for v in given:
                    if ":" not in v or not all(p.strip() for p in v.split(":", 1)):
                        raise BadParameter(f"exclude {clip(v)!r}: use FIELD:VALUE, e.g. source:RFA")
            chosen.extend((name, v) for v in dict.fromkeys(given))
        changes["chosen"] = tuple(chosen)
        for name in ("since", "until"):
            changes[name] = one(name)[:MAX_VALUE_CHARS]
        for name, choices in (("sort", SORTS), ("mode", MODES)):
            got = one(name) or getattr(cls, name)
            if got not in choices:
                raise BadParameter(f"{name} {clip(got)!r} not understood: use {', '.join(choices)}")
            changes[name] = got
        changes["limit"] = _whole(one("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        if one("offset") and one("page"):
            raise BadParameter("give page or offset, not both")
        page = _whole(one("page"), "page", 1, 1, None)
        if (page - 1) * changes["limit"] > MAX_OFFSET:
            raise BadParameter(
                f"page {page:,} starts past passage {MAX_OFFSET:,}: narrow the search instead"
            )
        offset = _whole(one("offset"), "offset", 0, 0, MAX_OFFSET)
        changes["offset"] = offset or (page - 1) * changes["limit"]
        per = one("per_article")
        changes["per_article"] = _whole(per, "per_article", 0, 1, MAX_PER_ARTICLE) if per else None
        for name in ("collapse", "explain", "feedback"):
            changes[name] = _flag(one(name), name)
        return cls(**changes)

    @property
    def page(self) -> int:
        """The page this state shows (its first passage's page)."""
        return self.offset // self.limit + 1

    def values(self, name: str) -> tuple[str, ...]:
        """The values of list filter ``name`` (or ``exclude``)."""
        return tuple(v for n, v in self.chosen if n == name)

    def _with(self, lists: dict[str, tuple[str, ...]]) -> tuple[tuple[str, str], ...]:
        """``chosen`` with the values of the filters in ``lists`` replaced."""
        return tuple(
            (name, v)
            for name in LISTS
            for v in dict.fromkeys(lists[name] if name in lists else self.values(name))
        )

    @property
    def filters(self) -> dict[str, Any]:
        """The filters as the engine's keyword arguments (only those given)."""
        out: dict[str, Any] = {}
        for name, value in self.chosen:
            out.setdefault(name, []).append(value)
        for name in ("since", "until"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        return out

    def search_options(self) -> dict[str, Any]:
        """``engine.search``'s keyword arguments for this state (its page, its filters)."""
        options: dict[str, Any] = {
            "limit": self.limit,
            "offset": self.offset,
            "sort": self.sort,
            "mode": self.mode,
            "collapse": self.collapse,
            "explain": self.explain,
            "feedback": self.feedback,
            **self.filters,
        }
        if self.per_article is not None:
            options["per_article"] = self.per_article
        return options

    @property
    def filtered(self) -> bool:
        return bool(self.filters)

    def pairs(self) -> list[tuple[str, str]]:
        """The state as query-string pairs, defaults left out."""
        out: list[tuple[str, str]] = []
        if self.q:
            out.append(("q", self.q))
        out.extend(self.chosen)
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in ("q", "chosen") or value in ((), f.default):
                continue
            if f.name == "offset" and value % self.limit == 0:
                out.append(("page", str(self.page)))
            elif isinstance(value, tuple):
                out.extend((f.name, v) for v in value)
            elif isinstance(value, bool):
                out.append((f.name, "1"))
            else:
                out.append((f.name, str(value)))
        return out

    def query_string(self) -> str:
        return urlencode(self.pairs())

    def url(self, path: str = "/", /, **changes: Any) -> str:
        """The URL of this state with ``changes`` (``page=N``; a change of anything but the
        page goes back to page 1)."""
        page = changes.pop("page", 1 if changes else None)
        if page is not None:
            changes["offset"] = (page - 1) * changes.get("limit", self.limit)
        lists = {name: tuple(changes.pop(name)) for name in LISTS if name in changes}
        if lists:
            changes["chosen"] = self._with(lists)
        state = replace(self, **changes) if changes else self
        qs = state.query_string()
        return f"{path}?{qs}" if qs else path

    def has(self, name: str, value: str) -> bool:
        return (name, value) in self.chosen

    def toggled(self, name: str, value: str) -> str:
        """The URL with ``value`` of filter ``name`` added, or taken away if present."""
        now = self.values(name)
        after = tuple(v for v in now if v != value) if value in now else (*now, value)
        return self.url(**{name: after})

    def without(self, name: str, value: str | None = None) -> str:
        """The URL with a filter value (or a date bound: ``value`` None) taken away."""
        if name in ("since", "until"):
            return self.url(**{name: ""})
        return self.url(**{name: tuple(v for v in self.values(name) if v != value)})

    def excluding(self, name: str, value: str) -> str:
        """The URL leaving out articles with ``value`` (and no longer requiring it)."""
        key = f"{name}:{value}"
        kept = tuple(v for v in self.values(name) if v != value)
        return self.url(**{name: kept, "exclude": (*self.values("exclude"), key)})

    def cleared(self) -> str:
        """The URL with no filter."""
        return self.url(**dict.fromkeys(LISTS, ()), since="", until="")

    def active(self) -> list[tuple[str, str, str]]:
        """Each filter as (label, value, URL that removes it), in the order of the URL."""
        out = [
            ("not" if name == "exclude" else name, v, self.without(name, v))
            for name, v in self.chosen
        ]
        for name in ("since", "until"):
            if getattr(self, name):
                out.append((name, getattr(self, name), self.without(name)))
        return out


def _items(params: Mapping[str, Any] | Iterable[tuple[str, str]]) -> Iterable[tuple[str, str]]:
    multi = getattr(params, "multi_items", None)
    if multi is not None:
        return [(str(k), str(v)) for k, v in multi()]
    if isinstance(params, Mapping):
        out: list[tuple[str, str]] = []
        for k, v in params.items():
            if isinstance(v, str | int) or v is None:
                out.append((k, "" if v is None else str(v)))
            else:
                out.extend((k, str(x)) for x in v)
        return out
    return list(params)


def _whole(text: str, name: str, default: int, low: int, high: int | None) -> int:
    if not text:
        return default
    if not text.isdigit() or len(text) > 12:
        raise BadParameter(f"{name} {clip(text)!r}: give a whole number")
    n = int(text)
    if n < low or (high is not None and n > high):
        most = f" and {high:,}" if high is not None else ""
        raise BadParameter(f"{name} must be between {low}{most} (got {n:,})")
    return n


def _flag(text: str, name: str) -> bool:
    if text.lower() in ("", "0", "false", "no", "off"):
        return False
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    raise BadParameter(f"{name} {clip(text)!r}: use 1 or 0")
