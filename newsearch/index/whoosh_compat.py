"""Every use newsearch makes of Whoosh's internals, behind named functions and classes.

newsearch reads and writes Whoosh's files faster than Whoosh's public API allows (postings a
block at a time into numpy, field lengths as one column, compound segment files read in place,
postings copied as Whoosh writes them, benchmarks/README.md). Those paths use names private to
whoosh-reloaded 2.7.5 (``_x`` attributes and functions, the W3 codec's writer and matcher
internals). They all live here and, for writing, in whoosh_writing.py, so that a new Whoosh
means reading two modules, and nothing here changes a Whoosh class: newsearch's own subclasses
are used only for indexes newsearch opens or writes, and a host application's own use of
Whoosh in the same process is untouched.

The Whoosh version is checked before any of them is used (``check_whoosh``): another version
raises ``WhooshVersionError``, with the command that installs the right one, rather than falling
back to Whoosh's public, slow paths. Why not fall back: newsearch pins whoosh-reloaded==2.7.5, so
another version means an environment its installer would not have made; a new version may keep a
private name and change what it holds (a block's layout, a length's encoding), which only a
version check can tell, and reading it would give wrong scores silently; and the public paths
are 10-100 times slower on a large index (seconds a query at 216k articles), a slowdown nobody
would trace back to a version. The fallbacks that remain are for shapes 2.7.5 itself produces
(postings inlined in the term table, a reader that is not a segment's).
"""

from __future__ import annotations

import contextlib
import mmap
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import whoosh
from whoosh.codec.base import Segment
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3LeafMatcher,
    _lenfield,
)
from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.index import Index
from whoosh.matching.wrappers import FilterMatcher
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import _length_byte_cache

from newsearch.errors import WhooshVersionError
from newsearch.index.view_file import ViewFile

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]
DISTRIBUTION = "whoosh-reloaded"
PINNED = "2.7.5"
# Whoosh's Positions format stores a posting's positions as this many bytes (a count), then a
# pickled list of the gaps between positions (copies.PickledPositions decodes them in bulk).
POSITIONS_COUNT_BYTES: int = _INT_SIZE
_BYTE_TO_LENGTH = np.asarray(_length_byte_cache, dtype=np.float64)
_INSTALLED = str(whoosh.versionstring())


def installed_whoosh() -> str:
    """The version of the Whoosh that is imported."""
    return _INSTALLED


def check_whoosh(found: str | None = None) -> None:
    """Raise ``WhooshVersionError`` unless ``found`` (the installed Whoosh by default) is the
    version this module was written for."""
    found = installed_whoosh() if found is None else found
    if found != PINNED:
        raise WhooshVersionError(
            f"newsearch needs {DISTRIBUTION} {PINNED} (found {found}): "
            f"pip install {DISTRIBUTION}=={PINNED}"
        )


# Opening and creating indexes: compound segment files read in place.


def open_file_index(folder: Path) -> Index:
    """The Whoosh index in ``folder``, its segment files read in place (``_InPlaceStorage``)."""
    check_whoosh()
    return _InPlaceStorage(str(folder)).open_index()


def create_file_index(folder: Path, schema: Schema) -> Index:
    """A new, empty Whoosh index in ``folder``, opened as ``open_file_index`` opens one."""
    check_whoosh()
    return _InPlaceStorage(str(folder)).create_index(schema)


class _InPlaceStorage(FileStorage):  # type: ignore[misc]  # Whoosh has no type hints
    """A directory of index files whose compound segment files are memory-mapped here and read
    in place. Whoosh 2.7.5 maps them itself but opens each part (terms, postings, a column) as
    ``BytesIO(part)``: a copy of the part, of the whole index once every segment is open (at
    216k articles a query process went from 105 MB to 1.28 GB, and 0.5 s of its start).

    Whoosh maps a compound file only if the storage says it can (``supports_mmap``); when it
    cannot, it asks the opened file for each part (``subset``), which ``_InPlaceFile`` answers
    with a view of the mapping."""

    def __init__(self, path: str) -> None:
        super().__init__(path, supports_mmap=False)  # mapped by open_file, not by Whoosh

    def open_file(self, name: str, **kwargs: Any) -> Any:
        if not name.endswith(Segment.COMPOUND_EXT):
            return super().open_file(name, **kwargs)
        with open(os.path.join(self.folder, name), "rb") as fh:
            if os.fstat(fh.fileno()).st_size == 0:  # (mmap cannot map an empty file)
                return super().open_file(name, **kwargs)
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        return _MappedFile(mapped, name=name, onclose=kwargs.get("onclose"))


