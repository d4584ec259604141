"""Which articles a query plan matches, and the best of them by BM25.

Whoosh scores a query one posting at a time in Python, a few microseconds for every article
that holds any of the words: most of a query's time on a large index (benchmarks/README.md).
For a flat plan (words, phrases and expanded prefix/fuzzy words, each required or optional, with
words and filters left out: most queries), ``BulkScorer`` reads each word's postings into
arrays (index/segments.py: mapped from the segment's copy of frequent words' postings, or else a
Whoosh block at a time) and scores every matching article in one vectorised BM25 (bm25.py) with
the statistics ``CachedBM25F`` gives Whoosh, so the scores are Whoosh's own (tests compare the
two); a phrase is checked on the positions of the articles that hold all its words, and scores
as Whoosh scores it, the sum of its words. Filters become boolean masks over all documents, kept
for the next query; so do the languages a word's form is asked of (plan.Clause.languages).
Other plans (groups nested in AND/OR, phrases with slop) are walked by Whoosh (``Matching``,
which chooses).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from whoosh import query as wq

from newsearch.index.collecting import TopAndEvery
from newsearch.index.schema import TEXT_FIELDS
from newsearch.index.segments import Floats, Ints, Mask, PostingPositions, SegmentView
from newsearch.search.bm25 import CachedBM25F, bm25
from newsearch.search.plan import Clause, Group, QueryPlan, maybe
from newsearch.search.query import restrict

if TYPE_CHECKING:
    from newsearch.index.vectors import Vectors, VectorTable

FILTER_CACHE = 64  # filter masks kept per open searcher
TIE_ROOM = 2  # a ranking cut keeps the articles tied with its last, up to twice its depth


@dataclass(frozen=True)
class Matches:
    """Every article matching a query (ascending document numbers) and the best ``depth`` of
    them as ``(docnum, score)``, best first, equal scores in document order (as Whoosh)."""

    docnums: Ints
    top: list[tuple[int, float]]
    # For each of the top articles, each query word it holds: (times in its text, in its title?)
    words: dict[int, dict[str, tuple[float, bool]]] | None


def numpy_takes(groups: Sequence[Group]) -> bool:
    """Whether ``BulkScorer`` scores these groups: words and phrases of side-by-side words on
    the text fields."""
    return bool(groups) and all(
        c.field in TEXT_FIELDS and (len(c.words) == 1 or c.slop == 1)
        for g in groups
        for c in g.clauses
    )


def _phrase_docs(
    words: list[tuple[Ints, PostingPositions]],
) -> tuple[Ints, list[Ints], Floats]:
    """The documents holding the words one right after another (their positions consecutive),
    for each word the indexes of those documents among its postings, and how many times each
    document holds the phrase."""
    common = words[0][0]
    for ids, _ in words[1:]:
        common = np.intersect1d(common, ids, assume_unique=True)
    at = [np.searchsorted(ids, common) for ids, _ in words]
    # Each occurrence as one sortable key: (index in ``common``) << 32 | position.
    starts = words[0][1].keys(at[0])
    for offset, ((_, positions), idx) in enumerate(zip(words[1:], at[1:], strict=True), 1):
        if not len(starts):
            break
        starts = starts[_members(starts + offset, positions.keys(idx))]
    counts = np.bincount(starts >> 32, minlength=len(common)).astype(np.float64)
    chosen = np.flatnonzero(counts)
    return common[chosen], [idx[chosen] for idx in at], counts[chosen]


@dataclass
class _Held:
    """Where a query word (or phrase, ``key`` its words joined by spaces) occurs: document
    numbers and times, segment by segment."""

    fieldname: str
    key: str
    words: tuple[str, ...]
    gids: list[Ints] = field(default_factory=list)
    tfs: list[Floats] = field(default_factory=list)

    def add(self, gids: Ints, tfs: Floats) -> None:
        self.gids.append(gids)
        self.tfs.append(tfs)


class BulkScorer:
    """Vectorised matching and BM25 over one open searcher (and its segments)."""

    def __init__(self, view: SegmentView, weighting: CachedBM25F) -> None:
        self._view = view
        self._s = view.searcher
        self._w = weighting
        self._n = view.doc_count
        self._masks: OrderedDict[str, Mask] = OrderedDict()

    @property
    def live(self) -> Mask:
        """The documents not deleted."""
        return self._view.live

    def search(
        self,
        groups: Sequence[Group],
        must: wq.Query | None,
        mask: wq.Query | None,
        depth: int,
        extra: Sequence[tuple[str, float]] = (),
    ) -> Matches | None:
        """The articles matching the plan's groups (every required group, and some group) and
        ``must`` but not ``mask``; None for groups this module does not score. ``extra``
        ``(word, weight)`` pairs add to the scores of the articles whose text holds them and
        match nothing themselves (feedback)."""
        if not numpy_takes(groups):
            return None
        scores = np.zeros(self._n, np.float64)
        matched = np.zeros(self._n, np.bool_)
        required = np.ones(self._n, np.bool_) if any(g.required for g in groups) else None
        holding: list[_Held] = []
        for group in groups:
            in_group = np.zeros(self._n, np.bool_)
            for clause in group.clauses:
                self._score(clause, scores, in_group, holding)
            matched |= in_group
            if group.required and required is not None:
                required &= in_group
        if required is not None:
            matched &= required
        matched &= self.live
        if must is not None:
            matched &= self._mask(must)
        if mask is not None:
            matched &= ~self._mask(mask)
        docnums = np.flatnonzero(matched).astype(np.int64)
        if extra:  # (summed on their own, then added, as Whoosh's AndMaybe adds its two sides)
            scores = scores + self._extra(extra)
        top = _best(docnums, scores[docnums], depth)
        return Matches(docnums, top, self._evidence(top, holding))

    def _score(self, clause: Clause, scores: Floats, matched: Mask, holding: list[_Held]) -> None:
        """Add a word's or phrase's BM25 to ``scores`` of the articles holding it, mark them in
        ``matched``, and note where it (and each of its words) occurs in ``holding``."""
        words = list(clause.words)
        spec = self._s.schema[clause.field]
        btexts = [spec.to_bytes(w) for w in words]
        where = clause.where  # a form of some languages: their articles only
        allowed = self._mask(where) if where is not None else None
        first = len(holding)
        holding.extend(_Held(clause.field, w, (w,)) for w in words)
        if len(words) > 1:  # the phrase itself: times it occurs bound its passages better
            holding.append(_Held(clause.field, clause.key, tuple(words)))
        for seg, offset in enumerate(self._view.offsets):
            read = [self._view.postings(seg, clause.field, bt, len(words) > 1) for bt in btexts]
            if any(not len(ids) for ids, _, _ in read):
                continue
            for i, (ids, tf, _) in enumerate(read):
                if allowed is not None:
                    keep = allowed[ids + offset]
                    ids, tf = ids[keep], tf[keep]
                holding[first + i].add(ids + offset, tf)
            if len(words) == 1:
                docs, picks = read[0][0], [np.arange(len(read[0][0]))]
            else:
                docs, picks, counts = _phrase_docs([(i, v) for i, _, v in read if v is not None])
                if allowed is not None:
                    keep = allowed[docs + offset]
                    docs, picks, counts = docs[keep], [p[keep] for p in picks], counts[keep]
                holding[first + len(words)].add(docs + offset, counts)
            if allowed is not None and len(words) == 1:
                keep = allowed[docs + offset]
                docs, picks = docs[keep], [picks[0][keep]]
            if not len(docs):
                continue
            gids = docs + offset
            total = np.zeros(len(docs), np.float64)
            for bt, (_, tf, _), pick in zip(btexts, read, picks, strict=True):
                total += self._bm25(clause.field, bt, tf[pick], gids)
            if clause.boost != 1.0:
                total = total * float(clause.boost)
            scores[gids] += total
            matched[gids] = True

    def _extra(self, extra: Sequence[tuple[str, float]]) -> Floats:
        """Each article's score from words that match nothing themselves: ``weight`` times the
        word's BM25 in its text, summed in the order given (the same sum for any segments)."""
        more = np.zeros(self._n, np.float64)
        spec = self._s.schema["text"]
        for word, weight in extra:
            bt = spec.to_bytes(word)
            for seg, offset in enumerate(self._view.offsets):
                ids, tf, _ = self._view.postings(seg, "text", bt, False)
                if len(ids):
                    gids = ids + offset
                    more[gids] += float(weight) * self._bm25("text", bt, tf, gids)
        return more

    def filtered(self, must: wq.Query | None, mask: wq.Query | None) -> Ints:
        """Every live article matching ``must`` and not ``mask`` (a query of filters only)."""
        matched = self.live.copy()
        if must is not None:
            matched &= self._mask(must)
        if mask is not None:
            matched &= ~self._mask(mask)
        return np.flatnonzero(matched).astype(np.int64)

    def _evidence(
        self, top: list[tuple[int, float]], holding: list[_Held]
    ) -> dict[int, dict[str, tuple[float, bool]]]:
        """Which query words (and phrases) each top article holds, how often in its text, and
        whether in its title (what bounds its passages' scores: PassageScorer.ceiling)."""
        best = np.fromiter((d for d, _ in top), np.int64, len(top))
        out: dict[int, dict[str, tuple[float, bool]]] = {d: {} for d, _ in top}
        if not len(best):
            return out
        for held in holding:
            if not held.gids:
                continue
            gids, tf = np.concatenate(held.gids), np.concatenate(held.tfs)  # ascending
            if not len(gids):  # a phrase whose words meet, but never side by side
                continue
            at = np.minimum(np.searchsorted(gids, best), len(gids) - 1)
            found = gids[at] == best
            if held.fieldname == "title":
                in_title = found
            else:  # a phrase may be in the title if all its words are
                in_title = np.ones(len(best), np.bool_)
                for w in held.words:
                    in_title &= _members(best, self._in_titles(w))
            for d, hit, n, t in zip(best.tolist(), found, tf[at], in_title, strict=True):
                if hit or t:
                    old = out[d].get(held.key, (0.0, False))
                    text_tf = float(n) if hit and held.fieldname != "title" else 0.0
                    out[d][held.key] = (max(old[0], text_tf), old[1] or bool(t))
        return out

    def _in_titles(self, word: str) -> Ints:
        """The documents whose title holds ``word`` (postings kept as the query words' are,
        not as a filter mask: they would push the user's filters out of that cache)."""
        return self._view.term_docs("title", self._s.schema["title"].to_bytes(word))

    def _bm25(self, fieldname: str, btext: bytes, tf: Floats, gids: Ints) -> Floats:
        """The BM25 of a term in documents ``gids``, with the statistics Whoosh scores with."""
        idf, avgfl = self._w.stats(self._s, fieldname, btext)
        return bm25(idf, tf, self._view.field_lengths(fieldname)[gids], avgfl)

    def _mask(self, q: wq.Query) -> Mask:
        """The documents ``q`` matches, as a mask over all documents (deleted ones may be set:
        the caller intersects with the live ones)."""
        key = repr(q)
        found = self._masks.get(key)
        if found is not None:
            self._masks.move_to_end(key)
            return found
        found = self._compute_mask(q)
        self._masks[key] = found
        if len(self._masks) > FILTER_CACHE:
            self._masks.popitem(last=False)
        return found

    def _compute_mask(self, q: wq.Query) -> Mask:
        if isinstance(q, wq.ConstantScoreQuery):
            return self._compute_mask(q.child)
        if type(q) is wq.And:
            out = np.ones(self._n, np.bool_)
            for sub in q.subqueries:
                out &= self._compute_mask(sub)
            return out
        if type(q) is wq.Or:
            out = np.zeros(self._n, np.bool_)
            for sub in q.subqueries:
                out |= self._compute_mask(sub)
            return out
        if type(q) is wq.Not:
            return ~self._compute_mask(q.query)
        if type(q) is wq.Term or isinstance(q, wq.TermRange):
            if type(q) is wq.Term:
                spec = dict(self._s.schema.items()).get(q.fieldname)
                terms = [(q.fieldname, spec.to_bytes(q.text))] if spec is not None else []
            else:
                terms = list(q.expanded_terms(self._s.reader()))
            return self._view.terms_mask(terms)
        out = np.zeros(self._n, np.bool_)  # anything else: Whoosh lists its documents
        out[np.fromiter(self._s.docs_for_query(q), np.int64)] = True
        return out


