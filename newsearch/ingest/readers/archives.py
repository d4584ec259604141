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
import os
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast

from newsearch.ingest.readers._shared import one_line_error
from newsearch.ingest.readers.options import ReadOptions, describe_size
from newsearch.ingest.readers.tree import Passed, name_kind, name_reason
from newsearch.models import Article, Skip

MAX_RATIO = 100  # uncompressed bytes per compressed byte, past RATIO_FLOOR
RATIO_FLOOR = 64 * 1024  # a small member is not judged by its ratio ("aaaa..." compresses well)
MAX_DEPTH = 2  # containers open one inside another: an archive, and one inside it
CHUNK = 64 * 1024
HEAD_BYTES = 512  # enough to see every kind's magic (tar's is at offset 257)

STREAMS = {".gz": "gz", ".bz2": "bz2", ".xz": "xz"}
TAR_SUFFIXES = (".tar", ".tgz", ".tbz", ".tbz2", ".txz", ".tar.gz", ".tar.bz2", ".tar.xz")
# Zips by design, not archives of articles: left to the readers (which skip them as binary).
ZIP_DOCUMENTS = frozenset(
    (".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".epub", ".jar", ".apk", ".whl",
     ".xpi", ".kmz", ".ipa", ".nupkg", ".vsix")
)  # fmt: skip
_GZIP = b"\x1f\x8b\x08"
_XZ = b"\xfd7zXZ\x00"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_TAR = (b"ustar\x0000", b"ustar  \x00")

# What a damaged or unsupported container or member raises (zlib's and lzma's errors, a
# BadZipFile, a tarfile.ReadError, an unsupported compression method...).
UNREADABLE = (
    OSError, EOFError, zipfile.BadZipFile, tarfile.TarError, zlib.error, lzma.LZMAError,
    ValueError, NotImplementedError, RuntimeError, struct.error,
)  # fmt: skip

# (display path, inner name for sniffing, data, depth) -> the items read from them
ReadData = Callable[[Path, str, bytes, int], Iterator[Article | Skip]]


