"""Frozen dataclasses shared by every layer (a leaf module: imports nothing of newsearch)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

EntityType = Literal["person", "org", "place"]
ENTITY_TYPES: tuple[EntityType, ...] = ("person", "org", "place")


@dataclass(frozen=True)
class Entity:
    """A canonical named entity: ``Entity("Kim Jong Un", "person")``."""

    name: str
    type: EntityType


@dataclass(frozen=True)
class Mention:
    """One occurrence of an entity in a text, as character offsets into that text."""

    entity: Entity
    start: int
    end: int


@dataclass(frozen=True)
class Article:
    """One news article as read from its source, before indexing.

    ``id`` is the source's own (front matter, a JSON field) or else derived from the file's
    place and the record's: the same across runs and rebuilds, so re-indexing updates it. A
    source's own id also follows the article when its file moves (``ingest/identity.py``).
    ``date`` is the publication day; ``time`` the publication time of day where the source gives it.
    ``tags`` holds metadata lists a source ships itself, e.g. Reuters' ``("place", "brazil")``.
    ``location`` names the record inside ``path`` (a line or record number) for messages.
    """

    id: str
    path: str
    body: str
    title: str | None = None
    date: dt.date | None = None
    source: str | None = None
    author: str | None = None
    url: str | None = None
    time: dt.time | None = None
    location: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = ()
    # The language its source declares (a record's ``language`` field), as a code (``de``);
    # None: detected from its text when it is indexed (text/languages.py).
    language: str | None = None


@dataclass(frozen=True)
class Skip:
    """An input item that could not be indexed, and why (one line, naming what to do)."""

    path: str
    reason: str
    location: str | None = None

    def describe(self) -> str:
        where = f"{self.path}:{self.location}" if self.location else self.path
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class Passage:
    """A few consecutive sentences of an article body: ``body[start:end] == text``."""

    article_id: str
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class ArticleInfo:
    """The metadata of an article as returned with search results."""

    id: str
    title: str | None
    source: str | None
    author: str | None
    date: dt.date | None
    path: str
    url: str | None = None
    # Its language's code (``en``, ``de``, ``zh``), given by its source or detected when it
    # was indexed; None for an article of an index that kept no language.
    language: str | None = None


@dataclass(frozen=True)
class TermContribution:
    term: str
    field: str
    score: float


@dataclass(frozen=True)
class Hit:
    """One ranked passage. ``highlights`` are ``(start, end)`` offsets into ``text`` of the
    query's words; ``related`` those of words close to them in meaning (hybrid mode);
    ``start``/``end`` are the passage's offsets into the article body."""

    rank: int
    score: float
    text: str
    highlights: tuple[tuple[int, int], ...]
    start: int
    end: int
    article: ArticleInfo
    entities: tuple[Entity, ...] = ()
    explanation: tuple[TermContribution, ...] = ()
    related: tuple[tuple[int, int], ...] = ()
    # With ``collapse``: the other articles carrying this passage nearly word for word (their
    # own copies not listed); None when the results were not collapsed.
    also_in: tuple[ArticleInfo, ...] | None = None
    # With ``collapse_copies``: the other articles of this article's copy group (syndicated,
    # re-sent, corrected copies: newsearch/stories/), shown once; None when not collapsed.
    copies: tuple[Copy, ...] | None = None


@dataclass(frozen=True)
class CopyChange:
    """One place where a copy's words differ from the article's: ``removed`` is the article's
    text at ``start``..``end`` of its body (empty where the copy only adds words), ``added``
    the copy's words there instead (empty where it only drops some); ``passage`` is the
    article's passage holding it (-1: the headline, with offsets into the title)."""

    passage: int
    start: int
    end: int
    removed: str
    added: str


@dataclass(frozen=True)
class Copy:
    """Another article of an article's copy group (newsearch/stories/copies.py): its
    ``similarity`` to the group's original (the Jaccard similarity of their bodies' word
    shingles; 1.0 for the original itself), whether it is the ``original`` (the earliest
    dated, else the first indexed); ``changes``: what it changed, word by word, against the
    article shown (``engine.article`` only)."""

    article: ArticleInfo
    similarity: float
    original: bool = False
    changes: tuple[CopyChange, ...] = ()


@dataclass(frozen=True)
class PassageSpan:
    """One passage of an article: ``body[start:end]``, and the entities named in it."""

    index: int
    start: int
    end: int
    entities: tuple[Entity, ...] = ()


