"""An Article (with its entity mentions) as its one index document.

The document holds the words to search (title and body in ``text``, the title again in
``title``), the filter terms (``index/keys.py``: the rule the query's filters use too), the date
sort keys, and the stored metadata the engine answers from: the body, each passage's offsets and
entities, the entities of the article, its paths and content hashes. ``content_hash`` says
whether an article changed; ``norm_hash`` whether two articles hold the same text.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

import numpy as np
import numpy.typing as npt

from newsearch.index import keys, passage_terms
from newsearch.index.vectors import COLUMN, quantize
from newsearch.models import Article, Mention, Passage
from newsearch.text.analysis import LanguageText, terms_between
from newsearch.text.embedding import content_words
from newsearch.text.languages import detect
from newsearch.text.passages import make_passages

ENTITY_KINDS = ("person", "org", "place")
Embed = Callable[[Sequence[str]], npt.NDArray[np.float32]]  # texts -> unit vectors, one a row


def content_hash(a: Article) -> str:
    """Changes with anything indexed of the article (its text and metadata), not its path."""
    parts = [a.title, a.body, a.date, a.time, a.source, a.author, a.url, sorted(a.tags)]
    if a.language:  # a declared language changes the analysis (a detected one follows the text)
        parts.append(a.language)
    return hashlib.sha1(json.dumps(parts, default=str).encode("utf-8")).hexdigest()


def norm_hash(a: Article) -> str:
    """The same for the same title and body whatever their case and spacing (duplicates)."""
    text = " ".join(f"{a.title or ''}\n{a.body}".lower().split())
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def tag_display(value: str) -> str:
    """A tag shipped by a source as a display name: ``usa`` -> ``USA``, ``brazil`` -> ``Brazil``."""
    return value.upper() if len(value) <= 3 else value.title() if value.islower() else value


def entity_records(a: Article, mentions: tuple[Mention, ...]) -> list[list[str]]:
    """``[type, display name, term]`` for each distinct entity of an article (tags included)."""
    seen: dict[tuple[str, str], str] = {}
    for m in mentions:
        seen.setdefault((m.entity.type, keys.entity_term(m.entity.name)), m.entity.name)
    for kind, value in a.tags:
        if kind in ENTITY_KINDS:
            seen.setdefault((kind, keys.entity_term(value)), tag_display(value))
    return [[t, name, key] for (t, key), name in seen.items() if key]


def passage_entities(p: Passage, mentions: tuple[Mention, ...]) -> list[list[str]]:
    """``[type, name]`` of each distinct entity mentioned inside the passage, in order."""
    out: dict[tuple[str, str], None] = {}
    for m in mentions:
        if m.start >= p.start and m.end <= p.end:
            out[(m.entity.type, m.entity.name)] = None
    return [list(k) for k in out]


def date_fields(a: Article) -> dict[str, Any]:
    """The day as ``YYYYMMDD`` (filters) and the two sort keys (undated: sort keys only)."""
    newest, oldest = keys.sort_keys(a.date, a.time)
    fields: dict[str, Any] = {"newest": newest, "oldest": oldest}
    if a.date is not None:
        fields["date"] = keys.date_term(a.date)
    return fields


def article_language(a: Article) -> str:
    """The language of an article: the one its source declares, else the one its title and
    body are in (text/languages.py: English when the text is too short to tell)."""
    return a.language or detect(a.title, a.body)[0]


def build_document(
    a: Article, mentions: tuple[Mention, ...], hashes: tuple[str, str]
) -> dict[str, Any]:
    """The article's one index document (``hashes``: its content and normalised-text hashes,
    as ``content_hash`` and ``norm_hash`` give them). Its words are analysed in its language
    (the text fields are LanguageText: index/text_format.py reads the language)."""
    records = entity_records(a, mentions)
    language = article_language(a)
    passages = make_passages(a.id, a.body, language=language)
    # Each passage's terms, made once: stored for the queries that score the passages, and
    # the text field's terms when the passages hold every word of the body.
    title_terms, each = _terms(a, [(p.start, p.end) for p in passages], language)
    # The text field holds the title too: one field to search for every word of a query.
    titled = bool(a.title) and a.title != a.body  # a headline alone is not read twice
    text = f"{a.title}\n\n{a.body}" if titled else a.body
    stored = passage_terms.encode(title_terms, each)
    # (the stored value is the text's terms, line by line: the writer reads that one string)
    made = None
    if tiled(a.body, passages):
        made = stored if titled else stored.partition("\n")[2]  # (without the title's line)
    doc: dict[str, Any] = {
        "article_id": a.id,
        "text": LanguageText(text, language, made),
        "language": language,
        passage_terms.FIELD: stored,
    }
    if a.title:  # for title:word
        doc["title"] = LanguageText(a.title, language, " ".join(title_terms))
    if a.source:
        doc["source"] = keys.source_term(a.source)
    doc.update(date_fields(a))
    topics = keys.keyword_value(keys.topic_term(v) for k, v in a.tags if k == "topic")
    if topics:
        doc["topic"] = topics
    tags = keys.keyword_value(
        keys.tag_term(k, v) for k, v in a.tags if k not in ENTITY_KINDS and keys.topic_term(v)
    )
    if tags:  # every tag but the entities (which join the entity fields): --tag NAME=VALUE
        doc["tag"] = tags
    for kind in ENTITY_KINDS:
        terms = keys.keyword_value(sorted({key for t, _, key in records if t == kind}))
        if terms:
            doc[kind] = terms
    doc["passages"] = " ".join("p" for _ in passages)
    doc["body"] = a.body
    doc["meta"] = {
        "path": a.path,  # as the reader was given it, for display
        # where it was when indexed, for --prune whatever directory a later run starts in
        "abspath": os.path.abspath(a.path),
        "title": a.title,
        "source": a.source,
        "author": a.author,
        "date": a.date.isoformat() if a.date else None,
        "time": a.time.isoformat() if a.time else None,
        "url": a.url,
        "location": a.location,
        "language": language,
        "tags": [list(t) for t in a.tags],
        "entities": records,
        # [start, end, [[type, name], ...]] of each passage, in order
        "passages": [[p.start, p.end, passage_entities(p, mentions)] for p in passages],
    }
    doc["hash"], doc["norm"] = hashes
    return doc


def tiled(body: str, passages: Sequence[Passage]) -> bool:
    """Whether ``passages`` hold every word of ``body``: only white space outside them, and
    some between any two (so no word runs from one into the next); then the body's terms are
    theirs, in order."""
    at = 0
    for p in passages:
        gap = body[at : p.start]
        if gap.strip() or (at and not gap):
            return False
        at = p.end
    return not body[at:].strip()


def _terms(
    a: Article, bounds: Sequence[tuple[int, int]], language: str
) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The index terms of ``a``'s title and of each of its passages ``bounds``."""
    title = terms_between(a.title, language=language) if a.title else ()
    return title, [terms_between(a.body, start, end, language) for start, end in bounds]


