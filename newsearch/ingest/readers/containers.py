"""What a container (a compressed file or an archive) is, and the bounds of reading one:
its kind by name or content, the ``archive.zip!member`` paths, the size and ratio limits, the
members passed over by name. Read by ``archives.py`` (streams, tar) and ``zips.py``.
"""

from __future__ import annotations

import lzma
import os
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from newsearch.ingest.readers.options import describe_size
from newsearch.ingest.readers.tree import Passed, name_kind, name_reason
from newsearch.models import Skip

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
TAR_MAGIC = (b"ustar\x0000", b"ustar  \x00")

# What a damaged or unsupported container or member raises (zlib's and lzma's errors, a
# BadZipFile, a tarfile.ReadError, an unsupported compression method...).
UNREADABLE = (
    OSError, EOFError, zipfile.BadZipFile, tarfile.TarError, zlib.error, lzma.LZMAError,
    ValueError, NotImplementedError, RuntimeError, struct.error,
)  # fmt: skip


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
    if head[257:265] in TAR_MAGIC:
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


def unread(container: Path, member: str, hidden: set[str]) -> Skip | None:
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


def too_big(what: str, size: int, limit: int) -> str:
    """``what``: ``archive member inner/x.txt``, or ``the file compressed in x.gz``."""
    return (
        f"{what} is {describe_size(size)} uncompressed, over the limit of "
        f"{limit:,} bytes (--max-file-size): unpack and split it, or raise the limit"
    )


def too_dense(what: str, size: int, packed: int) -> str:
    return (
        f"{what} expands over {MAX_RATIO}:1 ({size:,} bytes from "
        f"{packed:,}): not read (a zip bomb?); unpack it yourself if you trust it"
    )


def drain(read: Callable[[int], bytes], what: str, limit: int, packed: Callable[[], int]) -> bytes:
    """Everything ``read`` gives, chunk by chunk, raising Limit as soon as it is over
    ``limit`` bytes or ``MAX_RATIO`` times ``packed()`` (the compressed bytes behind it)."""
    out = bytearray()
    while True:
        chunk = read(CHUNK)
        if not chunk:
            return bytes(out)
        out += chunk
        if len(out) > limit:
            raise Limit(
                f"{what} is over the limit of {limit:,} bytes uncompressed (found while "
                "decompressing; --max-file-size): unpack and split it, or raise the limit"
            )
        if len(out) > RATIO_FLOOR and len(out) > MAX_RATIO * max(packed(), 1):
            raise Limit(too_dense(what, len(out), packed()))


def wanted(name: str, only: str) -> bool:
    return only == name or only.startswith(name + "!")
