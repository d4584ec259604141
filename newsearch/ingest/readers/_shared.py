"""Helpers shared by the structured-format readers: ids, text cleanup, record mapping."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import lxml.html  # type: ignore[import-untyped,unused-ignore]

from newsearch.ingest.readers.ids import make_id
from newsearch.ingest.readers.options import FIELDS
from newsearch.models import Article, Skip
from newsearch.text.dates import parse_date
from newsearch.text.languages import language_code

# ---------------------------------------------------------------------------- ids

_GLOBAL_ID = re.compile(r"[:/]|^[0-9a-fA-F-]{32,36}$")


def explicit_id(raw: str | None, path: Path) -> str | None:
    """The record's own id: kept as is when it looks globally unique (a URL, URN, UUID or a
    longer token), else qualified by the file name (``articles-17``) so that small numeric ids
    of two files do not collide."""
    if raw is None:
        return None
    value = " ".join(str(raw).split())
    if not value or len(value) > 300:
        return None
    if _GLOBAL_ID.search(value) or (len(value) >= 12 and not value.isdigit()):
        return value
    return f"{path.stem}-{value}"


# ---------------------------------------------------------------------------- text cleanup

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_INLINE_SPACE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_TAG = re.compile(
    r"<(?:p|br|div|span|a|b|i|u|em|strong|font|ul|ol|li|h[1-6]|img|table|tr|td|th|"
    r"blockquote|figure|figcaption|iframe|section|article|pre|code|sup|sub|hr)\b[^<>]*>"
    r"|</[a-zA-Z][a-zA-Z0-9]*\s*>",
    flags=re.IGNORECASE,
)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
# Entities whose "&" was lost, leaving a space (AG News: "company #39;s", " quot;x quot;").
_LOST_ENTITY = re.compile(r"( ?)(?<![&\w])(#\d{2,5}|quot|amp|lt|gt|nbsp|apos);")
_BLOCK_TAGS = frozenset(
    ("p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr",
     "table", "section", "article", "figure", "figcaption", "pre", "hr", "header", "footer",
     "aside", "dd", "dt")
)  # fmt: skip


def clean_line(text: str | None) -> str | None:
    """A one-line field (title, author, source...): whitespace collapsed; ``None`` if empty."""
    if text is None:
        return None
    value = " ".join(_CONTROL.sub(" ", str(text)).split())
    return value or None


def clean_body(text: str) -> str:
    """Body text with normalised line ends and spaces, at most one blank line between paragraphs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text.replace("\t", " "))
    lines = [_INLINE_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()


def looks_like_html(text: str) -> bool:
    return bool(_TAG.search(text))


def html_to_text(fragment: str) -> str:
    """The readable text of an HTML fragment (a feed summary, a JSON ``content``), with line
    breaks at block elements. Uses lxml's HTML parser; plain text comes back unchanged."""
    if not fragment.strip():
        return ""
    if not looks_like_html(fragment):
        return clean_body(html.unescape(fragment)) if _ENTITY.search(fragment) else fragment
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # unparsable markup: keep the text as is
        return clean_body(html.unescape(fragment))
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag.lower() in _BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
            if tag.lower() != "br":
                element.text = "\n" + (element.text or "")
    return clean_body(str(root.text_content()))


def repair_entities(text: str) -> str:
    """Decode HTML entities, including ones that lost their ``&`` (`` #39;`` -> ``'``)."""
    if "#" in text or ";" in text:
        text = _LOST_ENTITY.sub(lambda m: f"&{m.group(2)};", text)
    return html.unescape(text) if "&" in text else text


def field_text(value: str | None, *, multiline: bool) -> str | None:
    """A text field of a structured record: entities decoded, markup turned into text."""
    if value is None:
        return None
    text = repair_entities(value)
    if looks_like_html(text):
        text = html_to_text(text)
    if multiline:
        return clean_body(text) or None
    return clean_line(text)


# ---------------------------------------------------------------------------- field mapping

# Normalised names (lower case, letters and digits only), most specific first.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "heading", "headlinetext", "articletitle", "subject", "name"),
    "body": (
        "body",
        "text",
        "content",
        "articlebody",
        "article",
        "fulltext",
        "maintext",
        "story",
        "bodytext",
        "contentencoded",
        "contenttext",
        "contenthtml",
        "description",
        "shortdescription",
        "summary",
        "abstract",
        "lede",
        "lead",
        "snippet",
    ),
    "date": (
        "date",
        "published",
        "pubdate",
        "publishedat",
        "publishdate",
        "publicationdate",
        "datepublished",
        "publishedon",
        "publishedtime",
        "datetime",
        "created",
        "createdat",
        "time",
        "timestamp",
        "updated",
        "modified",
    ),
    "source": (
        "source",
        "outlet",
        "publisher",
        "site",
        "sitename",
        "publication",
        "newspaper",
        "feed",
        "sourcename",
    ),
    "author": ("author", "authors", "byline", "creator", "writer", "by", "dccreator"),
    "url": ("url", "link", "permalink", "canonicalurl", "articleurl", "sourceurl", "href", "uri"),
    "id": ("id", "guid", "uuid", "docid", "articleid", "documentid", "newsid"),
    "category": ("category", "categories", "section", "topic", "topics", "label", "class"),
    # The article's language as its source declares it (``de``, ``pt-BR``, ``German``): it
    # wins over detection (text/languages.py).
    "language": ("language", "lang", "languagecode", "inlanguage", "dclanguage", "locale"),
}
# Fields read by their usual names only (no --field mapping names them).
EXTRA_FIELDS = ("language",)


