"""An engine lets go of the index's files: when closed, and when the index it has open is
rebuilt under it (a server keeps one engine through rebuilds; each held generation's mapped
files kept their disk space after the rebuild deleted them)."""

from __future__ import annotations

import contextlib
import gc
import os
from pathlib import Path

import pytest

from newsearch import SearchEngine, build_index
from tests.conftest import SEEDS

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="Linux /proc")


def _open_under(folder: Path) -> set[str]:
    """The files under ``folder`` this process has open (mapped files keep a descriptor)."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder.resolve())):
            found.add(target)
    return found


def test_closing_an_engine_lets_go_of_every_index_file(tmp_path: Path) -> None:
    path = tmp_path / "idx"
    build_index(SEEDS, path, entities=False)
    for mode in ("hybrid", "lexical"):
        engine = SearchEngine(path)
        assert engine.search("Kursk casualties", limit=10, mode=mode).results
        assert _open_under(path)  # (the segments and postings copies are mapped)
        engine.close()
        assert _open_under(path) == set()


def test_an_engine_open_through_rebuilds_holds_no_old_generation(tmp_path: Path) -> None:
    """Whatever the garbage collector's timing (off here: it runs when it likes)."""
    path = tmp_path / "idx"
    build_index(SEEDS, path, entities=False)
    gc.disable()
    try:
        _rebuild_under(path)
    finally:
        gc.enable()


def _rebuild_under(path: Path) -> None:
    with SearchEngine(path) as engine:
        first = engine.search("Kursk casualties", limit=10)
        for _ in range(3):
            build_index(SEEDS, path, entities=False, rebuild=True)
            again = engine.search("Kursk casualties", limit=10)
            assert [h.article.id for h in again.results] == [h.article.id for h in first.results]
            generations = {Path(f).relative_to(path.resolve()).parts[0] for f in _open_under(path)}
            assert len(generations) == 1  # the live one only


def _pipes() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:")
    return count


def test_indexing_again_and_again_leaves_no_pipe_open(tmp_path: Path) -> None:
    """A process that indexes run after run (``newsearch watch``) with Whoosh's parallel
    writer: each run's queues and sub-writer processes let go of their pipes when it ends,
    not when the garbage collector next runs (off here)."""
    gc.disable()
    try:
        before = _pipes()
        for _ in range(3):
            build_index(SEEDS, tmp_path / "idx", entities=False, rebuild=True, processes=2)
        assert _pipes() == before
    finally:
        gc.enable()
