"""The indexing run's side of copies and stories: ``stories.sqlite`` kept in step with the index.

``ingest/run.py`` holds one ``StoryTracker`` per run over a live index. For each batch it is
handed the documents to delete and the new documents (before they are written): it takes the
deleted articles out (their copy links, their part of their story), finds each new article's
copies (LSH candidates checked by copies.py) and its story (its original's, or cluster.py's
single pass), and writes the story into the document (the ``story`` field). Its writes wait in
one SQLite transaction committed just after each Whoosh commit, with the commit's generation
(``toc``); a run that finds the file behind the index (a kill between the two commits), or
missing, damaged or of another version, first makes it again from the index's stored fields.

A moved article (or one whose metadata alone changed) keeps its place in the indexing order
and its story; an article whose text changed keeps its place and is judged again.
"""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from whoosh.index import Index

from newsearch.stories import cluster, copies, sidefile
from newsearch.stories.held import Held
from newsearch.stories.rows import Row, Rows

HASHES_HELD = 4096  # articles whose shingle hashes are remembered (~1 KB each)
REBUILD_CHUNK = 512  # documents read from the index at a time when the file is made again
REMOVE_CHUNK = 4096  # articles removed at a time (their rows and shingles held meanwhile)


class Features(Protocol):
    """What copies and stories need of a document, made beside the writer (prepare.py)."""

    @property
    def counts(self) -> dict[int, float]: ...

    @property
    def hashes(self) -> copies.Hashes: ...

    @property
    def keys(self) -> npt.NDArray[np.int64]: ...

    @property
    def table(self) -> bool: ...


class Change(Protocol):
    """One change of a run (ingest/run.py's Op): ids to delete, then an article to write."""

    @property
    def delete(self) -> tuple[str, ...]: ...

    @property
    def article(self) -> object | None: ...


