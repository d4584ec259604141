"""Facet counts over a set of matching articles, with numpy.

For each facet field (source, date and the entity types) the index's own terms give, once per
open searcher (index/segments.py), a pair of arrays: document number and value code of every
(article, value). A facet count is then one ``bincount`` over the pairs whose article matches,
however many articles match. No stored field is read for counting; display names ("Kim Jong
Un" for the key ``kim jong un``, "RFA" for ``rfa``) come from the stored entity records of a few
articles holding the value, and only for the values shown.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from newsearch.index.segments import Ints, Mask, SegmentView
from newsearch.models import ENTITY_TYPES, FacetValue

DateBucket = Literal["day", "month", "year"]
FACET_NAMES = ("source", "date", "person", "org", "place")
UNKNOWN = "unknown"
NAME_SAMPLE = 5  # articles whose stored records vote on a value's display name
_CUT = {"day": 10, "month": 7, "year": 4}


@dataclass(frozen=True)
class _Pairs:
    docs: Ints  # document number of each (article, value) pair
    codes: npt.NDArray[np.int32]  # value of each pair, an index into keys
    keys: list[str]  # the field's terms
    starts: Ints  # pairs of keys[i] are docs[starts[i]:starts[i + 1]] (grouped by value)


class FacetTable:
    """The facet fields of one open searcher, as arrays; built field by field on first use."""

    def __init__(self, view: SegmentView) -> None:
        self._view = view
        self._pairs: dict[str, _Pairs] = {}
        self._names: dict[tuple[str, str], str] = {}
        self._has: dict[str, Mask] = {}

    def pairs(self, field: str) -> _Pairs:
        found = self._pairs.get(field)
        if found is None:
            keys, docs, codes = self._view.field_values(field)
            order = np.argsort(codes, kind="stable")  # grouped by value, articles ascending
            sizes = np.bincount(codes, minlength=len(keys))
            found = _Pairs(
                docs=docs[order],
                codes=codes[order].astype(np.int32),
                keys=keys,
                starts=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
            )
            self._pairs[field] = found
        return found

    def counts(self, field: str, matched: Mask) -> Counter[str]:
        """How many matching articles hold each value of ``field`` (by key)."""
        p = self.pairs(field)
        if not len(p.docs):
            return Counter()
        hits = np.bincount(p.codes[matched[p.docs]], minlength=len(p.keys))
        return Counter({p.keys[i]: int(hits[i]) for i in np.flatnonzero(hits)})

    def holding(self, field: str, matched: Mask) -> int:
        """How many matching articles hold some value of ``field``."""
        has = self._has.get(field)
        if has is None:
            has = self._has[field] = np.zeros(self._view.doc_count, np.bool_)
            has[self.pairs(field).docs] = True
        return int(np.count_nonzero(has & matched))

    def facets(
        self, matched: Mask, bucket: DateBucket, limit: int
    ) -> dict[str, tuple[FacetValue, ...]]:
        """Each facet's values by count (then name), ``limit`` of them, over ``matched``."""
        total = int(matched.sum())
        out: dict[str, tuple[FacetValue, ...]] = {}
        for name in FACET_NAMES:
            by_key = self.counts(name, matched)
            labelled: Counter[str] = Counter()
            if name == "date":
                for key, n in by_key.items():
                    labelled[_iso(key)[: _CUT[bucket]]] += n
            else:
                for key in _contenders(by_key, limit):
                    labelled[self.display(name, key)] += by_key[key]
            if name in ("source", "date"):
                unknown = total - self.holding(name, matched)
                if unknown:
                    labelled[UNKNOWN] += unknown
            ranked = sorted(labelled.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
            out[name] = tuple(FacetValue(v, n) for v, n in ranked)
        return out

    def display(self, field: str, key: str) -> str:
        """The name most of a few articles holding the value give it (the key if none)."""
        found = self._names.get((field, key))
        if found is None:
            votes: Counter[str] = Counter()
            for docnum in self._sample(field, key):
                meta = self._view.stored_fields(docnum)["meta"]
                if field == "source":
                    src = meta.get("source")
                    if src and " ".join(src.lower().split()) == key:
                        votes[src] += 1
                else:
                    votes.update(
                        name
                        for kind, name, k in meta.get("entities", [])
                        if kind == field and k.replace(",", " ") == key
                    )
            found = votes.most_common(1)[0][0] if votes else key
            self._names[(field, key)] = found
        return found

    def _sample(self, field: str, key: str) -> Iterator[int]:
        """A few live articles holding the value (a mask, not a Whoosh call per article: a
        place such as "usa" is held by 125,000 of 216,000)."""
        p = self.pairs(field)
        i = p.keys.index(key)
        docs = p.docs[p.starts[i] : p.starts[i + 1]]
        return iter(docs[self._view.live[docs]][:NAME_SAMPLE].tolist())

    def summary(self, live: Mask) -> dict[str, Any]:
        """Sources, first and last day, and entities of each type, over the live articles."""
        dates = sorted(self.counts("date", live))
        return {
            "sources": len(self.counts("source", live)),
            "first_date": dt.date.fromisoformat(_iso(dates[0])) if dates else None,
            "last_date": dt.date.fromisoformat(_iso(dates[-1])) if dates else None,
            "entities": {k: len(self.counts(k, live)) for k in ENTITY_TYPES},
        }


def _iso(yyyymmdd: str) -> str:
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:8]}"


def _contenders(by_key: Counter[str], limit: int) -> list[str]:
    """The keys that could be among the ``limit`` shown: all counting at least as many as the
    ``limit``-th (names decide ties)."""
    if len(by_key) <= limit:
        return list(by_key)
    floor = sorted(by_key.values(), reverse=True)[limit - 1]
    return [k for k, n in by_key.items() if n >= floor]
