"""Readers turn input paths into Articles (or Skips with a reason), one reader per format.

A reader is a function ``(path, data, options) -> Iterator[Article | Skip]`` registered with a
sniffing predicate. ``iter_items`` walks directories and picks a reader by content and
extension; the ``ReadOptions`` given to it (CSV columns, the file size limit) go to every reader.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from newsearch.ingest.readers.options import (
    DEFAULT_OPTIONS,
    MAX_FILE_BYTES,
    CsvOptions,
    Reader,
    ReadOptions,
    Sniffer,
    csv_options,
)
from newsearch.models import Article, Skip

__all__ = [
    "DEFAULT_OPTIONS",
    "MAX_FILE_BYTES",
    "CsvOptions",
    "ReadOptions",
    "Reader",
    "Sniffer",
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


# Documentation that sits beside corpora, never articles (compared case-insensitively).
SKIP_NAMES = {"provenance.md", "sha256sums", "md5sums", "license", "license.txt", "classes.txt"}
SKIP_PREFIXES = ("readme",)
SKIP_SUFFIXES = (".dtd", ".sha256", ".md5", ".pyc", ".gz", ".zip")


def _skipped_name(name: str) -> bool:
    low = name.lower()
    return (
        name.startswith(".")
        or low in SKIP_NAMES
        or low.startswith(SKIP_PREFIXES)
        or low.endswith(SKIP_SUFFIXES)
    )


def _article_files(files: list[str]) -> list[str]:
    """The files of a directory that hold articles. In a Reuters-21578 distribution only the
    ``reut2-*.sgm`` files do; the rest (category lists, the DTD, notes) is documentation."""
    sgml = [f for f in files if f.startswith("reut2-") and f.endswith(".sgm")]
    if sgml:
        return sgml
    return [f for f in files if not _skipped_name(f)]


def walk(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path | Skip]:
    """Every file under the given paths in a stable order; missing paths become Skips."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(_article_files(files)):
                    yield Path(root) / name
        elif p.is_file():
            yield p
        else:
            yield Skip(str(p), "no such file or directory: check the path")


def read_file(path: Path, options: ReadOptions = DEFAULT_OPTIONS) -> Iterator[Article | Skip]:
    """Read one file with the first reader that claims it."""
    _load_builtin_readers()
    try:
        size = path.stat().st_size
        if size > options.max_file_bytes:
            limit = f"{options.max_file_bytes / 2**20:g} MiB"
            yield Skip(str(path), f"file is {size:,} bytes, over the {limit} limit: split it first")
            return
        data = path.read_bytes()
    except OSError as exc:
        yield Skip(str(path), f"cannot read: {exc.strerror or exc}")
        return
    for spec in _READERS:
        if spec.sniff(path, data):
            yield from spec.read(path, data, options)
            return
    yield Skip(str(path), "no reader for this file type")


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
