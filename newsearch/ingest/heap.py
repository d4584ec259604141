"""Python's cyclic garbage collector kept quiet while an indexing run writes.

A run holds more and more objects (the copies' and stories' look-ups, the caches of words and
stems) and makes no reference cycles worth collecting: over Reuters-21578 without entities
the writing process's 2,300 collections freed nothing and took 3.7 s of its CPU, the document
worker's 1.3 s, and each Whoosh writer process's ~0.8 s (forked with the writing process's
objects, walked again by each of its full collections). So while a run writes, the collector
is off in the writing process and in the worker processes; it collects everything once every
``COLLECT_EVERY`` batches (a cycle lives that long at most) and once at the end of the run.
Whoosh's writer processes, forked during the run, freeze what they inherit (``gc.freeze``:
never walked again) and collect their own objects (mostly a pool of postings, tuples without
cycles) a hundred times less often than by default. After the run the collector is as it was.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

COLLECT_EVERY = 64  # batches between full collections while the collector is off
WRITER_YOUNG = 70_000  # new objects between a writer process's collections (Python: 700)

_quiet = False  # a run in this process turned the collector off


@contextmanager
def quiet_collector() -> Iterator[Callable[[], None]]:
    """Turns the collector off for a run and gives the function to call after each batch
    (a full collection every ``COLLECT_EVERY`` calls); on again at the end, after a full
    collection. A process that turned the collector off itself is left so."""
    global _quiet
    if not gc.isenabled():
        yield _nothing
        return
    batches = 0

    def settle() -> None:
        nonlocal batches
        batches += 1
        if batches % COLLECT_EVERY == 0:
            gc.collect()

    gc.disable()
    _quiet = True
    try:
        yield settle
    finally:
        _quiet = False
        gc.enable()
        # The run's cycles freed now, not in a pause of whatever the process does next: Whoosh
        # keeps a caught exception in a local (FileStorage.create), and with it the frames of
        # the run that called it (~80 ms after a Reuters-21578 build).
        gc.collect()


def _nothing() -> None:
    return None


def _in_forked_writer() -> None:
    """A process forked during a quiet run (Whoosh's writer processes): what it inherited
    frozen, its own objects collected now and then."""
    if _quiet:
        gc.freeze()
        gc.set_threshold(WRITER_YOUNG, 10, 10)
        gc.enable()


os.register_at_fork(after_in_child=_in_forked_writer)
