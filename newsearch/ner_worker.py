"""An entity-extraction worker: ``python -m newsearch.ner_worker``.

Reads a pickled extractor, then batches of texts, from stdin; writes ``("ok", mentions)`` or
``("error", message)`` for each batch to stdout (length-prefixed pickles, see ner_pool).
Only newsearch itself talks to it, over a pipe it created.
"""

from __future__ import annotations

import sys

from newsearch.ner_pool import receive, send


def main() -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # anything a library prints must not corrupt the pipe
    try:
        extractor = receive(stdin)
    except EOFError:
        return
    while True:
        try:
            texts = receive(stdin)
        except EOFError:
            return
        try:
            send(stdout, ("ok", extractor.extract(texts)))
        except Exception as exc:
            send(stdout, ("error", f"{type(exc).__name__}: {exc}"))


if __name__ == "__main__":
    main()