class Limit(Exception):
    """A member over the size limit or the compression ratio, found while decompressing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def kind_of(name: str, head: bytes) -> str | None:
    """``"zip"``, ``"tar"``, ``"gz"``, ``"bz2"``, ``"xz"`` for a container (by its name, else
    its first bytes), None for anything else."""
    low = name.lower()
    if low.endswith(TAR_SUFFIXES):
        return "tar"
    if low.endswith(".zip"):
        return "zip"
    for suffix, kind in STREAMS.items():
        if low.endswith(suffix):
            return kind
    if head.startswith(_GZIP):
        return "gz"
    if head.startswith(b"BZh") and head[3:4].isdigit() and head[4:10] == b"1AY&SY":
        return "bz2"
    if head.startswith(_XZ):
        return "xz"
    if head[257:265] in _TAR:
        return "tar"
    if head.startswith(_ZIP) and os.path.splitext(low)[1] not in ZIP_DOCUMENTS:
        return "zip"
    return None


def inner_name(name: str) -> str:
    """The name of what a compressed file holds: ``page.html.gz`` -> ``page.html``."""
    base, ext = os.path.splitext(name)
    return base if ext.lower() in STREAMS and base else name


def split_member(path: str) -> tuple[str, str] | None:
    """``("dir/a.zip", "inner/x.html")`` for ``dir/a.zip!inner/x.html`` (the container is the
    first prefix before a "!" that is a regular file); None for any other path."""
    if "!" not in path or os.path.lexists(path):
        return None
    at = path.find("!")
    while at > 0:
        try:
            if stat.S_ISREG(os.stat(path[:at]).st_mode):
                return path[:at], path[at + 1 :]
        except OSError:
            pass
        at = path.find("!", at + 1)
    return None


def container_of(path: str) -> str | None:
    """The file on disk holding ``path`` when it names an archive member, else None."""
    found = split_member(path)
    return found[0] if found else None


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
            items = _zip(fh, display, options, depth, read, only)
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


def _unread(container: Path, member: str, hidden: set[str]) -> Skip | None:
    """Why a member is not read by its name (hidden, documentation...), None if it is; a
    hidden directory is reported once, its members not at all (as a walk does)."""
    parts = PurePosixPath(member).parts
    for i, part in enumerate(parts[:-1]):
        if part.startswith(".") or part == "__MACOSX":
            folder = "/".join(parts[: i + 1]) + "/"
            if folder in hidden:  # counted as ignored, not listed
                return Passed(
                    f"{container}!{member}", "in a hidden directory", None, "hidden", False
                )
            hidden.add(folder)
            return Passed(
                f"{container}!{folder}",
                "hidden directory in the archive (its name starts with '.', or __MACOSX): "
                "skipped, not read",
                kind="hidden",
            )
    reason = name_reason(parts[-1] if parts else member)
    if reason is None:
        return None
    kind = name_kind(parts[-1])
    if kind is not None:
        return Passed(f"{container}!{member}", reason, kind=kind)
    return Skip(f"{container}!{member}", reason)


def _too_big(member: str, size: int, limit: int) -> str:
    return (
        f"archive member {member} is {describe_size(size)} uncompressed, over the limit of "
        f"{limit:,} bytes (--max-file-size): unpack and split it, or raise the limit"
    )


def _too_dense(member: str, size: int, packed: int) -> str:
    return (
        f"archive member {member} expands over {MAX_RATIO}:1 ({size:,} bytes from "
        f"{packed:,}): not read (a zip bomb?); unpack it yourself if you trust it"
    )


def _drain(
    read: Callable[[int], bytes], member: str, limit: int, packed: Callable[[], int]
) -> bytes:
    """Everything ``read`` gives, chunk by chunk, raising Limit as soon as it is over
    ``limit`` bytes or ``MAX_RATIO`` times ``packed()`` (the compressed bytes behind it)."""
    out = bytearray()
    while True:
        chunk = read(CHUNK)
        if not chunk:
            return bytes(out)
        out += chunk
        if len(out) > limit:
            raise Limit(_too_big(member, len(out), limit) + " (found while decompressing)")
        if len(out) > RATIO_FLOOR and len(out) > MAX_RATIO * max(packed(), 1):
            raise Limit(_too_dense(member, len(out), packed()))


# ---------------------------------------------------------------------------- zip


def _zip(
    fh: IO[bytes],
    display: Path,
    options: ReadOptions,
    depth: int,
    read: ReadData,
    only: str | None,
) -> Iterator[Article | Skip]:
    limit = options.max_file_bytes
    hidden: set[str] = set()
    with zipfile.ZipFile(fh) as zf:
        for info in zf.infolist():
            name = info.filename
            if info.is_dir() or (only is not None and not _wanted(name, only)):
                continue
            where = f"{display}!{name}"
            unread = _unread(display, name, hidden)
            if unread is not None:
                yield unread
                continue
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                yield Skip(where, "symbolic link in the archive: not followed")
                continue
            if info.flag_bits & 0x1:
                yield Skip(where, "encrypted archive member: not read; unpack it to index it")
                continue
            if info.file_size > limit:
                yield Skip(where, _too_big(name, info.file_size, limit))
                continue
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                yield Skip(where, _too_dense(name, info.file_size, info.compress_size))
                continue
            try:
                data = _zip_data(zf, fh, info, limit)
            except Limit as exc:
                yield Skip(where, exc.reason)
                continue
            except UNREADABLE as exc:
                yield Skip(where, f"unreadable archive member ({one_line_error(exc)})")
                continue
            yield from _nested(display, name, data, depth, read, only, options)


def _wanted(name: str, only: str) -> bool:
    return only == name or only.startswith(name + "!")


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


def _zip_data(zf: zipfile.ZipFile, fh: IO[bytes], info: zipfile.ZipInfo, limit: int) -> bytes:
    """A zip member's bytes, bounded while decompressing. bzip2 members are decompressed here,
    a chunk at a time (zipfile hands its decompressor whole reads: one 4 KB read of a bzip2
    bomb is gigabytes); the others through zipfile, whose deflate and LZMA reads are small."""
    packed = max(info.compress_size, 1)
    if info.compress_type == zipfile.ZIP_BZIP2:
        return _bzip2_member(fh, info, limit)
    with zf.open(info) as member:
        return _drain(member.read, info.filename, limit, lambda: packed)


def _bzip2_member(fh: IO[bytes], info: zipfile.ZipInfo, limit: int) -> bytes:
    fh.seek(info.header_offset)
    header = fh.read(30)
    if header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    left = info.compress_size
    consumed = 0
    decompressor = bz2.BZ2Decompressor()
    pending = b""

    def take(n: int) -> bytes:
        nonlocal left, consumed, pending
        while True:
            if decompressor.eof:
                return b""
            if decompressor.needs_input:
                if left <= 0:
                    raise EOFError("compressed data ends before the end of the stream")
                pending = fh.read(min(CHUNK, left))
                if not pending:
                    raise EOFError("archive ends inside a member")
                left -= len(pending)
                consumed += len(pending)
            else:
                pending = b""
            out = decompressor.decompress(pending, max_length=n)
            pending = b""
            if out:
                return out

    data = _drain(take, info.filename, limit, lambda: consumed)
    if zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"bad CRC-32 for {info.filename}")
    return data


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
        if head[257:265] in _TAR or inner.lower().endswith(".tar"):
            fh.seek(0)
            yield from _tar(fh, display, name, options, depth, read, None)
            return
        rest = _drain(stream.read, inner, options.max_file_bytes - len(head), lambda: counter.count)
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
            if member.isdir() or (only is not None and not _wanted(member.name, only)):
                continue
            where = f"{display}!{member.name}"
            unread = _unread(display, member.name, hidden)
            if unread is not None:
                yield unread
                continue
            if not member.isfile():
                kind = "link" if member.issym() or member.islnk() else "special file"
                yield Skip(where, f"{kind} in the archive, not a file: not followed")
                continue
            if member.size > limit:
                yield Skip(where, _too_big(member.name, member.size, limit))
                continue
            source = tf.extractfile(member)
            if source is None:
                continue
            try:
                data = source.read(member.size + 1)
            except Limit as exc:
                yield Skip(where, exc.reason)
                yield Skip(str(display), f"the rest of {name} is not read (after {member.name})")
                return
            yield from _nested(display, member.name, data, depth, read, only, options)
