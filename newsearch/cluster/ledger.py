"""The client's side of a cluster run: every item read judged once, for all shards together.

Workers read the files and send back, for each item, only what judging needs (``Record``: the
article's ``identity.Key`` or the Skip); the articles stay in the workers' memory. The client
judges the records in the order a single-machine run reads them, with the same
``identity.Ledger`` over the articles of every shard, so a sharded run counts exactly as one
index would: an exact copy of a text already kept is a ``duplicate`` whichever shard the two
ids hash to, a moved file keeps its article (deleted in its old id's shard, written in its new
one's), and a prune sees every shard's articles. The decisions (``Planned``) name the items
to write by their place in the workers' chunks, and the ids to delete.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from newsearch.ingest.identity import Decision, Key, Ledger
from newsearch.ingest.readers.tree import Passed
from newsearch.ingest.run import BATCH, Tally
from newsearch.models import Skip

Ref = tuple[int, int]  # (chunk number, item number in the chunk)


@dataclass(frozen=True)
class Record:
    """One item read, as a worker reports it: an article's key and warnings, or a skip."""

    key: Key | None
    skip: Skip | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Planned:
    """One change (``run.Op`` without the article, which stays in its worker): delete the
    articles ``delete``; then, if ``ref``, write the item read at ``ref`` as article ``id``
    (with the stored entities of ``relocate``, an article of the same content)."""

    ref: Ref | None
    id: str
    hashes: tuple[str, str]
    delete: tuple[str, ...] = ()
    relocate: str | None = None


class Judge:
    """``run.Run``'s counting and judging (``add``, ``_record``, ``_settle``) over records."""

    def __init__(self, stored: Iterable[Key]) -> None:
        self.tally = Tally()
        self.ledger = Ledger(stored)
        self.pending: list[Planned] = []
        self.deferred: dict[str, Ref] = {}  # id -> where its article is, decided at the end

    def add(self, record: Record, ref: Ref) -> None:
        t = self.tally
        skip = record.skip
        if isinstance(skip, Passed):  # hidden, an index, documentation: counted apart too
            t.ignored[skip.kind] += 1
            if not skip.listed:
                return
        t.read += 1
        if skip is not None or record.key is None:
            t.skipped.append(skip or Skip("?", "unreadable"))
            return
        key = record.key
        t.warnings.extend(f"{key.path}: {w}" for w in record.warnings)
        if key.id in self.ledger.seen:
            t.skipped.append(Skip(key.path, f"id {key.id!r} appears twice", key.location))
            return
        decision = self.ledger.judge(key)
        if decision.kind == "deferred":
            self.deferred[key.id] = ref
            return
        self._record(key, decision, ref)

    def settle(self) -> None:
        """Decide the items that waited for the end of the reading (their articles are still
        in their workers: nothing is read again)."""
        for key, d in list(self.ledger.settle()):
            self._record(key, d, self.deferred.pop(key.id))

    def _record(self, key: Key, d: Decision, ref: Ref) -> None:
        t = self.tally
        t.counts[d.kind] += 1
        if d.kind == "duplicate":
            t.duplicates.append((key.where, d.other or ""))
        elif d.kind == "moved":
            t.moves.append((key.where, d.other or ""))
        if d.write or d.delete:
            where = ref if d.write else None
            self.pending.append(Planned(where, key.id, (key.hash, key.norm), d.delete, d.relocate))

    def batches(self, final: bool = False) -> Iterator[list[Planned]]:
        """The pending changes in batches of ``run.BATCH`` (as a single-machine run hands them
        to entity extraction: a batch shares the extractor's vote on names); with ``final``,
        the last smaller one too."""
        while len(self.pending) >= BATCH or (final and self.pending):
            batch, self.pending = self.pending[:BATCH], self.pending[BATCH:]
            yield batch
