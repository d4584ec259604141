"""Claims found ahead of time, so that ``compare`` answers without loading a model.

``compare`` finds the claims of the articles it reads on first use: spaCy's tagger, parser and
lemmatizer and quantulum3 take about 1.5 s to load, then each sentence holding a number is
parsed (milliseconds each), and the claims are kept in the generation's cache (cache.py).
``newsearch index --claims`` (``prepare_claims``) fills that cache for every live article
after the index run, so a later ``compare`` only reads it: the seeds' default index is built
so. Only articles whose content hash has no claims of this extraction ``VERSION`` are parsed:
an update parses the new articles alone, and a run stopped half way keeps what it found (each
batch is kept as it is done).

Not at ingest itself: the parser on every sentence holding a number costs several times the
entity model's time on a corpus of figures (Reuters), and most indexes are never compared, so
it is asked for.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newsearch.compare.cache import ClaimCache
from newsearch.compare.claims import extract_claims
from newsearch.index import store

BATCH = 200  # articles parsed, then kept, at a time
# ``newsearch index`` finds the claims itself when at most this many articles lack them (a
# model load and a few seconds; a first build of a large corpus leaves them to ``--claims``
# or to ``compare``, which finds those of the articles it reads).
AUTO_LIMIT = 200
Progress = Callable[[int, int], None]  # (articles done, articles to do)


@dataclass(frozen=True)
class ClaimsPrepared:
    """What ``prepare_claims`` did: articles parsed now, articles whose claims were kept
    already (an earlier run, or a ``compare``), articles left without (more than ``limit``
    lacked them), claims found now, and the seconds it took."""

    parsed: int
    kept: int
    left: int
    claims: int
    seconds: float


def prepare_claims(
    index_dir: str | os.PathLike[str] = "index",
    *,
    limit: int | None = None,
    progress: Progress | None = None,
) -> ClaimsPrepared:
    """Find and keep the claims of every live article of ``index_dir`` that has none kept;
    none at all if more than ``limit`` lack them. ``progress(done, of)`` after each batch."""
    started = time.perf_counter()
    gen, documents = store.live_stored(Path(index_dir))
    hashes = list(dict.fromkeys(h for fields in documents if (h := fields.get("hash"))))
    cache = ClaimCache(gen)
    kept = cache.get(hashes)
    todo = [key for key in hashes if key not in kept]
    if limit is not None and len(todo) > limit:
        return ClaimsPrepared(0, len(kept), len(todo), 0, time.perf_counter() - started)
    # (only the bodies to parse are held: a second read of the generation read above)
    wanted = set(todo)
    bodies: dict[str, str] = {}
    for fields in store.live_stored(Path(index_dir))[1]:
        if fields.get("hash") in wanted:
            bodies.setdefault(fields["hash"], fields.get("body") or "")
    todo = [key for key in todo if key in bodies]  # (an article gone in between)
    found = 0
    for start in range(0, len(todo), BATCH):
        keys = todo[start : start + BATCH]
        claims = extract_claims([bodies[k] for k in keys])
        cache.put(dict(zip(keys, claims, strict=True)))
        found += sum(map(len, claims))
        if progress is not None:
            progress(min(start + BATCH, len(todo)), len(todo))
    return ClaimsPrepared(len(todo), len(kept), 0, found, time.perf_counter() - started)
