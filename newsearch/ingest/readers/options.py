"""What a reader is given besides the file: the options of one run, passed explicitly.

``ReadOptions`` travels from ``build_index`` through ``iter_items`` and ``read_file`` to every
reader, so two runs in one process (or a run that failed) never share settings. Also the
reader's own types: ``Reader``, ``Sniffer``, ``Register``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from newsearch.errors import InputError
from newsearch.models import Article, Skip
from newsearch.text.passages import MAX_BODY_CHARS

# A file over this many bytes is skipped unread (``--max-file-size``; 100 MB).
MAX_FILE_BYTES = 100_000_000

# The fields a structured record can fill.
FIELDS = ("title", "body", "date", "source", "author", "url", "id", "category")
# The fields ``--field NAME=SOURCE`` maps (category, the one built-in tag, too).
ARTICLE_FIELDS = ("title", "body", "date", "author", "url", "source", "id")
FIELD_SYNONYMS = {"text": "body", "content": "body", "description": "body", "headline": "title",
                  "link": "url", "class": "category", "label": "category", "guid": "id",
                  "byline": "author", "published": "date"}  # fmt: skip
# Tag names that are other things already: an entity tag joins the entities (as Reuters' lists
# do); these name fields of their own.
RESERVED_TAGS = frozenset({"source", "date", "since", "until", "entity", "title", "body", "text"})
_TAG_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,39}")


@dataclass(frozen=True)
class CsvOptions:
    """How to read CSV files. ``columns`` maps a field (title, body, date, source, author, url,
    id, category) to a 1-based column number or a header name; ``header`` None = detect;
    ``delimiter`` None = detect. Build a checked one with ``csv_options``."""

    columns: Mapping[str, int | str] = field(default_factory=dict)
    header: bool | None = None
    delimiter: str | None = None


class FieldUse:
    """Which record field (a JSON key or path, a CSV column) each article field and tag was
    read from, counted over one run's records: the summary says so (``IndexSummary.fields``).
    Readers call ``add``; a run makes one (``ReadOptions.used``)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()

    def add(self, field: str, source: str) -> None:
        self.counts[(field, source)] += 1

    def sources(self, field: str) -> list[str]:
        """The sources ``field`` was read from, the most used first."""
        found = [(n, s) for (f, s), n in self.counts.items() if f == field]
        return [s for _, s in sorted(found, key=lambda x: (-x[0], x[1]))]

    def summary(self) -> dict[str, str]:
        """``{"body": "short_description", "title": "headline", "tag category": "category"}``:
        each field's sources, most used first, joined by ``", "``."""
        names = dict.fromkeys(f for f, _ in sorted(self.counts, key=_field_order))
        return {f: ", ".join(self.sources(f)) for f in names}


def _field_order(key: tuple[str, str]) -> tuple[int, str]:
    name = key[0]
    return (ARTICLE_FIELDS.index(name) if name in ARTICLE_FIELDS else 99, name)


@dataclass(frozen=True)
class ReadOptions:
    """The options of one reading: ``csv`` for CSV/TSV files, ``max_file_bytes`` above which a
    file (or an archive member, uncompressed) is skipped unread (default 100 MB),
    ``max_body_chars`` above which an article's body is cut at a paragraph or sentence
    boundary, with a warning (default 1,000,000 characters:
    ``newsearch.text.passages.MAX_BODY_CHARS``).

    ``fields`` maps article fields to record fields (``parse_fields``: ``{"body":
    "short_description", "date": "meta.published"}``; a CSV column by header name or 1-based
    number), for JSON, JSON Lines, CSV/TSV and feeds; fields not mapped are found by their
    usual names. ``tags`` maps tag names to record fields whose values become the article's
    tags (``parse_tag_fields``), filtered by ``--tag NAME=VALUE`` and counted as facets.
    ``used``, if given, counts which record field each field was read from."""

    csv: CsvOptions = field(default_factory=CsvOptions)
    max_file_bytes: int = MAX_FILE_BYTES
    max_body_chars: int = MAX_BODY_CHARS
    fields: Mapping[str, int | str] = field(default_factory=dict)
    tags: Mapping[str, int | str] = field(default_factory=dict)
    used: FieldUse | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.max_file_bytes < 1 or self.max_body_chars < 1:
            raise InputError(
                f"max_file_bytes={self.max_file_bytes}, max_body_chars={self.max_body_chars}: "
                "give sizes from 1"
            )


