"""The Whoosh schema: one document per article.

An article document carries its text (title and body, with positions, for phrases), its title
again on its own (for ``title:word``), the filter fields, and stored metadata: the body, its
passages' offsets and entities, content hashes.
Passages are not documents of their own: the engine scores the passages of the best articles
when it answers (engine.py), which halves the postings written and the documents searched.
"""

from __future__ import annotations

from typing import Any

from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from newsearch.analysis import news_analyzer

FORMAT_VERSION = 4

TEXT_FIELDS = ("text", "title")  # the body and the headline
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
        article_id=ID(stored=True, unique=True),
        text=TEXT(analyzer=analyzer, phrase=True),
        title=TEXT(analyzer=analyzer, phrase=True),
        source=ID(),
        date=ID(),  # YYYYMMDD: one term a document, ranges by TermRange
        newest=COLUMN(),  # sort keys (see ingest.date_fields): columns, not terms
        oldest=COLUMN(),
        person=KEYWORD(commas=True, scorable=False),
        org=KEYWORD(commas=True, scorable=False),
        place=KEYWORD(commas=True, scorable=False),
        topic=KEYWORD(commas=True, scorable=False),
        # Stored only: the body, passage offsets and entities, article metadata, content hashes.
        # Its length is the article's number of passages, so the index knows the average passage
        # length (field_length("text") / field_length("passages")) for scoring passages.
        passages=KEYWORD(scorable=True),
        body=STORED(),
        meta=STORED(),
        hash=STORED(),
        norm=STORED(),
    )
