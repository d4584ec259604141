"""``compare``: the claims of the best matching articles, grouped, agreement judged.

The engine hands over the articles (best first: their metadata, body and content hash); their
claims come from the cache beside the generation or are found now (and kept); each becomes a
``Claim``; claims are grouped by counted thing and event (groups.py); in a group, a sentence
another outlet already gives nearly word for word (duplicates.py) with the same figure is
shown once, the other articles in ``also_in``, and one article's repeats of a figure once.
Groups come with most articles first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from newsearch.compare import groups as g
from newsearch.compare.cache import ClaimCache
from newsearch.compare.claims import FoundClaim, extract_claims
from newsearch.compare.duplicates import near_duplicates
from newsearch.compare.numbers import QUALIFIERS, Qualifier, interval
from newsearch.models import ArticleInfo, Claim, ClaimGroup, Comparison

ARTICLES = 30  # the best matching articles read by default


@dataclass(frozen=True)
class Source:
    """One matching article as the engine gives it."""

    info: ArticleInfo
    body: str
    hash: str


def claims_of(sources: Sequence[Source], generation: Path | None) -> list[list[FoundClaim]]:
    """Each article's claims: kept ones from the cache, the rest found now and kept."""
    cache = ClaimCache(generation)
    kept = cache.get(s.hash for s in sources if s.hash)
    todo = [s for s in sources if s.hash not in kept]
    if todo:
        found = extract_claims([s.body for s in todo])
        new = {s.hash: claims for s, claims in zip(todo, found, strict=True) if s.hash}
        cache.put(new)
        kept = {**kept, **new}
        unhashed = {id(s): claims for s, claims in zip(todo, found, strict=True)}
    else:
        unhashed = {}
    return [kept[s.hash] if s.hash in kept else unhashed.get(id(s), []) for s in sources]


def _claim(found: FoundClaim, source: Source) -> Claim:
    sentence = source.body[found.sentence_start : found.sentence_end]
    return Claim(
        value=found.value,
        qualifier=found.qualifier,
        low=found.low,
        high=found.high,
        counts=found.counts,
        event=found.event,
        attribution=found.attribution,
        text=sentence,
        start=found.start - found.sentence_start,
        end=found.end - found.sentence_start,
        sentence_start=found.sentence_start,
        article=source.info,
    )


def _bounds(c: Claim) -> g.Bounds:
    qualifier: Qualifier = c.qualifier if c.qualifier in QUALIFIERS else "="
    low, high = interval(c.value, qualifier, c.low, c.high)
    return g.Bounds(c.value, low, high)


def _shown_once(claims: list[Claim]) -> list[Claim]:
    """One article's repeats of a figure once; a sentence other articles carry nearly word
    for word with the same figure once, the others listed in ``also_in``."""
    seen: set[tuple[str, float]] = set()
    unique = []
    for c in claims:
        if (c.article.id, c.value) not in seen:
            seen.add((c.article.id, c.value))
            unique.append(c)

    def alike(i: int, j: int) -> bool:
        a, b = unique[i], unique[j]
        return a.article.id != b.article.id and a.value == b.value

    dropped: set[int] = set()
    merged = {i: c for i, c in enumerate(unique)}
    for group in near_duplicates([c.text for c in unique], alike):
        first, rest = group[0], [k for k in group[1:] if alike(group[0], k)]
        others = tuple(unique[k].article for k in rest)
        merged[first] = replace(unique[first], also_in=others)
        dropped.update(rest)
    return [c for i, c in merged.items() if i not in dropped]


def group_claims(pairs: Sequence[tuple[FoundClaim, Claim]]) -> tuple[ClaimGroup, ...]:
    """Claims grouped by counted thing and event, most articles first."""
    keyed: dict[tuple[str | None, str | None], list[Claim]] = {}
    for found, claim in pairs:
        key = (g.noun_class(found.counts_lemma), g.event_class(found.event_lemmas))
        keyed.setdefault(key, []).append(claim)
    out = []
    for (counts, event), claims in keyed.items():
        shown = _shown_once(claims)
        bounds = [_bounds(c) for c in shown]
        out.append(
            ClaimGroup(
                label=g.label(counts, event),
                counts=counts,
                event=event,
                agree=g.agree(bounds),
                spread=round(g.spread(bounds), 3),
                claims=tuple(shown),
            )
        )

    def weight(group: ClaimGroup) -> tuple[int, int, str]:
        articles = {c.article.id for c in group.claims} | {
            a.id for c in group.claims for a in c.also_in
        }
        return (-len(articles), -len(group.claims), group.label)

    return tuple(sorted(out, key=weight))


def compare(
    query: str,
    sources: Sequence[Source],
    total: int,
    generation: Path | None,
    notices: tuple[str, ...] = (),
) -> Comparison:
    """The comparison of ``sources`` (the best of ``total`` matching articles, best first)."""
    found = claims_of(sources, generation)
    pairs = [(f, _claim(f, s)) for s, claims in zip(sources, found, strict=True) for f in claims]
    return Comparison(
        query=query,
        total=total,
        articles=len(sources),
        groups=group_claims(pairs),
        notices=notices,
    )
