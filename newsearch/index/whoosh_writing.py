"""Every use newsearch makes of Whoosh's internals to write an index (the reading half, and why
these paths are version-checked rather than given fallbacks: whoosh_compat.py).

Writing a segment, newsearch sees each term's postings as Whoosh writes them (``TeeCodec``,
``TeeFieldWriter``: postings_copy.py copies frequent words' postings so), remembers which
columns a new segment lacks, and runs Whoosh's parallel writer so that it neither lists the
empty segment of a sub-writer that got no documents (``open_writer``) nor leaves processes and
pipes behind (``cancel_writer``, ``release_writer``). Nothing here changes a Whoosh class.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3Codec,
    W3FieldWriter,
    W3PerDocReader,
    W3PostingsWriter,
    _lenfield,
)
from whoosh.index import Index
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util.numeric import _length_byte_cache
from whoosh.writing import MERGE_SMALL, NO_MERGE, IndexWriter

from newsearch.index.whoosh_compat import check_whoosh, deleted_docs, field_lengths

SMALL_BLOCK = 8  # postings under which a block is not compressed (_BlockTeePostingsWriter)


# Merging: segments merged by Whoosh's policy, their field-length totals kept exact.

MergePolicy = Callable[[Any, list[Any]], list[Any]]


def exact_lengths(policy: MergePolicy) -> MergePolicy:
    """Whoosh's merge ``policy`` (``mergetype``), keeping each field's length total exact.

    BM25's average field lengths come from each segment's totals. Whoosh keeps a total exact
    as a segment is written, but merging adds the merged documents' one-byte lengths (lengths
    over 10 rounded), so an index's scores moved with its merge history: the same articles
    written at once, in many commits, or split into shards scored differently in the 4th
    decimal. Here a merged segment's totals are its sources' exact ones (less the decoded
    lengths of their deleted documents, which leave with the merge)."""

    def merge(writer: Any, segments: list[Any]) -> list[Any]:
        return list(policy(_ExactLengths(writer), segments))

    return merge


class _ExactLengths:
    """A segment writer as a merge policy sees it, whose ``add_reader`` puts the source
    segment's exact length totals in place of the decoded lengths Whoosh adds up."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._writer, name)

    def add_reader(self, reader: Any) -> None:
        totals = self._writer.perdocwriter._fieldlengths
        before = dict(totals)
        self._writer.add_reader(reader)
        segment = reader.segment()
        exact = getattr(segment, "_fieldlengths", None)
        if exact is None:  # (not a W3 segment: Whoosh's sums stand)
            return
        gone = deleted_docs(reader)
        for fieldname, total in exact.items():
            if fieldname not in totals:
                continue
            if len(gone):
                total -= int(field_lengths(reader, fieldname)[gone].sum())
            totals[fieldname] = before.get(fieldname, 0) + total


MERGE_EXACT = exact_lengths(MERGE_SMALL)  # Whoosh's usual policy, totals exact


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

    def arguments(self) -> tuple[int, int, int]:
        """What the codec is made with (block limit, compression, inline limit)."""
        return self._blocklimit, self._compression, self._inlinelimit

    def __reduce__(self) -> tuple[Any, tuple[int, int, int]]:
        return W3Codec, self.arguments()


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


def open_writer(ix: Index, procs: int = 0, **options: Any) -> IndexWriter:
    """A writer of ``ix``: with ``procs``, Whoosh's parallel writer with that many writer
    processes (one too: this process then only hands documents over), else one writing here."""
    if procs > 0:
        check_whoosh()
        return _ParallelWriter(ix, procs=procs, **options)
    return ix.writer(**options)


class _ParallelWriter(MpWriter):  # type: ignore[misc]
    """Whoosh 2.7.5's parallel writer, which does not list a segment without documents.

    A sub-writer process starts when a batch of documents is queued, and takes batches off the
    queue until it reads the end: on a busy machine the first process can take every batch, and
    the one started for the last batch then finds only the end and writes a segment of nothing,
    which Whoosh lists in the index like any other (an empty segment per run: nothing to read,
    and no copy of postings beside it, postings_copy.py). Leaving it out of the table of
    contents makes Whoosh delete its files with the other unlisted ones."""

    def _commit_toc(self, segments: list[Any]) -> None:
        super()._commit_toc([s for s in segments if s.doc_count_all() > 0])

    def _new_task(self) -> SubWriterTask:
        task = _SubWriter(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        task.start()
        return task


class _SubWriter(SubWriterTask):  # type: ignore[misc]
    """Whoosh 2.7.5's sub-writer process, writing with the parent's codec however it starts.

    A ``TeeCodec`` pickles as a plain ``W3Codec`` (for the table of contents), and a process
    started by pickling its object (the spawn and forkserver start methods: macOS's default,
    Linux's from Python 3.14, and any program that chose one) wrote its segment as Whoosh does:
    no copy of its postings (queries then read Whoosh's blocks) and a stat call per posting
    while flushing. It carries the codec's class and arguments instead, and makes it anew."""

    kwargs: dict[str, Any]  # (the writer's options, Whoosh's attribute)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        codec = self.kwargs.get("codec")
        self.codec_made: tuple[type[TeeCodec], tuple[int, int, int]] | None = None
        if isinstance(codec, TeeCodec):
            self.kwargs = {k: v for k, v in self.kwargs.items() if k != "codec"}
            self.codec_made = (type(codec), codec.arguments())

    def run(self) -> None:
        if self.codec_made is not None:
            kind, arguments = self.codec_made
            self.kwargs = {**self.kwargs, "codec": kind(*arguments)}
        super().run()


def cancel_writer(writer: Any) -> None:
    """Cancel a writer, and stop the sub-writer processes of Whoosh's parallel writer.

    ``MpWriter.cancel`` only flags each sub-writer in the parent's copy of its process object:
    the sub-writers go on waiting on the job queue, and the interpreter waits for them at exit,
    so a run that failed never ended. They are terminated here (their work is thrown away with
    the cancelled run's uncommitted segment anyway)."""
    tasks = list(getattr(writer, "tasks", ()))
    try:
        if not getattr(writer, "is_closed", False):  # (cancelled already: Whoosh would raise)
            writer.cancel()
    finally:
        for task in tasks:
            with contextlib.suppress(Exception):
                if task.is_alive():
                    task.terminate()
                task.join(timeout=10)
        release_writer(writer)


def commit_writer(writer: Any, merge: bool = True) -> None:
    """Commit a writer, merging segments as Whoosh does with their length totals kept exact
    (``exact_lengths``; ``merge=False``: the new segment added, none merged), then let go of
    the parallel writer's pipes (release_writer). A commit that fails (a full disk) cancels
    the writer before the error goes on: Whoosh keeps its lock held otherwise, and no later
    write in the same process could take it."""
    try:
        writer.commit(mergetype=MERGE_EXACT if merge else NO_MERGE)
    except BaseException:
        with contextlib.suppress(Exception):  # (the commit's error is the one to report)
            cancel_writer(writer)
        raise
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
