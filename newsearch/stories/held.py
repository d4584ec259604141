"""What a story tracker holds of the stories file through a run: the stories it has met (read
from the file when first asked for, made when started) and the document frequencies of the
stories' terms, each written back at a commit if changed.
"""

from __future__ import annotations

import math
import sqlite3
from collections import _count_elements  # type: ignore[attr-defined]
from collections.abc import Callable

from newsearch.stories import cluster
from newsearch.stories.cluster import Story
from newsearch.stories.rows import Rows


class Held:
    """The stories and frequencies of one run, over the file's connection ``conn()``."""

    def __init__(self, conn: Callable[[], sqlite3.Connection], rows: Rows) -> None:
        self._conn = conn
        self._rows = rows
        self._stories: dict[str, Story | None] = {}  # loaded (None: known to be absent)
        self._changed: set[str] = set()
        self._df: dict[int, int] | None = None
        self._df_changed: set[int] = set()

    def story(self, sid: str) -> Story | None:
        """The story ``sid``, or None if there is none."""
        if sid not in self._stories:
            self._stories[sid] = self._read(sid)
        return self._stories[sid]

    def start(self, sid: str) -> Story:
        """A new story (empty until an article joins it)."""
        story = self._stories[sid] = Story(sid)
        return story

    def changed(self, story: Story) -> None:
        self._changed.add(story.id)

    def count(self, counts: dict[int, float]) -> dict[int, int]:
        """Count an article's terms in the document frequencies; those frequencies."""
        df = self.frequencies()
        _count_elements(df, counts)  # (Counter's C loop: df[t] += 1 for each term)
        self._df_changed.update(counts)
        return df

    def frequencies(self) -> dict[int, int]:
        if self._df is None:
            self._df = dict(self._conn().execute("SELECT term, n FROM df").fetchall())
        return self._df

    def flush(self) -> None:
        """Write the stories and frequencies changed since the last flush; a story left with
        no article is deleted."""
        db = self._conn()
        for sid in self._changed:
            story = self._stories.get(sid)
            if story is None:
                continue
            if story.size <= 0:
                self._rows.drop()  # (memory would still find it under its terms)
                db.execute("DELETE FROM stories WHERE id = ?", (sid,))
                db.execute("DELETE FROM story_terms WHERE story = ?", (sid,))
                self._stories[sid] = None
                continue
            db.execute(
                "INSERT OR REPLACE INTO stories VALUES (?, ?, ?, ?, ?)",
                (sid, story.first, story.last, story.size, cluster.pack(story.centroid)),
            )
        self._changed.clear()
        if self._df is not None and self._df_changed:
            df = self._df
            db.executemany(
                "INSERT OR REPLACE INTO df VALUES (?, ?)", [(t, df[t]) for t in self._df_changed]
            )
            self._df_changed.clear()

    def clear(self, empty: bool = False) -> None:
        """Forget everything held (rolled back); ``empty``: the file is empty now."""
        self._stories.clear()
        self._changed.clear()
        self._df = {} if empty else None
        self._df_changed.clear()

    def _read(self, sid: str) -> Story | None:
        db = self._conn()
        row = db.execute(
            "SELECT first, last, size, centroid FROM stories WHERE id = ?", (sid,)
        ).fetchone()
        if row is None:
            return None
        first, last, size, centroid = row
        story = Story(sid, cluster.unpack(centroid), first, last, size)
        story.undated = bool(
            db.execute(
                "SELECT 1 FROM story_terms WHERE story = ? AND week = ? LIMIT 1",
                (sid, cluster.UNDATED_WEEK),
            ).fetchone()
        )
        story.norm = math.sqrt(sum(w * w for w in story.centroid.values()))
        return story
