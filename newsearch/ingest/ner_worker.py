"""An entity-extraction worker: ``python -m newsearch.ingest.ner_worker``.

Reads a pickled extractor, then batches of texts, from stdin; writes ``("ok", mentions)`` or
``("error", message)`` for each batch to stdout (length-prefixed pickles, see ner_pool); a
``None`` in place of a batch (or the end of stdin) ends it.
Only newsearch itself talks to it, over a pipe it created.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from typing import Any, BinaryIO

from newsearch.ingest.heap import quiet_collector
from newsearch.ingest.ner_pool import receive, send


def _read_all(stdin: BinaryIO, inbox: queue.Queue[Any]) -> None:
    """Drain stdin as batches arrive, so the parent never blocks writing the next one."""
    while True:
        try:
            item = receive(stdin)
        except EOFError:
            item = None
        inbox.put(item)
        if item is None:  # told to stop (or the pipe closed): read no more
            return


def main() -> None:
    # The pipe to the parent gets a descriptor of its own, and descriptor 1 becomes stderr:
    # anything a library prints, from Python or from C, must not corrupt the pipe.
    sys.stdout.flush()
    stdout = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    stdin = sys.stdin.buffer
    try:
        extractor = receive(stdin)
    except EOFError:
        return
    inbox: queue.Queue[Any] = queue.Queue()
    threading.Thread(target=_read_all, args=(stdin, inbox), daemon=True).start()
    with quiet_collector() as settle:  # (heap.py)
        while True:
            texts = inbox.get()
            if texts is None:
                return
            try:
                send(stdout, ("ok", extractor.extract(texts)))
            except Exception as exc:
                send(stdout, ("error", f"{type(exc).__name__}: {exc}"))
            settle()


if __name__ == "__main__":
    main()
