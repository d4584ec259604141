"""The collector a search runs (Whoosh's TopCollector with every match kept), apart from
whoosh_compat.py: Whoosh's collectors load its searching module, which ingest's processes
(the document worker, Whoosh's writer processes) never need."""

from __future__ import annotations

from typing import Any

from whoosh import collectors

from newsearch.index.whoosh_compat import check_whoosh


class TopAndEvery(collectors.TopCollector):  # type: ignore[misc]
    """The best documents by score, and on the way every matching document number (the
    total and the facets need them; a second, unscored search would visit them again).
    Overrides the collector's private ``_collect`` and its ``minscore``."""

    def prepare(self, top_searcher: Any, q: Any, context: Any) -> None:
        check_whoosh()
        super().prepare(top_searcher, q, context)
        self.every: list[int] = []

    def _collect(self, global_docnum: int, score: float) -> Any:
        self.every.append(global_docnum)
        found = super()._collect(global_docnum, score)
        # Whoosh raises the bar to the heap's lowest score and then drops the words of an OR
        # that cannot reach it: fine for the top, but "every" would miss their articles.
        self.minscore = 0
        return found
