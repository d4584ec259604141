"""Every use newsearch makes of Whoosh's internals, behind named functions and classes.

newsearch reads and writes Whoosh's files faster than Whoosh's public API allows (postings a
block at a time into numpy, field lengths as one column, compound segment files read in place,
postings copied as Whoosh writes them, benchmarks/README.md). Those paths use names private to
whoosh-reloaded 2.7.5 (``_x`` attributes and functions, the W3 codec's writer and matcher
internals). They all live here, so that a new Whoosh means reading one module, and nothing here
changes a Whoosh class: newsearch's own subclasses are used only for indexes newsearch opens or
writes, and a host application's own use of Whoosh in the same process is untouched.

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
from whoosh import collectors
from whoosh.codec.base import Segment
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3Codec,
    W3FieldWriter,
    W3LeafMatcher,
    W3PerDocReader,
    W3PostingsWriter,
    _lenfield,
)
from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.index import Index
from whoosh.matching.wrappers import FilterMatcher
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import _length_byte_cache
from whoosh.writing import IndexWriter

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
SMALL_BLOCK = 8  # postings under which a block is not compressed (_BlockTeePostingsWriter)
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


# Writing segments: postings seen as Whoosh writes them, absent columns remembered.

Block = tuple[Any, Any, list[bytes]]  # a block of postings: ids, weights, values


class TeeCodec(W3Codec):  # type: ignore[misc]
    """Whoosh 2.7.5's codec, whose field writer (``tee_field_writer``, a ``TeeFieldWriter``)
    sees each term's postings as Whoosh writes them, and whose reader of a new segment's
    columns remembers which are absent (see ``_RememberingPerDocReader``).

    Pickles as a plain ``W3Codec``: segments record their codec in the index's table of
    contents, and an index must not need this class to open (nor a child process started by
    pickling, which then writes as Whoosh does)."""

    def __init__(self, blocklimit: int = 128, compression: int = 3, inlinelimit: int = 1) -> None:
        check_whoosh()
        super().__init__(blocklimit, compression, inlinelimit)

    def tee_field_writer(self, storage: Any, segment: Any) -> TeeFieldWriter:
        return TeeFieldWriter(self, storage, segment)

    def field_writer(self, storage: Any, segment: Any) -> W3FieldWriter:
        return self.tee_field_writer(storage, segment)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> W3PostingsWriter:
        return _BlockTeePostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def per_document_reader(self, storage: Any, segment: Any) -> W3PerDocReader:
        return _RememberingPerDocReader(storage, segment)

    def __reduce__(self) -> tuple[Any, tuple[int, int, int]]:
        return W3Codec, (self._blocklimit, self._compression, self._inlinelimit)


class _RememberingPerDocReader(W3PerDocReader):  # type: ignore[misc]
    """Whoosh 2.7.5's reader of a segment's columns, remembering that a column is absent too.

    Flushing a segment, Whoosh reads each posting's field length through this reader, and for a
    field without lengths (ID, KEYWORD) looks for the column on disk again (a stat call) for
    every posting: a third of indexing time here. A segment's files never change once written,
    so an absent column stays absent."""

    def __init__(self, storage: Any, segment: Any) -> None:
        super().__init__(storage, segment)
        self._absent: set[str] = set()
        self._length_tables: dict[str, list[int | None]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: Any = 0) -> Any:
        """Whoosh's answer (a zero length byte gives None, as Whoosh's does), from the whole
        column decoded once per field: flushing asks once per posting, and a column read per
        posting was a tenth of indexing time."""
        table = self._length_tables.get(fieldname)
        if table is None:
            column = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            if column is None:
                return default
            try:
                raw = column._dbfile.get(column._basepos, column._count * column._fixedlen)
            except AttributeError:  # not the fixed-width column 2.7.5 writes
                return super().doc_field_length(docnum, fieldname, default)
            table = [_length_byte_cache[b] if b else None for b in raw]
            self._length_tables[fieldname] = table
        if docnum > self._doccount:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
        return table[docnum] if docnum < len(table) else None

    def _cached_reader(self, fieldname: str, column: Any) -> Any:
        if fieldname in self._absent:
            return None
        found = super()._cached_reader(fieldname, column)
        if found is None:
            self._absent.add(fieldname)
        return found


class _BlockTeePostingsWriter(W3PostingsWriter):  # type: ignore[misc]
    """Hands each block of postings (Whoosh's own buffers, replaced rather than cleared after
    the block is written) to ``sink`` as it writes it: a few list appends per 128 postings,
    nothing per posting. Leaves blocks of fewer than SMALL_BLOCK postings uncompressed."""

    sink: list[Block] | None = None
    _compression: int  # zlib's level for this writer's blocks (Whoosh's attribute)

    def _write_block(self, last: bool = False) -> None:
        if self.sink is not None:
            self.sink.append((self._ids, self._weights, self._values))
        if len(self._ids) >= SMALL_BLOCK or not self._compression:
            super()._write_block(last)
            return
        # A block of a few postings is written uncompressed (Whoosh meant to leave pickles
        # under 20 bytes so, and a bug compresses them all): zlib costs ~60 us a call however
        # small the input, most terms are rare, and compressing a few dozen bytes saves none.
        # Each block's info records its own compression, so Whoosh reads both kinds.
        compression, self._compression = self._compression, 0
        try:
            super()._write_block(last)
        finally:
            self._compression = compression


class TeeFieldWriter(W3FieldWriter):  # type: ignore[misc]
    """Whoosh 2.7.5's writer of a segment's postings, telling a subclass each term's postings
    once Whoosh has written them. A subclass says which fields it follows (``follows``), takes
    each of their terms' postings (``tee_term``), and finishes after Whoosh (``tee_close``)."""

    def __init__(self, codec: Any, storage: Any, segment: Any) -> None:
        super().__init__(codec, storage, segment)
        self._tee_field: str = ""
        self._tee_term: bytes = b""
        self._following = False
        self._tee_blocks: list[Block] = []

    def follows(self, fieldname: str, fieldobj: Any) -> bool:
        """Whether to see the postings of ``fieldname``'s terms."""
        return False

    def tee_term(self, fieldname: str, btext: bytes, blocks: list[Block]) -> None:
        """A followed term's postings, as the blocks Whoosh wrote (ids, weights, values)."""

    def tee_close(self) -> None:
        """Called once Whoosh has closed the segment's postings."""

    def start_field(self, fieldname: str, fieldobj: Any) -> None:
        super().start_field(fieldname, fieldobj)
        self._tee_field = fieldname
        self._following = self.follows(fieldname, fieldobj)

    def start_term(self, btext: bytes) -> None:
        super().start_term(btext)
        self._tee_term = btext
        self._tee_blocks = []
        self._postwriter.sink = self._tee_blocks if self._following else None

    def finish_term(self) -> None:
        super().finish_term()
        if self._following:
            self.tee_term(self._tee_field, self._tee_term, self._tee_blocks)

    def close(self) -> None:
        super().close()
        self.tee_close()


