"""``newsearch stories [QUERY]`` and ``newsearch story ID``: stories as the index holds them.

Every figure comes from the index (the ``story`` field's facet arrays, search/facets.py):
a story's size and the articles of it a query matches, its date span, outlets and entities
(by articles naming them), the words its headlines use most, and a representative headline:
the article whose vector is nearest the mean of its members' (where the index holds no
vectors: whose headline's words the other headlines use most, then the earliest). Nothing
is read from stories.sqlite, which only the indexing run needs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from newsearch.errors import NewsearchError
from newsearch.index.segments import SegmentView
from newsearch.index.vectors import VectorTable
from newsearch.models import ENTITY_TYPES, ArticleInfo, FacetValue, Story, StoryList, StoryView
from newsearch.search.facets import UNKNOWN, FacetTable
from newsearch.text.analysis import STOP_WORDS

Ints = npt.NDArray[np.int64]
Info = Callable[[str, dict[str, Any]], ArticleInfo]
TOP = 5  # outlets, entities and words shown of a story
_WORD = re.compile(r"[^\W\d_]{3,}")


class StoryNotFoundError(NewsearchError):
    """No story has that id (or several start so)."""


class Stories:
    """The stories of one open searcher (its facet arrays, ``info`` for article metadata,
    ``vectors`` for representative headlines, None without)."""

    def __init__(
        self, view: SegmentView, table: FacetTable, info: Info, vectors: VectorTable | None
    ) -> None:
        self._view = view
        self._table = table
        self._info = info
        self._vectors = vectors
        pairs = table.pairs("story")
        live = view.live[pairs.docs]
        self._docs = pairs.docs[live]
        self._codes = pairs.codes[live]
        self.ids = pairs.keys
        self.sizes = np.bincount(self._codes, minlength=len(self.ids))

    def members(self, code: int) -> Ints:
        docs: Ints = self._docs[self._codes == code]
        return docs

    def listing(
        self, query: str, matched: Ints, limit: int, min_size: int, notices: tuple[str, ...]
    ) -> StoryList:
        """The stories holding a matched article, most matched first (then larger, newer)."""
        mask = np.zeros(self._view.doc_count, np.bool_)
        mask[matched] = True
        hits = np.bincount(self._codes[mask[self._docs]], minlength=len(self.ids))
        chosen = [c for c in np.flatnonzero(hits).tolist() if self.sizes[c] >= min_size]
        summaries = {c: self.summary(c, int(hits[c])) for c in chosen}
        order = sorted(
            chosen,
            key=lambda c: (
                -hits[c],
                -self.sizes[c],
                -(summaries[c].last_date or dt.date.min).toordinal(),
                self.ids[c],
            ),
        )
        return StoryList(query, len(chosen), tuple(summaries[c] for c in order[:limit]), notices)

    def find(self, story_id: str) -> int:
        """The code of the story ``story_id`` (or of the one whose id starts so)."""
        wanted = story_id.strip()
        live = [c for c in np.flatnonzero(self.sizes).tolist()]
        exact = [c for c in live if self.ids[c] == wanted]
        found = exact or [c for c in live if wanted and self.ids[c].startswith(wanted)]
        if len(found) == 1:
            return found[0]
        how = "use an id `newsearch stories` lists (--json: stories[].id)"
        if found:
            raise StoryNotFoundError(
                f"{wanted!r} starts the ids of several stories: give more of it"
            )
        raise StoryNotFoundError(f"no story with id {wanted[:60]!r}: {how}")

    def view(self, story_id: str) -> StoryView:
        code = self.find(story_id)
        docs = self.members(code)
        arts = [self._article(int(d)) for d in docs]
        arts.sort(key=lambda a: (a.date is None, a.date or dt.date.min, a.id))
        return StoryView(self.summary(code, len(arts)), tuple(arts))

    def summary(self, code: int, matched: int) -> Story:
        docs = self.members(code)
        mask = np.zeros(self._view.doc_count, np.bool_)
        mask[docs] = True
        dates = sorted(self._table.counts("date", mask))
        sources = self._table.counts("source", mask)
        unknown = len(docs) - self._table.holding("source", mask)
        named = {self._table.display("source", k): n for k, n in sources.items()}
        if unknown:
            named[UNKNOWN] = unknown
        entities: Counter[str] = Counter()
        for kind in ENTITY_TYPES:
            for key, n in self._table.counts(kind, mask).items():
                entities[self._table.display(kind, key)] += n
        arts = [self._article(int(d)) for d in docs]
        heads = [_title_words(a) for a in arts]
        words: Counter[str] = Counter()
        for h in heads:
            words.update(h)
        return Story(
            id=self.ids[code],
            size=len(docs),
            first_date=_day(dates[0]) if dates else None,
            last_date=_day(dates[-1]) if dates else None,
            sources=_top(named),
            entities=_top(entities),
            words=tuple(
                w
                for w, n in sorted(words.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
                if n > 1 or len(arts) == 1
            ),
            headline=self._article(self._representative(docs, arts, heads, words)),
            matched=matched,
        )

    def _representative(
        self, docs: Ints, arts: list[ArticleInfo], heads: list[set[str]], words: Counter[str]
    ) -> int:
        """The story's most central article: nearest the mean of the members' vectors, or
        (without vectors) the one whose headline words the others' headlines share most
        (each word's count in the other headlines, over the root of the headline's words:
        not the story's first article, which may be where a chain began)."""
        v = self._vectors
        if v is not None:
            have = docs[v.present[docs]]
            if len(have):
                centre = v.articles[have].sum(axis=0)
                return int(have[int(np.argmax(v.articles[have] @ centre))])

        def shared(i: int) -> float:
            h = heads[i]
            return sum(words[w] - 1 for w in h) / len(h) ** 0.5 if h else 0.0

        best = min(
            range(len(arts)),
            key=lambda i: (
                -shared(i),
                arts[i].date is None,
                arts[i].date or dt.date.min,
                int(docs[i]),
            ),
        )
        return int(docs[best])

    def _article(self, docnum: int) -> ArticleInfo:
        fields = self._view.stored_fields(docnum)
        return self._info(fields["article_id"], fields["meta"])


def _title_words(a: ArticleInfo) -> set[str]:
    return {w for w in _WORD.findall((a.title or "").lower()) if w not in STOP_WORDS}


def _day(key: str) -> dt.date:
    return dt.date(int(key[:4]), int(key[4:6]), int(key[6:8]))


def _top(counts: dict[str, int]) -> tuple[FacetValue, ...]:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    return tuple(FacetValue(v, n) for v, n in ranked)
