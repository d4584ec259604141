"""One open searcher's segments as numpy arrays: what matching, facets and date sorting read.

A Whoosh searcher over an index of several segments numbers its documents segment after
segment (each segment's from its offset). A ``SegmentView`` holds, for one open searcher, what
those readers share: which documents are live (not deleted), each field's length in every
document, a term's postings in each segment (from the segment's copy, copies.py, if it has the
term, else from Whoosh's blocks, the recent ones remembered), the documents holding any of some
terms (filters), a field's (value, document) pairs (facets), and a column's values (date sort
keys). Everything is read once per searcher and kept: an index's segments never change, and a
commit opens a new searcher (and view).
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from newsearch.index import whoosh_compat
from newsearch.index.copies import ArrayPositions, PickledPositions, SegmentCopy, open_copy

if TYPE_CHECKING:  # (Whoosh's searching is the engine's: a writer process never loads it)
    from whoosh.searching import Searcher

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]
PostingPositions = ArrayPositions | PickledPositions
# A term's postings in a segment: document numbers (in the segment, deleted ones too), weights
# (times the term occurs) and, when asked for, positions.
Read = tuple[Ints, Floats, PostingPositions | None]
POSTINGS_CACHE = 1_000_000  # postings of recent query words kept per view (~50 MB)


def whoosh_postings(reader: Any, fieldname: str, btext: bytes, positions: bool) -> Read:
    """A term's postings in a segment's reader, from Whoosh's blocks (with ``positions``, their
    positions too, decoded when asked for)."""
    ids, weights, values = whoosh_compat.read_postings(reader, fieldname, btext, positions)
    if not positions:
        return ids, weights, None
    return ids, weights, PickledPositions(values, reader.schema[fieldname].format)


class SegmentView:
    """The segments of one open searcher (``searcher``), as arrays over all its documents."""

    def __init__(self, searcher: Searcher, generation: Path | None = None) -> None:
        self.searcher = searcher
        leaves = searcher.leaf_searchers()
        self._readers: list[Any] = [sub.reader() for sub, _ in leaves]
        self.offsets: list[int] = [offset for _, offset in leaves]  # each segment's first
        self.doc_count: int = searcher.doc_count_all()  # deleted documents too
        # (a sharded index's segments are each in their shard's generation: index/shards.py)
        gens = getattr(searcher.reader(), "generations", None) or [generation] * len(leaves)
        self.copies: list[SegmentCopy | None] = [
            open_copy(gen, r.segment() if hasattr(r, "segment") else None)
            for r, gen in zip(self._readers, gens, strict=True)
        ]
        live = np.ones(self.doc_count, np.bool_)
        for reader, offset in zip(self._readers, self.offsets, strict=True):
            live[whoosh_compat.deleted_docs(reader) + offset] = False
        self.live: Mask = live  # the documents not deleted
        self._lengths: dict[str, Floats] = {}
        self._columns: dict[str, npt.NDArray[Any]] = {}
        self._column_readers: dict[tuple[str, int], Any] = {}
        self._cache: OrderedDict[tuple[int, str, bytes], Read] = OrderedDict()
        self._cached = 0  # postings held in _cache
        # Open each segment's stored fields now: Whoosh opens them on the first document read
        # from the segment (~10 ms each at 216k articles), in the middle of a query.
        for reader in self._readers:
            if reader.doc_count_all():
                reader.stored_fields(0)

    def postings(self, seg: int, fieldname: str, btext: bytes, positions: bool = False) -> Read:
        """A term's postings in segment ``seg`` (with positions if ``positions``): from the
        segment's copy if it has the term, else from Whoosh's blocks, remembered for the next
        queries (refining a search re-reads the same words, and decoding a word's blocks is
        most of a query's time at 216k articles)."""
        copy = self.copies[seg]
        copied = copy.postings(fieldname, btext) if copy is not None else None
        if copied is not None:
            return copied
        key = (seg, fieldname, btext)
        found = self._cache.get(key)
        if found is not None and (found[2] is not None or not positions):
            self._cache.move_to_end(key)
            return found
        found = whoosh_postings(self._readers[seg], fieldname, btext, positions)
        if key in self._cache:
            self._cached -= len(self._cache.pop(key)[0])
        self._cache[key] = found
        self._cached += len(found[0])
        while self._cached > POSTINGS_CACHE and len(self._cache) > 1:
            _, dropped = self._cache.popitem(last=False)
            self._cached -= len(dropped[0])
        return found

    def term_docs(self, fieldname: str, btext: bytes) -> Ints:
        """The documents holding a term (ascending, deleted ones too), postings remembered as
        ``postings`` remembers them."""
        parts = [
            self.postings(seg, fieldname, btext)[0] + offset
            for seg, offset in enumerate(self.offsets)
        ]
        return np.concatenate(parts) if parts else np.empty(0, np.int64)

    def terms_mask(self, terms: Iterable[tuple[str, bytes]]) -> Mask:
        """The documents holding any of ``terms`` (``(field, bytes)``) as a mask over all
        documents, deleted ones possibly set. Postings read from Whoosh are not remembered:
        the caller keeps the mask."""
        out = np.zeros(self.doc_count, np.bool_)
        for fieldname, btext in terms:
            for seg, (reader, offset) in enumerate(zip(self._readers, self.offsets, strict=True)):
                copy = self.copies[seg]
                copied = copy.postings(fieldname, btext) if copy is not None else None
                ids = (
                    copied[0]
                    if copied is not None
                    else whoosh_postings(reader, fieldname, btext, False)[0]
                )
                out[ids + offset] = True
        return out

    def field_lengths(self, fieldname: str) -> Floats:
        """The field's length in every document (as Whoosh stores it for scoring)."""
        found = self._lengths.get(fieldname)
        if found is None:
            parts = [whoosh_compat.field_lengths(reader, fieldname) for reader in self._readers]
            found = np.concatenate(parts) if parts else np.zeros(0, np.float64)
            self._lengths[fieldname] = found
        return found

    def field_values(self, fieldname: str) -> tuple[list[str], Ints, Ints]:
        """Every (document, value) pair of a field: its values, and each pair's document and
        index of its value (grouped by segment, then value; deleted documents' too)."""
        codes_of: dict[str, int] = {}
        docs: list[Ints] = []
        codes: list[Ints] = []
        if fieldname in self.searcher.schema:
            for seg, (reader, offset) in enumerate(zip(self._readers, self.offsets, strict=True)):
                copy = self.copies[seg]
                copied = copy.value_postings(fieldname) if copy is not None else None
                if copied is None:  # no copy of the segment: its terms, one by one
                    copied = _segment_pairs(reader, fieldname)
                keys, ids, local = copied
                mapping = np.fromiter(
                    (codes_of.setdefault(k, len(codes_of)) for k in keys), np.int64, len(keys)
                )
                docs.append(ids + offset)
                codes.append(mapping[local])
        all_docs = np.concatenate(docs) if docs else np.empty(0, np.int64)
        all_codes = np.concatenate(codes) if codes else np.empty(0, np.int64)
        return list(codes_of), all_docs, all_codes

    def column(self, name: str) -> npt.NDArray[Any]:
        """A column field's value (bytes) for every document; ``b""`` in a segment where no
        document has one (Whoosh sorts those first)."""
        found = self._columns.get(name)
        if found is None:
            values = self.raw_column(name)
            found = np.array(values, dtype=np.bytes_) if values else np.empty(0, "S1")
            self._columns[name] = found
        return found

    def raw_column(self, name: str) -> list[bytes]:
        """A column field's value (bytes, kept whole) for every document; ``b""`` where a
        segment has none."""
        values: list[bytes] = []
        for seg, reader in enumerate(self._readers):
            column = self._column(name, seg)  # (the readers column_value uses: opened once)
            values.extend(column if column is not None else [b""] * reader.doc_count_all())
        return values

    def column_heads(self, name: str, size: int) -> tuple[npt.NDArray[np.uint8], Mask]:
        """The first ``size`` bytes of a column's value in every document (zeros where there
        is none), and which documents' values are whole rows of ``size`` bytes."""
        parts = [
            whoosh_compat.column_heads(self._column(name, seg), reader.doc_count_all(), size)
            for seg, reader in enumerate(self._readers)
        ]
        if not parts:
            return np.zeros((0, size), np.uint8), np.zeros(0, np.bool_)
        return np.concatenate([h for h, _ in parts]), np.concatenate([m for _, m in parts])

    def column_value(self, name: str, docnum: int) -> bytes:
        """One document's value of a column field (``b""`` if its segment has none)."""
        seg = bisect.bisect_right(self.offsets, docnum) - 1
        column = self._column(name, seg)
        if column is None:
            return b""
        value: bytes = column[docnum - self.offsets[seg]]
        return value

    def _column(self, name: str, seg: int) -> Any:
        """Segment ``seg``'s reader of a column field (bytes), None if it has none; opened
        once (a reader reads the segment's offsets when opened)."""
        key = (name, seg)
        if key not in self._column_readers:
            self._column_readers[key] = whoosh_compat.column_reader(self._readers[seg], name)
        return self._column_readers[key]

    def stored_fields(self, docnum: int) -> dict[str, Any]:
        """A document's stored fields."""
        fields: dict[str, Any] = self.searcher.stored_fields(docnum)
        return fields


def _segment_pairs(reader: Any, fieldname: str) -> tuple[list[str], Ints, Ints]:
    """A segment's values of ``fieldname``, and each posting's document and value index."""
    keys: list[str] = []
    ids: list[Ints] = []
    for btext in reader.lexicon(fieldname):
        keys.append(btext.decode("utf-8"))
        ids.append(whoosh_postings(reader, fieldname, btext, False)[0])
    sizes = np.fromiter((len(i) for i in ids), np.int64, len(ids))
    flat = np.concatenate(ids) if ids else np.empty(0, np.int64)
    return keys, flat, np.repeat(np.arange(len(keys), dtype=np.int64), sizes)
