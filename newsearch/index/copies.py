"""Reading the copies of postings kept beside each Whoosh segment (written by postings_copy.py),
and decoding positions as Whoosh stores them.

A segment's copy is four flat files numpy maps directly, and tables of contents::

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
faster path to the same numbers (tests compare the two).
"""

from __future__ import annotations

import contextlib
import json
from itertools import chain
from pathlib import Path
from pickle import loads
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.formats import Positions

from newsearch.index.whoosh_compat import POSITIONS_COUNT_BYTES

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
DIRNAME = "postings"
LAYOUT = 2  # of the files above; a copy of another layout is not read
FILES = (
    ("ids", np.int32),
    ("weights", np.float32),
    ("bounds", np.uint32),
    ("positions", np.int32),
)


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
        gaps = self._fmt is None or isinstance(self._fmt, Positions)  # NewsPositions: the same
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
    for k in range(POSITIONS_COUNT_BYTES):
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
        a = self._arrays = {name: _mapped(folder / f"{name}.bin", dtype) for name, dtype in FILES}
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
    """The copy of ``segment``'s postings, or None (none written, or unreadable: the caller
    reads Whoosh's blocks)."""
    if generation is None or segment is None:
        return None
    folder = generation / DIRNAME / segment.segment_id()
    if not folder.is_dir():
        return None
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        return SegmentCopy(folder, segment.doc_count_all())
    return None
