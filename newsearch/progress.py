"""A rich progress bar with items/s for long indexing runs; silent when disabled."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


@contextlib.contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[int], None] | None]:
    if not enabled:
        yield None
        return
    started = time.monotonic()
    with Progress(
        SpinnerColumn(),
        TextColumn("indexing: {task.completed} items read"),
        TextColumn("{task.fields[rate]:.0f} items/s"),
        TimeElapsedColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task("index", total=None, rate=0.0)

        def tick(read: int) -> None:
            if read % 50 == 0:
                rate = read / max(time.monotonic() - started, 1e-6)
                bar.update(task, completed=read, rate=rate)

        yield tick
