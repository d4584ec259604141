"""Entity extraction over batches of articles, on every core, in input order.

A run of one batch (or fewer than the caller's ``least``) is extracted in this process: small
runs never pay for starting workers. Otherwise worker processes (``python -m
newsearch.ingest.ner_worker``) extract while this process writes the index. Workers are
plain subprocesses fed over pipes, so they never re-import the caller's ``__main__`` (an
unguarded script calling ``build_index`` is safe) and no process is forked from a threaded
parent. Each worker has at most two batches in flight, so memory does
not grow with the corpus.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pickle
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, Protocol, TypeVar

from newsearch.errors import NewsearchError
from newsearch.models import Mention

T = TypeVar("T")
_LEN = struct.Struct("<Q")
IN_FLIGHT = 2


class Extractor(Protocol):
    def extract(self, texts: Sequence[str]) -> list[tuple[Mention, ...]]: ...


class BatchWork(Protocol):
    """Any work done on a batch in the workers (an Extractor; prepare.DocumentMaker)."""

    def extract(self, items: Sequence[Any]) -> list[Any]: ...


def send(stream: IO[bytes], obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LEN.pack(len(data)) + data)
    stream.flush()


def receive(stream: IO[bytes]) -> Any:
    head = stream.read(_LEN.size)
    if len(head) < _LEN.size:
        raise EOFError
    (size,) = _LEN.unpack(head)
    return pickle.loads(stream.read(size))


def default_processes() -> int:
    return max(1, min(len(os.sched_getaffinity(0)), 8))


class _Worker:
    def __init__(self, extractor: BatchWork) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "newsearch.ingest.ner_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        # What the worker does and the way round a failing one, for the messages
        self.work: str = getattr(extractor, "work", "entity extraction")
        self.fix: str = getattr(extractor, "fix", "or index with --no-entities")
        send(self.stdin, extractor)

    def submit(self, texts: list[Any]) -> None:
        send(self.stdin, texts)

    def result(self) -> list[Any]:
        try:
            kind, value = receive(self.stdout)
        except EOFError:
            raise NewsearchError(
                f"a worker ({self.work}) stopped (exit {self.proc.wait()}): run again, {self.fix}"
            ) from None
        if kind == "error":
            raise NewsearchError(f"{self.work} failed in a worker: {value}")
        return value  # type: ignore[no-any-return]

    def close(self) -> None:
        # Told to stop, not left to see the pipe close: a process forked meanwhile (Whoosh's
        # writer processes) holds the pipe's write end too, so the end of input never comes.
        with contextlib.suppress(OSError):
            send(self.stdin, None)
        with contextlib.suppress(OSError):
            self.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stdout.close()


def extract_batches(
    extractor: BatchWork | None,
    batches: Iterator[list[T]],
    text_of: Callable[[T], Any],
    processes: int | None = None,
    inline_below: int = 2,
    least: int = 2,
) -> Iterator[tuple[list[T], list[Any]]]:
    """``(batch, the extractor's result per item)`` for each batch, in order: in
    ``processes`` workers when the run has at least ``least`` batches (read ahead: a
    smaller run would wait longer for the workers to start than it takes here), unless
    fewer than ``inline_below`` (one core: this process, which also writes, does them all)."""
    if extractor is None:
        for batch in batches:
            yield batch, [()] * len(batch)
        return
    processes = processes or default_processes()
    ahead = list(itertools.islice(batches, max(least, 1)))
    source = itertools.chain(ahead, batches)
    if len(ahead) < least or processes < inline_below:  # a small run, or one core
        for batch in source:
            yield batch, extractor.extract([text_of(x) for x in batch])
        return
    workers = [_Worker(extractor) for _ in range(processes)]
    try:
        # Round robin, IN_FLIGHT batches queued per worker (each drains its pipe at once), so a
        # worker always has the next batch while this process writes the last one's result.
        in_flight: list[list[T]] = []
        for w in workers * IN_FLIGHT:
            start: list[T] | None = next(source, None)
            if start is None:
                break
            w.submit([text_of(x) for x in start])
            in_flight.append(start)
        turn = 0
        while in_flight:
            w = workers[turn % len(workers)]
            done = in_flight.pop(0)
            mentions = w.result()
            nxt = next(source, None)
            if nxt is not None:
                w.submit([text_of(x) for x in nxt])
                in_flight.append(nxt)
            turn += 1
            yield done, mentions
    finally:
        for w in workers:
            w.close()
