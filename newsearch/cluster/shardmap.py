"""The shard map of a sharded index: which shards it has, their generations, how articles go.

Layout (the index directory is an ordinary one: ``CURRENT`` names the live generation, a
rebuild is swapped in whole, ``index/store.py``)::

    index/CURRENT                 the live generation
    index/gen-<stamp>/newsearch.json    format, embedding model, created/updated (the manifest)
    index/gen-<stamp>/shards.json       this map (``SHARDS``)
    index/gen-<stamp>/vocab.json               the shards' vocabularies merged (spelling)
    index/gen-<stamp>/shard-000/  an ordinary newsearch index (CURRENT, gen-*, its write.lock)
    index/gen-<stamp>/shard-001/  ...

An article goes to shard ``route(id, K)``: the first 8 bytes of the BLAKE2b hash of its id,
as a number, modulo the number of shards. The id alone decides, so an update, a move that
keeps the source's id, or a deletion reaches the shard that holds the article, on any machine
and in any Python (no per-process hash seed). The map records each shard's live generation
and the Whoosh commit it was at when the last run ended (``commit``), and its article count.
Reading a shard map needs nothing but json: a query opens the shards through
``index/shards.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsearch.errors import IndexVersionError
from newsearch.index import store
from newsearch.index.shards import SHARDS, shard_names
from newsearch.index.vocabulary import VOCAB_FILE, load_vocabulary

ROUTE = "blake2b-64(article id) mod shards"
MAP_FORMAT = 1
MAX_SHARDS = 4096


def route(article_id: str, shards: int) -> int:
    """The shard of an article (``0 .. shards-1``), by a stable hash of its id."""
    digest = hashlib.blake2b(article_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def shard_name(number: int) -> str:
    return f"shard-{number:03d}"


@dataclass(frozen=True)
class ShardMap:
    """A sharded generation (``gen``) and its shards' directories, in shard order."""

    gen: Path
    names: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.names)

    @property
    def dirs(self) -> list[Path]:
        return [self.gen / name for name in self.names]

    def shard_of(self, article_id: str) -> int:
        return route(article_id, self.count)

    def dir_of(self, article_id: str) -> Path:
        return self.gen / self.names[self.shard_of(article_id)]


def load(gen: Path) -> ShardMap | None:
    """The map of a generation (None: an ordinary, unsharded one)."""
    names = shard_names(gen)
    if names is None:
        return None
    data = _read(gen)
    if data.get("route") != ROUTE or not names:
        raise IndexVersionError(
            f"the shard map {gen / SHARDS} routes articles as {data.get('route')!r}, this "
            f"newsearch as {ROUTE!r}: rebuild the index with --rebuild"
        )
    return ShardMap(gen, tuple(names))


def create(index_dir: Path, shards: int) -> ShardMap:
    """A new sharded generation (not live yet) of ``shards`` empty shards, each an ordinary
    index with its own live generation."""
    index_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    gen = index_dir / f"gen-{stamp}-{uuid.uuid4().hex[:8]}"
    gen.mkdir()
    names = tuple(shard_name(i) for i in range(shards))
    for name in names:
        shard_gen, ix = store.new_generation(gen / name)
        ix.close()
        store.publish(gen / name, shard_gen)
    smap = ShardMap(gen, names)
    record(smap)
    store.write_manifest(gen, created=_now(), shards=shards)
    return smap


def record(smap: ShardMap, articles: list[int] | None = None) -> None:
    """Write the map: each shard's live generation and last commit (and article count)."""
    shards: list[dict[str, Any]] = []
    for i, (name, folder) in enumerate(zip(smap.names, smap.dirs, strict=True)):
        live = store.current_generation(folder)
        entry: dict[str, Any] = {"name": name, "generation": live.name if live else None}
        entry["commit"] = _toc_generation(live) if live else None
        if articles is not None:
            entry["articles"] = articles[i]
        shards.append(entry)
    data = {"format": MAP_FORMAT, "route": ROUTE, "shards": shards, "updated": _now()}
    _write_json(smap.gen / SHARDS, data)


def merge_vocabularies(smap: ShardMap) -> None:
    """The shards' vocabularies (summed) beside the sharded generation, where a query looks
    for them: recomputed whole, so running it twice is safe."""
    vocab: Counter[str] = Counter()
    for folder in smap.dirs:
        live = store.current_generation(folder)
        if live is not None:
            vocab.update(load_vocabulary(live))
    _write_json(smap.gen / VOCAB_FILE, dict(vocab))


def _toc_generation(gen: Path) -> int | None:
    """The number of the shard's latest Whoosh commit (its ``_MAIN_<n>.toc``)."""
    found = [
        int(p.name[len("_MAIN_") : -len(".toc")])
        for p in gen.glob("_MAIN_*.toc")
        if p.name[len("_MAIN_") : -len(".toc")].isdigit()
    ]
    return max(found) if found else None


def _read(gen: Path) -> dict[str, Any]:
    try:
        data = json.loads((gen / SHARDS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
