"""Copy groups as queries read them: which articles are copies of which (stories.sqlite).

The articles linked by copy links, directly or through one another, hold one original: the
earliest dated of them (then the first indexed: an undated article is the original only when
none is dated). Its group is the original and the articles linked to it directly, each with
its similarity to it (the Jaccard similarity of their shingles): a copy of a copy that is no
copy of the original (a correction's correction, a rewrite of a rewrite) stays apart, so that
no chain of small changes joins two different reports. Read-only: a missing, busy or damaged
file is "no copies known".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsearch.stories import sidefile

MAX_GROUP = 500  # members read of one group (benchmark replicas make groups of thousands)


@dataclass(frozen=True)
class Member:
    """One article of a copy group: its id and what orders the group."""

    id: str
    seq: int
    day: int | None
    similarity: float  # to the group's original (1.0 for the original)

    @property
    def key(self) -> tuple[bool, int, int]:
        return (self.day is None, self.day or 0, self.seq)


@dataclass(frozen=True)
class Group:
    """A copy group: its original first, then the copies by date."""

    members: tuple[Member, ...]

    @property
    def original(self) -> Member:
        return self.members[0]

    def others(self, article_id: str) -> tuple[Member, ...]:
        return tuple(m for m in self.members if m.id != article_id)


def groups_of(generation: Path | None, ids: Iterable[str]) -> dict[str, Group]:
    """The copy group of each of ``ids`` that has copies (an article with none is left out)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    try:
        with sidefile.reading(generation) as db:
            return _groups(db, wanted) if db is not None else {}
    except sqlite3.Error:
        return {}


def _groups(db: sqlite3.Connection, ids: list[str]) -> dict[str, Group]:
    seq_of: dict[str, int] = dict(
        _chunked(db, "SELECT id, seq FROM articles WHERE id IN ({})", ids)
    )
    out: dict[str, Group] = {}
    for aid in ids:
        if aid in out or aid not in seq_of:
            continue
        members = _component(db, seq_of[aid])
        if len(members) < 2:
            continue
        group = _group(db, members)
        if len(group.members) < 2:
            continue
        for m in group.members:
            out[m.id] = group
    return {aid: out[aid] for aid in ids if aid in out}


def _component(db: sqlite3.Connection, start: int) -> set[int]:
    """The articles linked to ``start``, directly or not (at most MAX_GROUP)."""
    seen = {start}
    frontier = [start]
    while frontier and len(seen) < MAX_GROUP:
        found: set[int] = set()
        for a, b in _chunked(
            db, "SELECT a, b FROM links WHERE a IN ({0}) OR b IN ({0})", frontier, twice=True
        ):
            found.update((a, b))
        frontier = [s for s in found if s not in seen][: MAX_GROUP - len(seen)]
        seen.update(frontier)
    return seen


def _group(db: sqlite3.Connection, seqs: set[int]) -> Group:
    """The original of the linked articles ``seqs`` and its direct copies."""
    rows = _chunked(db, "SELECT id, seq, day FROM articles WHERE seq IN ({})", seqs)
    rows.sort(key=lambda r: (r[2] is None, r[2] or 0, r[1]))
    original = rows[0][1]
    query = "SELECT a, b, similarity FROM links WHERE a = ? OR b = ?"
    linked = {
        a if b == original else b: sim for a, b, sim in db.execute(query, (original, original))
    }
    members = tuple(
        Member(aid, seq, day, 1.0 if seq == original else float(linked[seq]))
        for aid, seq, day in rows
        if seq == original or seq in linked
    )
    return Group(members)


def _chunked(
    db: sqlite3.Connection, sql: str, values: Iterable[object], twice: bool = False
) -> list[Any]:
    """``sql`` with its ``{}`` filled with marks for ``values``, 400 at a time."""
    items = list(values)
    rows: list[Any] = []
    for start in range(0, len(items), 400):
        part = items[start : start + 400]
        marks = ",".join("?" * len(part))
        params = (*part, *part) if twice else tuple(part)
        rows.extend(db.execute(sql.format(marks), params).fetchall())
    return rows