def _members(wanted: Ints, ascending: Ints) -> Mask:
    """Which of ``wanted`` are in ``ascending`` (sorted): a binary search for each of a few."""
    if not len(ascending):
        return np.zeros(len(wanted), np.bool_)
    at = np.minimum(np.searchsorted(ascending, wanted), len(ascending) - 1)
    out: Mask = ascending[at] == wanted
    return out


def _best(docnums: Ints, scores: Floats, depth: int) -> list[tuple[int, float]]:
    """The ``depth`` best ``(docnum, score)``, best first, ties in document order, and any
    more that tie with the last (up to ``TIE_ROOM`` times ``depth`` in all): no cut falls
    between a few equal scores, so which articles are kept does not depend on how the index
    numbers them (its segments, its shards). Past that (a template: thousands alike) the cut
    is in document order."""
    if depth <= 0 or not len(docnums):
        return []
    if len(docnums) > depth:  # everything scoring at least the depth-th best, then sort those
        kth = np.partition(scores, len(scores) - depth)[len(scores) - depth]
        keep = scores >= kth
        docnums, scores = docnums[keep], scores[keep]
    order = np.lexsort((docnums, -scores))[: depth * TIE_ROOM]
    return [(int(docnums[i]), float(scores[i])) for i in order]


def article_query(q: wq.Query) -> wq.Query:
    """The query as Whoosh runs it on articles: each OR walks postings (Whoosh's default for
    segments under 5,000 documents reads every document number of the segment into an array,
    in Python, on every query)."""
    if q.is_leaf():
        return q
    out = q.apply(article_query)
    if isinstance(out, wq.Or):
        out.matcher_type = wq.Or.DEFAULT_MATCHER
    return out


