"""Reuters-21578 SGML (``reut2-NNN.sgm``): one Article per ``<REUTERS>`` document.

The files are SGML, not XML (no root element, ``&#3;``-style control entities, unescaped
``>``), so the documents are found with regular expressions. Every ``<REUTERS`` opening tag
gives exactly one Article or Skip. The category lists become ``tags``: ``("topic", "cocoa")``,
``("place", "brazil")``, ``("person", ...)``, ``("org", ...)``, ``("exchange", ...)``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

from newsearch.ingest.readers._shared import one_line_error
from newsearch.ingest.readers.decode import decode
from newsearch.ingest.readers.ids import make_id
from newsearch.ingest.readers.options import DEFAULT_OPTIONS, ReadOptions, Register
from newsearch.models import Article, Skip
from newsearch.text.dates import parse_date

SOURCE = "Reuters"

_NAME = re.compile(r"^reut2-\d+\.sgm$", re.IGNORECASE)
_OPEN = re.compile(r"<REUTERS\b([^>]*)>", re.IGNORECASE)
_CLOSE = re.compile(r"</REUTERS\s*>", re.IGNORECASE)
_ATTR = re.compile(r'([A-Za-z-]+)\s*=\s*"?([^"\s>]*)"?')
_TEXT_OPEN = re.compile(r"<TEXT\b([^>]*)>", re.IGNORECASE)
_TEXT = re.compile(r"<TEXT\b([^>]*)>(.*?)(?:</TEXT\s*>|$)", re.IGNORECASE | re.DOTALL)
_FIELD_NAMES = ("DATE", "TOPICS", "PLACES", "PEOPLE", "ORGS", "EXCHANGES", "TITLE", "BODY",
                "DATELINE", "AUTHOR")  # fmt: skip
_FIELD_OPEN = re.compile(rf"<({'|'.join(_FIELD_NAMES)})\b[^>]*>", re.IGNORECASE)
_FIELD_CLOSE = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in _FIELD_NAMES}
_D_TAG = re.compile(r"<(/?)D>", re.IGNORECASE)
_ENTITY = re.compile(r"&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# The sign-off: "Reuter" (also "REUTER...", "Reuter^M"), or "Reuters" alone on its line.
_TRAILER = re.compile(
    r"(?:\n[ \t]*REUTERS?|[ \t]*\bREUTER)(?:\.\.\.|\^M|[ \t])*\s*$", re.IGNORECASE
)
_TAG = re.compile(r"<[A-Za-z/][^<>]*>")

# (SGML element, tag kind)
LISTS = (("TOPICS", "topic"), ("PLACES", "place"), ("PEOPLE", "person"), ("ORGS", "org"),
         ("EXCHANGES", "exchange"))  # fmt: skip


def register_readers(register: Register) -> None:
    register("reuters21578", sniff, read)


def sniff(path: Path, data: bytes) -> bool:
    """``reut2-NNN.sgm``, or a file that starts with ``<!DOCTYPE lewis`` / ``<REUTERS``."""
    if _NAME.match(path.name):
        return True
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    return head.startswith(b"<!DOCTYPE LEWIS") or (
        path.suffix.lower() == ".sgm" and head.startswith(b"<REUTERS")
    )


def _unescape(text: str) -> str:
    """Decode ``&lt;``, ``&amp;`` and numeric entities, then drop control characters."""
    if "&" not in text:  # most fields (a regex substitution is ~1 us even when none match)
        return text if text.isprintable() else _CONTROL.sub("", text)

    def entity(m: re.Match[str]) -> str:
        name = m.group(1)
        if name[0] != "#":
            return _NAMED[name.lower()] if name.lower() in _NAMED else m.group(0)
        try:
            code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
            return chr(code)
        except (ValueError, OverflowError):
            return ""

    return _CONTROL.sub("", _ENTITY.sub(entity, text))


def _elements(doc: str) -> dict[str, str]:
    """The content of the first of each known element in the document, by upper-case name.

    An element runs from its opening tag to the first closing tag after it; the scan goes on
    after that closing tag. Each name's closing tag is looked for once past an opening tag that
    has none (a lazy ``<X>(.*?)</X>`` pattern would scan to the end from every unclosed ``<X>``:
    20,000 of them in a 120 kB document took 27 s)."""
    found: dict[str, str] = {}
    unclosed: set[str] = set()
    pos = 0
    while match := _FIELD_OPEN.search(doc, pos):
        name = match.group(1).upper()
        close = None if name in unclosed else _FIELD_CLOSE[name].search(doc, match.end())
        if close is None:
            unclosed.add(name)
            pos = match.start() + 1
            continue
        found.setdefault(name, doc[match.end() : close.start()])
        pos = close.end()
    return found


def _d_values(content: str) -> list[str]:
    """The text of each ``<D>...</D>`` of a category list, in one pass over its tags."""
    values: list[str] = []
    start = None
    for tag in _D_TAG.finditer(content):
        if not tag.group(1):
            start = tag.end() if start is None else start
        elif start is not None:
            values.append(content[start : tag.start()])
            start = None
    return values


def _unwrap(text: str) -> str:
    """Join the ~70-column hard-wrapped lines: an indented line starts a new paragraph;
    paragraphs are separated by a blank line."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        starts_paragraph = not line.strip() or line[:1] in (" ", "\t")
        if starts_paragraph and current:
            paragraphs.append(" ".join(current))
            current = []
        if line.strip():
            current.append(" ".join(line.split()))
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