class _InPlaceFile(BufferFile):  # type: ignore[misc]
    """Whoosh's file over a buffer, reading the buffer in place (``ViewFile``) where Whoosh
    copies it into a BytesIO; its parts (``subset``) are views too."""

    def __init__(self, buf: memoryview, name: str | None = None, onclose: Any = None) -> None:
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = buf
        self.file = ViewFile(buf)

    def subset(self, position: int, length: int, name: str | None = None) -> _InPlaceFile:
        return _InPlaceFile(self._buf[position : position + length], name=name or self._name)


class _MappedFile(_InPlaceFile):
    """A whole compound segment file, memory-mapped. Closing it unmaps the file once no part
    is open any more (a part still open keeps the mapping, as Whoosh's own mapping does)."""

    def __init__(self, mapped: mmap.mmap, name: str, onclose: Any = None) -> None:
        super().__init__(memoryview(mapped), name=name, onclose=onclose)
        self._mapped = mapped

    def close(self) -> None:
        super().close()
        view, self._buf = self._buf, memoryview(b"")
        with contextlib.suppress(BufferError):
            view.release()
            self._mapped.close()


# Reading an open index.


def segment_ids(ix: Index) -> set[str]:
    """The ids of the segments the index lists now."""
    check_whoosh()
    return {seg.segment_id() for seg in ix._segments()}


def segment_count(ix: Index) -> int:
    """How many segments the index lists now."""
    check_whoosh()
    return len(ix._segments())


def deleted_docs(reader: Any) -> Ints:
    """The deleted document numbers of a leaf reader (in the segment)."""
    check_whoosh()
    if not reader.has_deletions():
        return np.empty(0, np.int64)
    deleted = getattr(reader, "deleted_docs_set", None)  # a segment reader's, cached
    if deleted is None:
        deleted = [d for d in range(reader.doc_count_all()) if reader.is_deleted(d)]
    return np.fromiter(deleted, np.int64)


def field_lengths(reader: Any, fieldname: str) -> Floats:
    """A field's length in each document of a leaf reader, as Whoosh stores it (one byte a
    document, decoded), read as one column rather than a call per document."""
    check_whoosh()
    count = reader.doc_count_all()
    try:
        column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return np.zeros(count, np.float64)
        stored = column._count * column._fixedlen
        raw = np.frombuffer(column._dbfile.get(column._basepos, stored), dtype=np.uint8)
        codes = np.zeros(count, np.uint8)
        codes[: len(raw)] = raw[:count]
    except AttributeError:  # not a W3 segment's reader: one document at a time
        lengths = [reader.doc_field_length(d, fieldname, 0) or 0 for d in range(count)]
        return np.asarray(lengths, dtype=np.float64)
    out: Floats = _BYTE_TO_LENGTH[codes]
    return out


def column_reader(reader: Any, fieldname: str) -> Any:
    """A segment reader's column of ``fieldname`` as stored (bytes), None if it has none."""
    if not reader.has_column(fieldname):
        return None
    return reader.column_reader(fieldname, translate=False)


