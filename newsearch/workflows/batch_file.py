"""A batch file read into queries: a CSV whose header names a ``query`` column, or one query a
line.

CSV (Datashare's batch search): a header row with a ``query`` column; the other columns are
options of each row, all optional:

- ``phrase`` (yes/no): the query is an exact phrase. A value quoted in the file
  (``"crane strike"``) is a phrase too, unless ``phrase`` says no;
- ``proximity`` (N): the words in order, each within N words of the one before (a phrase);
- ``fuzzy`` (yes, 1 or 2): each word matches words within 1 (or 2) edits;
- filters: ``source``, ``person``, ``org``, ``place``, ``entity``, ``topic``, ``tag``
  (``NAME=VALUE``) (several values separated by ``|``), ``since``, ``until``, ``date``
  (``YYYY[-MM[-DD]]``) and ``exclude`` (``FIELD:VALUE``), as the options of the same names
  of ``newsearch query`` (every list filter of search/filters.py is a column).

Other columns are kept with the row (``columns``), to carry an identifier through. Comma,
tab or semicolon separated (the one that splits the header); a one-column file needs no
quoting. Any other file: each line is a query, in the query syntax, as written.

Every row becomes one ``BatchQuery``; a row that cannot be searched (no query, a value that
does not parse, more values than columns, an unclosed quote) carries its ``error`` and its
line, and the rows after it are read as usual. Blank lines are not rows.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from newsearch.errors import InputError
from newsearch.search.filters import LIST_FILTERS as SEARCH_LISTS

QUERY_COLUMN = "query"
OPTION_COLUMNS = ("phrase", "proximity", "fuzzy")
LIST_FILTERS = (*SEARCH_LISTS, "exclude")  # source, person, ..., topic, tag
FILTER_COLUMNS = (*LIST_FILTERS, "since", "until", "date")
VALUE_SEPARATOR = "|"  # several values in one filter cell
DELIMITERS = (",", "\t", ";")
_YES = {"yes", "y", "true", "t", "1", "x"}
_NO = {"no", "n", "false", "f", "0", ""}
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT"}
_PLAIN_WORD = re.compile(r"[^\W\d_][\w'’-]*")


@dataclass(frozen=True)
class BatchQuery:
    """One row of a batch file: ``query`` as written, ``search`` the query searched (a phrase
    quoted, fuzzy marks added), ``filters`` keyword arguments of ``SearchEngine.search``,
    ``columns`` the row's other columns; ``error`` says why the row cannot be searched."""

    line: int
    query: str
    search: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    columns: tuple[tuple[str, str], ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class BatchFile:
    """A batch file read: its rows as queries, in order, and what the reader has to say about
    the file (columns it does not know, an encoding guessed)."""

    path: str
    kind: Literal["csv", "lines"]
    queries: tuple[BatchQuery, ...]
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Cell:
    value: str
    quoted: bool  # the whole cell was quoted in the file


def read_batch(path: str | Path) -> BatchFile:
    """The queries of a batch file (see the module's docstring for the formats). A file that
    cannot be read at all is an ``InputError``; a bad row only carries its error."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the batch file {name}: {exc.strerror or exc}") from None
    text, notices = _decode(data, name)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        raise InputError(f"the batch file {name} is empty: give one query a line, or a CSV")
    delimiter = _csv_delimiter(lines[header_at])
    if delimiter is False:
        return BatchFile(name, "lines", tuple(_line_queries(lines)), tuple(notices))
    header, after = _record(lines, header_at, delimiter)
    assert header is not None  # (the delimiter was found by reading it)
    columns = [c.value.strip().lower() for c in header]
    for column in columns:
        if column and columns.count(column) > 1:
            raise InputError(f"{name} line {header_at + 1}: column {column!r} is there twice")
    known = {QUERY_COLUMN, *OPTION_COLUMNS, *FILTER_COLUMNS}
    others = [c for c in columns if c and c not in known]
    if others:
        notices.append(
            f"{name}: column{'s' if len(others) > 1 else ''} {', '.join(others)} kept with each "
            f"row, not searched (options: {', '.join((*OPTION_COLUMNS, *FILTER_COLUMNS))})"
        )
    queries = [
        _row_query(line, cells, columns) for line, cells in _records(lines, after, delimiter)
    ]
    return BatchFile(name, "csv", tuple(queries), tuple(notices))


def _decode(data: bytes, name: str) -> tuple[str, list[str]]:
    """UTF-8 (a BOM dropped), UTF-16 with a BOM, else Windows-1252 (said in a notice)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError:
            pass
    elif b"\0" not in data:
        try:
            return data.decode("utf-8-sig"), []
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
            return text, [f"{name} is not UTF-8: read as Windows-1252"]
    raise InputError(f"the batch file {name} is not text: give a CSV or one query a line")


def _csv_delimiter(header: str) -> str | Literal[False] | None:
    """The delimiter whose split of the header names a ``query`` column (None: the header is
    that one column); False when no split does (one query a line)."""
    for delimiter in DELIMITERS:
        cells, _ = _record([header], 0, delimiter)
        names = [c.value.strip().lower() for c in cells or ()]
        if len(names) > 1 and QUERY_COLUMN in names:
            return delimiter
    return None if header.strip().strip('"').strip().lower() == QUERY_COLUMN else False


def _line_queries(lines: list[str]) -> Iterator[BatchQuery]:
    for i, line in enumerate(lines):
        text = line.strip()
        if text:
            yield BatchQuery(i + 1, text, text)


def _records(
    lines: list[str], start: int, delimiter: str | None
) -> Iterator[tuple[int, list[_Cell] | None]]:
    """``(line number, cells)`` of each record from ``lines[start]`` on; cells None for a
    record whose quote is never closed (the lines after its first are read again)."""
    i = start
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        cells, after = _record(lines, i, delimiter)
        yield i + 1, cells
        i = after if cells is not None else i + 1


def _record(lines: list[str], i: int, delimiter: str | None) -> tuple[list[_Cell] | None, int]:
    """The record starting at ``lines[i]`` (a quoted value may hold delimiters, newlines and
    doubled quotes) and the index of the line after it; None if a quote is never closed."""
    cells: list[_Cell] = []
    raw: list[str] = []  # the cell as written
    value: list[str] = []  # the cell's value (quotes taken off)
    quoted = inside = closed = False
    line, pos = lines[i], 0
    while True:
        if pos >= len(line):
            if inside:
                i += 1
                if i >= len(lines):
                    return None, i
                raw.append("\n")
                value.append("\n")
                line, pos = lines[i], 0
                continue
            cells.append(_cell(raw, value, quoted, closed))
            return cells, i + 1
        ch = line[pos]
        pos += 1
        if inside:
            if ch == '"' and line[pos : pos + 1] == '"':
                raw.append('""')
                value.append('"')
                pos += 1
            elif ch == '"':
                inside, closed = False, True
                raw.append(ch)
            else:
                raw.append(ch)
                value.append(ch)
        elif delimiter is not None and ch == delimiter:
            cells.append(_cell(raw, value, quoted, closed))
            raw, value, quoted, closed = [], [], False, False
        elif ch == '"' and not quoted and not "".join(raw).strip():
            inside = quoted = True
            raw.append(ch)
            value = []
        else:
            raw.append(ch)
            value.append(ch)
            if closed and not ch.isspace():
                quoted = False  # "crane strike" -Putin: text after the quote, as written


def _cell(raw: list[str], value: list[str], quoted: bool, closed: bool) -> _Cell:
    if closed and not quoted:
        return _Cell("".join(raw).strip(), False)
    return _Cell("".join(value).strip(), quoted)


def _row_query(line: int, cells: list[_Cell] | None, columns: list[str]) -> BatchQuery:
    if cells is None:
        return BatchQuery(line, "", error="a quote is not closed: close it, or double it")
    extra = [c for c in cells[len(columns) :] if c.value]
    row = dict(zip(columns, cells, strict=False))
    query = row.get(QUERY_COLUMN, _Cell("", False))
    kept = tuple(
        (name, cell.value)
        for name, cell in row.items()
        if name and name != QUERY_COLUMN and name not in OPTION_COLUMNS + FILTER_COLUMNS
    )

    def failed(error: str) -> BatchQuery:
        return BatchQuery(line, query.value, columns=kept, error=error)

    if extra:
        return failed(
            f"{len(columns) + len(extra)} values but the header names {len(columns)} "
            "columns: quote a value holding the delimiter"
        )
    if not query.value:
        return failed("empty query: give a name or words to search for")
    try:
        search = _search_text(query, {k: c.value for k, c in row.items()})
        filters = _filters({k: c.value for k, c in row.items() if k in FILTER_COLUMNS})
    except ValueError as exc:
        return failed(str(exc))
    return BatchQuery(line, query.value, search, filters, kept)


def _search_text(query: _Cell, row: dict[str, str]) -> str:
    """The query as searched: a phrase (quoted in the file, or ``phrase``/``proximity``),
    fuzzy words, or the query syntax as written. A ValueError says what is wrong."""
    phrase = _yes_no(row.get("phrase", ""), "phrase")
    proximity = _count(row.get("proximity", ""), "proximity", 0, 1000)
    fuzzy = _fuzzy(row.get("fuzzy", ""))
    text = query.value
    as_phrase = phrase if row.get("phrase", "").strip() else query.quoted and '"' not in text
    if proximity is not None:
        if phrase is False and row.get("phrase", "").strip():
            raise ValueError("proximity asks for a phrase, and phrase says no: choose one")
        as_phrase = True
    if as_phrase:
        if fuzzy:
            raise ValueError("fuzzy does not apply to a phrase: leave one of them out")
        words = " ".join(text.replace('"', " ").split())
        return f'"{words}"' + (f"~{proximity}" if proximity else "")
    if fuzzy:
        mark = "~" if fuzzy == 1 else f"~{fuzzy}"
        return " ".join(
            w + mark if _PLAIN_WORD.fullmatch(w) and w not in _OPERATORS else w
            for w in text.split()
        )
    return text


def _yes_no(value: str, name: str) -> bool:
    v = value.strip().lower()
    if v in _YES:
        return True
    if v in _NO:
        return False
    raise ValueError(f"{name} {value.strip()!r} not understood: use yes or no")


def _count(value: str, name: str, low: int, high: int) -> int | None:
    v = value.strip()
    if not v:
        return None
    if not v.isdigit() or not low <= int(v) <= high:
        raise ValueError(f"{name} {v!r}: give a whole number from {low} to {high}")
    return int(v)


def _fuzzy(value: str) -> int:
    """Edits allowed: 0 (no), 1 (yes or 1) or 2."""
    v = value.strip().lower()
    if v in ("1", "2"):
        return int(v)
    return 1 if _yes_no(v, "fuzzy") else 0


def _filters(cells: dict[str, str]) -> dict[str, Any]:
    """The row's filter cells as ``SearchEngine.search`` keyword arguments (dates are checked
    by the engine, which names what is wrong)."""
    out: dict[str, Any] = {}
    for name in LIST_FILTERS:
        values = [v.strip() for v in cells.get(name, "").split(VALUE_SEPARATOR) if v.strip()]
        if values:
            out[name] = values
    for name in ("since", "until"):
        if cells.get(name, "").strip():
            out[name] = cells[name].strip()
    day = cells.get("date", "").strip()
    if day:
        if "since" in out or "until" in out:
            raise ValueError("date is one day, month or year: give it or since/until, not both")
        out["since"] = out["until"] = day
    return out