class StoryTracker:
    """Keeps ``<generation>/stories.sqlite`` right through one indexing run of ``ix``."""

    def __init__(self, generation: Path, ix: Index) -> None:
        self.generation = generation
        self.ix = ix
        self._connection = sidefile.Connection(generation)
        self._bodies: dict[str, tuple[str, str | None]] = {}  # written since the last commit
        # The shingle hashes of the latest articles, by id: the candidates an article is read
        # against are mostly recent ones, read again and again where a template repeats.
        self._hashes: OrderedDict[str, copies.Hashes] = OrderedDict()
        self._searcher: Any = None
        self._keep_bodies = True
        # (the connection itself, not a method of the tracker: that made a cycle)
        self._rows = Rows(self._connection)
        self._held = Held(self._connection, self._rows)
        if self._meta("version") != str(sidefile.VERSION) or self._meta("toc") != self._toc():
            self._rebuild()
        self._seq = int(self._meta("next_seq") or 0)
        self._n = int(self._meta("articles") or 0)
        if self._n == 0 and self._conn().execute("SELECT 1 FROM story_terms").fetchone() is None:
            self._rows.hold()

    # -- the run's calls ----------------------------------------------------------------

    def write(
        self,
        changes: Sequence[Change],
        docs: Sequence[dict[str, Any]],
        features: Sequence[Features | None] | None = None,
    ) -> None:
        """Apply a batch: each change's deletions, then its document (``docs`` are the new
        documents of the changes that have an article, in order), given its ``story``.
        ``features`` may hold a document's term counts, shingle hashes and band keys, made
        already (ingest/prepare.py); the others' are made here."""
        given = list(features) if features is not None else [None] * len(docs)
        missing = [d for d, f in zip(docs, given, strict=True) if f is None]
        made = iter(zip(*copies.signatures(missing), strict=True))
        new = iter(zip(docs, given, strict=True))
        try:
            for change in changes:
                gone = self._remove(change.delete)
                if change.article is not None:
                    doc, f = next(new)
                    if f is None:
                        self._add(doc, *next(made), gone=gone)
                    else:
                        self._add(doc, f.hashes, f.keys, gone=gone, counts=f.counts, table=f.table)
            self._rows.flush()
        finally:
            self._close_searcher()

    def remove(self, ids: Iterable[str]) -> None:
        """Articles pruned."""
        try:
            self._remove(tuple(ids))
        finally:
            self._close_searcher()

    def commit(self, toc: object = None) -> None:
        """Make the run's changes so far durable, matching the index's commit ``toc`` (a
        sharded index's: the tuple of its shards' commits)."""
        db = self._conn()
        self._rows.flush()
        self._flush()
        self._set_meta("toc", str(toc if toc is not None else self._toc_value()))
        self._set_meta("version", str(sidefile.VERSION))
        db.execute("COMMIT")
        self._bodies.clear()
        self._close()

    def cancel(self) -> None:
        """Drop the changes not committed."""
        if self._connection.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._connection.db.execute("ROLLBACK")
        self._rows.cancel()
        self._held.clear()
        self._close_searcher()
        self._close()

    # -- articles in and out -------------------------------------------------------------

    def _remove(self, ids: Sequence[str]) -> dict[str, tuple[int, str | None, str | None]]:
        """Take articles out; what they were: id -> (seq, story, norm)."""
        gone: dict[str, tuple[int, str | None, str | None]] = {}
        db = self._conn()
        if ids:
            self._rows.drop()  # (an article of this run is in the file first)
        unique = list(dict.fromkeys(ids))
        sql = "SELECT seq, story, norm, feature, shingles FROM articles WHERE id = ?"
        for at in range(0, len(unique), REMOVE_CHUNK):
            rows = [
                (a, row)
                for a in unique[at : at + REMOVE_CHUNK]
                if (row := db.execute(sql, (a,)).fetchone()) is not None
            ]
            # their band keys made again in one call (one at a time ~0.6 ms an article,
            # together ~0.03: a prune of thousands)
            made = copies.band_keys([copies.unpacked(r[4]) for _, r in rows])
            for (aid, (seq, story, norm, feature, _)), keys in zip(rows, made, strict=True):
                gone[aid] = (seq, story, norm)
                db.execute("DELETE FROM articles WHERE seq = ?", (seq,))
                db.executemany(
                    "DELETE FROM bands WHERE key = ? AND seq = ?",
                    [(int(k), seq) for k in keys if k != -1],
                )
                db.execute("DELETE FROM links WHERE a = ? OR b = ?", (seq, seq))
                found = self._held.story(story) if story else None
                if found is not None:
                    found.remove(cluster.unpack(feature))
                    self._held.changed(found)
                self._bodies.pop(aid, None)
                self._hashes.pop(aid, None)
        return gone

    def _add(
        self,
        doc: dict[str, Any],
        hashes: copies.Hashes,
        keys: npt.NDArray[np.int64],
        gone: dict[str, tuple[int, str | None, str | None]] | None = None,
        story: str | None = None,
        seq: int | None = None,
        counts: dict[int, float] | None = None,
        table: bool | None = None,
    ) -> None:
        """Take a new document in (with its shingles' ``hashes`` and LSH band ``keys``): its
        row, bands, copy links and story (written into ``doc["story"]`` unless ``story`` is
        given: a document already indexed)."""
        aid = doc["article_id"]
        body, title = doc.get("body") or "", doc.get("title")
        day = cluster.day_of(doc)
        norm = doc.get("norm")
        if seq is None:
            seq, kept = self._inherited(aid, norm, gone or {})
            story = story or kept
        if counts is None:
            counts = cluster.term_counts(title, body)
        df = self._held.count(counts)
        self._n += 1
        vector = cluster.vector(counts, df, self._n)
        found = keys[keys != -1].tolist()
        self._hashes.pop(aid, None)  # (an edited article's text is new)
        linked = self._link(seq, day, hashes, found, body, title)
        self._remember(aid, hashes)
        if story is None:
            story = self._story_of_copies(linked) or self._cluster(
                aid, vector, day, df, body, table
            )
            doc["story"] = story
        self._join(story, vector, day)
        source = doc.get("meta", {}).get("source")
        row = (aid, seq, day, source, norm, story, cluster.pack(vector), copies.packed(hashes))
        self._rows.add_article(row, found)
        if self._keep_bodies:
            self._bodies[aid] = (body, title)

    def _inherited(
        self, aid: str, norm: str | None, gone: dict[str, tuple[int, str | None, str | None]]
    ) -> tuple[int, str | None]:
        """The place in the indexing order (and, for the same text, the story) of an
        article this change replaces: the same text moved, or the same id edited."""
        for seq, story, old_norm in gone.values():
            if norm is not None and old_norm == norm:
                return seq, story
        if aid in gone:
            return gone[aid][0], None
        return self._next_seq(), None

    def _link(
        self,
        seq: int,
        day: int | None,
        hashes: copies.Hashes,
        keys: list[int],
        body: str,
        title: str | None,
    ) -> list[tuple[int, str, int | None, str | None]]:
        """The article's copies among the indexed ones, linked: (seq, id, day, story)."""
        if not keys:
            return []
        db = self._conn()
        rows = [r for r in self._rows.sharing_bands(keys, seq) if copies.within_window(day, r[2])]
        theirs = self._shingled(rows)
        linked: list[tuple[int, str, int | None, str | None]] = []
        for (other, oid, oday, ostory), other_hashes in zip(rows, theirs, strict=True):
            if not copies.close(hashes, other_hashes):
                continue
            found = self._body(oid)  # (few: the candidates alike in their shingles)
            if found is None or not copies.is_copy(body, found[0], title, found[1]):
                continue
            sim = copies.similarity(hashes, other_hashes)
            a, b = sorted((seq, other))
            db.execute("INSERT OR REPLACE INTO links VALUES (?, ?, ?)", (a, b, sim))
            linked.append((other, oid, oday, ostory))
        return linked

    def _shingled(self, rows: Sequence[Row]) -> list[copies.Hashes]:
        """The shingle hashes of these articles' bodies: remembered for the latest, else
        as stored with their rows."""
        held = self._hashes
        found = {r[1]: held[r[1]] for r in rows if r[1] in held}
        for aid in found:
            held.move_to_end(aid)
        missing = [r for r in rows if r[1] not in found]
        stored = self._rows.shingles([r[0] for r in missing]) if missing else {}
        for seq, aid, _, _ in missing:
            found[aid] = hashes = copies.unpacked(stored.get(seq))
            self._remember(aid, hashes)  # (may let an older one of ``found`` go: kept here)
        return [found[r[1]] for r in rows]

    def _remember(self, aid: str, hashes: copies.Hashes) -> None:
        self._hashes[aid] = hashes
        self._hashes.move_to_end(aid)
        if len(self._hashes) > HASHES_HELD:
            self._hashes.popitem(last=False)

    def _story_of_copies(self, linked: list[tuple[int, str, int | None, str | None]]) -> str | None:
        """The story of the earliest article (by date, then indexing order) it copies."""
        dated = [r for r in linked if r[3]]
        if not dated:
            return None
        dated.sort(key=lambda r: (r[2] is None, r[2] or 0, r[0]))
        return dated[0][3]

    def _cluster(
        self,
        aid: str,
        vector: cluster.Vector,
        day: int | None,
        df: dict[int, int],
        body: str,
        table: bool | None = None,
    ) -> str:
        """The story the article joins, or a new one it starts (``table``: whether it is a
        table, cluster.tabular(), if known)."""
        probes = cluster.probe_terms(vector)
        candidates: list[cluster.Story] = []
        if probes:
            for sid in self._rows.stories_with(probes, cluster.weeks_near(day)):
                found = self._held.story(sid)
                if found is not None and found.size:
                    candidates.append(found)
        best = cluster.best_story(vector, day, candidates, df, self._n, body, table)
        if best is not None:
            return best.id
        sid = cluster.story_id(aid)
        while self._held.story(sid) is not None:  # (the same article starting a story again)
            sid = cluster.story_id(sid)
        self._held.start(sid)
        return sid

    def _join(self, sid: str, vector: cluster.Vector, day: int | None) -> None:
        story = self._held.story(sid) or self._held.start(sid)
        terms = story.add(vector, day)
        self._held.changed(story)
        self._rows.add_story_terms(terms, cluster.week_of(day), sid)

    # -- state -----------------------------------------------------------------------------

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq - 1

    def _flush(self) -> None:
        """Write the stories, frequencies and counters changed since the last commit."""
        self._set_meta("next_seq", str(self._seq))
        self._set_meta("articles", str(self._n))
        self._held.flush()

    def _meta(self, key: str) -> str | None:
        try:
            row = self._conn().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return str(row[0]) if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._conn().execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def _toc_value(self) -> object:
        return self.ix.latest_generation()

    def _toc(self) -> str:
        return str(self._toc_value())

    def _conn(self) -> sqlite3.Connection:
        return self._connection()

    def _close(self) -> None:
        self._connection.close()

    # -- bodies of indexed articles ----------------------------------------------------------

    def _body(self, aid: str) -> tuple[str, str | None] | None:
        """An article's body and title: written this run, or from the last commit."""
        found = self._bodies.get(aid)
        if found is not None:
            return found
        if self._searcher is None:
            self._searcher = self.ix.searcher()
        fields = self._searcher.document(article_id=aid)
        if fields is None:
            return None
        return fields.get("body") or "", (fields.get("meta") or {}).get("title")

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    # -- making the file again from the index ----------------------------------------------

    def _rebuild(self) -> None:
        """Make the file again from the index's live documents (their stories as indexed)."""
        db = self._conn()
        for table in ("articles", "bands", "links", "stories", "story_terms", "df", "meta"):
            db.execute(f"DELETE FROM {table}")
        self._held.clear(empty=True)
        self._seq = self._n = 0
        self._rows.cancel()
        self._rows.hold()
        self._keep_bodies = False  # (earlier documents are read from the index)
        stored = _live_documents(self.ix)
        while chunk := list(itertools.islice(stored, REBUILD_CHUNK)):
            docs = [
                {
                    "article_id": fields["article_id"],
                    "body": fields.get("body") or "",
                    "title": (fields.get("meta") or {}).get("title"),
                    "meta": fields.get("meta") or {},
                    "norm": fields.get("norm"),
                    "story": fields.get("story"),
                }
                for fields in chunk
            ]
            for doc, hashes, keys in zip(docs, *copies.signatures(docs), strict=True):
                self._add(doc, hashes, keys, story=doc["story"], seq=self._next_seq())
        self._keep_bodies = True
        self._flush()
        self._close_searcher()


def _live_documents(ix: Index) -> Iterator[dict[str, Any]]:
    """The stored fields of the index's live documents, in document order."""
    with ix.searcher() as s:
        yield from s.all_stored_fields()