def column_heads(column: Any, count: int, size: int) -> tuple[npt.NDArray[np.uint8], Mask]:
    """The first ``size`` bytes of a bytes column's value in each of a segment's ``count``
    documents (``column``: its reader, None where the segment has none), and which
    documents have a value of a whole number of ``size``-byte rows: the column's data read
    in place and gathered by numpy, not a value at a time (21k articles' vectors: ~50 ms ->
    a few). Another kind of column reader is read a value at a time."""
    heads = np.zeros((count, size), np.uint8)
    if column is None:
        return heads, np.zeros(count, np.bool_)
    try:
        lengths = np.asarray(column._lengths, np.int64)[:count]
        offsets = np.asarray(column._offsets, np.int64)[:count]
        end = int((offsets + lengths).max()) if count else 0
        dbfile, base = column._dbfile, column._basepos
        if isinstance(dbfile, _InPlaceFile):  # (read in place: only the heads are copied)
            data = np.frombuffer(dbfile._buf, np.uint8)[base : base + end]
        else:
            data = np.frombuffer(dbfile.get(base, end), np.uint8)
    except AttributeError:  # not a VarBytes column as Whoosh 2.7 writes it
        values = [column[d] for d in range(count)]
        lengths = np.fromiter(map(len, values), np.int64, len(values))
        offsets = np.cumsum(lengths) - lengths
        data = np.frombuffer(b"".join(values), np.uint8)
    ok = np.zeros(count, np.bool_)
    ok[: len(lengths)] = (lengths >= size) & (lengths % size == 0)
    rows = np.flatnonzero(ok)
    if len(rows):  # (each row of the strided view: the ``size`` bytes from one offset)
        starts = np.lib.stride_tricks.as_strided(
            data, shape=(len(data) - size + 1, size), strides=(1, 1), writeable=False
        )
        heads[rows] = starts[offsets[rows]]
    return heads, ok


def read_postings(
    reader: Any, fieldname: str, btext: bytes, values: bool
) -> tuple[Ints, Floats, list[Any]]:
    """A term's postings in a leaf reader, deleted documents' too: document numbers (in the
    segment), weights, and with ``values`` each posting's encoded value (its positions), read
    a block of postings at a time (``[]`` without ``values``)."""
    check_whoosh()
    if (fieldname, btext) not in reader:
        return np.empty(0, np.int64), np.empty(0, np.float64), []
    ids: list[Ints] = []
    weights: list[Floats] = []
    vals: list[Any] = []
    m = _raw_matcher(reader, fieldname, btext)
    if isinstance(m, W3LeafMatcher):
        for block_ids, block_weights, block_values in _blocks(m, values):
            ids.append(block_ids)
            weights.append(block_weights)
            vals.extend(block_values)
    else:  # postings inlined in the term table (a rare term), or another kind of reader
        found: list[tuple[int, float, Any]] = []
        while m.is_active():
            found.append((m.id(), m.weight(), m.value() if values else None))
            m.next()
        ids.append(np.fromiter((p[0] for p in found), np.int64, len(found)))
        weights.append(np.fromiter((p[1] for p in found), np.float64, len(found)))
        vals = [p[2] for p in found] if values else []
    if not ids:
        return np.empty(0, np.int64), np.empty(0, np.float64), []
    return np.concatenate(ids), np.concatenate(weights), vals


def _raw_matcher(reader: Any, fieldname: str, btext: bytes) -> Any:
    """A matcher over all of a term's postings, deleted documents' too (masked by callers)."""
    terms = getattr(reader, "_terms", None)  # a segment's term table
    if terms is not None and not reader.is_closed:
        return terms.matcher(fieldname, btext, reader.schema[fieldname].format)
    m = reader.postings(fieldname, btext)
    # (a filter on deletions has skipped the leading deleted postings: masked by callers too)
    return m.child if isinstance(m, FilterMatcher) else m


def _blocks(m: Any, values: bool) -> Iterator[tuple[Ints, Floats, list[Any]]]:
    """A W3 matcher's postings, one decoded block at a time."""
    while m.is_active():
        m._read_data()
        raw_ids, raw_weights = m._data[0], m._data[1]
        block = np.asarray(raw_ids, dtype=np.int64)
        ids = block if m._byteids else np.cumsum(block)  # (stored as gaps)
        if raw_weights is None or isinstance(raw_weights, float):  # all alike: one number
            fill = 1.0 if raw_weights is None else raw_weights
            weights = np.full(m._blocklength, fill, dtype=np.float64)
        else:
            weights = np.asarray(raw_weights, dtype=np.float64)
        block_values: list[Any] = []
        if values:
            m._read_values()
            block_values = list(m._values)
        yield ids, weights, block_values
        m._next_block()
