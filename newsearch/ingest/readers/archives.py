"""Compressed files and archives, read through the same readers as the files they hold.

- ``.gz``, ``.bz2``, ``.xz``: one compressed file, read as the file it holds, by its inner name
  and content (``page.html.gz`` is an HTML page; a tarball inside is an archive). Its articles
  and skips keep the file's own path.
- ``.zip``, ``.tar``, ``.tar.gz``/``.tgz``, ``.tar.bz2``/``.tbz2``, ``.tar.xz``/``.txz``: each
  member read as a file; its articles and skips are named ``archive.zip!inner/path.html``.
- Found by name or by content (a gzip, bzip2, xz, zip or tar file under another name); files
  that are zips by design (``.docx``, ``.epub``...) are not opened.

Bounded, whatever the headers claim: nothing is written to disk, and a member is read into
memory only up to the size limit (``--max-file-size``, 100 MB by default, uncompressed). A
member over the limit, or expanding more than ``MAX_RATIO`` times its compressed size (past
``RATIO_FLOOR`` bytes: a zip bomb), is skipped with its reason; both are judged from the
headers first and again while decompressing, chunk by chunk, so no bomb is ever decompressed
whole. In a compressed tarball the members share one stream: past the ratio there, the rest of
the archive is not read (one skip says so). Archives are opened one inside another only one
level deep (``MAX_DEPTH``). Links, devices and encrypted members are skipped unread; hidden
members and documentation as in a walk (``tree.py``).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast

from newsearch.ingest.readers._shared import one_line_error
from newsearch.ingest.readers.containers import (
    CHUNK,
    HEAD_BYTES,
    MAX_DEPTH,
    MAX_RATIO,
    RATIO_FLOOR,
    STREAMS,
    TAR_MAGIC,
    UNREADABLE,
    Limit,
    container_of,
    drain,
    inner_name,
    kind_of,
    split_member,
    too_big,
    unread,
    wanted,
)
from newsearch.ingest.readers.options import ReadOptions
from newsearch.ingest.readers.zips import read_zip
from newsearch.models import Article, Skip

__all__ = ["HEAD_BYTES", "MAX_DEPTH", "container_of", "kind_of", "read_container", "split_member"]

# (display path, inner name for sniffing, data, depth) -> the items read from them
ReadData = Callable[[Path, str, bytes, int], Iterator[Article | Skip]]


# ---------------------------------------------------------------------------- reading


def read_container(
    fh: IO[bytes],
    display: Path,
    name: str,
    kind: str,
    options: ReadOptions,
    depth: int,
    read: ReadData,
    only: str | None = None,
) -> Iterator[Article | Skip]:
    """The items of the container open as ``fh`` (``display``: its path as shown; ``name``:
    its own file name), at nesting ``depth`` (0: a file of the walk); ``only``: the one
    member to read (a path from a ``!`` reference), None for all."""
    what = f"compressed archive (.{kind})"
    try:
        if kind == "zip":

            def nested(container: Path, name: str, data: bytes) -> Iterator[Article | Skip]:
                return _nested(container, name, data, depth, read, only, options)

            items = read_zip(fh, display, options, nested, only)
        elif kind == "tar":
            items = _tar(fh, display, name, options, depth, read, only)
        else:
            items = _stream(fh, display, name, kind, options, depth, read)
        found = False
        for item in items:
            found = True
            yield item
        if not found and only is None:
            yield Skip(str(display), f"{what} holds no files: nothing to index")
    except Limit as exc:
        yield Skip(str(display), exc.reason)
    except UNREADABLE as exc:
        yield Skip(str(display), f"{what} that cannot be read ({one_line_error(exc)}): check it")


def _member(
    container: Path, member: str, data: bytes, depth: int, read: ReadData
) -> Iterator[Article | Skip]:
    """A member's bytes read like a file of its name, one level deeper."""
    display = Path(f"{container}!{member}")
    yield from read(display, PurePosixPath(member).name, data, depth + 1)


def _nested(
    display: Path,
    name: str,
    data: bytes,
    depth: int,
    read: ReadData,
    only: str | None,
    options: ReadOptions,
) -> Iterator[Article | Skip]:
    """A member read; of a ``!`` reference into it, only the part named."""
    if only is None or only == name:
        yield from _member(display, name, data, depth, read)
        return
    inner = Path(f"{display}!{name}")
    base = PurePosixPath(name).name
    kind = kind_of(base, data[:HEAD_BYTES])
    if kind is not None and depth + 1 < MAX_DEPTH:
        rest = only[len(name) + 1 :]
        yield from read_container(
            io.BytesIO(data), inner, base, kind, options, depth + 1, read, rest
        )


# ---------------------------------------------------------------------------- streams and tar


