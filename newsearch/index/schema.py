"""The Whoosh schema: one document per article.

An article document carries its text (title and body, with positions, for phrases, analysed in
the article's language), its title again on its own (for ``title:word``), the filter fields
(source, date, entities, topics, every tag as ``name:value``, the language), and stored
metadata: the body, its
passages' offsets, entities and index terms, content hashes.
Passages are not documents of their own: the engine scores the passages of the best articles
when it answers (engine.py), which halves the postings written and the documents searched.
"""

from __future__ import annotations

from typing import Any

from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from newsearch.index.text_format import NewsPositions
from newsearch.text.analysis import news_analyzer

# 5: the package moved into rooms, and the analyzer pickled in the schema with it
# (newsearch.analysis.NewsFilter is now newsearch.text.analysis.NewsFilter).
# 6: article and passage vectors (index/vectors.py), in the ``vectors`` column.
# 7: the ``tag`` field: every tag of an article but its entities, ``name:value``
# (keys.tag_term), for ``--tag NAME=VALUE`` and a facet per tag name.
# 8: the ``language`` field (each article's language, keys.language_term), and the text
# fields analysed in it (text/languages.py: stems of its language, CJK bigrams).
# 9: the ``story`` field (the article's story, newsearch/stories/cluster.py), for ``story:ID``
# and the story facet; copies and stories kept beside it in stories.sqlite.
# 10: each passage's index terms stored (``terms``, index/passage_terms.py), and its words
# (``words``): a query scores passages without analysing their text again.
FORMAT_VERSION = 10

TEXT_FIELDS = ("text", "title")  # the body and the headline
ENTITY_FIELDS = ("person", "org", "place")
FILTER_FIELDS = ("source", "date", *ENTITY_FIELDS, "topic", "tag", "language", "story")


def _text_field(analyzer: Any) -> TEXT:
    """A text field with positions (phrases), its postings made by NewsPositions."""
    field = TEXT(analyzer=analyzer, phrase=True)
    field.format = NewsPositions(field_boost=field.format.field_boost)
    return field


def build_schema() -> Schema:
    analyzer = news_analyzer()
    return Schema(
        article_id=ID(stored=True, unique=True),
        text=_text_field(analyzer),
        title=_text_field(analyzer),
        source=ID(),
        date=ID(),  # YYYYMMDD: one term a document, ranges by TermRange
        newest=COLUMN(),  # sort keys (see keys.sort_keys): columns, not terms
        oldest=COLUMN(),
        vectors=COLUMN(),  # int8 rows: the article's vector, then each passage's (vectors.py)
        person=KEYWORD(commas=True, scorable=False),
        org=KEYWORD(commas=True, scorable=False),
        place=KEYWORD(commas=True, scorable=False),
        topic=KEYWORD(commas=True, scorable=False),
        tag=KEYWORD(commas=True, scorable=False),  # "category:business" (keys.tag_term)
        language=ID(),  # "de": the article's language (keys.language_term), one a document
        story=ID(stored=True),  # "s3f9a0c12ab3": the article's story (stories/cluster.py)
        # Stored only: the body, passage offsets and entities, article metadata, content hashes.
        # Its length is the article's number of passages, so the index knows the average passage
        # length (field_length("text") / field_length("passages")) for scoring passages.
        passages=KEYWORD(scorable=True),
        body=STORED(),
        terms=STORED(),  # each passage's index terms (index/passage_terms.py)
        words=STORED(),  # ... and the words of it the embedding model knows
        meta=STORED(),
        hash=STORED(),
        norm=STORED(),
    )
