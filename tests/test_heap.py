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


def test_a_story_tracker_is_freed_without_a_collection(tmp_path: Path) -> None:
    """The copies' and stories' look-ups go with their tracker by reference counting alone (a
    reference cycle kept them until a full collection, which then paused what came next)."""
    import weakref

    from newsearch import build_index
    from newsearch.index import store
    from newsearch.stories.tracker import StoryTracker
    from tests.conftest import SEEDS

    build_index(SEEDS, tmp_path / "idx", entities=False, vectors=False)
    ix = store.open_index(tmp_path / "idx")
    gc.collect()
    gc.disable()
    try:
        tracker = StoryTracker(store.current_generation(tmp_path / "idx"), ix)
        tracker.commit()
        gone = weakref.ref(tracker)
        del tracker
        assert gone() is None
    finally:
        gc.enable()
        ix.close()


def test_a_run_ends_with_a_full_collection(tmp_path: Path) -> None:
    """What a run made is freed before it returns, Whoosh's own cycles too (a caught exception
    kept in a local, and with it the frames of the run): not by the first collection after
    it, which would walk every object the run made, in the middle of what comes next."""
    from newsearch import build_index
    from tests.conftest import SEEDS

    events: list[tuple[str, int]] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        events.append((phase, info["generation"]))

    gc.callbacks.append(seen)
    try:
        build_index(SEEDS, tmp_path / "idx", entities=False, vectors=False)
    finally:
        gc.callbacks.remove(seen)
    assert ("stop", 2) in events
