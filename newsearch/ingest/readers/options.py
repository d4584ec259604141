"""What a reader is given besides the file: the options of one run, passed explicitly.

``ReadOptions`` travels from ``build_index`` through ``iter_items`` and ``read_file`` to every
reader, so two runs in one process (or a run that failed) never share settings. Also the
reader's own types: ``Reader``, ``Sniffer``, ``Register``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from newsearch.errors import InputError
from newsearch.models import Article, Skip

MAX_FILE_BYTES = 200 * 1024 * 1024

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
    file is skipped unread."""

    csv: CsvOptions = field(default_factory=CsvOptions)
    max_file_bytes: int = MAX_FILE_BYTES


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
