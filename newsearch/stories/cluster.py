"""Stories: articles grouped by the salient words they share, within a time window.

An article is a vector of its salient terms: its words (lower case, letters only, no stop
word) from the title, counted ``TITLE_WEIGHT`` times, and the first ``BODY_CHARS`` characters
of the body, weighted by TF-IDF, ``(1 + log tf) * log(1 + (N + K) / (df + K))`` with ``df``
and ``N`` over the articles this index generation has taken in so far (``K`` = ``SMOOTHING``
articles keep a small index's weights near uniform: five articles on one event share their
words, which raw IDF would weigh least), cut to its ``TERMS`` best and made unit length.
Words name the story: people, places, companies and what happened to them; a static
embedding of the text finds the topic, not the story (measured on Reuters: B-cubed F1 at
most 0.50 against 0.90, benchmarks/README.md "Stories").

Single pass, incremental: an article joins the story whose centroid (the sum of its members'
vectors, its ``CENTROID_TERMS`` best terms) is most similar to it (cosine) among the stories
it may join; else it starts a story. It may join a story
- near its date: a member within ``WINDOW_DAYS`` of it, and the story's span with it at
  most ``MAX_SPAN_DAYS`` (a chain of articles, each like the last, drifts from one event to
  another: an Indian budget to the world's sugar trade);
- alike in its rare terms: the cosine of the centroid and the article's terms that at most
  ``RARE`` of the index's articles so far hold (or ``RARE_FLOOR``: every term of a small
  index) at least ``THRESHOLD``. The names of the company, person or place an event is
  about are rare; a template's words are not (every earnings report's quarter, profit and
  revenues), so reports of different companies, which share only those, make no story;
- unless it is a table (more numbers than words: a market's prices), which joins none.
A copy (copies.py) joins its original's story instead, whatever it is.

Candidates come from an inverted index of each story's ``INDEXED_TERMS`` best terms by week,
probed with the article's ``PROBE_TERMS`` best. An undated article has no window: it is
compared with every story holding its words, and a story holding an undated article with
every article. Stories never merge or split, so an article's story is known when it is
written and never changes (it is indexed: ``story:ID``). The settings were chosen on half of
21 hand-built Reuters stories and measured on the other half, and the N largest stories of
Reuters and BBC judged by hand as real stories or not (benchmarks/stories.py,
benchmarks/README.md "Stories"): what the labelled stories cannot show, templates and topics
being unlabelled.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import operator
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from newsearch.text.analysis import STOP_WORDS

THRESHOLD = 0.15
WINDOW_DAYS = 14
TITLE_WEIGHT = 2.0
BODY_CHARS = 1500
TERMS = 32
CENTROID_TERMS = 64
INDEXED_TERMS = 16
PROBE_TERMS = 10
SMOOTHING = 10
COMMON = 0.02
COMMON_AFTER = 200
RARE = 0.01
RARE_FLOOR = 50
MAX_SPAN_DAYS: int | None = 42
UNDATED_WEEK = -1

_WEIGHT = operator.itemgetter(1)
_WORD = re.compile(r"[^\W\d_]{2,}")
_NUMBER = re.compile(r"\d[\d.,/:-]*")
Vector = dict[int, float]  # term hash -> weight


def term_hash(word: str) -> int:
    """A word as the stories file keys it (31 bits: a signed 32-bit column)."""
    return zlib.crc32(word.encode("utf-8")) & 0x7FFFFFFF


class _TermHashes(dict[str, int | None]):
    """term_hash of each word met, None for a stop word (a memo: news repeats its words)."""

    def __missing__(self, word: str) -> int | None:
        found = None if word in STOP_WORDS else term_hash(word)
        if len(self) < _MEMO_WORDS:
            self[word] = found
        return found


_MEMO_WORDS = 200_000
_TERMS = _TermHashes()


def story_id(founder: str) -> str:
    """A story's id: from the id of the article that started it (so a rebuild that starts it
    with the same article gives it the same id)."""
    return "s" + hashlib.sha1(founder.encode("utf-8")).hexdigest()[:11]


def day_of(doc: dict[str, Any]) -> int | None:
    """The document's publication day as an ordinal (None: undated)."""
    date = doc.get("meta", {}).get("date")
    try:
        return dt.date.fromisoformat(date).toordinal() if date else None
    except ValueError:
        return None


def week_of(day: int | None) -> int:
    return UNDATED_WEEK if day is None else day // 7


