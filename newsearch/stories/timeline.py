"""``newsearch timeline``: the matching articles per day, week or month, per outlet.

Counted with the facet arrays (search/facets.py: each article's date and source terms), over
exactly the articles the query counts in its ``total`` (and its date facet): the periods'
counts plus the undated articles are that total. ``auto`` counts by day over a span of two
months at most, by ISO week up to a year, else by month.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Literal

import numpy as np
import numpy.typing as npt

from newsearch.errors import QueryError
from newsearch.models import FacetValue, Timeline, TimelinePeriod
from newsearch.search.facets import UNKNOWN, FacetTable

Bucket = Literal["auto", "day", "week", "month"]
BUCKETS: tuple[Bucket, ...] = ("auto", "day", "week", "month")
DAYS_BY_DAY = 62
DAYS_BY_WEEK = 366


def _per_doc(table: FacetTable, field: str, size: int) -> tuple[npt.NDArray[np.int64], list[str]]:
    """Each document's value code for a one-value field (-1: none), and the values."""
    pairs = table.pairs(field)
    codes = np.full(size, -1, np.int64)
    codes[pairs.docs] = pairs.codes
    return codes, pairs.keys


def period_of(day: dt.date, bucket: Bucket) -> str:
    if bucket == "day":
        return day.isoformat()
    if bucket == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()[:7]


def choose(first: dt.date | None, last: dt.date | None, bucket: Bucket) -> Bucket:
    if bucket != "auto":
        return bucket
    if first is None or last is None or (last - first).days <= DAYS_BY_DAY:
        return "day"
    return "week" if (last - first).days <= DAYS_BY_WEEK else "month"


def timeline(
    query: str,
    table: FacetTable,
    every: npt.NDArray[np.int64],
    size: int,
    bucket: Bucket = "auto",
    notices: tuple[str, ...] = (),
) -> Timeline:
    """The ``every`` matching documents (of ``size`` in the index) counted by period and
    outlet."""
    if bucket not in BUCKETS:
        raise QueryError(f"timeline bucket {bucket!r}: use {', '.join(BUCKETS)}")
    date_codes, date_keys = _per_doc(table, "date", size)
    source_codes, source_keys = _per_doc(table, "source", size)
    days = {k: dt.date(int(k[:4]), int(k[4:6]), int(k[6:8])) for k in date_keys}
    pairs: Counter[tuple[str, int]] = Counter(
        zip(
            (date_keys[c] if c >= 0 else "" for c in date_codes[every].tolist()),
            source_codes[every].tolist(),
            strict=True,
        )
    )
    dated = sorted(days[k] for k, _ in pairs if k)
    chosen = choose(dated[0] if dated else None, dated[-1] if dated else None, bucket)
    by_period: dict[str, Counter[str]] = {}
    undated: Counter[str] = Counter()
    for (key, source), n in pairs.items():
        name = table.display("source", source_keys[source]) if source >= 0 else UNKNOWN
        target = by_period.setdefault(period_of(days[key], chosen), Counter()) if key else undated
        target[name] += n
    periods = tuple(
        TimelinePeriod(p, sum(c.values()), _ranked(c)) for p, c in sorted(by_period.items())
    )
    return Timeline(
        query=query,
        bucket=chosen,
        total=len(every),
        periods=periods,
        undated=sum(undated.values()),
        undated_sources=_ranked(undated),
        notices=notices,
    )


def _ranked(counts: Counter[str]) -> tuple[FacetValue, ...]:
    return tuple(
        FacetValue(v, n) for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
