"""Pages of results: ``offset`` passages in, ``limit`` of them, in one order for every page.

A ranking of N passages is not the start of a ranking of 2N: each article's best passage
comes first in the first half of the places (selection.py), so a longer ranking promotes
other articles' first passages over the second passages a shorter one showed. Slicing rankings
of different sizes would repeat some passages and skip others. So the pages of one page size
``limit`` read one sequence built in blocks: its first ``limit`` passages are the ranking of
``limit`` (page 1 is the query without paging, exactly), and each next block, as long again as
everything before it, is the passages of the ranking twice as long that are not shown yet, in
that ranking's order (it holds at least as many new ones as the block needs). Pages never
overlap, nothing is skipped, and every page is the same each time it is asked for (a ranking
is a function of the index and its size). Page k costs about log2(k) rankings, the longest
about twice its end.
"""

from __future__ import annotations

from collections.abc import Callable

from newsearch.search.arrays import unique
from newsearch.search.ranking import Ranking
from newsearch.search.selection import Candidate


def _key(c: Candidate) -> tuple[int, int]:
    return c.docnum, c.index


def paged(rank: Callable[[int], Ranking], limit: int, offset: int) -> Ranking:
    """The first ``offset + limit`` passages of the paged sequence of page size ``limit``
    (``rank(size)``: the ranking of ``size`` passages); ``every`` the articles matching in
    any ranking read, the related words and feedback words the last one's."""
    first = rank(limit)
    if offset <= 0:
        return first
    shown = list(first.ranked[:limit])
    seen = {_key(c) for c in shown}
    every, last = first.every, first
    size = limit
    ended = len(first.ranked) < limit  # fewer than asked for: nothing more to rank
    while len(shown) < offset + limit and not ended:
        size *= 2
        last = rank(size)
        every = unique(every, last.every)
        fresh = [c for c in last.ranked[:size] if _key(c) not in seen]
        take = fresh[: size - len(shown)]
        shown += take
        seen.update(_key(c) for c in take)
        ended = len(take) == len(fresh) and len(last.ranked) < size
    return Ranking(shown, every, last.related, last.extra)
