"""newsearch: full-text passage search over news corpora.

from newsearch import SearchEngine, build_index
build_index("seeds", "index")
with SearchEngine("index") as engine:
    for hit in engine.search("Kursk casualties", limit=5).results:
        print(hit.rank, hit.article.title, hit.text)
"""

from newsearch.engine import SearchEngine
from newsearch.errors import NewsearchError
from newsearch.ingest import build_index
from newsearch.models import (
    Article,
    ArticleInfo,
    Entity,
    FacetValue,
    Hit,
    IndexStats,
    IndexSummary,
    Passage,
    SearchResults,
    Skip,
)
from newsearch.querying import Filters

__all__ = [
    "Article",
    "ArticleInfo",
    "Entity",
    "FacetValue",
    "Filters",
    "Hit",
    "IndexStats",
    "IndexSummary",
    "NewsearchError",
    "Passage",
    "SearchEngine",
    "SearchResults",
    "Skip",
    "build_index",
]
__version__ = "0.1.0"
