"""Frequent words' postings beside each Whoosh segment, as flat arrays numpy reads directly.

Whoosh keeps a word's postings in pickled blocks with one pickled list of positions per
article: reading the postings of a word held by 60,000 articles costs ~50 ms before any
scoring (at 216k articles most of a query's time, benchmarks/README.md). While Whoosh writes a
segment, ``SidecarCodec`` copies the postings of every word that at least ``MIN_DF`` of its
articles hold (on the text fields), and of every value of the filter fields (facets count all
of a field's values at once: a Whoosh read per value and segment took 1.4 s at 216k articles),
into four flat files and tables of contents::

    <generation>/postings/<segment id>/
        terms.json     {"layout": 2, "docs": N, "postings": P, "complete": ["source", ...],
                        "fields": {"text": {"word": [first, end], ...}, "title": {...}}}
        terms.<field>.json  {"value": [first, end], ...} of a field copied whole (read when
                        first needed: entity fields can hold many values)
        ids.bin        int32, article number in the segment, for each posting
        weights.bin    float32, the posting's weight (times the word occurs)
        bounds.bin     uint32, where each posting's positions start in positions.bin (and end)
        positions.bin  int32, word positions

The directory appears whole (written aside, then renamed) before Whoosh lists the segment, and
a segment's postings never change (deletions are Whoosh's separate list), so a reader either
finds a complete copy or none and reads Whoosh's blocks instead; a copy of another layout,
another article count or unexpected file sizes is not read either. The copy is only ever a
faster path to the same numbers (tests compare the two). Words under ``MIN_DF`` are cheap to
read from Whoosh and are not copied. Directories of segments that merging removed are pruned
by the next indexing run (``prune``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from itertools import chain
from pathlib import Path
from pickle import loads
from typing import IO, Any

import numpy as np
import numpy.typing as npt
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3PostingsWriter
from whoosh.formats import Positions
from whoosh.system import _INT_SIZE

from newsearch.index.schema import FILTER_FIELDS, TEXT_FIELDS

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
DIRNAME = "postings"
LAYOUT = 2  # of the files below; a copy of another layout is not read
MIN_DF = 128  # articles of a segment holding a word for its postings to be copied
# Fields copied whole, every value however rare: a facet or filter reads all of a field's
# values at once (their own small table each, read when first needed).
COMPLETE_FIELDS = FILTER_FIELDS
_FILES = (
    ("ids", np.int32),
    ("weights", np.float32),
    ("bounds", np.uint32),
    ("positions", np.int32),
)


class SidecarCodec(W3Codec):  # type: ignore[misc]  # Whoosh has no type hints
    """Whoosh's codec, whose segment writer also copies frequent words' postings.

    Pickles as a plain ``W3Codec``: segments record their codec in the index's table of
    contents, and an index must not need this class to open (nor a child process started by
    pickling, which then writes no copy)."""

    def field_writer(self, storage: Any, segment: Any) -> W3FieldWriter:
        return _TeeFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> W3PostingsWriter:
        return _TeePostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def __reduce__(self) -> tuple[Any, tuple[int, int, int]]:
        return W3Codec, (self._blocklimit, self._compression, self._inlinelimit)


class _TeePostingsWriter(W3PostingsWriter):  # type: ignore[misc]
    """Hands each block of postings (ids, weights, values: Whoosh's own buffers, replaced
    rather than cleared after the block is written) to ``sink`` as it writes it: a few list
    appends per 128 postings, nothing per posting."""

    sink: list[tuple[Any, Any, list[bytes]]] | None = None

    def _write_block(self, last: bool = False) -> None:
        if self.sink is not None:
            self.sink.append((self._ids, self._weights, self._values))
        super()._write_block(last)


class _TeeFieldWriter(W3FieldWriter):  # type: ignore[misc]
    """Writes the segment's postings as Whoosh does, and appends those of each frequent word
    of the text fields, and of every value of the filter fields, to the flat files as the
    word is finished."""

    def __init__(self, codec: Any, storage: Any, segment: Any) -> None:
        super().__init__(codec, storage, segment)
        self._root = Path(storage.folder) / DIRNAME
        self._final = self._root / segment.segment_id()
        self._tmp = self._root / f".tmp-{segment.segment_id()}-{uuid.uuid4().hex[:8]}"
        self._out: dict[str, IO[bytes]] | None = None
        self._toc: dict[str, dict[str, list[int]]] = {}
        self._count = 0  # postings copied so far
        self._positions = 0
        self._tee = False
        self._min_df = MIN_DF
        self._positional = False
        self._abandoned = False
        self._blocks: list[tuple[Any, Any, list[bytes]]] = []

    def start_field(self, fieldname: str, fieldobj: Any) -> None:
        super().start_field(fieldname, fieldobj)
        self._tee = fieldname in (*TEXT_FIELDS, *COMPLETE_FIELDS) and not self._abandoned
        self._min_df = 1 if fieldname in COMPLETE_FIELDS else MIN_DF
        self._positional = type(fieldobj.format) is Positions
        if self._tee:
            self._toc.setdefault(fieldname, {})

    def start_term(self, btext: bytes) -> None:
        super().start_term(btext)
        self._blocks = []
        self._postwriter.sink = self._blocks if self._tee else None

    def finish_term(self) -> None:
        super().finish_term()
        if not self._tee or sum(len(ids) for ids, _, _ in self._blocks) < self._min_df:
            return
        try:
            self._copy()
        except (OSError, ValueError):  # the copy is only a faster path: go without it
            self._abandon()

    def _copy(self) -> None:
        out = self._out
        if out is None:
            self._tmp.mkdir(parents=True)
            # open until the segment is closed, one term appended at a time
            files: dict[str, IO[bytes]] = {
                name: open(self._tmp / f"{name}.bin", "wb")  # noqa: SIM115
                for name, _ in _FILES
            }
            out = self._out = files
            out["bounds"].write(np.zeros(1, np.uint32).tobytes())
        ids = np.concatenate([np.asarray(i, dtype=np.int32) for i, _, _ in self._blocks])
        weights = np.concatenate([np.asarray(w, dtype=np.float32) for _, w, _ in self._blocks])
        n = len(ids)
        if self._positional:
            values = list(chain.from_iterable(v for _, _, v in self._blocks))
            keys = PickledPositions(values).keys(np.arange(n, dtype=np.int64))
            lens = np.bincount(keys >> 32, minlength=n)
            flat = keys & 0xFFFFFFFF
        else:
            lens, flat = np.zeros(n, np.int64), np.empty(0, np.int64)
        ends = self._positions + np.cumsum(lens)
        if len(ends) and ends[-1] >= 2**32:  # (a segment of ~40 million articles)
            raise ValueError("too many positions for the copy's offsets")
        out["ids"].write(ids.tobytes())
        out["weights"].write(weights.tobytes())
        out["bounds"].write(ends.astype(np.uint32).tobytes())
        out["positions"].write(flat.astype(np.int32).tobytes())
        key = self._btext.decode("utf-8", "surrogateescape")
        self._toc[self._fieldname][key] = [self._count, self._count + n]
        self._count += n
        self._positions += len(flat)

    def close(self) -> None:
        super().close()
        if self._out is None or self._abandoned:
            return
        try:
            for fh in self._out.values():
                fh.close()
            # Whoosh has set the segment's article count by now (it reads the field lengths
            # before closing this writer); a wrong count only makes readers skip the copy.
            complete = [f for f in self._toc if f in COMPLETE_FIELDS]
            for f in complete:
                table = json.dumps(self._toc[f])
                (self._tmp / f"terms.{f}.json").write_text(table, encoding="utf-8")
            toc = {
                "layout": LAYOUT,
                "docs": self._segment.doc_count_all(),
                "postings": self._count,
                "fields": {f: t for f, t in self._toc.items() if f not in COMPLETE_FIELDS},
                "complete": complete,
            }
            (self._tmp / "terms.json").write_text(json.dumps(toc), encoding="utf-8")
            os.replace(self._tmp, self._final)
        except OSError:
            self._abandon()

    def _abandon(self) -> None:
        self._abandoned = True
        self._tee = False
        for fh in (self._out or {}).values():
            with contextlib.suppress(OSError):
                fh.close()
        shutil.rmtree(self._tmp, ignore_errors=True)


def prune(generation: Path, segment_ids: set[str]) -> None:
    """Remove the copies of segments no longer in the index (merged away) and unfinished ones."""
    root = generation / DIRNAME
    if not root.is_dir():
        return
    for entry in root.iterdir():
        if entry.name not in segment_ids:
            shutil.rmtree(entry, ignore_errors=True)


class PickledPositions:
    """The positions of postings as Whoosh stores them: for ``Positions``, a 4-byte count
    then a pickled list of gaps (its final stop sometimes left off); any other format is
    asked to decode each value."""

    def __init__(self, values: list[Any], fmt: Any = None) -> None:
        self._values = values
        self._fmt = fmt

    def keys(self, idx: Ints) -> Ints:
        """Postings ``idx``'s positions as ascending keys ``k << 32 | position`` (``k`` the
        posting's place in ``idx``). ``Positions`` values are unpickled in one call as a list
        of lists, the gaps summed with numpy."""
        picked = [self._values[i] for i in idx.tolist()]
        gaps = self._fmt is None or type(self._fmt) is Positions
        if gaps:
            lists = loads(b"\x80\x02(" + _pickle_bodies(picked) + b"l.")
        else:
            lists = [list(self._fmt.decode_positions(v)) for v in picked]
        lens = np.fromiter(map(len, lists), np.int64, len(lists))
        flat = np.fromiter(chain.from_iterable(lists), np.int64, int(lens.sum()))
        if gaps and len(flat):  # a running sum restarted at each posting
            total = np.cumsum(flat)
            ends = np.cumsum(lens)
            before = np.where(ends - lens > 0, total[np.maximum(ends - lens - 1, 0)], 0)
            flat = total - np.repeat(before, lens)
        return (np.repeat(np.arange(len(lists), dtype=np.int64), lens) << 32) | flat


def _pickle_bodies(values: list[bytes]) -> bytes:
    """The values joined without their counts and final stops (a pickle stream of lists), cut
    with numpy rather than a slice per value. Without its stop a value ends in a list opcode,
    never in ".", so only real stops are cut."""
    raw = np.frombuffer(b"".join(values), np.uint8)
    lens = np.fromiter(map(len, values), np.int64, len(values))
    ends = np.cumsum(lens)
    keep = np.ones(len(raw), np.bool_)
    for k in range(_INT_SIZE):
        keep[ends - lens + k] = False
    keep[ends[raw[ends - 1] == ord(".")] - 1] = False
    return raw[keep].tobytes()


class ArrayPositions:
    """The positions of a word's postings in a segment's copy."""

    def __init__(self, bounds: npt.NDArray[np.uint32], positions: npt.NDArray[np.int32]) -> None:
        self._bounds = bounds  # len(postings) + 1
        self._positions = positions

    def keys(self, idx: Ints) -> Ints:
        """Postings ``idx``'s positions as ascending keys ``k << 32 | position``."""
        starts = self._bounds[idx].astype(np.int64)
        lens = self._bounds[idx + 1].astype(np.int64) - starts
        found = self._positions[spans(starts, lens)].astype(np.int64)
        return (np.repeat(np.arange(len(idx), dtype=np.int64), lens) << 32) | found


