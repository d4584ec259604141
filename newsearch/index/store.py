"""The on-disk index: generations of Whoosh indexes published atomically.

Layout of an index directory::

    index/CURRENT          name of the live generation (replaced atomically)
    index/gen-<stamp>/     a Whoosh index plus newsearch.json (format version, timestamps),
                           the spelling vocabulary and its stems (vocabulary.py), and postings/
                           (copies of postings: postings_copy.py, copies.py)
    index/write.lock       held by the one process writing

A rebuild writes a new generation and only then points CURRENT at it, so a failed or killed
rebuild leaves the previous index answering. Incremental runs commit into the live generation;
Whoosh writes its table of contents last, so a killed run leaves the last commit intact.
Never open an index directory you did not make: Whoosh stores a pickle.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whoosh.index import Index

from newsearch.errors import IndexBusyError, IndexNotFoundError, IndexVersionError
from newsearch.index.schema import FORMAT_VERSION, build_schema
from newsearch.index.shards import ShardedIndex, shard_names
from newsearch.index.whoosh_compat import create_file_index, open_file_index

MANIFEST = "newsearch.json"
WRITE_TIMEOUT = 30.0

# File descriptors of write locks this process holds. A child forked while one is held (Whoosh's
# MpWriter forks its sub-writers) would share the flock and keep it after the parent is killed,
# so a re-run would find the index busy. Forked children close their copy and die with the parent.
_held_locks: set[int] = set()


def _after_fork_in_child() -> None:
    if not _held_locks:
        return
    for fd in _held_locks:
        with contextlib.suppress(OSError):
            os.close(fd)  # closing a copy leaves the parent's lock held; unlocking would not
    _held_locks.clear()
    _die_with_parent()


def _die_with_parent() -> None:
    """Linux: ask for SIGKILL when the parent dies, so no orphan sub-writer lingers."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the child exits when its queue breaks
        return
    if os.getppid() != _forking_pid:  # the parent died before the request: go now
        os._exit(1)


_forking_pid = os.getpid()


def _before_fork() -> None:
    global _forking_pid
    _forking_pid = os.getpid()


os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)


def current_generation(index_dir: Path) -> Path | None:
    try:
        name = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    gen = index_dir / name
    return gen if name and gen.is_dir() else None


def exists(index_dir: Path) -> bool:
    return current_generation(index_dir) is not None


def read_manifest(gen: Path) -> dict[str, Any]:
    try:
        data = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def has_stories(gen: Path | None) -> bool:
    """Whether the index keeps copies and stories (``stories`` in its manifest: indexes made
    before the choice existed have them)."""
    return gen is None or read_manifest(gen).get("stories", True) is not False


def write_manifest(gen: Path, **changes: Any) -> None:
    data = read_manifest(gen)
    data.update(changes, format=FORMAT_VERSION)
    tmp = gen / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, gen / MANIFEST)


def open_index(index_dir: Path) -> Index:
    """The live Whoosh index, after checking it is one this version can read (its segment
    files read in place: whoosh_compat.open_file_index)."""
    return open_live(index_dir)[1]


def live_stored(index_dir: Path) -> tuple[Path, Iterator[dict[str, Any]]]:
    """The live generation and the stored fields of each of its live documents (the index is
    opened now and closed when the iteration ends)."""
    gen, ix = open_live(index_dir)

    def documents() -> Iterator[dict[str, Any]]:
        try:
            with ix.searcher() as s:
                yield from s.all_stored_fields()
        finally:
            ix.close()

    return gen, documents()


def open_live(index_dir: Path) -> tuple[Path, Index]:
    """The live generation and its Whoosh index (``CURRENT`` read once), after checking it is
    one this version can read."""
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexNotFoundError(
            f"no index at {index_dir}: build one with `newsearch index PATHS --index {index_dir}`"
        )
    version = read_manifest(gen).get("format")
    if version != FORMAT_VERSION:
        raise IndexVersionError(
            f"the index at {index_dir} has format {version}, this newsearch reads format "
            f"{FORMAT_VERSION}: rebuild it with "
            f"`newsearch index PATHS --rebuild --index {index_dir}`"
        )
    names = shard_names(gen)
    if names is not None:  # a sharded index (newsearch/cluster/): its shards as one index
        opened: list[tuple[Path, Index]] = []
        try:
            for name in names:
                opened.append(open_live(gen / name))
        except BaseException:
            for _, ix in opened:
                ix.close()
            raise
        return gen, ShardedIndex(opened, build_schema())
    return gen, open_file_index(gen)


def is_sharded(index_dir: Path) -> bool:
    """Whether the live generation is a sharded index's (written by newsearch/cluster/)."""
    gen = current_generation(index_dir)
    return gen is not None and shard_names(gen) is not None


def new_generation(index_dir: Path) -> tuple[Path, Index]:
    """An empty index in a fresh generation directory, not yet live."""
    index_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    gen = index_dir / f"gen-{stamp}-{uuid.uuid4().hex[:8]}"
    gen.mkdir()
    ix = create_file_index(gen, build_schema())
    write_manifest(gen, created=_now())
    return gen, ix


def publish(index_dir: Path, gen: Path) -> None:
    """Make ``gen`` the live generation (atomic), then remove the older ones."""
    tmp = index_dir / f".CURRENT.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(gen.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / "CURRENT")
    for old in index_dir.glob("gen-*"):
        if old != gen:
            shutil.rmtree(old, ignore_errors=True)


def discard(gen: Path) -> None:
    shutil.rmtree(gen, ignore_errors=True)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def touch(gen: Path) -> None:
    write_manifest(gen, updated=_now())


@contextlib.contextmanager
def write_lock(index_dir: Path, timeout: float = WRITE_TIMEOUT) -> Iterator[None]:
    """One writer at a time; a second one waits up to ``timeout`` seconds, then fails clearly.

    The lock is an flock, released by the kernel if the holder dies (even by kill -9).
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / "write.lock", "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        f"another newsearch process is writing to {index_dir} "
                        f"(waited {timeout:.0f} s): try again when it has finished"
                    ) from None
                time.sleep(0.2)
        _held_locks.add(fh.fileno())
        try:
            yield
        finally:
            _held_locks.discard(fh.fileno())
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def size_on_disk(index_dir: Path) -> int:
    """Bytes in the live generation. A writer may be adding and removing files meanwhile
    (Whoosh's temporary files, postings copies being renamed into place): those are skipped."""
    gen = current_generation(index_dir)
    if gen is None:
        return 0
    total = 0
    for root, _, files in os.walk(gen):  # (os.walk skips directories that vanish)
        for name in files:
            with contextlib.suppress(OSError):
                total += os.stat(os.path.join(root, name)).st_size
    return total
