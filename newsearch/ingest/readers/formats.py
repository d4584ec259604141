"""Readers for structured news files: JSON Lines and JSON here; CSV in ``tabular``, HTML pages
and RSS/Atom feeds in ``web``, other XML in ``xmldoc``, Reuters-21578 SGML in ``reuters``.

``register_readers`` registers all of them, the most specific sniffers first. One JSON object
is one article; its fields are found by their usual names (title/headline, body/text/content/
description/short_description, date/published/pubDate, source/outlet/publisher, author/byline,
url/link, id/guid), or where ``ReadOptions.fields`` says (``--field body=short_description``, a
dotted path into nested objects: ``date=meta.published``); ``ReadOptions.tags`` makes other
fields tags (``--tag-field category``). A record with a title and no text is a headline.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from newsearch.ingest.readers import reuters, tabular, web, xmldoc
from newsearch.ingest.readers._shared import (
    FIELD_ALIASES,
    build_article,
    lookup,
    norm_key,
    one_line_error,
)
from newsearch.ingest.readers._shared import value_text as _text
from newsearch.ingest.readers.decode import decode
from newsearch.ingest.readers.options import DEFAULT_OPTIONS, ReadOptions, Register
from newsearch.models import Article, Skip

JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson", ".jsonlines"})
# Keys under which a JSON object wraps its list of articles (NewsAPI's "articles", ...).
LIST_KEYS = ("articles", "items", "entries", "data", "results", "posts", "docs", "documents",
             "news", "stories", "records", "hits")  # fmt: skip
JSON_KINDS = {"list": "array", "str": "string", "int": "number", "float": "number",
              "bool": "true/false", "NoneType": "null"}  # fmt: skip


def register_readers(register: Register) -> None:
    """Register every structured-format reader, more specific sniffers first."""
    reuters.register_readers(register)
    web.register_readers(register)
    xmldoc.register_readers(register)
    register("jsonl", sniff_jsonl, read_jsonl)
    register("json", sniff_json, read_json)
    tabular.register_readers(register)


def sniff_jsonl(path: Path, data: bytes) -> bool:
    return path.suffix.lower() in JSONL_SUFFIXES


def sniff_json(path: Path, data: bytes) -> bool:
    return path.suffix.lower() == ".json"


# ---------------------------------------------------------------------------- values


MAX_INT_DIGITS = 4000  # Python refuses to convert longer integer strings (4300 digits)


def _number(text: str) -> int | str:
    """An integer of the JSON as Python's int, or as its text when too long to convert (a
    value of 5,000 digits ended the whole run with Python's conversion limit)."""
    return int(text) if len(text) <= MAX_INT_DIGITS else text


def _loads(text: str) -> Any:
    return json.loads(text, parse_int=_number)


