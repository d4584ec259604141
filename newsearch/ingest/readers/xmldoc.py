"""XML that is neither a feed nor a web page, read as the text it holds, not its markup.

``.xml`` files (and files that open with an XML declaration) come here after the feed and HTML
sniffers; the root decides: ``<rss>``/``<feed>``/``<rdf:RDF>`` (a feed whose prologue hid it from
the sniffer) go to the feed reader, ``<html>`` to the HTML reader. Anything else is one article
per record element (``<articles><article>...``) or one for the file, its fields found by their
usual names (title, body/text/content, date, source, author, url, id).

Parsed safely with lxml: internal entities are expanded under libxml2's amplification limit (a
"billion laughs" file is skipped), no external entity, DTD or URL is ever loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree  # type: ignore[import-untyped,unused-ignore]

from newsearch.ingest.readers._shared import FIELD_ALIASES, build_article, norm_key, one_line_error
from newsearch.ingest.readers.options import DEFAULT_OPTIONS, ReadOptions, Register
from newsearch.ingest.readers.web import read_feed, read_html
from newsearch.models import Article, Skip

XML_SUFFIXES = frozenset({".xml"})
_XML_DECLARATION = re.compile(rb"^\s*<\?xml\b")


def register_readers(register: Register) -> None:
    register("xml", sniff_xml, read_xml)


def sniff_xml(path: Path, data: bytes) -> bool:
    """``.xml``, or a file that starts with an XML declaration (feeds and pages go first)."""
    if path.suffix.lower() in XML_SUFFIXES:
        return True
    return bool(_XML_DECLARATION.match(data[:256].removeprefix(b"\xef\xbb\xbf")))


_FEED_ROOTS = frozenset({"rss", "feed", "rdf"})
_XML_META = ("title", "date", "source", "author", "url", "id", "category")


def _xml_parser() -> Any:
    """A parser that expands internal entities under libxml2's limits and reads nothing else:
    no DTD, no external entity, no network, no huge-tree mode; comments and PIs dropped."""
    return etree.XMLParser(
        resolve_entities="internal",
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=True,
    )


def _local(element: Any) -> str:
    return str(etree.QName(element).localname)


def _flat(element: Any) -> str:
    """All the text under ``element``, its markup dropped, on one line."""
    text = etree.tostring(element, method="text", encoding="unicode", with_tail=False)
    return " ".join(str(text).split())


def _paragraphs(element: Any, leave: list[Any]) -> list[str]:
    """The text under ``element`` as paragraphs: an element with text of its own (a leaf, or
    mixed content like ``<p>a <b>b</b> c</p>``) is one paragraph; ``leave`` is not read."""
    out: list[str] = []
    stack = [element]
    while stack:
        node = stack.pop()
        if any(node is x for x in leave):
            continue
        children = list(node.iterchildren(etree.Element))
        own = (node.text or "").strip() or any((c.tail or "").strip() for c in node)
        if own or not children:
            text = _flat(node)
            if text:
                out.append(text)
            continue
        stack.extend(reversed(children))
    return out


def _xml_records(root: Any) -> tuple[list[Any], bool]:
    """The elements that are one article each: the children of the root (or of its only
    child) when two or more share a name and hold a body or title element; else the root."""
    named = {a for f in ("body", "title") for a in FIELD_ALIASES[f]}
    for parent in (root, *root.iterchildren(etree.Element))[:2]:
        children = list(parent.iterchildren(etree.Element))
        names = [_local(c) for c in children]
        for name in dict.fromkeys(names):
            group = [c for c, n in zip(children, names, strict=True) if n == name]
            if len(group) >= 2 and any(
                norm_key(_local(d)) in named for d in group[0].iterdescendants(etree.Element)
            ):
                return group, True
    return [root], False


def _xml_item(path: Path, location: str | None, record: Any, notes: list[str]) -> Article | Skip:
    found: dict[str, Any] = {}
    for element in record.iterdescendants(etree.Element):
        key = norm_key(_local(element))
        for field in ("body", *_XML_META):
            if field not in found and key in FIELD_ALIASES[field]:
                found[field] = element
                break
    values: dict[str, str | None] = {f: _flat(e) or None for f, e in found.items() if f != "body"}
    if "body" in found:
        paragraphs = _paragraphs(found["body"], [])
    else:
        paragraphs = _paragraphs(record, list(found.values()))
    values["body"] = "\n\n".join(paragraphs)
    return build_article(path, location, values, warnings=notes)


def read_xml(
    path: Path, data: bytes, options: ReadOptions = DEFAULT_OPTIONS
) -> Iterator[Article | Skip]:
    """An XML file by its root: RSS/Atom to the feed reader, an XHTML page to the HTML reader,
    anything else as text (one article per record element, or one for the file)."""
    parser = _xml_parser()
    try:
        root = etree.fromstring(data, parser)
    except Exception as exc:  # recover=True parses what it can; this is what it could not
        root, error = None, one_line_error(exc)
    else:
        error = next((str(e.message) for e in parser.error_log if e.level >= 3), "")
    if any("amplification" in str(e.message) for e in parser.error_log):
        yield Skip(str(path), "XML entities expand past the parser's limit (a 'billion laughs' "
                   "file?): not read")  # fmt: skip
        return
    if root is None or not isinstance(root.tag, str):
        why = f" ({' '.join(error.split())[:160]})" if error else ""
        yield Skip(str(path), f"not well-formed XML{why}: fix the file")
        return
    name = _local(root).lower()
    if name in _FEED_ROOTS:
        yield from read_feed(path, data, options)
        return
    if name == "html":
        yield from read_html(path, data, options)
        return
    notes = [f"not well-formed XML ({' '.join(error.split())[:160]}): read leniently"]
    records, many = _xml_records(root)
    for number, record in enumerate(records, start=1):
        location = f"{_local(record)} {number}" if many else None
        try:
            yield _xml_item(path, location, record, notes if error else [])
        except Exception as exc:  # one bad record must not stop the file
            yield Skip(str(path), f"unreadable XML record ({one_line_error(exc)})", location)
