"""A page of results with copies collapsed and/or recency blended in (``search(...,
collapse_copies=True, recency="7d")``).

Both reorder a deeper ranking, then cut the page from it (as ``--collapse`` does): recency
first (recency.py), then one hit per copy group: the group is shown where its best ranked
member is, by its original's best passage where the original is among the hits (the copies
collapse onto it), else by that member's; every other member of the group is listed in the
hit's ``copies`` (the original marked), whether it matched or not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from newsearch.models import ArticleInfo, Copy, Hit, SearchResults
from newsearch.stories.groups import Group
from newsearch.stories.recency import rerank

Groups = Callable[[Iterable[str]], dict[str, Group]]
Infos = Callable[[Iterable[str]], dict[str, ArticleInfo]]


@dataclass(frozen=True)
class Reorder:
    """What to do to the deeper ranking: blend recency (a half-life in days, with the index's
    newest day) and/or collapse copies (``groups``: each article's copy group; ``infos``:
    the live articles' metadata by id)."""

    half_life: float | None = None
    newest: dt.date | None = None
    groups: Groups | None = None
    infos: Infos | None = None


def reordered(
    run: Callable[[int], SearchResults], limit: int, offset: int, how: Reorder
) -> SearchResults:
    """``run(n)``'s best ``n`` passages reordered (n deep enough to fill the page), then the
    page ``offset``..``offset + limit``, ranked again from 1."""
    depth = min(max((offset + limit) * 3, 30), 1000)
    found = run(depth)
    hits = list(found.results)
    if how.half_life is not None:
        hits = rerank(hits, how.newest, how.half_life)
    if how.groups is not None and how.infos is not None:
        hits = collapse_copies(hits, how.groups, how.infos)
    kept = hits[offset : offset + limit]
    ranked = tuple(replace(h, rank=rank) for rank, h in enumerate(kept, start=offset + 1))
    return replace(found, results=ranked, offset=offset)


def collapse_copies(hits: Sequence[Hit], groups: Groups, infos: Infos) -> list[Hit]:
    """The hits with each copy group shown once (see the module's docstring); every hit kept
    gets its ``copies`` (empty for an article with none)."""
    found = groups(h.article.id for h in hits)
    members = {m.id for g in found.values() for m in g.members}
    known = infos(members) if members else {}
    out: list[Hit] = []
    placed: dict[int, int] = {}  # id(group) -> its place in out
    originals: dict[int, Hit] = {}
    for h in hits:  # the original's best ranked hit, per group
        group = found.get(h.article.id)
        if group is not None and group.original.id == h.article.id:
            originals.setdefault(id(group), h)
    for h in hits:
        group = found.get(h.article.id)
        if group is None:
            out.append(replace(h, copies=()))
            continue
        key = id(group)
        if key in placed:
            continue  # the group is shown already
        shown = originals.get(key, h)
        copies = tuple(
            Copy(known[m.id], round(m.similarity, 4), original=m.id == group.original.id)
            for m in group.others(shown.article.id)
            if m.id in known
        )
        placed[key] = len(out)
        out.append(replace(shown, copies=copies))
    return out
