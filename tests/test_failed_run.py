"""A run that fails unexpectedly ends, with the parallel writer too (no process left behind)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
from newsearch.ingest import identity
real = identity.norm_hash
def failing(a):
    if a.title == "Poison":
        raise RuntimeError("a bug in the middle of a run")
    return real(a)
identity.norm_hash = failing
from newsearch.cli import main
sys.argv = ["newsearch", "index", sys.argv[1], "--index", sys.argv[2], "--no-entities", "-q"]
main()
"""


def test_an_unexpected_error_in_a_parallel_run_ends_the_run(tmp_path: Path) -> None:
    """Whoosh's parallel writer (--no-entities, 2 processes) had sub-writers waiting forever
    for work after a failure, and the command never exited."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(600):  # more than two batches: both sub-writers started
        (src / f"a{i:03}.txt").write_text(f"Story {i}\n\nThe council met about item {i}.\n")
    (src / "z.txt").write_text("Poison\n\nThis article's hashing fails.\n")
    r = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(src), str(tmp_path / "idx")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 1
    assert "Error: unexpected RuntimeError" in r.stderr
