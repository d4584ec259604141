"""Web formats: HTML article pages (main text and metadata by trafilatura) and RSS/Atom feeds
(feedparser, one article per entry). Other XML is read by ``xmldoc``.

feedparser drops a feed's DTD before parsing: none of its entities is expanded (no "billion
laughs"), no external entity is fetched.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser  # type: ignore[import-untyped,unused-ignore]
import lxml.html  # type: ignore[import-untyped,unused-ignore]
import trafilatura  # type: ignore[import-untyped,unused-ignore]

from newsearch.ingest.readers._shared import (
    clean_body,
    clean_line,
    explicit_id,
    html_to_text,
    looks_like_html,
    lookup,
    one_line_error,
    to_date,
    value_text,
)
from newsearch.ingest.readers.decode import clean_text, decode
from newsearch.ingest.readers.ids import make_id
from newsearch.ingest.readers.options import DEFAULT_OPTIONS, ReadOptions, Register
from newsearch.models import Article, Skip
from newsearch.text.dates import parse_date

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml"})
FEED_SUFFIXES = frozenset({".rss", ".atom"})

# What may precede the root element: the XML declaration, comments, a DOCTYPE (with an internal
# subset in brackets, whose declarations hold ">"), processing instructions.
_PROLOGUE = re.compile(
    rb"^(?:\s+|<\?xml[^>]*>|<!--.*?-->|<!DOCTYPE(?:[^\[>]*\[.*?\])?[^>]*>|<\?[^>]*>)*", re.I | re.S
)
_FEED_ROOT = re.compile(rb"<(?:[\w-]+:)?(?:rss|feed|RDF)\b")
_HTML_ROOT = re.compile(rb"<!doctype\s+html|<html\b|<head\b|<body\b", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_JSONLD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')
_PUBLISHED_XPATH = (
    "//meta[@property='article:published_time' or @name='article:published_time' "
    "or @itemprop='datePublished' or @name='pubdate' or @name='publishdate' "
    "or @name='date' or @name='dc.date' or @name='DC.date.issued']/@content"
    " | //time[@itemprop='datePublished' or @pubdate]/@datetime"
)

logging.getLogger("trafilatura").setLevel(logging.ERROR)
logging.getLogger("htmldate").setLevel(logging.ERROR)


def register_readers(register: Register) -> None:
    register("feed", sniff_feed, read_feed)
    register("html", sniff_html, read_html)


def _head(data: bytes) -> bytes:
    head = data[:16384]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    match = _PROLOGUE.match(head)
    return head[match.end() :] if match else head


def sniff_feed(path: Path, data: bytes) -> bool:
    """``.rss``/``.atom``, or a file whose root element is ``<rss>``, ``<feed>``, ``<rdf:RDF>``."""
    if path.suffix.lower() in FEED_SUFFIXES:
        return True
    return bool(_FEED_ROOT.match(_head(data)))


def sniff_html(path: Path, data: bytes) -> bool:
    """``.html``/``.htm``, or a file that starts like an HTML document."""
    if path.suffix.lower() in HTML_SUFFIXES:
        return True
    return bool(_HTML_ROOT.match(_head(data)))


# ---------------------------------------------------------------------------- HTML pages


def _decode_html(data: bytes) -> tuple[str, tuple[str, ...]]:
    """The page's declared charset if it has one, else UTF-8 with the usual fallbacks."""
    match = _META_CHARSET.search(data[:4096])
    if match and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        charset = match.group(1).decode("ascii", "replace").lower()
        if charset not in ("utf-8", "utf8"):
            try:
                return clean_text(data.decode(charset))
            except (LookupError, UnicodeDecodeError):
                pass
    return decode(data)


def _published_time(page: str, day: dt.date | None) -> dt.time | None:
    """The time of day from the page's published-time metadata, if it names the same day."""
    if day is None:
        return None
    candidates: list[str] = []
    try:
        tree = lxml.html.document_fromstring(page.encode("utf-8"))
        candidates.extend(str(v) for v in tree.xpath(_PUBLISHED_XPATH))
    except Exception:  # no usable tree: try the JSON-LD text only
        pass
    candidates.extend(_JSONLD_DATE.findall(page))
    for value in candidates:
        parsed = parse_date(value)
        if parsed and parsed[0] == day and parsed[1] is not None:
            return parsed[1]
    return None


