"""The walk over the input paths: every directory entry it meets becomes a file to read or a
``Skip`` with its own reason; nothing is dropped without a word, opened when it is not a
regular file, or followed into a loop.

Under a directory given as input:

- special files (named pipes, sockets, devices, and symbolic links to them) are skipped and
  never opened: opening a FIFO blocks until a writer comes, ``/dev/zero`` never ends;
- symbolic links to directories are skipped, not followed (no loop, no article read twice by
  two names): give the target as a path to index it. Broken links and link loops are skipped;
- hidden files and directories (a name starting with ".") are skipped: give one as a path, or
  rename it, to read it; counted apart too (``Passed``: the summary's ``ignored`` counts);
- documentation that ships beside articles is skipped, by exact name only (compared without
  case): ``README``, ``LICENSE``, ``LICENCE``, ``COPYING``, alone or with .txt, .md, .rst;
  ``PROVENANCE.md``, ``SHA256SUMS``, ``MD5SUMS``, AG News' ``classes.txt``; and files ending
  .sha256, .md5, .dtd, .pyc. A name that only begins so (``readme-korea.txt``) is an article;
- compressed files and archives (.gz, .bz2, .xz, .zip, .tar, .tgz...) are files like any other:
  ``read_file`` reads their members (``archives.py``); 7-Zip and RAR archives are skipped;
- a newsearch index (a directory holding ``CURRENT`` and ``write.lock``: the one being written
  too, when it lies inside the input) is skipped (and counted apart, as hidden entries are);
- a directory that cannot be listed is skipped with the system's reason, and one met a second
  time (a bind mount, a path given twice) is skipped as already read.

The one exception: a directory holding ``reut2-*.sgm`` files is a Reuters-21578 distribution;
its own documentation (``REUTERS_DOCS``: the README, the DTD, the category lists) belongs to
it and is passed over without a skip, so the distribution reads as its 21,578 documents (each
is still counted, under ``ignored``).

A path given itself is read whatever its name (a hidden file, a README, a linked directory);
``read_file`` still refuses what is not a regular file. A path that does not exist is an error
for ``build_index`` (``check_paths``) and a Skip for a walk; an archive member's path
(``bundle.zip!inner/story.txt``) names that member.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from newsearch.errors import InputError
from newsearch.models import Skip

DOC_STEMS = frozenset(("readme", "license", "licence", "copying"))
DOC_EXTENSIONS = frozenset(("", ".txt", ".md", ".rst"))
DOC_NAMES = frozenset(("provenance.md", "sha256sums", "md5sums", "classes.txt"))
DOC_SUFFIXES = (".sha256", ".md5", ".dtd", ".pyc")
ARCHIVE_SUFFIXES = (".7z", ".rar")  # archives not read (the others are: archives.py)
REUTERS_DOCS = frozenset(
    ("readme.txt", "provenance.md", "sha256sums", "lewis.dtd", "cat-descriptions_120396.txt",
     "feldman-cia-worldfactbook-data.txt", "all-exchanges-strings.lc.txt",
     "all-orgs-strings.lc.txt", "all-people-strings.lc.txt", "all-places-strings.lc.txt",
     "all-topics-strings.lc.txt")
)  # fmt: skip
INDEX_MARKERS = ("CURRENT", "write.lock")  # index/store.py's layout


@dataclass(frozen=True)
class Passed(Skip):
    """An entry passed over by rule, not for a fault: ``kind`` ``"hidden"`` (a hidden file or
    folder), ``"index"`` (a newsearch index), ``"documentation"``. A Skip like any other (read
    and listed with its reason), also counted by kind (``IndexSummary.ignored``); one not
    ``listed`` is counted only (a Reuters distribution's own files)."""

    kind: str = "hidden"
    listed: bool = True


def _is_member(path: str | os.PathLike[str]) -> bool:
    from newsearch.ingest.readers.containers import split_member

    return split_member(os.fspath(path)) is not None


def check_paths(paths: Iterable[object]) -> None:
    """Raise InputError for the first path given (not an Article) that does not exist, or is a
    broken symbolic link: before anything is written, so no empty index is made."""
    for p in paths:
        if not isinstance(p, str | os.PathLike):
            continue
        try:
            os.stat(p)
        except (FileNotFoundError, NotADirectoryError):
            if _is_member(p):
                continue
            what = "is a broken symbolic link" if os.path.islink(p) else "does not exist"
            raise InputError(
                f"input path {os.fspath(p)} {what}: check the path "
                "(give the files or folders holding the articles); nothing was indexed"
            ) from None
        except OSError:
            continue  # it exists: the walk reports why it cannot be read


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, for a reason."""
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    return "special file"


def special_reason(path: Path, mode: int) -> str:
    """The reason to skip a path whose (followed) mode is not a regular file's."""
    kind = kind_of(mode)
    if os.path.islink(path):
        return f"symbolic link to a {kind}, not a regular file: skipped, never opened"
    return f"{kind}, not a regular file: skipped, never opened"


def stat_error_reason(path: Path, exc: OSError) -> str:
    """Why ``os.stat`` of a path failed, in a user's words."""
    if isinstance(exc, FileNotFoundError) and os.path.islink(path):
        return "broken symbolic link (its target does not exist): skipped"
    if isinstance(exc, FileNotFoundError | NotADirectoryError):
        return "no such file or directory: check the path"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop: skipped, never followed"
    return f"cannot read: {exc.strerror or exc}"


def name_kind(name: str) -> str | None:
    """``"hidden"`` or ``"documentation"`` for a name passed over by rule, else None."""
    low = name.lower()
    stem, ext = os.path.splitext(low)
    if name.startswith("."):
        return "hidden"
    if (stem in DOC_STEMS and ext in DOC_EXTENSIONS) or low in DOC_NAMES:
        return "documentation"
    return None


def name_reason(name: str) -> str | None:
    """Why a file met in a walk is not an article, by its name; None if it may be one."""
    low = name.lower()
    stem, ext = os.path.splitext(low)
    if name.startswith("."):
        return "hidden file (its name starts with '.'): skipped; rename it to index it"
    if (stem in DOC_STEMS and ext in DOC_EXTENSIONS) or low in DOC_NAMES:
        return (
            "documentation beside the articles (README, LICENSE...): skipped; rename it to index it"
        )
    if low.endswith(DOC_SUFFIXES):
        return "not an article (a checksum list, DTD or compiled file): skipped"
    if low.endswith(ARCHIVE_SUFFIXES):
        return f"compressed archive ({ext or low}): this kind is not read; unpack it to index it"
    return None


def _is_reuters(names: list[str]) -> bool:
    return any(n.startswith("reut2-") and n.endswith(".sgm") for n in names)


def _entry(d: Path, entry: os.DirEntry[str]) -> Path | Skip | None:
    """One entry of a directory: a file to read, a Skip, or None for a directory to enter."""
    path = d / entry.name
    if entry.name.startswith(".") and entry.is_dir(follow_symlinks=False):
        return Passed(
            str(path),
            "hidden directory (its name starts with '.'): skipped, not entered; "
            "give it as a path to index it",
            kind="hidden",
        )
    if entry.is_symlink():
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            return Skip(str(path), stat_error_reason(path, exc))
        if stat.S_ISDIR(mode):
            return Skip(
                str(path),
                f"symbolic link to a directory ({os.path.realpath(path)}): not followed; "
                "give the target as a path to index it",
            )
    elif entry.is_dir(follow_symlinks=False):
        return None
    elif entry.is_file(follow_symlinks=False):  # from the directory listing: no system call
        mode = stat.S_IFREG
    else:
        mode = entry.stat(follow_symlinks=False).st_mode
    if not stat.S_ISREG(mode):
        return Skip(str(path), special_reason(path, mode))
    reason = name_reason(entry.name)
    if reason is None:
        return path
    kind = name_kind(entry.name)
    return Passed(str(path), reason, kind=kind) if kind else Skip(str(path), reason)


def _listing(d: Path, seen: set[tuple[int, int]]) -> list[os.DirEntry[str]] | Skip:
    """The entries of a directory in name order, or why it is not read."""
    try:
        st = os.stat(d)
        if (st.st_dev, st.st_ino) in seen:
            return Skip(str(d), "directory already read (a bind mount, or a path given twice)")
        seen.add((st.st_dev, st.st_ino))
        with os.scandir(d) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        return Skip(
            str(d), f"directory cannot be read ({exc.strerror or exc}): check its permissions"
        )
    names = {e.name for e in entries}
    if all(m in names for m in INDEX_MARKERS):
        return Passed(
            str(d),
            "a newsearch index (CURRENT, gen-*), not articles: skipped; "
            "keep indexes outside the folders you index",
            kind="index",
        )
    return entries


def walk_dir(top: Path, seen: set[tuple[int, int]]) -> Iterator[Path | Skip]:
    """Files and skips under ``top`` in the order of ``os.walk`` (a directory's files by name,
    then each sub-directory in turn), without recursion: any depth is walked."""
    stack = [top]
    while stack:
        d = stack.pop()
        entries = _listing(d, seen)
        if isinstance(entries, Skip):
            yield entries
            continue
        reuters = _is_reuters([e.name for e in entries])
        subdirs: list[Path] = []
        for entry in entries:
            if reuters and entry.name.lower() in REUTERS_DOCS:
                # the distribution's own documentation (see the module's docstring): counted
                yield Passed(
                    str(d / entry.name), "documentation", kind="documentation", listed=False
                )
                continue
            try:
                item = _entry(d, entry)
            except OSError as exc:  # the entry vanished or cannot be stat'ed
                item = Skip(str(d / entry.name), stat_error_reason(d / entry.name, exc))
            if item is None:
                subdirs.append(d / entry.name)
            else:
                yield item
        stack.extend(reversed(subdirs))


def walk(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path | Skip]:
    """Every file under the given paths in a stable order, and a Skip with its reason for
    every other entry met (see the module's docstring); missing paths become Skips."""
    seen: set[tuple[int, int]] = set()
    for raw in paths:
        p = Path(raw)
        try:
            mode = os.stat(p).st_mode
        except OSError as exc:
            if _is_member(p):
                yield p  # an archive member's path: read_file reads that member
            else:
                yield Skip(str(p), stat_error_reason(p, exc))
            continue
        if stat.S_ISDIR(mode):
            yield from walk_dir(p, seen)
        else:
            yield p  # read_file skips it, unopened, if it is not a regular file
