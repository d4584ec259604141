"""What every command shares: the output and error consoles, the one ``Error: ...`` line
(never a traceback), JSON on stdout, and the default index built from seeds/ on first use.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from newsearch import render
from newsearch.commands.options import DEFAULT_INDEX

DEFAULT_SEEDS = "seeds"
ERROR_CHARS = 300  # an error line is cut here: none echoes a whole query back


def out() -> Console:
    return Console(highlight=False, soft_wrap=not sys.stdout.isatty(), markup=False, emoji=False)


def err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)


def fail(message: str) -> NoReturn:
    """Print ``Error: message`` (escaped, cut) on stderr and exit 1."""
    err().print(Text(f"Error: {render.clip(render.escape(message), ERROR_CHARS)}"))
    raise typer.Exit(1)


def emit_json(obj: Any) -> None:
    sys.stdout.write(render.to_json(obj) + "\n")


def ensure_index(index: Path) -> None:
    """On a fresh clone, build the default index from seeds/ before the first query."""
    from newsearch.index import store

    if store.exists(index):
        return
    if index != Path(DEFAULT_INDEX) or not Path(DEFAULT_SEEDS).is_dir():
        fail(f"no index at {index}: build one with `newsearch index PATHS --index {index}`")
    err().print(Text(f"No index at {render.escape(str(index))}/ yet: building it from seeds/."))
    from newsearch.ingest.pipeline import build_index

    build_index(DEFAULT_SEEDS, index)
