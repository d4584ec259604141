"""Every matching passage of a query, for a spreadsheet or a script (``query --all``).

The articles are those ``count`` counts: every article holding the query's words (and passing
its filters); answers a hybrid search shows for their meaning alone are not among them. Each
article gives its passages worth showing (those holding a query word, else its lead passage:
selection.py), at most ``per_article`` of them (its best). By relevance, the passages are
ranked by their score as in ``--mode lexical`` (the passage's BM25 plus ARTICLE_WEIGHT times
its article's), equal scores by article id and place in the article: every article is scored
first (keeping only numbers), then the rows are made one at a time. By date (``sort`` newest
or oldest, or a query of filters alone), articles come in date order and rows stream as each
article is read.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from newsearch.index.segments import SegmentView
from newsearch.models import ArticleInfo, Entity, Hit
from newsearch.search.date_order import DateOrder, Order
from newsearch.search.highlight import highlights
from newsearch.search.matching import Matching
from newsearch.search.plan import QueryPlan
from newsearch.search.results import HitMaker
from newsearch.search.scoring import ARTICLE_WEIGHT, PassageScorer
from newsearch.search.selection import article_passages

Progress = Callable[[int, int], None]  # (articles read, articles to read)
PROGRESS_EVERY = 500  # articles between two calls of progress
KEPT_ARTICLES = 256  # stored fields kept while rows are made (a row's article recurs)
KEPT_CHARS = 50_000_000  # passage text kept from scoring to rows, at most (else read again)


class Exporter:
    """The rows of one query over an open searcher."""

    def __init__(
        self,
        view: SegmentView,
        matching: Matching,
        dates: DateOrder,
        plan: QueryPlan,
        per_article: int | None = None,
        lit: bool = True,
    ) -> None:
        self._view = view
        self._plan = plan
        self._per = per_article
        self._lit = lit
        self._hits = HitMaker()
        self._kept: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._infos: dict[int, ArticleInfo] = {}
        s = view.searcher
        self._scorer = PassageScorer(s, plan.clauses) if plan.positive is not None else None
        self._top: list[tuple[int, float]] | None = None
        if plan.positive is not None and plan.sort == "relevance":
            found = matching.ranked(plan, max(s.doc_count_all(), 1))
            self._top = found.top
            self.total = len(found.docnums)
        else:
            every = matching.every(plan)
            order: Order = "oldest" if plan.sort == "oldest" else "newest"
            self._dated = dates.first(every, order, len(every))
            self.total = len(every)

    def rows(self, progress: Progress | None = None) -> Iterator[Hit]:
        """Each row as a Hit (rank 1 first); ``progress`` is told how many articles were read
        every PROGRESS_EVERY of them, and when all were."""
        if self._top is not None:
            return self._ranked(self._top, progress)
        return self._in_date_order(progress)

    def _chosen(self, docnum: int) -> list[tuple[float, int, dict[str, Any]]]:
        """The article's passages worth showing (at most per_article, its best), text order."""
        kept = article_passages(self._load, docnum, self._scorer)
        if self._per is not None and len(kept) > self._per:
            best = sorted(kept, key=lambda p: (-p[0], p[1]))[: self._per]
            kept = sorted(best, key=lambda p: p[1])
        return kept

    def _ranked(self, top: list[tuple[int, float]], progress: Progress | None) -> Iterator[Hit]:
        scored: list[tuple[float, str, int, int, int]] = []
        # Passages kept from the scoring pass while they fit in KEPT_CHARS: the others are
        # read again (a row at a time, in rank order, their articles scattered).
        texts: dict[tuple[int, int], tuple[str, int, list[list[str]]]] = {}
        room = KEPT_CHARS
        for n, (docnum, article_score) in enumerate(top, start=1):
            base = ARTICLE_WEIGHT * article_score
            for score, i, fields in self._chosen(docnum):
                meta, body = fields["meta"], fields["body"]
                start, end, ents = meta["passages"][i] if meta["passages"] else (0, 0, [])
                self._infos[docnum] = self._hits.article(fields["article_id"], meta)
                if end - start <= room:
                    texts[(docnum, i)] = body[start:end], end, ents
                    room -= end - start
                scored.append((-(score + base), fields["article_id"], start, docnum, i))
            if progress is not None and (n % PROGRESS_EVERY == 0 or n == len(top)):
                progress(n, len(top))
        self._kept.clear()
        scored.sort()
        for rank, (negative, _, start, docnum, i) in enumerate(scored, start=1):
            kept = texts.pop((docnum, i), None)
            if kept is None:
                yield self._hit(rank, -negative, docnum, i)
            else:
                text, end, ents = kept
                yield self._made(rank, -negative, text, start, end, self._infos[docnum], ents)

    def _in_date_order(self, progress: Progress | None) -> Iterator[Hit]:
        rank = 0
        for n, docnum in enumerate(self._dated, start=1):
            for score, i, _ in self._chosen(docnum):
                rank += 1
                yield self._hit(rank, score, docnum, i)
            if progress is not None and (n % PROGRESS_EVERY == 0 or n == len(self._dated)):
                progress(n, len(self._dated))

    def _load(self, docnum: int) -> dict[str, Any]:
        fields = self._kept.get(docnum)
        if fields is None:
            fields = self._kept[docnum] = self._view.stored_fields(docnum)
            if len(self._kept) > KEPT_ARTICLES:
                self._kept.popitem(last=False)
        else:
            self._kept.move_to_end(docnum)
        return fields

    def _hit(self, rank: int, score: float, docnum: int, index: int) -> Hit:
        fields = self._load(docnum)
        meta, body = fields["meta"], fields["body"]
        passages = meta["passages"]
        start, end, ents = passages[index] if passages else (0, 0, [])
        info = self._hits.article(fields["article_id"], meta)
        return self._made(rank, score, body[start:end], start, end, info, ents)

    def _made(
        self,
        rank: int,
        score: float,
        text: str,
        start: int,
        end: int,
        info: ArticleInfo,
        ents: list[list[str]],
    ) -> Hit:
        return Hit(
            rank=rank,
            score=score,
            text=text,
            highlights=(
                highlights(text, self._plan.clauses, language=info.language) if self._lit else ()
            ),
            start=start,
            end=end,
            article=info,
            entities=tuple(Entity(name, kind) for kind, name in ents),  # type: ignore[arg-type]
        )
