"""Copying postings beside each Whoosh segment as it is written, as flat arrays numpy reads
directly (the files and how they are read: copies.py).

Whoosh keeps a word's postings in pickled blocks with one pickled list of positions per
article: reading the postings of a word held by 60,000 articles costs ~50 ms before any
scoring (at 216k articles most of a query's time, benchmarks/README.md). While Whoosh writes a
segment, ``SidecarCodec`` copies the postings of every word that at least ``MIN_DF`` of its
articles hold (on the text fields), and of every value of the filter fields (facets count all
of a field's values at once: a Whoosh read per value and segment took 1.4 s at 216k articles).
Words under ``MIN_DF`` are cheap to read from Whoosh and are not copied. A copy that cannot be
written (disk full, offsets that would overflow) is abandoned: the segment is read from Whoosh.
Directories of segments that merging removed are pruned by the next indexing run (``prune``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from itertools import chain
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
from whoosh.formats import Positions

from newsearch.index.copies import DIRNAME, FILES, LAYOUT, PickledPositions
from newsearch.index.schema import FILTER_FIELDS, TEXT_FIELDS
from newsearch.index.whoosh_writing import Block, TeeCodec, TeeFieldWriter

Ints = npt.NDArray[np.int64]
Weights = npt.NDArray[np.float32]
MIN_DF = 128  # articles of a segment holding a word for its postings to be copied
# Fields copied whole, every value however rare: a facet or filter reads all of a field's
# values at once (their own small table each, read when first needed).
COMPLETE_FIELDS = FILTER_FIELDS


class SidecarCodec(TeeCodec):
    """Whoosh's codec, whose segment writer also copies frequent words' postings (and pickles
    as Whoosh's own: whoosh_writing.TeeCodec)."""

    def tee_field_writer(self, storage: Any, segment: Any) -> TeeFieldWriter:
        return _CopyingFieldWriter(self, storage, segment)


class CopyFiles:
    """The files of one segment's copy, written aside (opened on the first word copied, each
    word appended) and renamed into place whole by ``finish``."""

    def __init__(self, root: Path, segment_id: str) -> None:
        self._final = root / segment_id
        self._tmp = root / f".tmp-{segment_id}-{uuid.uuid4().hex[:8]}"
        self._out: dict[str, IO[bytes]] | None = None
        self._toc: dict[str, dict[str, list[int]]] = {}
        self._count = 0  # postings copied so far
        self._positions = 0

    def start_field(self, fieldname: str) -> None:
        """List the field (a field copied whole with no value has none, rather than unknown)."""
        self._toc.setdefault(fieldname, {})

    def add(
        self, fieldname: str, btext: bytes, ids: Ints, weights: Weights, lens: Ints, flat: Ints
    ) -> None:
        """A word's postings: articles, weights, how many positions each posting has, and the
        positions, posting after posting. Raises OSError or ValueError if they cannot be
        written (the caller abandons the copy)."""
        out = self._out
        if out is None:
            self._tmp.mkdir(parents=True)
            # open until the segment is closed, one word appended at a time
            files: dict[str, IO[bytes]] = {
                name: open(self._tmp / f"{name}.bin", "wb")  # noqa: SIM115
                for name, _ in FILES
            }
            out = self._out = files
            out["bounds"].write(np.zeros(1, np.uint32).tobytes())
        ends = self._positions + np.cumsum(lens)
        if len(ends) and ends[-1] >= 2**32:  # (a segment of ~40 million articles)
            raise ValueError("too many positions for the copy's offsets")
        n = len(ids)
        out["ids"].write(ids.astype(np.int32).tobytes())
        out["weights"].write(weights.astype(np.float32).tobytes())
        out["bounds"].write(ends.astype(np.uint32).tobytes())
        out["positions"].write(flat.astype(np.int32).tobytes())
        key = btext.decode("utf-8", "surrogateescape")
        self._toc[fieldname][key] = [self._count, self._count + n]
        self._count += n
        self._positions += len(flat)

    def finish(self, docs: int) -> None:
        """Close the files and publish the copy (nothing if no word was copied). ``docs``: the
        segment's article count (a wrong count only makes readers skip the copy)."""
        if self._out is None:
            return
        for fh in self._out.values():
            fh.close()
        complete = [f for f in self._toc if f in COMPLETE_FIELDS]
        for f in complete:
            table = json.dumps(self._toc[f])
            (self._tmp / f"terms.{f}.json").write_text(table, encoding="utf-8")
        toc = {
            "layout": LAYOUT,
            "docs": docs,
            "postings": self._count,
            "fields": {f: t for f, t in self._toc.items() if f not in COMPLETE_FIELDS},
            "complete": complete,
        }
        (self._tmp / "terms.json").write_text(json.dumps(toc), encoding="utf-8")
        os.replace(self._tmp, self._final)

    def abandon(self) -> None:
        for fh in (self._out or {}).values():
            with contextlib.suppress(OSError):
                fh.close()
        shutil.rmtree(self._tmp, ignore_errors=True)


class _CopyingFieldWriter(TeeFieldWriter):
    """Writes the segment's postings as Whoosh does, and appends those of each frequent word
    of the text fields, and of every value of the filter fields, to the copy as the word is
    finished."""

    def __init__(self, codec: Any, storage: Any, segment: Any) -> None:
        super().__init__(codec, storage, segment)
        self._files = CopyFiles(Path(storage.folder) / DIRNAME, segment.segment_id())
        self._copied_segment = segment
        self._min_df = MIN_DF
        self._positional = False
        self._abandoned = False

    def follows(self, fieldname: str, fieldobj: Any) -> bool:
        if self._abandoned or fieldname not in (*TEXT_FIELDS, *COMPLETE_FIELDS):
            return False
        self._min_df = 1 if fieldname in COMPLETE_FIELDS else MIN_DF
        self._positional = isinstance(fieldobj.format, Positions)
        self._files.start_field(fieldname)
        return True

    def tee_term(self, fieldname: str, btext: bytes, blocks: list[Block]) -> None:
        if self._abandoned or sum(len(ids) for ids, _, _ in blocks) < self._min_df:
            return
        try:
            self._files.add(fieldname, btext, *_arrays(blocks, self._positional))
        except (OSError, ValueError):  # the copy is only a faster path: go without it
            self._abandon()

    def tee_close(self) -> None:
        if self._abandoned:
            return
        # Whoosh has set the segment's article count by now (it reads the field lengths
        # before closing this writer).
        try:
            self._files.finish(self._copied_segment.doc_count_all())
        except OSError:
            self._abandon()

    def _abandon(self) -> None:
        self._abandoned = True
        self._files.abandon()


def _arrays(blocks: list[Block], positional: bool) -> tuple[Ints, Weights, Ints, Ints]:
    """A word's postings from Whoosh's blocks: articles, weights (float32, as Whoosh keeps
    them), how many positions each posting has, and the positions, posting after posting."""
    ids = np.concatenate([np.asarray(i, dtype=np.int64) for i, _, _ in blocks])
    weights = np.concatenate([np.asarray(w, dtype=np.float32) for _, w, _ in blocks])
    n = len(ids)
    if not positional:
        return ids, weights, np.zeros(n, np.int64), np.empty(0, np.int64)
    values = list(chain.from_iterable(v for _, _, v in blocks))
    keys = PickledPositions(values).keys(np.arange(n, dtype=np.int64))
    return ids, weights, np.bincount(keys >> 32, minlength=n), keys & 0xFFFFFFFF


def prune(generation: Path, segment_ids: set[str]) -> None:
    """Remove the copies of segments no longer in the index (merged away) and unfinished ones."""
    root = generation / DIRNAME
    if not root.is_dir():
        return
    for entry in root.iterdir():
        if entry.name not in segment_ids:
            shutil.rmtree(entry, ignore_errors=True)
