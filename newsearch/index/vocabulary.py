"""The words an index holds, saved beside its generation: a vocabulary (lower-case words and
how often they occur, for "did you mean" and fuzzy words).

The indexer adds to it when it commits; it is a hint, not part of the atomic commit. (Indexes
made before 2026-12-01 also hold a stem table, ``stems.json``, that queries read so as not to
load nltk; text/porter2.py stems without it, and it is no longer written or read.)
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from newsearch.text.analysis import TOKEN

VOCAB_FILE = "vocab.json"
_LETTER = re.compile(r"[^\W\d_]")


def count_words(counter: Counter[str], texts: Iterable[str | None]) -> None:
    """Count the tokens of ``texts`` (lower case, as the analyzer splits them)."""
    for text in texts:
        if text:
            counter.update(TOKEN.findall(text.lower()))


def save_vocabulary(gen: Path, counter: Counter[str]) -> None:
    """Add ``counter`` to the vocabulary saved in ``gen``."""
    merged = load_vocabulary(gen)
    counts = {w: n for w, n in counter.items() if _LETTER.search(w)}  # not numbers
    merged.update(counts)
    _write_json(gen / VOCAB_FILE, dict(merged))


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)


def load_vocabulary(gen: Path) -> Counter[str]:
    try:
        data = json.loads((gen / VOCAB_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Counter()
    return Counter({k: int(v) for k, v in data.items()}) if isinstance(data, dict) else Counter()