# Reading an open index.


def open_writer(ix: Index, procs: int = 0, **options: Any) -> IndexWriter:
    """A writer of ``ix``: with ``procs``, Whoosh's parallel writer with that many writer
    processes (one too: this process then only hands documents over), else one writing here."""
    if procs > 0:
        from whoosh.multiproc import MpWriter

        return MpWriter(ix, procs=procs, **options)
    return ix.writer(**options)


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


class TopAndEvery(collectors.TopCollector):  # type: ignore[misc]
    """The best documents by score, and on the way every matching document number (the
    total and the facets need them; a second, unscored search would visit them again).
    Overrides the collector's private ``_collect`` and its ``minscore``."""

    def prepare(self, top_searcher: Any, q: Any, context: Any) -> None:
        check_whoosh()
        super().prepare(top_searcher, q, context)
        self.every: list[int] = []

    def _collect(self, global_docnum: int, score: float) -> Any:
        self.every.append(global_docnum)
        found = super()._collect(global_docnum, score)
        # Whoosh raises the bar to the heap's lowest score and then drops the words of an OR
        # that cannot reach it: fine for the top, but "every" would miss their articles.
        self.minscore = 0
        return found


def cancel_writer(writer: Any) -> None:
    """Cancel a writer, and stop the sub-writer processes of Whoosh's parallel writer.

    ``MpWriter.cancel`` only flags each sub-writer in the parent's copy of its process object:
    the sub-writers go on waiting on the job queue, and the interpreter waits for them at exit,
    so a run that failed never ended. They are terminated here (their work is thrown away with
    the cancelled run's uncommitted segment anyway)."""
    tasks = list(getattr(writer, "tasks", ()))
    try:
        writer.cancel()
    finally:
        for task in tasks:
            with contextlib.suppress(Exception):
                if task.is_alive():
                    task.terminate()
                task.join(timeout=10)
        release_writer(writer)


def commit_writer(writer: Any) -> None:
    """Commit a writer, then let go of the parallel writer's pipes (release_writer)."""
    try:
        writer.commit()
    finally:
        release_writer(writer)


def release_writer(writer: Any) -> None:
    """Close what Whoosh's parallel writer leaves open once its sub-writers are done: its two
    queues' pipes and each process's sentinel (six descriptors a run). Whoosh leaves them to
    the garbage collector, and a process that indexes again and again (``newsearch watch``)
    held them until it ran."""
    for task in getattr(writer, "tasks", ()):
        with contextlib.suppress(Exception):  # (a process still running keeps its own)
            task.close()
    for name in ("jobqueue", "resultqueue"):
        queue = getattr(writer, name, None)
        if queue is not None:
            with contextlib.suppress(Exception):
                queue.close()  # (closes the end this process wrote, if it wrote)
                queue.join_thread()
                for end in (queue._reader, queue._writer):  # both, read or not
                    end.close()