@dataclass(frozen=True)
class ArticleView:
    """A whole article as the index holds it (``engine.article(id)``): its metadata, body,
    tags (``(kind, value)`` pairs its source gave, e.g. ``("category", "BUSINESS")``), the
    entities it names, its passages' offsets; with a query, the matches lit as ``(start,
    end)`` offsets into ``body`` (``highlights``, and ``related``: words close in meaning) and
    into ``article.title`` (``title_highlights``)."""

    article: ArticleInfo
    body: str
    tags: tuple[tuple[str, str], ...] = ()
    entities: tuple[Entity, ...] = ()
    passages: tuple[PassageSpan, ...] = ()
    query: str | None = None
    highlights: tuple[tuple[int, int], ...] = ()
    title_highlights: tuple[tuple[int, int], ...] = ()
    related: tuple[tuple[int, int], ...] = ()
    notices: tuple[str, ...] = ()
    # The other articles of its copy group, each with what it changed (newsearch/stories/),
    # and the story it belongs to (None: the index has no stories for it).
    copies: tuple[Copy, ...] = ()
    story: str | None = None


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True)
class EntitySummary:
    """One entity of the index as the corpus resolved it: its name, its one type, how many of
    the articles asked about name it, and the names it was seen under (variants and short
    forms; filters match every one)."""

    name: str
    type: EntityType
    count: int
    variants: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchResults:
    """``results``: the best passages; ``total``: how many articles match (each has one or more
    passages worth showing); ``facets`` count those articles."""

    query: str
    total: int
    results: tuple[Hit, ...]
    facets: dict[str, tuple[FacetValue, ...]] = field(default_factory=dict)
    suggestion: str | None = None
    # What the lenient parser repaired or ignored in the query, one line each
    # ("closed an unbalanced quote", "ignored a lone NOT"); shown on stderr by the CLI.
    notices: tuple[str, ...] = ()
    offset: int = 0  # passages skipped before these (paging): the first hit's rank is offset + 1


@dataclass(frozen=True)
class ExportResults:
    """Every passage matching a query (``engine.export``): ``total`` articles match (as
    ``engine.count`` says); ``rows`` yields their passages as hits, rank 1 first, made one at
    a time while the engine is open."""

    query: str
    total: int
    rows: Iterator[Hit]
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndexSummary:
    """What one indexing run did with every item it read; the counts add up to ``read``
    (``indexed + updated + unchanged + duplicate + moved + len(skipped)``).

    ``moved``: articles found at a new place with nothing else changed (a file moved or
    renamed), listed in ``moves``. ``pruned`` counts the indexed articles a prune removed,
    listed in ``prunes``. A ``dry_run`` wrote nothing: its counts and lists say what the run
    would do.
    """

    read: int = 0
    indexed: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicate: int = 0
    moved: int = 0
    skipped: tuple[Skip, ...] = ()
    pruned: int = 0
    warnings: tuple[str, ...] = ()
    duplicates: tuple[tuple[str, str], ...] = ()  # (duplicate, kept), each path[:record]
    moves: tuple[tuple[str, str], ...] = ()  # (new place, old place), each path[:record]
    prunes: tuple[str, ...] = ()  # path[:record] of each article pruned (or to prune)
    dry_run: bool = False
    index_dir: str = ""
    seconds: float = 0.0
    # Which record field (JSON key or path, CSV column) each field was read from, over the
    # records read: {"body": "short_description", "title": "headline", "tag category":
    # "category"}; several sources of one field are joined by ", ", the most used first.
    fields: dict[str, str] = field(default_factory=dict)
    # Entries passed over by rule, by kind: {"hidden": n, "index": n, "documentation": n}
    # (listed in ``skipped`` too, but for a Reuters-21578 distribution's own files).
    ignored: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class IndexStats:
    articles: int
    passages: int
    sources: int
    first_date: dt.date | None
    last_date: dt.date | None
    entities: dict[str, int]
    size_bytes: int
    updated: dt.datetime | None
    index_dir: str
    vectors: bool = True  # passage vectors for hybrid search (built without: --no-vectors)
    stories: bool = True  # copies and stories (built without: --no-stories)


