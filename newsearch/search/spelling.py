""" "Did you mean": a vocabulary of the words the index holds, and corrections from it.

The vocabulary (lower-case words and how often they occur) is saved beside each index
generation when the indexer commits; it is only a hint, so it is not part of the atomic commit.
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
_WORD = re.compile(r"[^\W\d_]{3,}")  # what the speller corrects to
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
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def load_vocabulary(gen: Path) -> Counter[str]:
    try:
        data = json.loads((gen / VOCAB_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Counter()
    return Counter({k: int(v) for k, v in data.items()}) if isinstance(data, dict) else Counter()


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (adjacent transpositions), or ``limit + 1`` once it exceeds limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


class Speller:
    """Corrections for words missing from a vocabulary."""

    def __init__(self, vocabulary: Counter[str]) -> None:
        self.vocabulary = vocabulary
        self._by_length: dict[int, list[str]] = {}
        for word in vocabulary:
            if _WORD.fullmatch(word):
                self._by_length.setdefault(len(word), []).append(word)

    def correct(self, word: str) -> str | None:
        """The most frequent close word, or None if the word is known or nothing is close."""
        w = word.lower()
        if w in self.vocabulary or len(w) < 3:
            return None
        limit = 1 if len(w) <= 5 else 2
        best: tuple[int, int, str] | None = None
        for n in range(len(w) - limit, len(w) + limit + 1):
            for cand in self._by_length.get(n, ()):
                if cand[0] != w[0] and cand[:2] != w[:2][::-1]:
                    continue
                d = edit_distance(w, cand, limit)
                if d <= limit:
                    key = (d, -self.vocabulary[cand], cand)
                    if best is None or key < best:
                        best = key
        return best[2] if best else None

    def suggest(self, text: str) -> str | None:
        """``text`` with the words the index lacks corrected (lower case), or None if none."""
        changed = False

        def fix(m: re.Match[str]) -> str:
            nonlocal changed
            word = m.group(0)
            better = self.correct(word)
            if better is None:
                return word.lower()
            changed = True
            return better

        out = re.sub(r"[^\W\d_]+", fix, text)
        return out if changed else None
