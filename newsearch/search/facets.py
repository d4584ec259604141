"""Facet counts over a set of matching articles, with numpy.

For each facet field (source, date, the entity types, the language, the story (its id:
newsearch/stories/), and each tag name:
``category:business`` terms of the ``tag`` field, a facet per name) the index's own terms
give, once per open searcher (index/segments.py), a pair of arrays: document number and value
code of every (article, value). A facet count is then one ``bincount`` over the pairs whose
article matches, however many articles match. No stored field is read for counting; display
names ("Kim Jong Un" for the key ``kim jong un``, "RFA" for ``rfa``) come from the stored
entity records of a few articles holding the value, and only for the values shown.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from newsearch.index import keys as index_keys
from newsearch.index.segments import Ints, Mask, SegmentView
from newsearch.models import ENTITY_TYPES, EntitySummary, EntityType, FacetValue
from newsearch.search.arrays import unique
from newsearch.text.entity_resolution import Resolution, resolve
from newsearch.text.org_names import Together

DateBucket = Literal["day", "month", "year"]
FACET_NAMES = ("source", "date", "person", "org", "place", "language", "story")
UNKNOWN = "unknown"
NAME_SAMPLE = 5  # articles whose stored records vote on a value's display name
VARIANT_SAMPLE = 200  # articles whose stored records give an entity's names
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
        self._resolution: Resolution | None = None
        self._tag_names: list[str] | None = None

    def pairs(self, field: str) -> _Pairs:
        found = self._pairs.get(field)
        if found is None:
            if field in ENTITY_TYPES:
                self._resolve()
                return self._pairs[field]
            keys, docs, codes = self._view.field_values(field)
            found = self._pairs[field] = _grouped(keys, docs, codes)
        return found

    @property
    def resolution(self) -> Resolution:
        """The index's entities resolved across the corpus (text/entity_resolution.py)."""
        if self._resolution is None:
            self._resolve()
        assert self._resolution is not None
        return self._resolution

    def _resolve(self) -> None:
        """Resolve every entity key of the index from the live articles holding it as each
        type, then make each type's pairs of (article, entity): an article naming an entity
        under several keys or types counts once, under the entity's one type."""
        live = self._view.live
        raw = {kind: self._view.field_values(kind) for kind in ENTITY_TYPES}
        counts: dict[str, Counter[Any]] = {}
        for kind, (keys, docs, codes) in raw.items():
            held = np.bincount(codes[live[docs]], minlength=len(keys))
            for key, n in zip(keys, held.tolist(), strict=True):
                if n:
                    counts.setdefault(key, Counter())[kind] = n
        res = resolve(counts, _together(raw, live))
        entities = sorted(res.types)
        code_of = {k: i for i, k in enumerate(entities)}
        type_codes = np.array([ENTITY_TYPES.index(res.types[k]) for k in entities], np.int64)
        found_docs: list[Ints] = []
        found_codes: list[Ints] = []
        for keys, docs, codes in raw.values():
            mapping = np.array([code_of.get(res.canonical.get(k, ""), -1) for k in keys], np.int64)
            mapped = mapping[codes] if len(codes) else codes
            keep = mapped >= 0
            found_docs.append(docs[keep])
            found_codes.append(mapped[keep])
        docs_all = np.concatenate(found_docs) if found_docs else np.empty(0, np.int64)
        codes_all = np.concatenate(found_codes) if found_codes else np.empty(0, np.int64)
        if len(docs_all):
            pair = unique(docs_all * max(1, len(entities)) + codes_all)
            docs_all, codes_all = pair // max(1, len(entities)), pair % max(1, len(entities))
        for t, kind in enumerate(ENTITY_TYPES):
            mine = type_codes[codes_all] == t if len(codes_all) else np.zeros(0, np.bool_)
            self._pairs[kind] = _grouped(entities, docs_all[mine], codes_all[mine])
        self._resolution = res

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
            elif name in ("language", "story"):  # as the filter takes them: "de", a story id
                labelled.update(by_key)
            else:
                for key in _contenders(by_key, limit):
                    labelled[self.display(name, key)] += by_key[key]
            if name in ("source", "date"):
                unknown = total - self.holding(name, matched)
                if unknown:
                    labelled[UNKNOWN] += unknown
            ranked = sorted(labelled.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
            out[name] = tuple(FacetValue(v, n) for v, n in ranked)
        for name, values in self.tag_facets(matched, limit).items():
            out.setdefault(name, values)
        return out

    def tag_names(self) -> list[str]:
        """The tag names the live articles hold (``category``, ``topic``...), sorted."""
        if self._tag_names is None:
            held = self.counts("tag", self._view.live)
            self._tag_names = sorted({index_keys.split_tag(k)[0] for k in held})
        return self._tag_names

    def tag_facets(self, matched: Mask, limit: int) -> dict[str, tuple[FacetValue, ...]]:
        """A facet per tag name (``--tag-field category``: a ``category`` facet), its values
        by count over ``matched``; every name the index holds, empty where none matches."""
        names = self.tag_names()
        if not names:
            return {}
        grouped: dict[str, Counter[str]] = {name: Counter() for name in names}
        for key, n in self.counts("tag", matched).items():
            name = index_keys.split_tag(key)[0]
            if name in grouped:
                grouped[name][key] = n
        out: dict[str, tuple[FacetValue, ...]] = {}
        for name, by_key in grouped.items():
            labelled: Counter[str] = Counter()
            for key in _contenders(by_key, limit):
                labelled[self.display("tag", key)] += by_key[key]
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
                elif field == "tag":  # the value as the articles' source wrote it
                    for kind, value in meta.get("tags", []):
                        if index_keys.tag_term(kind, value) == key:
                            votes[value] += 1
                else:  # the entity's own key's names first, then its variants'
                    members = set(self.resolution.members.get(key, (key,)))
                    for _, name, k in meta.get("entities", []):
                        k = k.replace(",", " ")
                        if k in members:
                            votes[name] += 1000 if k == key else 1
            found = votes.most_common(1)[0][0] if votes else key
            self._names[(field, key)] = found
        return found

    def entities(
        self, matched: Mask, kinds: tuple[EntityType, ...], limit: int, leave_out: str = ""
    ) -> tuple[EntitySummary, ...]:
        """The entities of ``kinds`` most named by the ``matched`` articles (``leave_out``:
        a canonical key not to list), with the names each was seen under."""
        counted = [
            (n, kind, key) for kind in kinds for key, n in self.counts(kind, matched).items()
        ]
        counted = [c for c in counted if c[2] != leave_out]
        counted.sort(key=lambda c: (-c[0], c[2]))
        return tuple(
            EntitySummary(self.display(kind, key), kind, n, self.variants(kind, key))
            for n, kind, key in counted[:limit]
        )

    def variants(self, kind: str, key: str) -> tuple[str, ...]:
        """The names a sample of the entity's articles give it, by frequency."""
        members = set(self.resolution.members.get(key, (key,)))
        names: Counter[str] = Counter()
        for docnum in self._sample(kind, key, VARIANT_SAMPLE):
            for _, name, k in self._view.stored_fields(docnum)["meta"].get("entities", []):
                if k.replace(",", " ") in members:
                    names[name] += 1
        return tuple(n for n, _ in names.most_common())

    def _sample(self, field: str, key: str, size: int = NAME_SAMPLE) -> Iterator[int]:
        """A few live articles holding the value (a mask, not a Whoosh call per article: a
        place such as "usa" is held by 125,000 of 216,000)."""
        p = self.pairs(field)
        i = p.keys.index(key)
        docs = p.docs[p.starts[i] : p.starts[i + 1]]
        return iter(docs[self._view.live[docs]][:size].tolist())

    def summary(self, live: Mask) -> dict[str, Any]:
        """Sources, first and last day, and entities of each type, over the live articles."""
        dates = sorted(self.counts("date", live))
        return {
            "sources": len(self.counts("source", live)),
            "first_date": dt.date.fromisoformat(_iso(dates[0])) if dates else None,
            "last_date": dt.date.fromisoformat(_iso(dates[-1])) if dates else None,
            "entities": {k: len(self.counts(k, live)) for k in ENTITY_TYPES},
        }


def _together(raw: Mapping[Any, tuple[list[str], Ints, Ints]], live: Mask) -> Together:
    """How many live articles name both of two entity keys (as any type): asked of a few
    keys only (short forms several names could stand for), so grouped when first asked."""
    grouped: list[_Pairs] = []
    where: list[dict[str, int]] = []

    @functools.lru_cache(maxsize=4096)
    def held(key: str) -> Ints:
        if not grouped:
            for keys, docs, codes in raw.values():
                grouped.append(_grouped(keys, docs, codes))
                where.append({k: i for i, k in enumerate(keys)})
        found = [
            p.docs[p.starts[i] : p.starts[i + 1]]
            for p, index in zip(grouped, where, strict=True)
            if (i := index.get(key)) is not None
        ]
        docs = unique(*found)
        return docs[live[docs]]

    def together(a: str, b: str) -> int:
        return len(np.intersect1d(held(a), held(b), assume_unique=True))

    return together


def _grouped(keys: list[str], docs: Ints, codes: Ints) -> _Pairs:
    """Pairs grouped by value, articles ascending within a value."""
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes, minlength=len(keys))
    return _Pairs(
        docs=docs[order],
        codes=codes[order].astype(np.int32),
        keys=keys,
        starts=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
    )


def _iso(yyyymmdd: str) -> str:
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:8]}"


def _contenders(by_key: Counter[str], limit: int) -> list[str]:
    """The keys that could be among the ``limit`` shown: all counting at least as many as the
    ``limit``-th (names decide ties)."""
    if len(by_key) <= limit:
        return list(by_key)
    floor = sorted(by_key.values(), reverse=True)[limit - 1]
    return [k for k, n in by_key.items() if n >= floor]
