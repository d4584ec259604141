"""Stable ids for articles that bring none: one rule for every reader."""

from __future__ import annotations

import hashlib
from pathlib import Path


def make_id(path: Path, location: str | None = None) -> str:
    """The hash of the resolved path and the record's location in the file: the same file
    (and record) keeps its id across runs. A file name that is not valid UTF-8 (decoded by
    Python with surrogates) hashes too."""
    key = f"{path.resolve()}#{location}" if location else str(path.resolve())
    return hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
