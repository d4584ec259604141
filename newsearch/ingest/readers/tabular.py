"""CSV/TSV reader: one article per row, with a column mapping found from the header row,
guessed for headerless files, or given by the user with the file (``read_csv(path, data,
ReadOptions(csv=csv_options("title=2,body=3")))``).

Columns are 1-based numbers or header names. A row whose field count does not fit the file is
skipped (``line N``). Text repairs for AG News style dumps (entities that lost their ``&``,
``\\$``, backslash line breaks, escaped markup) are applied where the file shows them.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newsearch.errors import InputError
from newsearch.ingest.readers._shared import build_article, match_fields, norm_key, one_line_error
from newsearch.ingest.readers.decode import decode
from newsearch.ingest.readers.options import (
    DEFAULT_OPTIONS,
    CsvOptions,
    FieldUse,
    ReadOptions,
    Register,
)
from newsearch.models import Article, Skip

CSV_SUFFIXES = frozenset({".csv", ".tsv", ".tab"})
SAMPLE_ROWS = 200

_AGNEWS_MARKS = re.compile(r" #\d{2,4};| quot;|\\\$")


def register_readers(register: Register) -> None:
    register("csv", sniff_csv, read_csv)


def sniff_csv(path: Path, data: bytes) -> bool:
    return path.suffix.lower() in CSV_SUFFIXES


# ---------------------------------------------------------------------------- detection


def _delimiter(path: Path, text: str, options: CsvOptions) -> str:
    if options.delimiter:
        return options.delimiter
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    try:
        return csv.Sniffer().sniff(text[:20000], delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _is_header(row: Sequence[str], options: CsvOptions, named: bool = False) -> bool:
    """Whether the first row names the columns (``named``: a mapping names a column)."""
    if options.header is not None:
        return options.header
    if named or any(isinstance(c, str) for c in options.columns.values()):
        return True
    if not row or any(len(cell) > 60 for cell in row):
        return False
    return bool(match_fields(row))


def _names_row(row: Sequence[str], rest: Sequence[Sequence[str]]) -> bool:
    """Whether a first row of names no rule knows (``when,head,words``) heads the columns:
    short cells without spaces over a column whose other rows are mostly wordy text."""
    if not rest or any(len(cell) > 40 or not cell.strip() for cell in row):
        return False
    for col, cell in enumerate(row):
        cells = [r[col] for r in rest if len(r) > col]
        wordy = sum(1 for c in cells if len(c.split()) >= 3)
        if " " not in cell.strip() and cells and wordy >= 0.8 * len(cells):
            return True
    return False


def _resolve(
    columns: Mapping[str, int | str], header: Sequence[str] | None, option: str = "--csv-columns"
) -> dict[str, int]:
    """User columns as 0-based positions; raises InputError for a name not in the header."""
    found: dict[str, int] = {}
    exact = list(header or [])
    names = [norm_key(h) for h in exact]
    for key, column in columns.items():
        if isinstance(column, int):
            found[key] = column - 1
        elif column in exact:
            found[key] = exact.index(column)
        elif norm_key(column) in names:
            found[key] = names.index(norm_key(column))
        else:
            shown = ", ".join(header) if header else "no header row"
            raise InputError(f"no CSV column named {column!r} ({shown}): fix {option}")
    return found


def _guess_headerless(rows: Sequence[Sequence[str]]) -> dict[str, int]:
    """For a file without a header: the longest text column is the body, the next longest text
    column the title, a column of small numbers a class, a column of URLs the url."""
    width = Counter(len(r) for r in rows).most_common(1)[0][0] if rows else 0
    stats: list[tuple[float, float, float, float]] = []  # avg length, wordy, small int, url
    for col in range(width):
        cells = [r[col].strip() for r in rows if len(r) > col]
        n = max(len(cells), 1)
        stats.append(
            (
                sum(len(c) for c in cells) / n,
                sum(1 for c in cells if " " in c) / n,
                sum(1 for c in cells if c.isdigit() and len(c) <= 2) / n,
                sum(1 for c in cells if c.startswith(("http://", "https://"))) / n,
            )
        )
    mapping: dict[str, int] = {}
    texts = sorted(
        (c for c, s in enumerate(stats) if s[1] >= 0.5 and s[3] < 0.5),
        key=lambda c: -stats[c][0],
    )
    if texts and stats[texts[0]][0] >= 20:
        mapping["body"] = texts[0]
        if len(texts) > 1 and stats[texts[1]][0] >= 8:
            mapping["title"] = texts[1]
    for col, s in enumerate(stats):
        if s[3] >= 0.8 and "url" not in mapping:
            mapping["url"] = col
        elif s[2] >= 0.99 and "category" not in mapping and col not in mapping.values():
            mapping["category"] = col
    return mapping


def _class_names(path: Path) -> list[str] | None:
    classes = path.parent / "classes.txt"
    try:
        if classes.is_file():
            names = [line.strip() for line in classes.read_text(errors="replace").splitlines()]
            return [n for n in names if n] or None
    except OSError:
        pass
    return None


# ---------------------------------------------------------------------------- reading


def _repair_agnews(text: str) -> str:
    r"""AG News escapes: ``\$`` is ``$``; a backslash glued to a word is a line break."""
    text = text.replace("\\$", "$").replace("\\\\", "\n\n")
    return text.replace("\\", " ")


def read_csv(
    path: Path, data: bytes, options: ReadOptions = DEFAULT_OPTIONS
) -> Iterator[Article | Skip]:
    """Each row of a CSV/TSV file as an Article; bad rows become Skips naming their line.
    ``options.csv`` gives the columns, header and delimiter where detection would not do."""
    opts = options.csv
    text, warnings = decode(data)
    text = text.replace("\x00", "")
    try:
        csv.field_size_limit(64 * 1024 * 1024)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(path, text, opts))
        rows = _rows(path, reader)
        buffered = list(itertools.islice(rows, SAMPLE_ROWS + 1))
    except Exception as exc:
        yield Skip(str(path), f"unreadable CSV ({one_line_error(exc)})")
        return
    if not buffered:
        yield Skip(str(path), "empty CSV file: nothing to index")
        return
    first = buffered[0][1]
    named = any(isinstance(c, str) for c in (*options.fields.values(), *options.tags.values()))
    header = first if isinstance(first, list) and _is_header(first, opts, named) else None
    if header is None and isinstance(first, list) and opts.header is None:
        rest = [r for _, r in buffered[1:] if isinstance(r, list)]
        header = first if _names_row(first, rest) else None
    if header is not None:
        buffered = buffered[1:]
    sample = [r for _, r in buffered if isinstance(r, list)]
    try:
        plan = _plan(path, header, sample, options)
    except InputError as exc:
        yield Skip(str(path), str(exc))
        return
    if isinstance(plan, Skip):
        yield plan
        return
    agnews = bool(_AGNEWS_MARKS.search(text[:200000]))
    for line, row in itertools.chain(buffered, rows):
        if isinstance(row, Skip):
            yield row
            continue
        item = _row_item(path, line, row, plan, agnews, warnings)
        if options.used is not None and isinstance(item, Article):
            _count_use(options.used, item, plan)
        yield item


@dataclass(frozen=True)
class _Plan:
    columns: dict[str, int]  # field -> 0-based column
    expected: int  # fields a row must have
    classes: list[str] | None = None  # names for a numeric category column
    class_offset: int = 1
    tags: dict[str, int] = field(default_factory=dict)  # tag name -> 0-based column
    names: dict[str, str] = field(default_factory=dict)  # field or "tag NAME" -> column shown


def _plan(
    path: Path, header: Sequence[str] | None, sample: Sequence[Sequence[str]], options: ReadOptions
) -> _Plan | Skip:
    """Which column is which field: the mapping given (``--field``, ``--tag-field``, the
    deprecated ``--csv-columns``), the rest by the header's names (or guessed for a file
    without a header when nothing is given)."""
    classes: list[str] | None = None
    given = {**options.csv.columns, **options.fields}
    tag_given = dict(options.tags)
    if "category" in given and "category" not in tag_given:
        tag_given["category"] = given.pop("category")
    option = "--field" if options.fields else "--csv-columns"
    columns = _resolve(given, header, option)
    tags = _resolve(tag_given, header, "--tag-field")
    if header is not None:
        taken = {*columns.values(), *tags.values()}
        detected = match_fields([h if i not in taken else "" for i, h in enumerate(header)])
        for key, col in detected.items():
            if key not in columns and not (key == "category" and "category" in tags):
                columns[key] = col
    elif not given and not tag_given:
        columns = _guess_headerless(sample)
        if "category" in columns:
            classes = _class_names(path)
            if classes is None:
                del columns["category"]  # bare class numbers say nothing to a reader
    if "category" in tags:
        columns["category"] = tags.pop("category")
    if "body" not in columns and "title" not in columns:
        return Skip(str(path), _no_body_reason(header))
    if header is not None:
        expected = len(header)
    else:
        expected = Counter(len(r) for r in sample).most_common(1)[0][0] if sample else 0
    expected = max(expected, max([*columns.values(), *tags.values()]) + 1)
    offset = 1
    if classes is not None:
        col = columns["category"]
        offset = 0 if any(len(r) > col and r[col].strip() == "0" for r in sample) else 1
    names = {
        **{k: _shown_column(header, c) for k, c in columns.items()},
        **{f"tag {k}": _shown_column(header, c) for k, c in tags.items()},
    }
    if "category" in names:
        names["tag category"] = names.pop("category")
    return _Plan(columns, expected, classes, offset, tags, names)


def _shown_column(header: Sequence[str] | None, col: int) -> str:
    """A column as the summary names it: its header, else ``column N`` (1-based)."""
    if header is not None and col < len(header) and header[col].strip():
        return header[col].strip()
    return f"column {col + 1}"


def _count_use(used: FieldUse, item: Article, plan: _Plan) -> None:
    present = {"title": item.title, "body": item.body, "date": item.date, "url": item.url,
               "author": item.author, "source": item.source}  # fmt: skip
    kinds = {k for k, _ in item.tags}
    for name, shown in plan.names.items():
        if name.startswith("tag "):
            if name[4:] in kinds:
                used.add(name, shown)
        elif (name == "id" or present.get(name)) and not (
            name == "body" and item.body == item.title  # a headline: no text in the column
        ):
            used.add(name, shown)


def _row_item(
    path: Path, line: int, row: list[str], plan: _Plan, agnews: bool, warnings: tuple[str, ...]
) -> Article | Skip:
    location = f"line {line}"
    if len(row) < plan.expected or any(cell.strip() for cell in row[plan.expected :]):
        return Skip(
            str(path),
            f"row has {len(row)} fields, expected {plan.expected}: fix the row "
            "(a missing quote or delimiter?) or remove it",
            location,
        )
    try:
        values: dict[str, str | None] = {}
        for key, col in plan.columns.items():
            values[key] = _repair_agnews(row[col]) if agnews else row[col]
        category = (values.get("category") or "").strip()
        if plan.classes is not None and category.isdigit():
            index = int(category) - plan.class_offset
            if 0 <= index < len(plan.classes):
                values["category"] = plan.classes[index]
        tags = [(name, " ".join(row[col].split())) for name, col in plan.tags.items()]
        return build_article(path, location, values, tags=tags, warnings=warnings)
    except Exception as exc:  # one bad row must not stop the file
        return Skip(str(path), f"unreadable row ({one_line_error(exc)})", location)


def _no_body_reason(header: Sequence[str] | None) -> str:
    if header is not None:
        names = ", ".join(repr(h) for h in header[:12])
        return (f"no article text or title column among {names}: name it 'body' or 'text', or "
                "say which it is, e.g. --field body=3 (or --field body=NAME)")  # fmt: skip
    return ("cannot tell which CSV column holds the article text: say which, "
            "e.g. --field title=2 --field body=3")  # fmt: skip


def _rows(path: Path, reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str] | Skip]]:
    """``(first line number, row)`` for every non-blank row; a CSV error becomes a Skip."""
    line_num = 0
    errors = 0
    while True:
        start = line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            errors += 1
            line_num = getattr(reader, "line_num", line_num + 1)
            yield start, Skip(str(path), f"malformed CSV: {exc}; fix the row", f"line {start}")
            if errors > 1000:
                return
            continue
        line_num = getattr(reader, "line_num", line_num + 1)
        if row and any(cell.strip() for cell in row):
            yield start, row
