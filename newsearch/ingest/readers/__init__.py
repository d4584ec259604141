"""Readers turn input paths into Articles (or Skips with a reason), one reader per format.

A reader is a function ``(path, data, options) -> Iterator[Article | Skip]`` registered with a
sniffing predicate. ``iter_items`` walks directories (``tree.py``: every entry read or
skipped with a reason) and picks a reader by content and extension; the ``ReadOptions`` given to
it (CSV columns, the file size and body limits) go to every reader. A file is read only if it is
a regular file within the size limit; a body over the limit is cut, with a warning.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from newsearch.ingest.readers.options import (
    DEFAULT_OPTIONS,
    MAX_FILE_BYTES,
    CsvOptions,
    Reader,
    ReadOptions,
    Sniffer,
    csv_options,
    describe_size,
)
from newsearch.ingest.readers.tree import check_paths, special_reason, stat_error_reason, walk
from newsearch.models import Article, Skip
from newsearch.text.passages import cut_body

__all__ = [
    "DEFAULT_OPTIONS",
    "MAX_FILE_BYTES",
    "CsvOptions",
    "ReadOptions",
    "Reader",
    "Sniffer",
    "cap_body",
    "check_paths",
    "csv_options",
    "iter_items",
    "read_file",
    "register",
    "walk",
]


@dataclass(frozen=True)
class ReaderSpec:
    name: str
    sniff: Sniffer
    read: Reader


_READERS: list[ReaderSpec] = []


def register(name: str, sniff: Sniffer, read: Reader) -> None:
    """Add a reader; readers registered first are tried first, the text reader is the fallback."""
    _READERS.append(ReaderSpec(name, sniff, read))


def _load_builtin_readers() -> None:
    if _READERS:
        return
    from newsearch.ingest.readers import text

    for module in _optional_modules():
        module.register_readers(register)
    register("text", text.sniff, text.read)


def _optional_modules() -> list:  # type: ignore[type-arg]
    from newsearch.ingest.readers import formats

    return [formats]


def _read_regular(path: Path, limit: int) -> bytes | Skip:
    """The bytes of a regular file of at most ``limit`` bytes, or why not. What is not a
    regular file is never opened (``os.stat`` first; opened with O_NONBLOCK and checked again,
    in case it was replaced meanwhile), and no more than ``limit`` + 1 bytes are read."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return Skip(str(path), special_reason(path, st.st_mode))
        size = st.st_size
        if size <= limit:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
            with open(fd, "rb") as fh:
                mode = os.fstat(fh.fileno()).st_mode
                if not stat.S_ISREG(mode):
                    return Skip(str(path), special_reason(path, mode))
                data = fh.read(limit + 1)
                if len(data) <= limit:
                    return data
                size = max(len(data), os.fstat(fh.fileno()).st_size)  # it grew since
    except OSError as exc:
        return Skip(str(path), stat_error_reason(path, exc))
    return Skip(
        str(path),
        f"file is {describe_size(size)}, over the limit of {limit:,} bytes "
        "(--max-file-size): split it, or raise the limit",
    )


def cap_body(item: Article | Skip, limit: int) -> Article | Skip:
    """An article whose body is over ``limit`` characters, cut at a paragraph or sentence end
    (``cut_body``) with a warning: before sentence splitting, entities and indexing."""
    if isinstance(item, Skip) or len(item.body) <= limit:
        return item
    body = cut_body(item.body, limit)
    warning = (
        f"body is {len(item.body):,} characters, over the {limit:,}-character limit: "
        f"only its first {len(body):,} are indexed (cut at a passage boundary); "
        "split the file to index the rest"
    )
    return replace(item, body=body, warnings=(*item.warnings, warning))


def read_file(path: Path, options: ReadOptions = DEFAULT_OPTIONS) -> Iterator[Article | Skip]:
    """Read one file with the first reader that claims it; bodies over
    ``options.max_body_chars`` are cut."""
    _load_builtin_readers()
    data = _read_regular(path, options.max_file_bytes)
    if isinstance(data, Skip):
        yield data
        return
    for spec in _READERS:
        if spec.sniff(path, data):
            found = False
            for item in spec.read(path, data, options):
                found = True
                yield finish(item, options)
            if not found:  # every file read is accounted for, even one that holds nothing
                yield Skip(str(path), f"{spec.name}: no articles in this file (no records)")
            return
    yield Skip(str(path), "no reader for this file type")


_SURROGATE = re.compile("[\ud800-\udfff]")


def finish(item: Article | Skip, options: ReadOptions = DEFAULT_OPTIONS) -> Article | Skip:
    """An item as the index takes it: its body capped (``cap_body``), and lone surrogates
    (from an escape such as ``\\ud800`` or ``&#55296;``: no UTF-8 text can hold them, and
    hashing them ended the whole run) replaced by U+FFFD."""
    if isinstance(item, Article):
        fields = ("id", "body", "title", "source", "author", "url")
        values = {f: getattr(item, f) for f in fields}
        bad = {f: v for f, v in values.items() if isinstance(v, str) and _SURROGATE.search(v)}
        if bad:
            fixed: dict[str, Any] = {f: _SURROGATE.sub("\ufffd", v) for f, v in bad.items()}
            item = replace(item, **fixed)
    return cap_body(item, options.max_body_chars)


def iter_items(
    paths: Iterable[str | os.PathLike[str]], options: ReadOptions = DEFAULT_OPTIONS
) -> Iterator[Article | Skip]:
    """All articles (and skips) from files and directories, in a stable order, read with
    ``options``."""
    for item in walk(paths):
        if isinstance(item, Skip):
            yield item
        else:
            yield from read_file(item, options)