def _epoch(value: Any) -> tuple[dt.date, dt.time | None] | None:
    """A numeric timestamp (seconds or milliseconds since 1970, UTC) as a date and time."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    seconds = value / 1000 if value > 1e11 else value
    if not 0 < seconds < 4.2e9:
        return None
    moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    return moment.date(), moment.time().replace(microsecond=0)


def _tag_values(name: str, value: Any) -> list[tuple[str, str]]:
    """``(name, text)`` for each value of a tag field (a list gives several)."""
    items = value if isinstance(value, list) else [value]
    tags: list[tuple[str, str]] = []
    for item in items:
        text = _text(item)
        text = " ".join(text.split()) if text else ""
        if text and (name, text) not in tags:
            tags.append((name, text))
    return tags


def object_to_item(
    path: Path,
    location: str | None,
    obj: Mapping[str, Any],
    warnings: tuple[str, ...] = (),
    options: ReadOptions = DEFAULT_OPTIONS,
) -> Article | Skip:
    """One JSON object as an Article (or a Skip naming what is missing): mapped fields
    (``options.fields``) from their source only, the others by their usual names."""
    by_name: dict[str, tuple[str, Any]] = {}
    for key, value in obj.items():
        by_name.setdefault(norm_key(str(key)), (str(key), value))
    mapped = {**options.fields, **options.tags}
    taken = {norm_key(str(v)) for v in mapped.values()}
    values: dict[str, str | None] = {}
    raw: dict[str, Any] = {}
    used: list[tuple[str, str]] = []
    for field, aliases in FIELD_ALIASES.items():
        source = options.fields.get(field)
        if field == "category" and "category" in options.tags:
            continue  # a tag field of its own (below)
        if source is not None:
            value = lookup(obj, source)
            if (_text(value) or "").strip():
                values[field], raw[field] = _text(value), value
                used.append((field, str(source)))
            continue
        for alias in aliases:
            if alias in by_name and alias not in taken:
                key, value = by_name[alias]
                if (_text(value) or "").strip():
                    values[field], raw[field] = _text(value), value
                    used.append((field, key))
                    break
    if "body" not in values:  # "": the record has the field, empty; None: it has none
        if "body" in options.fields:
            values["body"] = None if lookup(obj, options.fields["body"]) is None else ""
        else:
            values["body"] = "" if any(a in by_name for a in FIELD_ALIASES["body"]) else None
    tags = _tag_values("category", raw.pop("category")) if "category" in raw else []
    values.pop("category", None)
    for name, source in options.tags.items():
        found = _tag_values(name, lookup(obj, source))
        if found:
            tags.extend(t for t in found if t not in tags)
            used.append((f"tag {name}", str(source)))
    if options.used is not None:
        for field, source in used:
            options.used.add("tag category" if field == "category" else field, source)
    body_from = f"--field body={options.fields['body']}" if "body" in options.fields else None
    return build_article(
        path,
        location,
        values,
        tags=tags,
        warnings=warnings,
        date=_epoch(raw.get("date")),
        body_from=body_from,
    )


def _safe_item(
    path: Path,
    location: str | None,
    obj: Any,
    warnings: tuple[str, ...],
    options: ReadOptions = DEFAULT_OPTIONS,
) -> Article | Skip:
    if not isinstance(obj, dict):
        kind = JSON_KINDS.get(type(obj).__name__, "value")
        reason = f"a JSON {kind}, not an object: give each article as an object"
        return Skip(str(path), reason, location)
    try:
        return object_to_item(path, location, obj, warnings, options)
    except Exception as exc:  # one bad record must not stop the file
        return Skip(str(path), f"unreadable record ({one_line_error(exc)})", location)


# ---------------------------------------------------------------------------- readers


def read_jsonl(
    path: Path, data: bytes, options: ReadOptions = DEFAULT_OPTIONS
) -> Iterator[Article | Skip]:
    """JSON Lines: one object per line; a malformed line is skipped, the rest goes on."""
    text, warnings = decode(data)
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        location = f"line {number}"
        try:
            obj = _loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            why = _json_error(exc)
            yield Skip(str(path), f"malformed JSON: {why}; fix or remove the line", location)
            continue
        yield _safe_item(path, location, obj, warnings, options)


def read_json(
    path: Path, data: bytes, options: ReadOptions = DEFAULT_OPTIONS
) -> Iterator[Article | Skip]:
    """A JSON array of article objects, one object, or an object wrapping a list of them
    (``{"articles": [...]}``). A file that is really JSON Lines is read as such."""
    text, warnings = decode(data)
    if not text.strip():
        yield Skip(str(path), "empty JSON file: nothing to index")
        return
    try:
        doc = _loads(text)
    except json.JSONDecodeError as exc:
        if _is_json_lines(text):
            yield from read_jsonl(path, data, options)
            return
        yield Skip(
            str(path),
            f"malformed JSON: {_json_error(exc, lines=True)}; fix the file",
            f"line {exc.lineno}",
        )
        return
    except RecursionError:
        yield Skip(str(path), "malformed JSON: nested too deeply; fix the file")
        return
    records = _records(doc)
    if records is None:
        if isinstance(doc, dict):
            yield _safe_item(path, None, doc, warnings, options)
        else:
            yield Skip(str(path), "no articles in this JSON: give an array of article objects")
        return
    if not records:
        yield Skip(str(path), "the JSON holds an empty list: nothing to index")
    for number, obj in enumerate(records, start=1):
        yield _safe_item(path, f"item {number}", obj, warnings, options)


def _json_error(exc: json.JSONDecodeError | RecursionError, lines: bool = False) -> str:
    """``Expecting ',' delimiter at column 12`` (with the line when ``lines``)."""
    if not isinstance(exc, json.JSONDecodeError):
        return "nested too deeply"
    where = f"line {exc.lineno} column {exc.colno}" if lines else f"column {exc.colno}"
    joiner = " " if exc.msg.endswith(" at") else " at "
    return f"{exc.msg}{joiner}{where}"


def _records(doc: Any) -> list[Any] | None:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        names = {norm_key(str(k)): k for k in doc}
        for key in LIST_KEYS:
            value = doc.get(names[key]) if key in names else None
            if isinstance(value, list) and all(isinstance(v, dict) for v in value):
                return value
    return None  # an object is itself an article


def _is_json_lines(text: str) -> bool:
    lines = [line for line in text.split("\n")[:5] if line.strip()]
    if len(lines) < 2:
        return False
    try:
        return isinstance(_loads(lines[0]), dict)
    except (json.JSONDecodeError, RecursionError):
        return False