def passage_terms_value(a: Article, bounds: Sequence[tuple[int, int]], language: str) -> str:
    """The stored terms (index/passage_terms.py) of the passages ``bounds`` of ``a``."""
    return passage_terms.encode(*_terms(a, bounds, language))


def add_vectors(
    docs: Sequence[dict[str, Any]], embed: Embed, known: AbstractSet[str] | None = None
) -> None:
    """Give each document its vectors (index/vectors.py): the article's (the sum of its
    title's and passages' vectors: the text is not read twice), then each passage's; one
    call of ``embed`` and one quantization for all the documents. With ``known`` (the
    embedding model's vocabulary), each passage's content words it knows are stored too
    (index/passage_terms.py), for the related words a query finds."""
    if known is not None:
        for doc in docs:
            body = doc["body"]
            doc[passage_terms.WORDS] = passage_terms.encode_words(
                [
                    [w for w in content_words(body[start:end]) if w in known]
                    for start, end, _ in doc["meta"]["passages"]
                ]
            )
    texts: list[str] = []
    counts: list[int] = []
    for doc in docs:
        body, spans = doc["body"], doc["meta"]["passages"]
        texts.append(doc.get("title") or "")
        texts.extend(body[start:end] for start, end, _ in spans)
        counts.append(1 + len(spans))
    if not texts:
        return
    vectors = embed(texts)
    starts = np.cumsum([0, *counts[:-1]])
    vectors[starts] = np.add.reduceat(vectors, starts, axis=0)  # title row -> the article's
    rows = quantize(vectors)
    for doc, start, n in zip(docs, starts, counts, strict=True):
        doc[COLUMN] = rows[start : start + n].tobytes()