DEFAULT_OPTIONS = ReadOptions()

Reader = Callable[[Path, bytes, ReadOptions], Iterator[Article | Skip]]
Sniffer = Callable[[Path, bytes], bool]
Register = Callable[[str, Sniffer, Reader], None]


def parse_csv_columns(spec: str) -> dict[str, int | str]:
    """``"title=2,body=3"`` (or ``title=Headline,body=Text``) as a mapping; raises InputError."""
    columns: dict[str, int | str] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        name, sep, column = (s.strip() for s in part.partition("="))
        key = FIELD_SYNONYMS.get(name.lower(), name.lower())
        if not sep or not column or key not in FIELDS:
            raise InputError(
                f"bad CSV column mapping {part!r}: write FIELD=COLUMN, e.g. title=2,body=3 "
                f"(fields: {', '.join(FIELDS)}; columns are 1-based numbers or header names)"
            )
        if column.isdigit():
            if int(column) < 1:
                raise InputError(f"bad CSV column {column!r} in {part!r}: columns count from 1")
            columns[key] = int(column)
        else:
            columns[key] = column
    if columns and "body" not in columns:
        raise InputError(f"CSV column mapping {spec!r} has no body: add e.g. body=3")
    return columns


_FIELD_HELP = "names: " + ", ".join(ARTICLE_FIELDS)


def _pairs(spec: str | Mapping[str, int | str] | Iterable[str] | None) -> list[tuple[str, str]]:
    """``NAME=SOURCE`` items from a mapping, a comma-separated string or a list of strings."""
    if spec is None:
        return []
    if isinstance(spec, Mapping):
        return [(str(k), str(v)) for k, v in spec.items()]
    items = [p for p in spec.split(",")] if isinstance(spec, str) else list(spec)
    out: list[tuple[str, str]] = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        name, sep, source = (x.strip() for x in item.partition("="))
        if not sep:
            raise InputError(
                f"bad field mapping {item!r}: write NAME=SOURCE, e.g. "
                f"--field body=short_description ({_FIELD_HELP}; SOURCE is the record's field, "
                "a.b for a nested one, or a CSV column's header or 1-based number)"
            )
        out.append((name, source))
    return out


def _source(name: str, source: str, option: str) -> int | str:
    if not source:
        raise InputError(
            f"bad field mapping {option} {name}=: give the record field to read it from, "
            f"e.g. {option} {name}=text"
        )
    if source.isdigit():
        if int(source) < 1:
            raise InputError(
                f"bad column {source!r} in {option} {name}={source}: columns count from 1"
            )
        return int(source)
    return source


def parse_fields(
    spec: str | Mapping[str, int | str] | Iterable[str] | None,
) -> tuple[dict[str, int | str], dict[str, int | str]]:
    """``--field`` mappings (``["title=headline", "body=short_description"]``, ``"title=2,
    body=3"`` or ``{"body": "text"}``) as ``(fields, tags)``: ``category=`` is a tag. Raises
    InputError naming the problem and the fix."""
    fields: dict[str, int | str] = {}
    tags: dict[str, int | str] = {}
    for raw_name, raw_source in _pairs(spec):
        name = FIELD_SYNONYMS.get(raw_name.lower(), raw_name.lower())
        if name not in FIELDS:
            raise InputError(
                f"unknown field {raw_name!r} in --field {raw_name}={raw_source} ({_FIELD_HELP}): "
                f"to keep another record field as a filterable tag, use --tag-field "
                f"{raw_name.lower()}={raw_source}"
            )
        source = _source(name, raw_source, "--field")
        target = tags if name == "category" else fields
        if name in target and target[name] != source:
            raise InputError(f"--field {name} given twice ({target[name]}, {source}): give it once")
        target[name] = source
    return fields, tags


