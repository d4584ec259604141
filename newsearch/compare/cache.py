"""Each article's claims, kept beside the index generation so a second ``compare`` reads
them instead of parsing again.

``<generation>/claims.sqlite`` maps an article's content hash (the index's own, stored with
each article) to its claims as JSON, with the ``VERSION`` of the extraction rules that found
them (a row of another version is found again). A rebuild makes a new generation and the old
one goes with its cache; an incremental update adds articles whose hashes are new. SQLite
keeps the file whole through a crash and serialises writers; an index on a read-only disk, a
busy or a damaged file only means the claims are found again (nothing here can fail a
``compare``).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

from newsearch.compare.claims import FoundClaim

FILE = "claims.sqlite"
# The extraction rules' version: bump it when claims.py, sentence.py or numbers.py change
# what they find, so older rows are found again.
VERSION = 1
_TIMEOUT = 2.0


class ClaimCache:
    """Claims by article content hash for one generation (no file: nothing is kept)."""

    def __init__(self, generation: Path | None) -> None:
        self.path = generation / FILE if generation is not None else None

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        db = sqlite3.connect(self.path, timeout=_TIMEOUT)
        db.execute(
            "CREATE TABLE IF NOT EXISTS claims "
            "(hash TEXT PRIMARY KEY, version INTEGER NOT NULL, claims TEXT NOT NULL)"
        )
        return db

    def get(self, hashes: Iterable[str]) -> dict[str, list[FoundClaim]]:
        """The kept claims of those hashes that have them (of this VERSION)."""
        wanted = sorted(set(hashes))
        if self.path is None or not wanted or not self.path.exists():
            return {}
        found: dict[str, list[FoundClaim]] = {}
        try:
            with contextlib.closing(self._connect()) as db:
                for start in range(0, len(wanted), 500):
                    part = wanted[start : start + 500]
                    marks = ",".join("?" * len(part))
                    rows = db.execute(
                        f"SELECT hash, claims FROM claims WHERE version = ? AND hash IN ({marks})",
                        (VERSION, *part),
                    )
                    for key, text in rows:
                        found[key] = [FoundClaim.from_dict(d) for d in json.loads(text)]
        except (sqlite3.Error, OSError, ValueError, TypeError, KeyError):
            return {}
        return found

    def put(self, claims: Mapping[str, list[FoundClaim]]) -> None:
        """Keep these articles' claims (silently not, where the disk or file will not)."""
        if self.path is None or not claims:
            return
        rows = [
            (key, VERSION, json.dumps([c.as_dict() for c in found]))
            for key, found in claims.items()
        ]
        with (
            contextlib.suppress(sqlite3.Error, OSError),
            contextlib.closing(self._connect()) as db,
            db,  # (one transaction)
        ):
            db.executemany("INSERT OR REPLACE INTO claims VALUES (?, ?, ?)", rows)
