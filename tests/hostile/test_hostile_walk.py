"""A folder of hostile directory entries through the real command, in a subprocess with a time
bound: a FIFO, a link to /dev/zero, a socket, link loops, hidden files, documentation, archives,
a file over --max-file-size, a huge body, the index inside the input. Each one is accounted for
(read, or skipped with its own reason), the good files are indexed, nothing hangs or raises."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import SEED_000, SEED_002

EXE = shutil.which("newsearch", path=str(Path(sys.executable).parent)) or "newsearch"
BOUND = 120  # seconds; the run takes about 5


def hostile_folder(root: Path) -> tuple[Path, dict[str, str]]:
    """The folder, and each entry that must be skipped with a word of its reason."""
    h = root / "h"
    (h / "sub").mkdir(parents=True)
    shutil.copy(SEED_000, h / "seed.txt")
    shutil.copy(SEED_002, h / "readme-korea.txt")  # an article, whatever its name
    lines = "".join(f"Kursk filler sentence number {i} goes on.\n" for i in range(70_000))
    (h / "sub" / "huge.txt").write_text(lines)  # 3 MB: read, its body cut to 1 MB
    with open(h / "over.txt", "wb") as fh:  # 5 MB: over --max-file-size 4MB
        fh.truncate(5_000_000)
    os.mkfifo(h / "pipe.txt")
    (h / "zero.txt").symlink_to("/dev/zero")
    (h / "a.txt").symlink_to("b.txt")
    (h / "b.txt").symlink_to("a.txt")
    (h / "gone.txt").symlink_to(root / "nowhere")
    (h / "sub" / "up").symlink_to(h)
    (h / ".hidden.txt").write_text("Hidden story\n\nNot to be read.\n")
    (h / ".cache").mkdir()
    (h / ".cache" / "x.txt").write_text("Cached story\n\nNot to be read.\n")
    (h / "README.md").write_text("# How this folder is kept\n")
    (h / "LICENSE").write_text("All rights reserved.\n")
    (h / "archive.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    expected = {
        "over.txt": "--max-file-size",
        "pipe.txt": "named pipe",
        "zero.txt": "character device",
        "a.txt": "loop",
        "b.txt": "loop",
        "gone.txt": "broken symbolic link",
        "up": "symbolic link to a directory",
        ".hidden.txt": "hidden file",
        ".cache": "hidden directory",
        "README.md": "documentation",
        "LICENSE": "documentation",
        "archive.zip": "compressed archive",
        "idx": "newsearch index",
    }
    return h, expected


def run(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run([EXE, *args], capture_output=True, text=True, timeout=BOUND)
    return done, time.monotonic() - started


def test_every_hostile_entry_is_accounted_for_and_the_run_ends(tmp_path: Path) -> None:
    h, expected = hostile_folder(tmp_path)
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(h / "sock"))
        expected["sock"] = "socket"
        args = [str(h), "--index", str(h / "idx"), "--no-entities", "--max-file-size", "4MB"]
        done, seconds = run("index", *args, "--json")
        strict, _ = run("index", *args, "--strict", "--quiet")
    assert done.returncode == 0, done.stderr[-500:]
    assert "Traceback" not in done.stderr + strict.stderr
    assert seconds < BOUND / 2
    out = json.loads(done.stdout)
    counted = ("indexed", "updated", "unchanged", "duplicate", "skipped", "moved")
    assert out["read"] == sum(out.get(k, 0) for k in counted) == 3 + len(expected)
    skips = {Path(s["path"]).name: s["reason"] for s in out["skips"]}
    assert skips.keys() == expected.keys()
    for name, word in expected.items():
        assert word in skips[name], (name, skips[name])
    assert out["indexed"] == 3  # seed.txt, readme-korea.txt, huge.txt
    assert any("huge.txt" in w and "1,000,000-character limit" in w for w in out["warnings"])
    assert strict.returncode == 1  # --strict fails on any skip