class Matching:
    """Answers plans over one open searcher: numpy (``BulkScorer``) where it can, Whoosh's
    matchers for the rest (and for every plan with ``fast_path=False``: the oracle)."""

    def __init__(self, view: SegmentView, weighting: CachedBM25F, fast_path: bool = True) -> None:
        self._s = view.searcher
        self.bulk = BulkScorer(view, weighting)
        self._fast = fast_path

    @staticmethod
    def restrictions(plan: QueryPlan) -> tuple[wq.Query | None, wq.Query | None]:
        """(what an article must match, what it must not): the filters, and the words the
        query leaves out (an article holding one anywhere is out)."""
        fq = plan.filter_queries
        out = [article_query(q) for q in plan.excluded]
        if fq.mask is not None:
            out.insert(0, fq.mask)
        mask = out[0] if len(out) == 1 else wq.Or(out) if out else None
        return fq.must, mask

    def whoosh_query(self, plan: QueryPlan, extra: wq.Query | None = None) -> wq.Query:
        """The plan as one Whoosh query: its positive part (with ``extra`` words that add to
        the score but match nothing themselves), restricted by filters and exclusions."""
        assert plan.positive is not None
        must, mask = self.restrictions(plan)
        q = restrict(article_query(plan.positive), must, mask)
        return q if extra is None else maybe(q, article_query(extra))

    def ranked(self, plan: QueryPlan, depth: int) -> Matches:
        """Every article the plan matches, and the best ``depth`` by score."""
        assert plan.positive is not None
        must, mask = self.restrictions(plan)
        if self._fast and plan.flat:
            found = self.bulk.search(plan.groups, must, mask, depth)
            if found is not None:
                return found
        collector = TopAndEvery(depth, usequality=False)
        self._s.search_with_collector(self.whoosh_query(plan), collector)
        top = [(hit.docnum, float(hit.score)) for hit in collector.results()]
        return Matches(np.asarray(collector.every, dtype=np.int64), top, None)

    def every(self, plan: QueryPlan) -> Ints:
        """Every article the plan matches, ascending, unranked (to be listed by date)."""
        if plan.positive is None:
            return self.bulk.filtered(*self.restrictions(plan))
        if self._fast and plan.flat:
            must, mask = self.restrictions(plan)
            found = self.bulk.search(plan.groups, must, mask, 0)
            if found is not None:
                return found.docnums
        return np.fromiter(sorted(self._s.docs_for_query(self.whoosh_query(plan))), np.int64)

    def nearest(
        self,
        plan: QueryPlan,
        every: Ints,
        widen: bool,
        table: VectorTable,
        vector: Vectors,
        k: int,
        floor: float,
    ) -> list[tuple[int, float]]:
        """The ``k`` articles nearest ``vector`` in meaning (hybrid.py), of those the plan
        matches (``every``), or with ``widen`` of all its filters let through."""
        pool = self.bulk.filtered(*self.restrictions(plan)) if widen else every
        return table.nearest(vector, pool, k, floor)

    def rescored(
        self, plan: QueryPlan, extra: Sequence[tuple[str, float]], depth: int
    ) -> list[tuple[int, float]]:
        """The best ``depth`` articles the plan matches, scored with ``extra`` words too
        (feedback: ``(term, weight)`` asked of the text)."""
        if self._fast and plan.flat:
            must, mask = self.restrictions(plan)
            found = self.bulk.search(plan.groups, must, mask, depth, extra)
            if found is not None:
                return found.top
        more = wq.Or([wq.Term("text", w, boost=b) for w, b in extra])
        found = self._s.search(self.whoosh_query(plan, more), limit=depth)
        return [(hit.docnum, float(hit.score)) for hit in found]
