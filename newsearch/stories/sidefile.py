"""``<generation>/stories.sqlite``: what copies and stories need, kept beside the index.

Tables (article rows keyed by id, with ``seq``, the order they were first indexed in):

    articles  id, seq, day (date.toordinal(), NULL undated), source, norm (its text's hash),
              story, feature (its story vector: cluster.pack), shingles (its body's
              shingle hashes, copies.shingle_hashes: ~4 bytes a word, read for each copy
              candidate rather than its text hashed again)
    bands     (key, seq): the article's LSH band keys (copies.band_keys); an article's keys
              are computed again from its shingles to delete them
    links     (a, b, similarity) with a < b: two articles that are copies (copies.py), and
              the Jaccard similarity of their shingles
    stories   id, first, last (days), size, centroid (cluster.pack: its best terms' weights)
    story_terms  (term, week, story): each story under its best terms, by the weeks of its
              members (cluster.py's candidates)
    df        (term, n): how many articles of the generation hold each term (stories' TF-IDF)
    meta      version, toc (the Whoosh generation the file matches), next_seq, articles

The ingest run writes it in one transaction per commit, committed just after Whoosh's (the
tracker, tracker.py); ``toc`` says which index commit it matches. A run that finds another
``toc`` (a kill between the two commits, a file deleted or damaged, another version) rebuilds
it from the index's stored fields. A rebuild of the index makes a new generation and so a new
file. Readers (queries) open it read-only and treat a missing, busy or damaged file as "no
copies known": nothing here can fail a query.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

FILE = "stories.sqlite"
# Bump when what is stored (or the rules that made it: copies.py, cluster.py) changes: a file
# of another version is rebuilt by the next indexing run.
VERSION = 3
TIMEOUT = 5.0  # a writer waits this long for a reader
READ_TIMEOUT = 1.0  # a query this long for the writer's commit (then knows no copies)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, day INTEGER, source TEXT,
    norm TEXT, story TEXT, feature BLOB, shingles BLOB);
CREATE INDEX IF NOT EXISTS articles_story ON articles (story);
CREATE INDEX IF NOT EXISTS articles_norm ON articles (norm);
CREATE TABLE IF NOT EXISTS bands (key INTEGER NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (key, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS links (a INTEGER NOT NULL, b INTEGER NOT NULL, similarity REAL,
    PRIMARY KEY (a, b)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS links_b ON links (b);
CREATE TABLE IF NOT EXISTS stories (id TEXT PRIMARY KEY, first INTEGER, last INTEGER,
    size INTEGER NOT NULL, centroid BLOB);
CREATE TABLE IF NOT EXISTS story_terms (term INTEGER NOT NULL, week INTEGER NOT NULL,
    story TEXT NOT NULL, PRIMARY KEY (term, week, story)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS df (term INTEGER PRIMARY KEY, n INTEGER NOT NULL);
"""


def path_of(generation: Path) -> Path:
    return generation / FILE


def connect(generation: Path) -> sqlite3.Connection:
    """A connection for the indexing run (the file and its tables made if absent); the
    caller commits."""
    db = sqlite3.connect(path_of(generation), timeout=TIMEOUT, isolation_level=None)
    # A run's changes wait in memory for its commit (readers are not locked out meanwhile).
    db.execute("PRAGMA cache_size = -262144")
    db.executescript(SCHEMA)
    row = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
    if row is not None and row[0] != str(VERSION):  # another version's tables: made anew
        tables = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        for (name,) in tables:
            db.execute(f'DROP TABLE IF EXISTS "{name}"')
        db.executescript(SCHEMA)  # (and the run, finding no version, fills them again)
    return db


@contextlib.contextmanager
def reading(generation: Path | None) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection to a file of this ``VERSION``, or None (no generation, no file,
    another version, or one that cannot be read)."""
    if generation is None or not path_of(generation).is_file():
        yield None
        return
    try:
        uri = f"{path_of(generation).resolve().as_uri()}?mode=ro"
        db = sqlite3.connect(uri, uri=True, timeout=READ_TIMEOUT)
    except sqlite3.Error:
        yield None
        return
    try:
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        except sqlite3.Error:
            row = None
        yield db if row is not None and row[0] == str(VERSION) else None
    finally:
        db.close()


class Connection:
    """The stories file's connection, in a transaction (opened on first use after a commit),
    shared by the tracker and its rows. A method of the tracker given to them instead made a
    reference cycle (tracker, rows, method): the tracker and its look-ups outlived the run
    until a full collection freed them, a pause of 0.4 s after a Reuters-21578 build in
    whatever the process did next (and hundreds of MB held until then at 216k articles)."""

    def __init__(self, generation: Path) -> None:
        self.generation = generation
        self.db: sqlite3.Connection | None = None

    def __call__(self) -> sqlite3.Connection:
        if self.db is None:
            try:
                self.db = connect(self.generation)
            except sqlite3.DatabaseError:  # not a database: made again
                path_of(self.generation).unlink(missing_ok=True)
                self.db = connect(self.generation)
            self.db.execute("BEGIN")
        return self.db

    def close(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
            self.db = None
