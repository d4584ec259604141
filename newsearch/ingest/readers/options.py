"""What a reader is given besides the file: the options of one run, passed explicitly.

``ReadOptions`` travels from ``build_index`` through ``iter_items`` and ``read_file`` to every
reader, so two runs in one process (or a run that failed) never share settings. Also the
reader's own types: ``Reader``, ``Sniffer``, ``Register``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from newsearch.errors import InputError
from newsearch.models import Article, Skip
from newsearch.text.passages import MAX_BODY_CHARS

# A file over this many bytes is skipped unread (``--max-file-size``; 100 MB).
MAX_FILE_BYTES = 100_000_000

# The fields a structured record can fill.
FIELDS = ("title", "body", "date", "source", "author", "url", "id", "category")
FIELD_SYNONYMS = {"text": "body", "content": "body", "description": "body", "headline": "title",
                  "link": "url", "class": "category", "label": "category", "guid": "id",
                  "byline": "author", "published": "date"}  # fmt: skip


@dataclass(frozen=True)
class CsvOptions:
    """How to read CSV files. ``columns`` maps a field (title, body, date, source, author, url,
    id, category) to a 1-based column number or a header name; ``header`` None = detect;
    ``delimiter`` None = detect. Build a checked one with ``csv_options``."""

    columns: Mapping[str, int | str] = field(default_factory=dict)
    header: bool | None = None
    delimiter: str | None = None


@dataclass(frozen=True)
class ReadOptions:
    """The options of one reading: ``csv`` for CSV/TSV files, ``max_file_bytes`` above which a
    file is skipped unread (default 100 MB), ``max_body_chars`` above which an article's body
    is cut at a paragraph or sentence boundary, with a warning (default 1,000,000 characters:
    ``newsearch.text.passages.MAX_BODY_CHARS``)."""

    csv: CsvOptions = field(default_factory=CsvOptions)
    max_file_bytes: int = MAX_FILE_BYTES
    max_body_chars: int = MAX_BODY_CHARS

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
