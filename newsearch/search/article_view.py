"""One whole article by its id (``engine.article``, ``newsearch show``), with a query's matches
lit over its body and title by the rules of search highlights (highlight.py), and in hybrid
mode its words close in meaning to the query's (related.py).

An id is looked up exactly; failing that, as the start of one id (ids are long: the start a
user copied is enough when no other id shares it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeGuard

from newsearch.errors import ArticleNotFoundError
from newsearch.index.segments import SegmentView
from newsearch.models import (
    ENTITY_TYPES,
    ArticleInfo,
    ArticleView,
    Entity,
    EntityType,
    PassageSpan,
)
from newsearch.search.highlight import highlights
from newsearch.search.plan import QueryPlan
from newsearch.search.related import Related, content_words
from newsearch.text import embedding

PREFIX_SHOWN = 3  # ids an ambiguous prefix starts, named in the message
_HOW = (
    "use an id a search gives (`newsearch query WORDS` prints `id ...` under each passage; "
    "--json: article.id)"
)


def find(view: SegmentView, article_id: str, where: str) -> int:
    """The document number of the live article ``article_id``, or of the one live article
    whose id starts so; ArticleNotFoundError naming the index (``where``) and what to do."""
    shown = _clip(article_id)
    if not article_id.strip():
        raise ArticleNotFoundError(f"no article id given: {_HOW}")
    s = view.searcher
    found = s.document_number(article_id=article_id)
    if found is not None and view.live[found]:
        return int(found)
    starting: list[tuple[str, int]] = []
    reader = s.reader()
    for term in reader.expand_prefix("article_id", article_id):
        text = term.decode("utf-8") if isinstance(term, bytes) else str(term)
        docnum = s.document_number(article_id=text)
        if docnum is not None and view.live[docnum]:
            starting.append((text, int(docnum)))
            if len(starting) > PREFIX_SHOWN:
                break
    if len(starting) == 1:
        return starting[0][1]
    if starting:
        some = ", ".join(_clip(i) for i, _ in starting[:PREFIX_SHOWN])
        more = " and more" if len(starting) > PREFIX_SHOWN else ""
        raise ArticleNotFoundError(
            f"{shown!r} starts the ids of several articles in {where} ({some}{more}): "
            "give more of the id"
        )
    raise ArticleNotFoundError(f"no article with id {shown!r} in {where}: {_HOW}")


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def view(
    segments: SegmentView,
    docnum: int,
    plan: QueryPlan | None = None,
    related: Related | None = None,
) -> ArticleView:
    """Article ``docnum`` whole; with ``plan``, its matches lit (and ``related`` words)."""
    fields: dict[str, Any] = segments.stored_fields(docnum)
    meta, body = fields["meta"], fields["body"]
    date = meta.get("date")
    title = meta.get("title")
    info = ArticleInfo(
        id=fields["article_id"],
        title=title,
        source=meta.get("source"),
        author=meta.get("author"),
        date=dt.date.fromisoformat(date) if date else None,
        path=meta.get("path", ""),
        url=meta.get("url"),
        language=meta.get("language"),
    )
    passages = tuple(
        PassageSpan(i, start, end, tuple(Entity(n, k) for k, n in ents if _known(k)))
        for i, (start, end, ents) in enumerate(meta.get("passages", []))
    )
    entities = tuple(
        dict.fromkeys(
            Entity(name, kind) for kind, name, *_ in meta.get("entities", []) if _known(kind)
        )
    )
    tags = tuple((str(k), str(v)) for k, v in meta.get("tags", []))
    story = fields.get("story")  # (newsearch/stories/: the story it belongs to)
    if plan is None:
        return ArticleView(info, body, tags, entities, passages, story=story)
    clauses = plan.clauses
    lit = highlights(body, clauses, language=info.language)
    return ArticleView(
        article=info,
        body=body,
        tags=tags,
        entities=entities,
        passages=passages,
        query=plan.query,
        highlights=lit,
        title_highlights=(
            highlights(title, clauses, field="title", language=info.language) if title else ()
        ),
        related=(
            related.spans(body, lit)
            if related is not None and embedding.serves(info.language)
            else ()
        ),
        notices=plan.notices,
        story=story,
    )


def _known(kind: str) -> TypeGuard[EntityType]:
    return kind in ENTITY_TYPES


def related_words(plan: QueryPlan, words_of: str) -> Related | None:
    """The related words of the query (``words_of``: its words as a reader says them), or
    None when it has none the embedding model knows."""
    words = content_words(words_of)
    embedder = embedding.default_embedder()
    if plan.positive is None or not any(embedder.knows(w) for w in words):
        return None
    return Related(embedder, words)