def weeks_near(day: int | None) -> list[int] | None:
    """The weeks where a story near ``day`` has a member (the undated bucket too), or None
    for an undated article: every week."""
    if day is None:
        return None
    return [UNDATED_WEEK, *range((day - WINDOW_DAYS) // 7, (day + WINDOW_DAYS) // 7 + 1)]


def term_counts(title: str | None, body: str) -> dict[int, float]:
    """The article's terms with their weighted counts (the title's count ``TITLE_WEIGHT``)."""
    counts: dict[int, float] = {}
    head = body if body != title else ""
    terms = _TERMS
    for words, weight in ((head[:BODY_CHARS], 1.0), (title or "", TITLE_WEIGHT)):
        for w in _WORD.findall(words.lower()):
            t = terms[w]
            if t is not None:
                counts[t] = counts.get(t, 0.0) + weight
    return counts


def vector(counts: Mapping[int, float], df: Mapping[int, int], n: int) -> Vector:
    """TF-IDF of ``counts`` (``df`` and ``n`` counting this article), its ``TERMS`` best, unit;
    once the index holds ``COMMON_AFTER`` articles, a word more than ``COMMON`` of them hold
    says nothing of a story ("shr", "cts", "vs" of every earnings report) and is left out."""
    common = COMMON * n if n >= COMMON_AFTER else math.inf
    weights = {
        t: (1.0 + math.log(c)) * math.log(1.0 + (n + SMOOTHING) / (df.get(t, 1) + SMOOTHING))
        for t, c in counts.items()
        if c > 0 and df.get(t, 1) <= common
    }
    top = _ranked(weights)[:TERMS]
    norm = math.sqrt(sum(w * w for _, w in top))
    return {t: w / norm for t, w in top if w > 0} if norm else {}


def tabular(body: str) -> bool:
    """Whether the article is a table (more numbers than words in its head: prices, volumes,
    a market's close): it says what was traded, not what happened, and joins no story but
    its original's."""
    head = body[:BODY_CHARS]
    return len(_NUMBER.findall(head)) > len(_WORD.findall(head))


def rare_limit(n: int) -> float:
    """How many of ``n`` articles may hold a term still rare: distinctive of a story (the
    names of the company, person or place an event is about, not a template's or a topic's
    words)."""
    return max(RARE_FLOOR, RARE * n)


def pack(v: Vector) -> bytes:
    """A vector as bytes: term hashes (int32) then weights (float32)."""
    terms = np.fromiter(v.keys(), np.int32, len(v))
    weights = np.fromiter(v.values(), np.float32, len(v))
    return terms.tobytes() + weights.tobytes()


def unpack(blob: bytes | None) -> Vector:
    if not blob:
        return {}
    n = len(blob) // 8
    terms = np.frombuffer(blob[: 4 * n], np.int32)
    weights = np.frombuffer(blob[4 * n : 8 * n], np.float32)
    return dict(zip(terms.tolist(), weights.tolist(), strict=True))


@dataclass
class Story:
    """A story as the clustering holds it: its centroid, date span and size."""

    id: str
    centroid: Vector = field(default_factory=dict)
    first: int | None = None
    last: int | None = None
    size: int = 0
    undated: bool = False
    norm: float = 0.0

    def similarity(self, v: Vector) -> float:
        """The cosine of the centroid and ``v`` (unit length). Only the terms both hold
        count, added in ``v``'s order, so that the sum is the same to the last bit however
        the centroid came about."""
        c = self.centroid
        if not self.norm or c.keys().isdisjoint(v):
            return 0.0
        return sum([w * c[t] for t, w in v.items() if t in c]) / self.norm

    def near(self, day: int | None) -> bool:
        """Whether an article of ``day`` is within the window of the story's dates (no window
        for an undated article or a story holding one)."""
        if day is None or self.undated:
            return True
        if self.first is None or self.last is None:
            return False
        if MAX_SPAN_DAYS is not None and (
            max(self.last, day) - min(self.first, day) > MAX_SPAN_DAYS
        ):
            return False
        return self.first - WINDOW_DAYS <= day <= self.last + WINDOW_DAYS

    def add(self, v: Vector, day: int | None) -> list[int]:
        """Take an article in; the terms to index it under (its best, for the article's week)."""
        c = self.centroid
        for t, w in v.items():
            c[t] = c.get(t, 0.0) + w
        ranked = _ranked(c)
        if len(c) > CENTROID_TERMS:
            self.centroid = c = dict(ranked[:CENTROID_TERMS])
        self.norm = math.sqrt(sum(w * w for w in c.values()))
        self.size += 1
        if day is None:
            self.undated = True
        else:
            self.first = day if self.first is None else min(self.first, day)
            self.last = day if self.last is None else max(self.last, day)
        return [t for t, _ in ranked[:INDEXED_TERMS]]

    def remove(self, v: Vector) -> None:
        """Take a deleted article's vector out of the centroid (its dates stay: a hint)."""
        c = self.centroid
        for t, w in v.items():
            if t in c:
                c[t] -= w
                if c[t] <= 1e-6:
                    del c[t]
        self.norm = math.sqrt(sum(w * w for w in c.values()))
        self.size = max(0, self.size - 1)


def probe_terms(v: Vector) -> list[int]:
    return [t for t, _ in _ranked(v)[:PROBE_TERMS]]


def _ranked(weights: Mapping[int, float]) -> list[tuple[int, float]]:
    """``weights``' items, the heaviest first, equal weights in their order (heapq.nlargest's
    order, at a sort's speed)."""
    return sorted(weights.items(), key=_WEIGHT, reverse=True)


def best_story(
    v: Vector,
    day: int | None,
    candidates: Iterable[Story],
    df: Mapping[int, int] | None = None,
    n: int = 0,
    body: str | None = None,
    table: bool | None = None,
) -> Story | None:
    """The candidate the article joins: near its date, similar by at least THRESHOLD in the
    article's rare terms (given the index's document frequencies ``df`` over its ``n``
    articles: rare_limit(); without, all its terms), and most similar in all; none for a
    table (``table``, else tabular() of the article's ``body`` if given)."""
    limit = rare_limit(n)
    rare = v if df is None else {t: w for t, w in v.items() if df.get(t, 1) <= limit}
    best: Story | None = None
    score = 0.0
    for story in candidates:
        if not story.near(day):
            continue
        sim = story.similarity(v)  # (at least the rare terms' similarity: tried first)
        if sim < THRESHOLD or (best is not None and sim < score):
            continue
        if rare is not v and story.similarity(rare) < THRESHOLD:
            continue
        if best is None or sim > score or story.id < best.id:
            best, score = story, sim
    if best is None:
        return None
    if table if table is not None else body is not None and tabular(body):
        return None
    return best