@dataclass(frozen=True)
class Claim:
    """A quantitative claim of an article: a figure ``value`` with its ``qualifier`` ("=",
    "~" about, "<", "<=", ">", ">="), the range of values its words allow (``low``/``high``;
    ``high`` is infinite for "more than"), what it ``counts`` (the noun as written: "soldiers")
    and the ``event`` ("killed or wounded"), and who the sentence says gives it
    (``attribution``, None when it names no one). ``text`` is the sentence; ``start``/``end``
    the figure's offsets in it, qualifier included; ``sentence_start`` the sentence's offset
    in the article body. ``also_in``: other articles carrying the sentence nearly word for
    word."""

    value: float
    qualifier: str
    low: float
    high: float
    counts: str | None
    event: str | None
    attribution: str | None
    text: str
    start: int
    end: int
    sentence_start: int
    article: ArticleInfo
    also_in: tuple[ArticleInfo, ...] = ()


@dataclass(frozen=True)
class ClaimGroup:
    """Claims of one thing counted and one event ("troops", "casualties"), and whether their
    figures ``agree`` (their ranges share a value); ``spread`` is the largest figure over
    the smallest."""

    label: str
    counts: str | None
    event: str | None
    agree: bool
    spread: float
    claims: tuple[Claim, ...]


@dataclass(frozen=True)
class Comparison:
    """``newsearch compare``: the claims of the articles matching ``query``, grouped.
    ``total``: the articles matching; ``articles``: how many of the best of them were read."""

    query: str
    total: int
    articles: int
    groups: tuple[ClaimGroup, ...]
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Story:
    """A story: articles the index grouped by the salient words they share within days
    (newsearch/stories/cluster.py). ``size`` articles from ``first_date`` to ``last_date``
    (None: no dated article), ``matched`` of them matching the query asked; its outlets and
    entities by articles naming them, its most frequent ``words`` (from the headlines), and a
    representative ``headline`` (the article nearest the story's centre)."""

    id: str
    size: int
    first_date: dt.date | None
    last_date: dt.date | None
    sources: tuple[FacetValue, ...]
    entities: tuple[FacetValue, ...]
    words: tuple[str, ...]
    headline: ArticleInfo
    matched: int = 0


@dataclass(frozen=True)
class StoryList:
    """``newsearch stories``: the stories of the articles matching ``query`` (all if empty),
    most matching articles first; ``total`` stories hold a matching article."""

    query: str
    total: int
    stories: tuple[Story, ...]
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoryView:
    """``newsearch story ID``: the story and its articles in date order (undated last)."""

    story: Story
    articles: tuple[ArticleInfo, ...]


@dataclass(frozen=True)
class TimelinePeriod:
    """The matching articles of one day, week or month (``period``: ``2025-04-28``,
    ``2025-W18`` or ``2025-04``), and how many of them each outlet published."""

    period: str
    count: int
    sources: tuple[FacetValue, ...]


@dataclass(frozen=True)
class TimelineMark:
    """A period where a figure of the query's story changed (``timeline --figures``): in
    ``group`` (what is counted and the event), ``figure`` as ``article`` gives it, and the
    figure before it (None for the group's first)."""

    period: str
    group: str
    figure: str
    previous: str | None
    article: ArticleInfo


@dataclass(frozen=True)
class Timeline:
    """``newsearch timeline``: the articles matching ``query`` by ``bucket`` (day, week or
    month); ``undated`` have no date. The periods' counts plus ``undated`` are ``total``, the
    query's total. ``marks``: the periods where the story's figures changed, when asked."""

    query: str
    bucket: str
    total: int
    periods: tuple[TimelinePeriod, ...]
    undated: int
    undated_sources: tuple[FacetValue, ...] = ()
    notices: tuple[str, ...] = ()
    marks: tuple[TimelineMark, ...] = ()  # where the figures changed (``figures=True``)


@dataclass(frozen=True)
class SimilarArticle:
    """An article like another (``engine.similar``): ``score`` blends the words they share
    (BM25 of the article's salient words, scaled to the best) and their vectors' cosine;
    ``same_story``: the index put them in one story."""

    article: ArticleInfo
    score: float
    same_story: bool = False


@dataclass(frozen=True)
class SimilarArticles:
    """``newsearch similar ID``: articles like ``article`` by content, best first, its copies
    left out of ``results`` and listed in ``copies``; ``words``: the salient words asked."""

    article: ArticleInfo
    results: tuple[SimilarArticle, ...]
    copies: tuple[Copy, ...] = ()
    words: tuple[str, ...] = ()
