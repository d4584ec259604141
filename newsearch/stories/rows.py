"""The story tracker's rows of articles, LSH bands and story terms, written in bulk.

Per article, the tracker used to make six SQLite statements (its row, its bands, the update
of its story, its story's terms, and the two look-ups); over Reuters they cost about a third
of its time. Here an article's row (with its story), bands and story terms wait for
``flush``, made once a batch, while its copies are looked up in SQLite and among the waiting
rows alike. A file that started empty this run (a first build, or one made again) has its
look-ups held in memory too (its band keys, story terms and articles' rows), so they ask
SQLite nothing; past ``MEMORY_ROWS`` rows, or once an article or story is deleted (memory
would still find it), they are looked up in SQLite again. What a look-up finds is the same
either way (tested through the tracker: the same stories and copies).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

MEMORY_ROWS = 3_000_000  # story terms and band keys held in memory at most (~250 MB)
# Copy candidates: the latest BUCKET articles of a band key, the CANDIDATES sharing the rarest
# keys (Reuters-21578's most: 46 candidates, 33 articles under one key, the same copies and
# stories with 16 as with all; BBC's: 2 and 2).
BUCKET = 64
CANDIDATES = 16
Row = tuple[int, str, int | None, str | None]  # seq, id, day, story
# id, seq, day, source, norm, story, feature (cluster.pack), shingles (copies.Hashes' bytes)
ArticleRow = tuple[str, int, int | None, str | None, str | None, str, bytes, bytes]


class Rows:
    """Bulk writes and look-ups over the stories file's connection (``conn()``)."""

    def __init__(self, conn: Callable[[], sqlite3.Connection]) -> None:
        self._conn = conn
        self._articles: list[ArticleRow] = []
        self._shingles: dict[int, bytes] = {}  # seq -> shingles, of the rows not yet flushed
        self._bands: list[tuple[int, int]] = []
        self._terms_rows: list[tuple[int, int, str]] = []
        # The articles' rows and band keys not yet flushed; while ``_memory`` (the file
        # started empty this run), every one since, and the story terms: the file's look-ups.
        self._rows: dict[int, tuple[str, int | None, str | None]] = {}  # seq -> row
        self._band_seqs: dict[int, int | list[int]] = {}  # band key -> seq(s)
        self._memory = False
        self._terms: dict[int, dict[int, set[str]]] = {}  # term -> week -> stories
        self._held = 0

    def hold(self) -> None:
        """The file is empty: hold its look-ups in memory from now on."""
        self._memory, self._held = True, 0
        self._terms, self._band_seqs, self._rows = {}, {}, {}

    def drop(self) -> None:
        """Look up in SQLite again (the file has every row after ``flush``): an article or a
        story is deleted (memory would still find it), or memory is full."""
        self.flush()
        self._memory, self._held = False, 0
        self._terms, self._band_seqs, self._rows = {}, {}, {}

    def add_article(self, row: ArticleRow, keys: Sequence[int]) -> None:
        """An article's row (id, seq, day, source, norm, story, feature, shingles) and band
        keys."""
        aid, seq, day, _, _, story, _, shingles = row
        self._articles.append(row)
        self._shingles[seq] = shingles
        self._rows[seq] = (aid, day, story)
        self._bands.extend(zip(keys, itertools.repeat(seq)))
        held = self._band_seqs
        shared = held.keys() & keys  # (few: most band keys are new)
        if shared:
            for k in shared:
                found = held[k]
                if isinstance(found, list):
                    found.append(seq)
                else:
                    held[k] = [found, seq]
            held.update((k, seq) for k in keys if k not in shared)
        else:
            held.update(dict.fromkeys(keys, seq))
        if self._memory:
            self._held += len(keys)
            if self._held > MEMORY_ROWS:
                self.drop()

    def sharing_bands(self, keys: Sequence[int], seq: int) -> list[Row]:
        """The articles (but ``seq``) sharing a band key with ``keys``: (seq, id, day, story),
        ``CANDIDATES`` at most: those sharing the rarest keys first (a key counts 1 / the
        articles under it), then the latest; each key brings its latest ``BUCKET`` articles.
        A template (market tables, results, weather) puts thousands of articles under its
        keys: unbounded, each new one was read against all of them (21,000 templated
        articles: over 10 minutes); a copy still shares its original's rare keys."""
        if not keys:
            return []
        waiting: dict[int, list[int]] = {}
        for k in keys:
            found = self._band_seqs.get(k)
            if found is not None:
                waiting[k] = found if isinstance(found, list) else [found]
        size = Counter({k: len(v) for k, v in waiting.items()})
        pairs = [(k, s) for k, v in waiting.items() for s in v[-BUCKET:]]
        if not self._memory:
            db = self._conn()
            marks = ",".join("?" * len(keys))
            size.update(
                dict(
                    db.execute(
                        f"SELECT key, COUNT(*) FROM bands WHERE key IN ({marks}) GROUP BY key",
                        list(keys),
                    )
                )
            )
            latest = "SELECT key, seq FROM bands WHERE key = ? ORDER BY seq DESC LIMIT ?"
            query = " UNION ALL ".join([f"SELECT * FROM ({latest})"] * len(keys))
            pairs.extend(db.execute(query, [a for k in keys for a in (k, BUCKET)]))
        weight: dict[int, float] = {}
        for k, s in pairs:
            weight[s] = weight.get(s, 0.0) + 1.0 / size[k]
        weight.pop(seq, None)
        best = sorted(weight.items(), key=lambda kv: (-kv[1], -kv[0]))[:CANDIDATES]
        seqs = sorted(s for s, _ in best)
        held = [(s, *self._rows[s]) for s in seqs if s in self._rows]
        if self._memory:
            return held
        rest = [s for s in seqs if s not in self._rows]
        if not rest:
            return held
        marks = ",".join("?" * len(rest))
        rows: list[Row] = (
            self._conn()
            .execute(f"SELECT seq, id, day, story FROM articles WHERE seq IN ({marks})", rest)
            .fetchall()
        )
        return rows + held

    def shingles(self, seqs: Sequence[int]) -> dict[int, bytes]:
        """The stored shingle hashes (copies.Hashes' bytes) of these articles, by seq."""
        found = {s: self._shingles[s] for s in seqs if s in self._shingles}
        rest = [s for s in seqs if s not in found]
        if rest:
            marks = ",".join("?" * len(rest))
            sql = f"SELECT seq, shingles FROM articles WHERE seq IN ({marks})"
            found.update(self._conn().execute(sql, rest))
        return found

    def add_story_terms(self, terms: Iterable[int], week: int, sid: str) -> None:
        if not self._memory:
            self._conn().executemany(
                "INSERT OR IGNORE INTO story_terms VALUES (?, ?, ?)",
                [(t, week, sid) for t in terms],
            )
            return
        memory = self._terms
        for t in terms:
            stories = memory.setdefault(t, {}).setdefault(week, set())
            if sid not in stories:
                stories.add(sid)
                self._terms_rows.append((t, week, sid))
                self._held += 1
        if self._held > MEMORY_ROWS:
            self.drop()

    def stories_with(self, terms: Sequence[int], weeks: Sequence[int] | None) -> set[str]:
        """The stories indexed under any of ``terms`` in any of ``weeks`` (None: any week)."""
        if self._memory:
            found: set[str] = set()
            for t in terms:
                by_week = self._terms.get(t)
                if not by_week:
                    continue
                if weeks is None:
                    for stories in by_week.values():
                        found |= stories
                else:
                    for w in weeks:
                        found |= by_week.get(w, set())
            return found
        marks = ",".join("?" * len(terms))
        sql = f"SELECT DISTINCT story FROM story_terms WHERE term IN ({marks})"
        if weeks is not None:
            sql += f" AND week IN ({','.join('?' * len(weeks))})"
        return {sid for (sid,) in self._conn().execute(sql, (*terms, *(weeks or ())))}

    def flush(self) -> None:
        """Write the waiting rows (before any other statement that must see them)."""
        if not (self._articles or self._bands or self._terms_rows):
            return
        db = self._conn()
        db.executemany(
            "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self._articles
        )
        db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)", self._bands)
        db.executemany("INSERT OR IGNORE INTO story_terms VALUES (?, ?, ?)", self._terms_rows)
        self.clear()

    def clear(self) -> None:
        """Forget the waiting rows (flushed, or rolled back); memory keeps its look-ups."""
        self._articles.clear()
        self._shingles.clear()
        self._bands.clear()
        self._terms_rows.clear()
        if not self._memory:
            self._rows.clear()
            self._band_seqs.clear()

    def cancel(self) -> None:
        self.clear()
        self._memory, self._held = False, 0
        self._terms, self._band_seqs, self._rows = {}, {}, {}
