"""The Whoosh schema: one document per passage (kind "p") and one per article (kind "a").

Passage documents carry what a query matches and filters on; article documents carry the
article's whole text (scored as article evidence) and what incremental indexing and facets need
(content hashes, metadata, entities). Filter fields are on both kinds.
"""

from __future__ import annotations

from typing import Any

from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from newsearch.analysis import news_analyzer

FORMAT_VERSION = 3

TEXT_FIELDS = ("text", "title")  # passage documents (the title on an article's first passage)
ARTICLE_FIELDS = {"text": "atext", "title": "atitle"}  # the same, on article documents
ENTITY_FIELDS = ("person", "org", "place")
FILTER_FIELDS = ("source", "date", *ENTITY_FIELDS, "topic")


def _patch_whoosh_length_reader() -> None:
    """Whoosh 2.7.5 looks for a field's length column on disk (a stat call) for every posting of
    a field that has none (ID, KEYWORD, DATETIME) when it flushes a segment; that was a third of
    indexing time here. Remember the absence too: segment files never change once written.
    """
    from whoosh.codec import whoosh3

    reader = whoosh3.W3PerDocReader
    if getattr(reader, "_newsearch_patched", False):
        return

    def _cached_reader(self: Any, fieldname: str, column: Any) -> Any:
        try:
            return self._readers[fieldname]
        except KeyError:
            found = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
            self._readers[fieldname] = found
            return found

    reader._cached_reader = _cached_reader
    reader._newsearch_patched = True


_patch_whoosh_length_reader()


def build_schema() -> Schema:
    analyzer = news_analyzer()
    return Schema(
        kind=ID(),
        pid=ID(stored=True, unique=True),  # "a:<article id>", on article documents only
        article_id=ID(stored=True, sortable=True),
        text=TEXT(analyzer=analyzer, stored=True, phrase=True),
        title=TEXT(analyzer=analyzer, phrase=True),
        # Whole-article text and title, for the article evidence blended into passage scores.
        atext=TEXT(analyzer=analyzer, phrase=False),
        atitle=TEXT(analyzer=analyzer, phrase=False),
        source=ID(),
        date=ID(),  # YYYYMMDD: one term a document, ranges by TermRange
        newest=COLUMN(),  # sort keys (see ingest.date_fields): columns, not terms
        oldest=COLUMN(),
        person=KEYWORD(commas=True, scorable=False),
        org=KEYWORD(commas=True, scorable=False),
        place=KEYWORD(commas=True, scorable=False),
        topic=KEYWORD(commas=True, scorable=False),
        # Stored only: passage offsets and article metadata (a JSON object), content hashes.
        meta=STORED(),
        hash=ID(stored=True),
        norm=ID(stored=True),
    )
