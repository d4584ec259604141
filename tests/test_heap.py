"""The collector is quiet while a run writes, collects now and then, and is as it was after."""

from __future__ import annotations

import gc
import json
import os
from pathlib import Path

import pytest

from newsearch.ingest import heap


def test_off_during_a_run_and_on_after() -> None:
    assert gc.isenabled()
    with heap.quiet_collector():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_run_that_fails_sets_the_collector_back() -> None:
    with pytest.raises(RuntimeError), heap.quiet_collector():
        raise RuntimeError("the run failed")
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_process_is_left_off() -> None:
    gc.disable()
    try:
        with heap.quiet_collector() as settle:
            settle()
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_cycles_are_collected_every_so_many_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "COLLECT_EVERY", 3)
    collections: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "stop":
            collections.append(info["collected"])

    gc.collect()
    gc.callbacks.append(seen)
    try:
        with heap.quiet_collector() as settle:
            for _ in range(2):
                cycle: list[object] = []
                cycle.append(cycle)
                del cycle
                settle()
            assert collections == []  # two batches: nothing walked yet
            settle()
            assert collections and sum(collections) >= 2  # the third: both cycles freed
    finally:
        gc.callbacks.remove(seen)


def _forked_state() -> dict[str, object]:
    """The collector's state in a child forked now (as Whoosh forks its writer processes)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave at once
        os.close(read)
        state = {
            "enabled": gc.isenabled(),
            "young": gc.get_threshold()[0],
            "frozen": gc.get_freeze_count() > 0,
        }
        os.write(write, json.dumps(state).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as f:
        data = f.read()
    os.waitpid(pid, 0)
    result: dict[str, object] = json.loads(data)
    return result


def test_a_writer_forked_during_a_run_collects_its_own_objects_seldom() -> None:
    with heap.quiet_collector():
        inside = _forked_state()
    assert inside == {"enabled": True, "young": heap.WRITER_YOUNG, "frozen": True}
    outside = _forked_state()  # a fork outside a run is left as Python made it
    assert outside["enabled"] and outside["young"] == gc.get_threshold()[0]
    assert not outside["frozen"]


def test_build_index_leaves_the_collector_as_it_was(tmp_path: Path) -> None:
    from newsearch import build_index
    from tests.conftest import SEEDS

    threshold = gc.get_threshold()
    build_index(SEEDS, tmp_path / "idx", entities=False, processes=2)
    assert gc.isenabled() and gc.get_threshold() == threshold and gc.get_freeze_count() == 0
