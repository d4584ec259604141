"""The Whoosh schema: one document per passage (kind "p") and one per article (kind "a").

Passage documents carry what a query matches and filters on; article documents carry what
incremental indexing and facets need (content hashes, metadata, entities).
"""

from __future__ import annotations

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from newsearch.analysis import news_analyzer

FORMAT_VERSION = 1

TEXT_FIELDS = ("text", "title")
ENTITY_FIELDS = ("person", "org", "place")
FILTER_FIELDS = ("source", "date", *ENTITY_FIELDS, "topic")


def build_schema() -> Schema:
    analyzer = news_analyzer()
    return Schema(
        kind=ID(),
        pid=ID(stored=True, unique=True),
        article_id=ID(stored=True, sortable=True),
        text=TEXT(analyzer=analyzer, stored=True, phrase=True),
        title=TEXT(analyzer=analyzer, phrase=True),
        source=ID(),
        date=DATETIME(sortable=True),
        person=KEYWORD(commas=True, scorable=False),
        org=KEYWORD(commas=True, scorable=False),
        place=KEYWORD(commas=True, scorable=False),
        topic=KEYWORD(commas=True, scorable=False),
        # Stored only: passage offsets and article metadata (a JSON object), content hashes.
        meta=STORED(),
        hash=ID(stored=True),
        norm=ID(stored=True),
    )
