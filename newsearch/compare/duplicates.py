"""Near-duplicate sentences and passages: what several outlets carry nearly word for word.

Texts are sets of word shingles (three words in a row, lower case); rensa's MinHash (128
permutations) and its LSH (32 bands of 4) find the candidate pairs, and a pair is a near
duplicate when the exact Jaccard similarity of their shingle sets is at least ``THRESHOLD``
(MinHash only proposes; the sets decide, so no pair is joined on an estimate). Groups are
the pairs' connected components, each led by its first text (the best ranked).

``collapse`` does this for ranked passages (``query --collapse``): a passage another one
ranked higher already shows is dropped, and that one lists its article in ``also_in``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from newsearch.models import ArticleInfo, Hit, SearchResults

SHINGLE = 3
THRESHOLD = 0.5
NUM_PERM = 128
BANDS = 32
SEED = 42
_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = SHINGLE) -> frozenset[str]:
    """The text's runs of ``size`` words (lower case); a shorter text is one shingle."""
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return frozenset({" ".join(words)}) if words else frozenset()
    runs = zip(*(words[i:] for i in range(size)), strict=False)  # (the shorter ends it)
    return frozenset(map(" ".join, runs))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


@lru_cache(maxsize=1)
def _rensa() -> Any:
    import rensa

    return rensa


def candidate_pairs(sets: Sequence[frozenset[str]]) -> set[tuple[int, int]]:
    """Pairs (i < j) whose MinHash signatures share an LSH band."""
    keep = [i for i, s in enumerate(sets) if s]
    if len(keep) < 2:
        return set()
    rensa = _rensa()
    tokens = [sorted(sets[i]) for i in keep]
    hashes = rensa.RMinHash.from_token_sets(tokens, num_perm=NUM_PERM, seed=SEED)
    lsh = rensa.RMinHashLSH(THRESHOLD, NUM_PERM, BANDS)
    for k, h in enumerate(hashes):
        lsh.insert(k, h)
    pairs: set[tuple[int, int]] = set()
    for k, h in enumerate(hashes):
        for other in lsh.query(h):
            if other != k:
                a, b = sorted((keep[k], keep[other]))
                pairs.add((a, b))
    return pairs


def near_duplicates(
    texts: Sequence[str], same_group: Callable[[int, int], bool] | None = None
) -> list[list[int]]:
    """Groups of indices of ``texts`` that are near duplicates (each group in index order,
    groups by their first index; texts with no duplicate are left out). ``same_group(i, j)``
    may veto a pair (e.g. two texts of one article)."""
    sets = [shingles(t) for t in texts]
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in sorted(candidate_pairs(sets)):
        if jaccard(sets[i], sets[j]) >= THRESHOLD and (same_group is None or same_group(i, j)):
            a, b = root(i), root(j)
            parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(len(texts)):
        groups.setdefault(root(i), []).append(i)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])


def collapse_hits(hits: Sequence[Hit]) -> list[Hit]:
    """The hits with each near-duplicate passage of another article shown once: the best
    ranked keeps it and lists the others' articles in ``also_in`` (every hit gets one)."""
    also: dict[int, list[ArticleInfo]] = {}
    dropped: set[int] = set()

    def other_articles(i: int, j: int) -> bool:
        return hits[i].article.id != hits[j].article.id

    for group in near_duplicates([h.text for h in hits], other_articles):
        first = group[0]
        seen = {hits[first].article.id}
        for k in group[1:]:
            dropped.add(k)
            if hits[k].article.id not in seen:
                seen.add(hits[k].article.id)
                also.setdefault(first, []).append(hits[k].article)
    return [
        replace(h, also_in=tuple(also.get(i, ()))) for i, h in enumerate(hits) if i not in dropped
    ]


def collapsed(run: Callable[[int], SearchResults], limit: int, offset: int = 0) -> SearchResults:
    """``run(n)``'s best ``n`` passages collapsed (n deep enough to fill the page after the
    duplicates go), then the page ``offset``..``offset + limit``, ranked again from 1."""
    depth = min(max((offset + limit) * 3, 30), 1000)
    found = run(depth)
    kept = collapse_hits(found.results)[offset : offset + limit]
    hits = tuple(replace(h, rank=rank) for rank, h in enumerate(kept, start=offset + 1))
    return replace(found, results=hits, offset=offset)
