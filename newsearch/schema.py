"""The Whoosh schema: one document per passage (kind "p") and one per article (kind "a").

Passage documents carry what a query matches and filters on; article documents carry the
article's whole text (scored as article evidence) and what incremental indexing and facets need
(content hashes, metadata, entities). Filter fields are on both kinds.
"""

from __future__ import annotations

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from newsearch.analysis import news_analyzer

FORMAT_VERSION = 2

TEXT_FIELDS = ("text", "title")  # passage documents (the title on an article's first passage)
ARTICLE_FIELDS = {"text": "atext", "title": "atitle"}  # the same, on article documents
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
        # Whole-article text and title, for the article evidence blended into passage scores.
        atext=TEXT(analyzer=analyzer, phrase=False),
        atitle=TEXT(analyzer=analyzer, phrase=False),
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
