"""Workflows: many queries at once, and queries kept to run again (over the public SearchEngine).

batch_file  a batch file read: a CSV with a ``query`` column and per-row options and filters,
            or one query a line; every row kept, a bad one with its line and what is wrong
batch       the batch answered with one engine: each query's total, first and last date, top
            passages; a bad row answered with its error, the rest unaffected
watch       watched searches kept beside the index (``watches.json``, written atomically,
            outside the generations): each run shows the matching articles it has not shown
            before (digests of what it showed), so a rebuild shows nothing new
"""

from newsearch.workflows.batch import BatchAnswer, run_batch
from newsearch.workflows.batch_file import BatchFile, BatchQuery, read_batch
from newsearch.workflows.watch import (
    Watch,
    WatchRun,
    add_watch,
    list_watches,
    remove_watch,
    run_watches,
)

__all__ = [
    "BatchAnswer",
    "BatchFile",
    "BatchQuery",
    "Watch",
    "WatchRun",
    "add_watch",
    "list_watches",
    "read_batch",
    "remove_watch",
    "run_batch",
    "run_watches",
]