def _listing(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        return []
    return [v for v in (clean_line(str(x)) for x in value) if v]


def read_html(
    path: Path, data: bytes, options: ReadOptions = DEFAULT_OPTIONS
) -> Iterator[Article | Skip]:
    """One article per page: trafilatura finds the main text, title, author, date and site."""
    try:
        yield _html_article(path, data)
    except Exception as exc:  # a reader never raises
        yield Skip(str(path), f"unreadable HTML page ({one_line_error(exc)})")


def _html_article(path: Path, data: bytes) -> Article | Skip:
    page, warnings = _decode_html(data)
    options: dict[str, Any] = {
        "with_metadata": True,
        "include_comments": False,
        "date_extraction_params": {"extensive_search": False, "original_date": True},
    }
    doc = trafilatura.bare_extraction(page, **options)
    if doc is None or not (getattr(doc, "text", None) or "").strip():
        doc = trafilatura.bare_extraction(page, favor_recall=True, **options)
    text = (getattr(doc, "text", None) or "") if doc is not None else ""
    title = clean_line(getattr(doc, "title", None)) if doc is not None else None
    lines = clean_body(text).split("\n")
    if title and lines and clean_line(lines[0]) == title:
        lines = lines[1:]  # the page's own headline repeated at the top of the text
    body = "\n\n".join(line for line in lines if line)  # a blank line between paragraphs
    if not body:
        return Skip(
            str(path),
            "no article text found in the page (a front page or a script-built page?): "
            "save the article's own page",
        )
    day: dt.date | None = None
    raw_date = getattr(doc, "date", None)
    notes = list(warnings)
    if raw_date:
        parsed = parse_date(str(raw_date)[:10])
        if parsed is None:
            notes.append(f"unreadable date {str(raw_date)[:40]!r}: left empty")
        else:
            day = parsed[0]
    tags = [("category", c) for c in _listing(getattr(doc, "categories", None))]
    tags += [  # the page's keywords ("tag" would read oddly as --tag tag=...)
        ("keyword", t) for t in _listing(getattr(doc, "tags", None)) if ("category", t) not in tags
    ]
    return Article(
        id=make_id(path, None),
        path=str(path),
        body=body,
        title=title,
        date=day,
        time=_published_time(page, day),
        source=clean_line(getattr(doc, "sitename", None) or getattr(doc, "hostname", None)),
        author=clean_line(getattr(doc, "author", None)),
        url=clean_line(getattr(doc, "url", None)),
        tags=tuple(dict.fromkeys(tags)),
        warnings=tuple(notes),
    )


# ---------------------------------------------------------------------------- feeds


def _entry_date(entry: Any) -> tuple[dt.date | None, dt.time | None, str | None]:
    """The entry's published (else updated) date as written; feedparser's UTC parse last."""
    raw: str | None = None
    for key in ("published", "updated", "created"):
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            raw = value
            parsed = parse_date(value)
            if parsed is not None:
                return parsed[0], parsed[1], None
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            moment = dt.datetime(*value[:6])
            return moment.date(), moment.time(), None
    warning = f"unreadable date {raw.strip()[:40]!r}: left empty" if raw else None
    return None, None, warning


def _entry_body(entry: Any) -> str:
    """The longest of the entry's content values, else its summary, as plain text."""
    best = ""
    best_type = ""
    for content in entry.get("content") or []:
        value = content.get("value") or ""
        if len(value) > len(best):
            best, best_type = value, content.get("type") or ""
    if not best.strip():
        best = entry.get("summary") or entry.get("description") or ""
        best_type = (entry.get("summary_detail") or {}).get("type") or ""
    if "html" in best_type or looks_like_html(best):
        return html_to_text(best)
    return clean_body(best)


def _entry_author(entry: Any) -> str | None:
    found = [clean_line(a.get("name")) for a in entry.get("authors") or [] if isinstance(a, dict)]
    names = [n for n in found if n]
    if names:
        return ", ".join(dict.fromkeys(names))
    return clean_line(entry.get("author"))


def _entry_item(
    path: Path,
    number: int,
    entry: Any,
    feed_title: str | None,
    notes: tuple[str, ...],
    options: ReadOptions = DEFAULT_OPTIONS,
) -> Article | Skip:
    location = f"entry {number}"
    mapped = _mapped(entry, options)
    title_raw = mapped.get("title") or entry.get("title") or ""
    title = clean_line(html_to_text(title_raw) if looks_like_html(title_raw) else title_raw)
    body = _mapped_body(mapped["body"]) if "body" in mapped else _entry_body(entry)
    if not body:
        if not title:
            return Skip(
                str(path), "feed entry has no title, summary or content: nothing to index", location
            )
        body = title  # a headline is news too: indexed by its words
    day, moment, warning = _entry_date(entry)
    if "date" in mapped:
        day, moment, warning = to_date(mapped["date"])
    source_info = entry.get("source") or {}
    source = clean_line(mapped.get("source")) or clean_line(source_info.get("title")) or feed_title
    link = clean_line(mapped.get("url") or entry.get("link"))
    record_id = (
        explicit_id(mapped.get("id") or entry.get("id"), path) or link or make_id(path, location)
    )
    tags = [("category", t) for t in (clean_line(x.get("term") or x.get("label"))
                                      for x in entry.get("tags") or []) if t]  # fmt: skip
    for name, source_key in options.tags.items():
        if name == "category" and str(source_key).lower() in ("category", "tags"):
            continue  # the entry's own categories, above
        value = lookup(entry, source_key)
        values = value if isinstance(value, list) else [value]
        found = [(name, t) for t in (clean_line(value_text(v)) for v in values) if t]
        if found and options.used is not None:
            options.used.add(f"tag {name}", str(source_key))
        tags += found
    return Article(
        id=record_id,
        path=str(path),
        body=body,
        title=title,
        date=day,
        time=moment,
        source=source,
        author=clean_line(mapped.get("author")) or _entry_author(entry),
        url=link,
        location=location,
        tags=tuple(dict.fromkeys(tags)),
        warnings=(*notes, warning) if warning else notes,
    )


def _mapped(entry: Any, options: ReadOptions) -> dict[str, str]:
    """The fields ``--field`` maps that this entry has (a mapping meant for JSON records does
    not empty a feed's fields: where the entry has no such element, its own are read)."""
    found: dict[str, str] = {}
    for field, source in options.fields.items():
        text = value_text(lookup(entry, source))
        if text and text.strip():
            found[field] = text
            if options.used is not None:
                options.used.add(field, str(source))
    return found


def _mapped_body(text: str) -> str:
    return html_to_text(text) if looks_like_html(text) else clean_body(text)


# A character reference to a surrogate (&#xD800;, &#55296;): no text can hold one, and
# feedparser's lenient parser raised on it, losing every item of the feed.
_SURROGATE_REF = re.compile(
    rb"&#(?:[xX]0*[dD][89a-fA-F][0-9a-fA-F]{2}"
    rb"|0*(?:55(?:29[6-9]|[3-9][0-9]{2})|56[0-9]{3}|57(?:[0-2][0-9]{2}|3[0-3][0-9]|34[0-3])));"
)


def read_feed(
    path: Path, data: bytes, options: ReadOptions = DEFAULT_OPTIONS
) -> Iterator[Article | Skip]:
    """One article per RSS/Atom entry: title, text (markup stripped), date, feed title as source."""
    try:  # a file object: given bytes, feedparser opens a file of that name (a file that
        # holds a path would be read in place of itself)
        parsed = feedparser.parse(io.BytesIO(_SURROGATE_REF.sub(b"&#xFFFD;", data)))
    except Exception as exc:  # feedparser is lenient, but a reader never raises
        yield Skip(str(path), f"unreadable feed ({one_line_error(exc)})")
        return
    entries = list(parsed.get("entries") or [])
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if problem is not None and "encoding" in type(problem).__name__.lower():
        problem = None  # a declared charset that differs from the real one is harmless
    if not entries:
        why = (
            f"not a readable feed ({one_line_error(problem)})" if problem else "feed has no entries"
        )
        yield Skip(str(path), f"{why}: check that the file is RSS or Atom XML")
        return
    notes: tuple[str, ...] = ()
    if problem is not None:
        notes = (f"feed is not well-formed XML ({one_line_error(problem)}): read leniently",)
    feed_title = clean_line((parsed.get("feed") or {}).get("title"))
    for number, entry in enumerate(entries, start=1):
        try:
            yield _entry_item(path, number, entry, feed_title, notes, options)
        except Exception as exc:  # one bad entry must not stop the feed
            yield Skip(
                str(path), f"unreadable feed entry ({one_line_error(exc)})", f"entry {number}"
            )