def parse_tag_fields(
    spec: str | Mapping[str, int | str] | Iterable[str] | None,
) -> dict[str, int | str]:
    """``--tag-field`` items (``"category"``, ``"section=meta.section"``, ``"topic=5"``) as
    ``{tag name: source}``; the name of a bare ``a.b`` is ``b``. Raises InputError."""
    if isinstance(spec, str):
        spec = [spec]
    items = spec.items() if isinstance(spec, Mapping) else [(None, s) for s in spec or []]
    tags: dict[str, int | str] = {}
    for key, value in items:
        if key is None:
            given = str(value).strip()
            if not given:
                continue
            name, sep, source = (x.strip() for x in given.partition("="))
            if not sep:
                name, source = given.rsplit(".", 1)[-1], given
        else:
            name, source = str(key).strip(), str(value).strip()
            given = f"{name}={source}"
        name = name.lower()
        if not _TAG_NAME.fullmatch(name) or name in RESERVED_TAGS:
            if name in ARTICLE_FIELDS:
                why = f"{name!r} is a field of its own: use --field {name}={source}"
            elif name in RESERVED_TAGS:
                why = f"{name!r} is taken: name the tag otherwise, e.g. {name}_tag={source}"
            else:
                why = (
                    "a tag name is letters, digits, '_', '-' or '.' (up to 40), e.g. "
                    "--tag-field category or --tag-field section=meta.section"
                )
            raise InputError(f"bad --tag-field {given!r}: {why}")
        tags[name] = _source(name, source, "--tag-field")
    return tags


def csv_options(
    columns: str | Mapping[str, int | str] | None = None,
    *,
    header: bool | None = None,
    delimiter: str | None = None,
) -> CsvOptions:
    """Checked CSV options; raises InputError with the fix.

    ``columns``: ``"title=2,body=3"`` or ``{"title": 2, "body": 3}`` (1-based numbers or header
    names; fields title, body, date, source, author, url, id, category)."""
    if isinstance(columns, str):
        mapping = parse_csv_columns(columns)
    else:  # the same checks as for the text form
        mapping = parse_csv_columns(",".join(f"{k}={v}" for k, v in (columns or {}).items()))
    if delimiter is not None and len(delimiter) != 1:
        raise InputError(f"bad CSV delimiter {delimiter!r}: give one character")
    return CsvOptions(columns=mapping, header=header, delimiter=delimiter)


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)", re.IGNORECASE)
_POWERS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}


def parse_size(text: str) -> int:
    """A size in bytes from ``123`` (bytes), ``50M``/``50MiB`` (2**20) or ``100MB`` (10**6),
    as GNU coreutils reads them (K, M, G, T); raises InputError with the forms it takes."""
    m = _SIZE.fullmatch(text.strip())
    if m is None or (m[3].lower() in ("i", "ib") and not m[2]):
        raise InputError(
            f"bad size {text!r}: give bytes (1000000) or a number with K, M, G or T "
            "(50M = 50 MiB, 100MB = 100,000,000 bytes)"
        )
    number, unit, tail = float(m[1]), m[2].lower(), m[3].lower()
    base = 1000 if tail == "b" and unit else 1024
    size = int(number * base ** _POWERS[unit])
    if size < 1:
        raise InputError(f"bad size {text!r}: give at least 1 byte")
    return size


def describe_size(size: int) -> str:
    """``123,456,789 bytes (123.5 MB)``: exact, and readable."""
    for unit, power in (("TB", 4), ("GB", 3), ("MB", 2), ("KB", 1)):
        if size >= 1000**power:
            return f"{size:,} bytes ({size / 1000**power:.1f} {unit})"
    return f"{size:,} bytes"
