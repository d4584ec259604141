"""One SearchEngine per server process, used from one thread, kept fresh by the engine itself.

A SearchEngine is not made for several threads at once, and a query is CPU work under the
GIL: the host runs every call on its own single thread (``run``), so requests queue for the
engine while the event loop goes on serving files and accepting connections. The engine reads
the index fresh on each call (``SearchEngine._fresh``: a new generation published by
``newsearch index --rebuild``, or a commit of an incremental run, is seen by the next query).
``compare`` has a second engine and thread: its first call on an article parses sentences
(seconds), which should not hold up the searches behind it.

Answers are kept in a small cache by request, keyed by the index's version (its live
generation and the modification time of its manifest and segment list): the same search asked
again (a page reloaded, a load test, a link shared) costs a dictionary look-up, and anything
an index run changes is a new key.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from newsearch.index import store
from newsearch.search.engine import SearchEngine

T = TypeVar("T")
CACHE_SIZE = 512


class EngineHost:
    """The engines of one server process (``run``, ``run_compare``) and their answers' cache."""

    def __init__(self, index_dir: str | Path) -> None:
        self.index_dir = Path(index_dir)
        self._pools = {
            name: ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"newsearch-{name}")
            for name in ("search", "compare")
        }
        self._engines: dict[str, SearchEngine] = {}
        self._cache: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def check(self) -> None:
        """Open the index once now, so that a bad one is an error before the server starts."""
        SearchEngine(self.index_dir).close()

    def version(self) -> tuple[str, int, int]:
        """What changes whenever the live index does: its generation, and the modification
        times of its manifest and of the generation's folder (a commit adds files)."""
        gen = store.current_generation(self.index_dir)
        if gen is None:
            return ("", 0, 0)
        try:
            manifest = (gen / store.MANIFEST).stat().st_mtime_ns
        except OSError:
            manifest = 0
        try:
            folder = gen.stat().st_mtime_ns
        except OSError:
            folder = 0
        return (gen.name, manifest, folder)

    def _engine(self, name: str) -> SearchEngine:
        engine = self._engines.get(name)
        if engine is None:
            engine = self._engines[name] = SearchEngine(self.index_dir)
        return engine

    async def run(
        self, call: Callable[[SearchEngine], T], key: Hashable | None = None, pool: str = "search"
    ) -> T:
        """``call(engine)`` on the engine's thread; with ``key``, an answer kept from the
        same call on the same index version is given again (``call`` must then be pure)."""
        full = (pool, self.version(), key) if key is not None else None
        if full is not None:
            found, kept = self.recall(full)
            if found:
                return kept  # type: ignore[return-value]
        loop = asyncio.get_running_loop()
        answer = await loop.run_in_executor(self._pools[pool], lambda: call(self._engine(pool)))
        if full is not None:
            self.keep(full, answer)
        return answer

    def recall(self, key: Hashable) -> tuple[bool, object]:
        """Whether an answer is kept under ``key`` (which should hold ``version()``), and it."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return True, self._cache[key]
        return False, None

    def keep(self, key: Hashable, answer: object) -> None:
        with self._lock:
            self._cache[key] = answer
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)

    def close(self) -> None:
        for name, pool in self._pools.items():
            engine = self._engines.pop(name, None)
            if engine is not None:
                with contextlib.suppress(Exception):
                    pool.submit(engine.close).result(timeout=10)
            pool.shutdown(wait=False, cancel_futures=True)
