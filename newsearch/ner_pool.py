"""Entity extraction over batches of articles, on every core, in input order.

The first batch is extracted in this process (small runs never pay for starting workers); from
the second batch on, a pool of worker processes extracts while this process writes the index.
At most a few batches are in flight, so memory does not grow with the corpus.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator, Sequence
from typing import Any, Protocol, TypeVar

from newsearch.models import Mention

T = TypeVar("T")


class Extractor(Protocol):
    def extract(self, texts: Sequence[str]) -> list[tuple[Mention, ...]]: ...


_WORKER: Extractor | None = None


def _init(extractor: Extractor) -> None:
    global _WORKER
    _WORKER = extractor


def _extract(texts: list[str]) -> list[tuple[Mention, ...]]:
    assert _WORKER is not None
    return _WORKER.extract(texts)


def default_processes() -> int:
    return max(1, min(len(os.sched_getaffinity(0)), 8))


def extract_batches(
    extractor: Extractor | None,
    batches: Iterator[list[T]],
    text_of: Any,
    processes: int | None = None,
) -> Iterator[tuple[list[T], list[tuple[Mention, ...]]]]:
    """``(batch, mentions per item)`` for each batch, in order."""
    if extractor is None:
        for batch in batches:
            yield batch, [()] * len(batch)
        return
    processes = processes or default_processes()
    first = next(batches, None)
    if first is None:
        return
    yield first, extractor.extract([text_of(x) for x in first])
    if processes < 2:
        for batch in batches:
            yield batch, extractor.extract([text_of(x) for x in batch])
        return
    in_flight = threading.BoundedSemaphore(processes * 2)
    pending: list[list[T]] = []
    lock = threading.Lock()

    def texts() -> Iterator[list[str]]:
        for batch in batches:
            in_flight.acquire()
            with lock:
                pending.append(batch)
            yield [text_of(x) for x in batch]

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes, initializer=_init, initargs=(extractor,)) as pool:
        for mentions in pool.imap(_extract, texts()):
            with lock:
                batch = pending.pop(0)
            in_flight.release()
            yield batch, mentions
