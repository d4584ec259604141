"""The words an index holds, saved beside its generation: a vocabulary (lower-case words and
how often they occur, for "did you mean") and a stem table (each word's Snowball stem, so that
a query stems without loading nltk, text/analysis.py).

The indexer adds to both when it commits; they are hints, not part of the atomic commit.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from newsearch.text.analysis import TOKEN, stem_table

VOCAB_FILE = "vocab.json"
STEMS_FILE = "stems.json"
_LETTER = re.compile(r"[^\W\d_]")


def count_words(counter: Counter[str], texts: Iterable[str | None]) -> None:
    """Count the tokens of ``texts`` (lower case, as the analyzer splits them)."""
    for text in texts:
        if text:
            counter.update(TOKEN.findall(text.lower()))


def save_vocabulary(gen: Path, counter: Counter[str]) -> None:
    """Add ``counter`` to the vocabulary saved in ``gen``, and the new words' stems to its
    stem table (so queries need not load the stemmer for them)."""
    merged = load_vocabulary(gen)
    counts = {w: n for w, n in counter.items() if _LETTER.search(w)}  # not numbers
    new = [w for w in counts if w not in merged]
    merged.update(counts)
    _write_json(gen / VOCAB_FILE, dict(merged))
    if new:
        stems = load_stems(gen)
        stems.update(stem_table(new))
        _write_json(gen / STEMS_FILE, stems)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)


def load_stems(gen: Path) -> dict[str, str]:
    try:
        data = json.loads((gen / STEMS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    if all(isinstance(v, str) for v in data.values()):  # (JSON's keys are strings)
        return data
    return {str(k): str(v) for k, v in data.items()}


def load_vocabulary(gen: Path) -> Counter[str]:
    try:
        data = json.loads((gen / VOCAB_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Counter()
    return Counter({k: int(v) for k, v in data.items()}) if isinstance(data, dict) else Counter()
