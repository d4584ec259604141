"""newsearch: full-text passage search over news corpora.

from newsearch import SearchEngine, build_index
build_index("seeds", "index")
with SearchEngine("index") as engine:
    for hit in engine.search("Kursk casualties", limit=5).results:
        print(hit.rank, hit.article.title, hit.text)
"""

from typing import TYPE_CHECKING, Any

from newsearch.errors import NewsearchError
from newsearch.models import (
    Article,
    ArticleInfo,
    ArticleView,
    Claim,
    ClaimGroup,
    Comparison,
    Copy,
    CopyChange,
    Entity,
    EntitySummary,
    ExportResults,
    FacetValue,
    Hit,
    IndexStats,
    IndexSummary,
    Passage,
    PassageSpan,
    SearchResults,
    SimilarArticle,
    SimilarArticles,
    Skip,
    Story,
    StoryList,
    StoryView,
    Timeline,
    TimelineMark,
    TimelinePeriod,
)

if TYPE_CHECKING:
    from newsearch.compare.prepare import ClaimsPrepared, prepare_claims
    from newsearch.ingest.pipeline import build_index
    from newsearch.search.engine import SearchEngine
    from newsearch.search.filters import Filters
    from newsearch.workflows import (
        BatchAnswer,
        BatchFile,
        BatchQuery,
        Watch,
        WatchRun,
        add_watch,
        list_watches,
        read_batch,
        remove_watch,
        run_batch,
        run_watches,
    )

    __version__: str

# pyproject.toml's version, for a copy that is not installed (no package metadata to read).
_SOURCE_VERSION = "0.1.0"
_WORKFLOWS = frozenset(
    (
        "BatchAnswer",
        "BatchFile",
        "BatchQuery",
        "Watch",
        "WatchRun",
        "add_watch",
        "list_watches",
        "read_batch",
        "remove_watch",
        "run_batch",
        "run_watches",
    )
)


def __getattr__(name: str) -> Any:
    # The search engine (Whoosh's searching, numpy, the query plan: most of the package's
    # import time) loads on first use too: every process that imports a part of newsearch
    # imports this package first, and ingest's workers (documents, entities, Whoosh's writer
    # processes) search nothing.
    if name in ("SearchEngine", "Filters"):
        from newsearch.search.engine import SearchEngine
        from newsearch.search.filters import Filters

        globals().update(SearchEngine=SearchEngine, Filters=Filters)
        return SearchEngine if name == "SearchEngine" else Filters
    # Indexing (readers, sentence splitting) loads on first use: a query does not need it.
    if name == "build_index":
        from newsearch.ingest.pipeline import build_index

        return build_index
    if name in ("prepare_claims", "ClaimsPrepared"):  # compare's claims found ahead
        from newsearch.compare import prepare

        return getattr(prepare, name)
    # Batches and watches (newsearch.workflows) load on first use too: a query does not need them.
    if name in _WORKFLOWS:
        from newsearch import workflows

        return getattr(workflows, name)
    # The installed package's version, read on first use: importlib.metadata costs ~30 ms
    # of start-up that a query does not need.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("newsearch")
        except PackageNotFoundError:
            found = _SOURCE_VERSION
        globals()["__version__"] = found
        return found
    raise AttributeError(f"module 'newsearch' has no attribute {name!r}")


__all__ = [
    "Article",
    "ArticleInfo",
    "ArticleView",
    "BatchAnswer",
    "BatchFile",
    "BatchQuery",
    "Claim",
    "ClaimGroup",
    "ClaimsPrepared",
    "Comparison",
    "Copy",
    "CopyChange",
    "Entity",
    "EntitySummary",
    "ExportResults",
    "FacetValue",
    "Filters",
    "Hit",
    "IndexStats",
    "IndexSummary",
    "NewsearchError",
    "Passage",
    "PassageSpan",
    "SearchEngine",
    "SearchResults",
    "SimilarArticle",
    "SimilarArticles",
    "Skip",
    "Story",
    "StoryList",
    "StoryView",
    "Timeline",
    "TimelineMark",
    "TimelinePeriod",
    "Watch",
    "WatchRun",
    "add_watch",
    "build_index",
    "list_watches",
    "prepare_claims",
    "read_batch",
    "remove_watch",
    "run_batch",
    "run_watches",
]