def _strip_trailer(text: str) -> str:
    for _ in range(2):  # some documents sign off twice ("REUTER" then "Reuter")
        text = text.rstrip()
        cut = max(len(text) - 40, 0)  # the sign-off is at the very end: look only there
        text = text[:cut] + _TRAILER.sub("", text[cut:])
    return text.rstrip()


def _author(raw: str | None) -> str | None:
    if raw is None:
        return None
    name = " ".join(_unescape(raw).split())
    name = re.sub(r"^by\s+", "", name, flags=re.IGNORECASE)
    name = re.sub(r",?\s*Reuters?\.?$", "", name, flags=re.IGNORECASE).strip(" ,")
    return name or None


def _document(
    path: Path, number: int, attrs: str, doc: str, warnings: tuple[str, ...]
) -> Article | Skip:
    attributes = {k.upper(): v for k, v in _ATTR.findall(attrs)}
    newid = attributes.get("NEWID", "").strip()
    location = f"NEWID {newid}" if newid else f"document {number}"
    doc_id = f"reuters-{newid}" if newid else make_id(path, location)
    fields = _elements(doc)
    tags: list[tuple[str, str]] = []
    for element, kind in LISTS:
        content = fields.get(element)
        for value in _d_values(content or ""):
            value = " ".join(_unescape(value).split())
            if value and (kind, value) not in tags:
                tags.append((kind, value))
    notes = [w for w in warnings if not doc.isascii()]
    date = time = None
    raw_date = fields.get("DATE")
    if raw_date is not None:
        parsed = parse_date(_unescape(raw_date))
        if parsed is None:
            notes.append(f"unreadable date {' '.join(raw_date.split())[:40]!r}: left empty")
        else:
            date, time = parsed
    opening = _TEXT_OPEN.search(doc)  # (the content only when needed: its scan is the cost)
    text_attrs = opening.group(1) if opening else ""
    title_raw = fields.get("TITLE")
    title = " ".join(_unescape(title_raw).split()) if title_raw is not None else None
    body_raw = fields.get("BODY")
    body = _unwrap(_strip_trailer(_unescape(body_raw))) if body_raw is not None else ""
    dateline_raw = fields.get("DATELINE")
    dateline = " ".join(_unescape(dateline_raw).split()).rstrip(" -") if dateline_raw else ""
    if body and dateline:
        body = f"{dateline} - {body}"
    if not body and not title and "UNPROC" in text_attrs.upper():
        text_match = _TEXT.search(doc)
        text = text_match.group(2) if text_match else ""
        # Unprocessed documents (tables, reports): the lines as they are, the first as title.
        raw_lines = _strip_trailer(_unescape(_TAG.sub("", text))).split("\n")
        lines = [line.rstrip() for line in raw_lines]
        lines = [line for line in lines if line.strip()]
        if lines:
            title = " ".join(lines[0].split())
            body = "\n".join(lines[1:]).strip() or title
    if not body:
        body = title or ""
    if not body:
        return Skip(str(path), "no title or body: nothing to index", location)
    return Article(
        id=doc_id,
        path=str(path),
        body=body,
        title=title or None,
        date=date,
        time=time,
        source=SOURCE,
        author=_author(fields.get("AUTHOR")),
        location=location,
        tags=tuple(tags),
        warnings=tuple(notes),
    )


def read(
    path: Path, data: bytes, options: ReadOptions = DEFAULT_OPTIONS
) -> Iterator[Article | Skip]:
    """Every ``<REUTERS>`` document of the file, in order, as an Article or a Skip."""
    text, warnings = decode(data)
    openings = list(_OPEN.finditer(text))
    if not openings:
        yield Skip(str(path), "no <REUTERS> documents in this SGML file")
        return
    for number, match in enumerate(openings, start=1):
        end = openings[number].start() if number < len(openings) else len(text)
        segment = text[match.end() : end]
        close = _CLOSE.search(segment)
        try:
            item = _document(path, number, match.group(1), segment[: close.start()] if close
                             else segment, warnings)  # fmt: skip
        except Exception as exc:  # one bad document must not stop the file
            newid = dict((k.upper(), v) for k, v in _ATTR.findall(match.group(1))).get("NEWID")
            where = f"NEWID {newid}" if newid else f"document {number}"
            item = Skip(str(path), f"unreadable document ({one_line_error(exc)})", where)
        if close is None and isinstance(item, Article):
            note = "no </REUTERS> end tag: the document may be truncated"
            item = dataclasses.replace(item, warnings=(*item.warnings, note))
        yield item