def norm_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def match_fields(names: Sequence[str]) -> dict[str, int]:
    """Map each field to the position of the name (of ``names``) that best denotes it."""
    normalised = [norm_key(n) for n in names]
    taken: set[int] = set()
    found: dict[str, int] = {}
    for field in (*FIELDS, *EXTRA_FIELDS):
        for alias in FIELD_ALIASES[field]:
            hits = [i for i, n in enumerate(normalised) if n == alias and i not in taken]
            if hits:
                found[field] = hits[0]
                taken.add(hits[0])
                break
    for field in FIELDS:  # then names that contain an alias: "news_title", "article text"
        if field in found:
            continue
        for alias in FIELD_ALIASES[field]:
            hits = [
                i
                for i, n in enumerate(normalised)
                if len(alias) >= 4
                and alias != "name"  # "filename", "authorname" are no titles
                and alias in n
                and len(n) <= 30
                and i not in taken
                and len(names[i].split()) <= 3
            ]
            if hits:
                found[field] = hits[0]
                taken.add(hits[0])
                break
    return found


# ---------------------------------------------------------------------------- record values

NESTED_TEXT_KEYS = ("rendered", "name", "value", "text", "title", "#text", "content", "href")
_SURROGATE = re.compile("[\ud800-\udfff]")


def value_text(value: Any) -> str | None:
    """A JSON value as text: strings as is, numbers printed, lists joined, objects by their
    ``rendered``/``name``/``value``/``text`` member (WordPress, NewsAPI source objects)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):  # a lone surrogate escape ("\\ud800") cannot be stored or hashed
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        parts = [t for t in (value_text(v) for v in value) if t and t.strip()]
        return ", ".join(parts) if parts else None
    if isinstance(value, dict):
        for key in NESTED_TEXT_KEYS:
            if key in value:
                found = value_text(value[key])
                if found and found.strip():
                    return found
    return None


def _child(obj: Mapping[str, Any], key: str) -> Any:
    """``obj[key]``, else the member whose name is ``key`` up to case and punctuation."""
    if key in obj:
        return obj[key]
    want = norm_key(key)
    return next((v for k, v in obj.items() if norm_key(str(k)) == want), None)


def lookup(obj: Mapping[str, Any], source: int | str) -> Any:
    """The value at ``source`` in a record: a key (``short_description``), or a dotted path
    into nested objects (``meta.published``; a number indexes a list, a list of objects gives
    each one's value). None when the record has none."""
    key = str(source)
    found = _child(obj, key)
    if found is not None or "." not in key:
        return found
    current: Any = obj
    for part in key.split("."):
        if isinstance(current, Mapping):
            current = _child(current, part)
        elif isinstance(current, list) and part.isdigit():
            current = current[int(part)] if int(part) < len(current) else None
        elif isinstance(current, list):
            current = [_child(c, part) for c in current if isinstance(c, Mapping)] or None
        else:
            return None
        if current is None:
            return None
    return current


def to_date(value: str | None) -> tuple[dt.date | None, dt.time | None, str | None]:
    """``(date, time, warning)`` for a date field; the warning names an unreadable value."""
    if value is None or not value.strip():
        return None, None, None
    parsed = parse_date(value)
    if parsed is None:
        shown = value.strip()[:40]
        return None, None, f"unreadable date {shown!r}: left empty"
    return parsed[0], parsed[1], None


def build_article(
    path: Path,
    location: str | None,
    values: Mapping[str, str | None],
    *,
    tags: Sequence[tuple[str, str]] = (),
    warnings: Sequence[str] = (),
    date: tuple[dt.date, dt.time | None] | None = None,
    body_from: str | None = None,
) -> Article | Skip:
    """An Article from raw field values (``FIELDS`` keys), or a Skip saying what is missing.
    A record with a title and no text is a headline: its title is its text too.
    ``body_from`` names where the body was looked for, for the skip's reason."""
    body = field_text(values.get("body"), multiline=True)
    title = field_text(values.get("title"), multiline=False)
    if not body:
        if title:
            body = title  # a headline is news too: indexed by its words
        else:
            what = "an empty body" if values.get("body") is not None else "no body or text field"
            where = f" ({body_from})" if body_from else ""
            return Skip(
                str(path),
                f"record has {what}{where} and no title: add the article text or remove it",
                location,
            )
    notes = list(warnings)
    day: dt.date | None
    time: dt.time | None
    if date is not None:
        day, time = date
    else:
        day, time, warning = to_date(values.get("date"))
        if warning:
            notes.append(warning)
    record_id = explicit_id(values.get("id"), path) or make_id(path, location)
    language = field_text(values.get("language"), multiline=False)
    code = language_code(language)
    if language and code is None:
        notes.append(f"language {language[:40]!r} not understood: detected from the text instead")
    category = field_text(values.get("category"), multiline=False)
    all_tags = [(k, v) for k, v in tags if v]
    if category and ("category", category) not in all_tags:
        all_tags.append(("category", category))
    return Article(
        id=record_id,
        path=str(path),
        body=body,
        title=title,
        date=day,
        time=time,
        source=field_text(values.get("source"), multiline=False),
        author=field_text(values.get("author"), multiline=False),
        url=clean_line(values.get("url")),
        location=location,
        tags=tuple(all_tags),
        warnings=tuple(notes),
        language=code,
    )


def one_line_error(exc: BaseException) -> str:
    """``TypeName: message`` on one line, for a Skip reason."""
    text = " ".join(str(exc).split())[:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
