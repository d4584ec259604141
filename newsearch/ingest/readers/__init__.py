"""Readers turn input paths into Articles (or Skips with a reason), one reader per format.

A reader is a function ``(path, data, options) -> Iterator[Article | Skip]`` registered with a
sniffing predicate. ``iter_items`` walks directories (``tree.py``: every entry read or
skipped with a reason) and picks a reader by content and extension; the ``ReadOptions`` given to
it (field mapping, CSV columns, the file size and body limits) go to every reader. A file is
read only if it is a regular file within the size limit; a compressed file or an archive is read
as the files it holds (``archives.py``: each member within the size limit and the compression
ratio); a body over the limit is cut, with a warning.
"""

from __future__ import annotations

import functools
import io
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

from newsearch.ingest.readers import archives
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
    "read_data",
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


def _open_regular(path: Path) -> BinaryIO | Skip:
    """A regular file opened for reading, or why not. What is not a regular file is never
    opened (``os.stat`` first; opened with O_NONBLOCK and checked again, in case it was
    replaced meanwhile)."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return Skip(str(path), special_reason(path, st.st_mode))
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        fh = open(fd, "rb")  # noqa: SIM115 (the caller closes it)
        mode = os.fstat(fh.fileno()).st_mode
        if not stat.S_ISREG(mode):
            fh.close()
            return Skip(str(path), special_reason(path, mode))
        return fh
    except OSError as exc:
        return Skip(str(path), stat_error_reason(path, exc))


def _rest(path: Path, fh: BinaryIO, head: bytes, limit: int) -> bytes | Skip:
    """The file's bytes (``head`` read already) if it holds at most ``limit``, else why not:
    no more than ``limit`` + 1 bytes are read."""
    try:
        size = os.fstat(fh.fileno()).st_size
        if size <= limit:  # (a read of limit + 1 bytes would allocate that much first)
            data = head + fh.read(max(size + 1 - len(head), 1))
            if len(data) == size + 1:  # it grew since it was stat'ed
                data += fh.read(limit - len(data) + 1)
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
    """Read one file with the first reader that claims it (a compressed file or an archive:
    each file it holds, ``archives.py``); bodies over ``options.max_body_chars`` are cut. A
    path ``archive.zip!inner/x.html`` reads that member alone."""
    _load_builtin_readers()
    member = archives.split_member(str(path))
    source = Path(member[0]) if member else path
    opened = _open_regular(source)
    if isinstance(opened, Skip):
        yield opened
        return
    with opened as fh:
        try:
            head = fh.read(archives.HEAD_BYTES)
        except OSError as exc:
            yield Skip(str(path), stat_error_reason(path, exc))
            return
        kind = archives.kind_of(source.name, head)
        if kind is not None:
            fh.seek(0)
            read = functools.partial(read_data, options=options)
            only = member[1] if member else None
            yield from archives.read_container(
                fh, source, source.name, kind, options, 0, read, only
            )
            return
        if member:
            yield Skip(str(path), "not an archive: no member to read in it")
            return
        data = _rest(path, fh, head, options.max_file_bytes)
    if isinstance(data, Skip):
        yield data
        return
    yield from read_data(path, path.name, data, 0, options)


def read_data(
    path: Path, name: str, data: bytes, depth: int, options: ReadOptions = DEFAULT_OPTIONS
) -> Iterator[Article | Skip]:
    """Bytes read as a file named ``name`` (the reader chosen by that name and the content),
    its items named ``path``; ``depth``: how many containers they were found in (an archive in
    an archive in an archive is not opened)."""
    _load_builtin_readers()
    kind = archives.kind_of(name, data[: archives.HEAD_BYTES])
    if kind is not None and depth > 0:
        if depth >= archives.MAX_DEPTH:
            yield Skip(
                str(path),
                "archive inside an archive inside an archive: not read (archives are opened "
                "one level deep); unpack it to index it",
            )
            return
        read = functools.partial(read_data, options=options)
        yield from archives.read_container(io.BytesIO(data), path, name, kind, options, depth, read)
        return
    sniffed = Path(name)
    for spec in _READERS:
        if spec.sniff(sniffed, data):
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