class _Counting(io.RawIOBase):
    """A file's bytes, counting how many were read (the compressed side of a ratio)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.fh.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


class _Guarded(io.RawIOBase):
    """A decompressed stream that raises Limit once it has given more than ``MAX_RATIO``
    times the compressed bytes read behind it (past ``RATIO_FLOOR``): a tarball's members
    share one stream, so skipping a bomb member would decompress it all."""

    def __init__(self, stream: io.BufferedIOBase, counter: _Counting, what: str) -> None:
        self.stream = stream
        self.counter = counter
        self.what = what
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(min(len(buffer), CHUNK))
        buffer[: len(data)] = data
        self.total += len(data)
        if self.total > RATIO_FLOOR and self.total > MAX_RATIO * max(self.counter.count, 1):
            raise Limit(
                f"{self.what} expands over {MAX_RATIO}:1 ({self.total:,} bytes from "
                f"{self.counter.count:,}): the rest of it is not read (a bomb?); unpack it "
                "yourself if you trust it"
            )
        return len(data)


def _decompressing(fh: IO[bytes], kind: str) -> tuple[io.BufferedIOBase, _Counting]:
    counter = _Counting(fh)
    raw = io.BufferedReader(counter, CHUNK)
    stream: io.BufferedIOBase
    if kind == "gz":
        stream = gzip.GzipFile(fileobj=raw, mode="rb")
    elif kind == "bz2":
        stream = bz2.BZ2File(raw, mode="rb")
    elif kind == "xz":
        stream = lzma.LZMAFile(raw, mode="rb")  # noqa: SIM115 (closed by its reader)
    else:
        raise ValueError(f"not a compressed stream: {kind}")
    return stream, counter


def _compression(fh: IO[bytes]) -> str | None:
    head = fh.read(HEAD_BYTES)
    fh.seek(0)
    kind = kind_of("", head)
    return kind if kind in STREAMS.values() else None


def _stream(
    fh: IO[bytes],
    display: Path,
    name: str,
    kind: str,
    options: ReadOptions,
    depth: int,
    read: ReadData,
) -> Iterator[Article | Skip]:
    """One compressed file: read as the file it holds (a tarball in it as an archive)."""
    stream, counter = _decompressing(fh, kind)
    inner = inner_name(name)
    with stream:
        head = stream.read(HEAD_BYTES)
        if head[257:265] in TAR_MAGIC or inner.lower().endswith(".tar"):
            fh.seek(0)
            yield from _tar(fh, display, name, options, depth, read, None)
            return
        what = f"the file compressed in {name}"
        rest = drain(stream.read, what, options.max_file_bytes - len(head), lambda: counter.count)
    data = head + rest
    yield from read(display, inner, data, depth + 1)


def _tar(
    fh: IO[bytes],
    display: Path,
    name: str,
    options: ReadOptions,
    depth: int,
    read: ReadData,
    only: str | None,
) -> Iterator[Article | Skip]:
    limit = options.max_file_bytes
    compression = _compression(fh)
    if compression is None:  # seekable, uncompressed: members are skipped by seeking
        tf = tarfile.open(fileobj=fh, mode="r:")  # noqa: SIM115 (closed below)
    else:
        stream, counter = _decompressing(fh, compression)
        guarded = io.BufferedReader(_Guarded(stream, counter, f"compressed archive {name}"))
        tf = tarfile.open(fileobj=guarded, mode="r|")  # noqa: SIM115
    hidden: set[str] = set()
    current = ""
    with tf:
        while True:
            try:
                member = tf.next()
            except Limit as exc:
                yield Skip(str(display), f"{exc.reason} (after {current or 'its start'})")
                return
            if member is None:
                return
            cast(Any, tf).members.clear()  # one at a time: a million files make no list
            current = member.name
            if member.isdir() or (only is not None and not wanted(member.name, only)):
                continue
            where = f"{display}!{member.name}"
            passed = unread(display, member.name, hidden)
            if passed is not None:
                yield passed
                continue
            if not member.isfile():
                kind = "link" if member.issym() or member.islnk() else "special file"
                yield Skip(where, f"{kind} in the archive, not a file: not followed")
                continue
            if member.size > limit:
                yield Skip(where, too_big(f"archive member {member.name}", member.size, limit))
                continue
            source = tf.extractfile(member)
            if source is None:
                continue
            try:  # in chunks: a read of the declared size would allocate it first
                what = f"archive member {member.name}"
                data = drain(source.read, what, limit, partial(int, member.size))
            except Limit as exc:
                yield Skip(where, exc.reason)
                yield Skip(str(display), f"the rest of {name} is not read (after {member.name})")
                return
            yield from _nested(display, member.name, data, depth, read, only, options)
