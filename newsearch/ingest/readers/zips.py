"""Zip archives: each member read as a file, bounded by the size limit and the compression
ratio (``containers.py``), judged from the central directory first and again while
decompressing; links and encrypted members skipped unread.
"""

from __future__ import annotations

import bz2
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from newsearch.ingest.readers._shared import one_line_error
from newsearch.ingest.readers.containers import (
    CHUNK,
    MAX_RATIO,
    RATIO_FLOOR,
    UNREADABLE,
    Limit,
    drain,
    too_big,
    too_dense,
    unread,
    wanted,
)
from newsearch.ingest.readers.options import ReadOptions
from newsearch.models import Article, Skip

# (archive's path, member name, member bytes) -> the items read from the member
Nested = Callable[[Path, str, bytes], Iterator[Article | Skip]]


def read_zip(
    fh: IO[bytes], display: Path, options: ReadOptions, nested: Nested, only: str | None
) -> Iterator[Article | Skip]:
    """The items of each member of the zip open as ``fh`` (``only``: the one member a
    ``!`` path names)."""
    limit = options.max_file_bytes
    hidden: set[str] = set()
    with zipfile.ZipFile(fh) as zf:
        for info in zf.infolist():
            name = info.filename
            if info.is_dir() or (only is not None and not wanted(name, only)):
                continue
            where = f"{display}!{name}"
            passed = unread(display, name, hidden)
            if passed is not None:
                yield passed
                continue
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                yield Skip(where, "symbolic link in the archive: not followed")
                continue
            if info.flag_bits & 0x1:
                yield Skip(where, "encrypted archive member: not read; unpack it to index it")
                continue
            if info.file_size > limit:
                yield Skip(where, too_big(f"archive member {name}", info.file_size, limit))
                continue
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                what = f"archive member {name}"
                yield Skip(where, too_dense(what, info.file_size, info.compress_size))
                continue
            try:
                data = _zip_data(zf, fh, info, limit)
            except Limit as exc:
                yield Skip(where, exc.reason)
                continue
            except UNREADABLE as exc:
                yield Skip(where, f"unreadable archive member ({one_line_error(exc)})")
                continue
            yield from nested(display, name, data)


def _zip_data(zf: zipfile.ZipFile, fh: IO[bytes], info: zipfile.ZipInfo, limit: int) -> bytes:
    """A zip member's bytes, bounded while decompressing. bzip2 members are decompressed here,
    a chunk at a time (zipfile hands its decompressor whole reads: one 4 KB read of a bzip2
    bomb is gigabytes); the others through zipfile, whose deflate and LZMA reads are small."""
    packed = max(info.compress_size, 1)
    if info.compress_type == zipfile.ZIP_BZIP2:
        return _bzip2_member(fh, info, limit)
    with zf.open(info) as member:
        return drain(member.read, f"archive member {info.filename}", limit, lambda: packed)


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

    data = drain(take, f"archive member {info.filename}", limit, lambda: consumed)
    if zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"bad CRC-32 for {info.filename}")
    return data