class SegmentCopy:
    """One segment's copied postings (files mapped, not read, until a word is asked for)."""

    def __init__(self, folder: Path, docs: int) -> None:
        toc = json.loads((folder / "terms.json").read_text(encoding="utf-8"))
        if toc.get("layout") != LAYOUT or toc.get("docs") != docs:
            raise ValueError(f"{folder} is another layout or describes other articles")
        self._folder = folder
        self._fields: dict[str, dict[str, list[int]]] = toc["fields"]
        self._complete = set(toc["complete"])
        self._tables: dict[str, dict[str, list[int]] | None] = {}
        a = self._arrays = {name: _mapped(folder / f"{name}.bin", dtype) for name, dtype in _FILES}
        self._n = n = toc["postings"]
        if not len(a["ids"]) == len(a["weights"]) == len(a["bounds"]) - 1 == n or (
            int(a["bounds"][-1]) != len(a["positions"])
        ):
            raise ValueError(f"{folder}: files of unexpected sizes (truncated?)")

    def postings(self, fieldname: str, btext: bytes) -> tuple[Ints, Floats, ArrayPositions] | None:
        """A word's postings, or None if not copied (read them from Whoosh). In a field copied
        whole, a value that is not there has no postings."""
        key = btext.decode("utf-8", "surrogateescape")
        if fieldname in self._complete:
            table = self.values(fieldname)
            if table is None:
                return None
            span = table.get(key, [0, 0])
        else:
            found = self._fields.get(fieldname, {}).get(key)
            if found is None:
                return None
            span = found
        lo, hi = span
        a = self._arrays
        ids = np.asarray(a["ids"][lo:hi], dtype=np.int64)
        weights = np.asarray(a["weights"][lo:hi], dtype=np.float64)
        return ids, weights, ArrayPositions(a["bounds"][lo : hi + 1], a["positions"])

    def values(self, fieldname: str) -> dict[str, list[int]] | None:
        """Every value of a field copied whole, with its postings' span; None if the field is
        not copied whole or its table cannot be read."""
        if fieldname not in self._complete:
            return None
        if fieldname not in self._tables:
            table: dict[str, list[int]] | None = None
            with contextlib.suppress(OSError, ValueError):
                path = self._folder / f"terms.{fieldname}.json"
                loaded = json.loads(path.read_text(encoding="utf-8"))
                if all(0 <= lo <= hi <= self._n for lo, hi in loaded.values()):
                    table = loaded
            self._tables[fieldname] = table
        return self._tables[fieldname]

    def value_postings(self, fieldname: str) -> tuple[list[str], Ints, Ints] | None:
        """For a field copied whole: its values, and for each posting its article and the
        index of its value (grouped by value); None as ``values``."""
        table = self.values(fieldname)
        if table is None:
            return None
        keys = list(table)
        bounds = np.asarray(list(table.values()), dtype=np.int64).reshape(-1, 2)
        lens = bounds[:, 1] - bounds[:, 0]
        ids = np.asarray(self._arrays["ids"][spans(bounds[:, 0], lens)], dtype=np.int64)
        return keys, ids, np.repeat(np.arange(len(keys), dtype=np.int64), lens)


def spans(starts: Ints, lens: Ints) -> Ints:
    """The indexes ``starts[0] .. starts[0] + lens[0] - 1``, then those of the next span, ..."""
    firsts = np.cumsum(lens) - lens  # where each span begins in the output
    return np.repeat(starts - firsts, lens) + np.arange(int(lens.sum()), dtype=np.int64)


def _mapped(path: Path, dtype: Any) -> npt.NDArray[Any]:
    if path.stat().st_size == 0:  # numpy cannot map an empty file
        return np.empty(0, dtype)
    return np.memmap(path, dtype=dtype, mode="r")


def open_copy(generation: Path | None, segment: Any) -> SegmentCopy | None:
    """The copy of ``segment``'s frequent postings, or None (none written, or unreadable: the
    caller reads Whoosh's blocks)."""
    if generation is None or segment is None:
        return None
    folder = generation / DIRNAME / segment.segment_id()
    if not folder.is_dir():
        return None
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        return SegmentCopy(folder, segment.doc_count_all())
    return None
