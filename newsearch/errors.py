"""The NewsearchError hierarchy (a leaf module). Every message says what to do."""

from __future__ import annotations


class NewsearchError(Exception):
    """Base class: the CLI prints ``Error: <message>`` and exits 1."""


class IndexNotFoundError(NewsearchError):
    """No index at the given location."""


class IndexVersionError(NewsearchError):
    """The index was written by another format version of newsearch."""


class IndexBusyError(NewsearchError):
    """Another process is writing to the index."""


class QueryError(NewsearchError):
    """A query or filter could not be understood."""


class ArticleNotFoundError(QueryError):
    """No article of the index has the id asked for (or an id prefix is ambiguous)."""


class InputError(NewsearchError):
    """An input path or option is unusable (missing file, bad mapping...)."""


class WhooshVersionError(NewsearchError):
    """The installed Whoosh is not the version newsearch reads and writes."""


class EngineClosedError(NewsearchError):
    """A closed SearchEngine was asked a question."""


class PruneNotConfirmedError(NewsearchError):
    """A prune would remove more than half the index and was not confirmed."""

    def __init__(self, count: int, total: int) -> None:
        super().__init__(
            f"the prune would remove {count} of the index's {total} articles, more than half: "
            "nothing was pruned; list them with a dry run, and confirm to prune them"
        )
        self.count = count
        self.total = total


class ShardChangedError(NewsearchError):
    """A shard of a sharded index was committed to between the client's opening it and a
    worker's search (cluster/search.py): the search stops, asking to be run again."""


class ModelError(NewsearchError):
    """The embedding model shipped in the package is missing or unreadable."""


class NoStoriesError(QueryError):
    """The index was built without stories (``--no-stories``): nothing groups its articles."""
