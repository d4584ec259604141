"""The walk accounts for every directory entry (read, or skipped with its own reason), never
opens what is not a regular file, never follows a loop; files over the size limit are skipped
with their size, bodies over the body limit cut with a warning; a missing path is an error."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest
from typer.testing import CliRunner

from newsearch import SearchEngine, build_index
from newsearch.cli import app
from newsearch.errors import InputError
from newsearch.ingest import readers
from newsearch.ingest.readers import ReadOptions, iter_items, walk
from newsearch.ingest.readers.options import parse_size
from newsearch.models import Article, Skip
from newsearch.text.passages import MAX_BODY_CHARS, cut_body, make_passages
from tests.conftest import ROOT, SEED_000, SEED_002

runner = CliRunner()


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail (instead of hanging the suite) if the block blocks, e.g. opening a FIFO."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def reasons(items: list[Path | Skip] | list[Article | Skip]) -> dict[str, str]:
    return {Path(i.path).name: i.reason for i in items if isinstance(i, Skip)}


def test_fifo_and_device_link_are_skipped_unopened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    shutil.copy(SEED_000, tmp_path)
    with deadline(20):  # before: blocked forever on the FIFO; /dev/zero: MemoryError
        items = list(iter_items([tmp_path]))
        given = list(iter_items([tmp_path / "pipe.txt", tmp_path / "zero.txt"]))
    why = reasons(items)
    assert "named pipe (FIFO)" in why["pipe.txt"] and "never opened" in why["pipe.txt"]
    assert "symbolic link to a character device" in why["zero.txt"]
    assert reasons(given) == why  # a special file given as a path is refused the same way
    assert [Path(a.path).name for a in items if isinstance(a, Article)] == [SEED_000.name]


def test_socket_is_skipped(tmp_path: Path) -> None:
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(tmp_path / "s.sock"))
        why = reasons(list(walk([tmp_path])))
    assert "socket" in why["s.sock"]


def test_symlink_loops_end_and_linked_directories_are_not_followed(tmp_path: Path) -> None:
    d = tmp_path / "d"
    (d / "sub").mkdir(parents=True)
    shutil.copy(SEED_000, d / "sub")
    (d / "sub" / "up").symlink_to(d)  # a directory loop
    (d / "a.txt").symlink_to("b.txt")  # a file loop
    (d / "b.txt").symlink_to("a.txt")
    (d / "gone.txt").symlink_to(tmp_path / "nowhere")
    (d / "seed-link.txt").symlink_to(d / "sub" / SEED_000.name)  # a link to a file is read
    with deadline(20):
        items = list(walk([d]))
    why = reasons(items)
    assert "symbolic link loop" in why["a.txt"] and "symbolic link loop" in why["b.txt"]
    assert "broken symbolic link" in why["gone.txt"]
    assert "symbolic link to a directory" in why["up"] and "not followed" in why["up"]
    assert str(d) in why["up"]  # names the target to give instead
    files = [p.name for p in items if isinstance(p, Path)]
    assert files == ["seed-link.txt", SEED_000.name]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (".hidden.txt", "hidden file"),
        ("README", "documentation"),
        ("readme.txt", "documentation"),
        ("README.md", "documentation"),
        ("LICENSE", "documentation"),
        ("SHA256SUMS", "documentation"),
        ("lewis.dtd", "not an article"),
        ("news.gz", "compressed archive (.gz)"),
        ("bundle.zip", "compressed archive (.zip)"),
        ("readme-korea.txt", None),  # an article whose name only begins like a README
        ("license-plates.txt", None),
    ],
)
def test_each_name_is_read_or_skipped_with_its_reason(
    tmp_path: Path, name: str, reason: str | None
) -> None:
    (tmp_path / "in").mkdir()
    shutil.copy(SEED_002, tmp_path / "in" / name)
    summary = build_index(tmp_path / "in", tmp_path / "i", entities=False)
    assert summary.read == 1
    if reason is None:
        assert summary.indexed == 1
    else:
        (skip,) = summary.skipped
        assert reason in skip.reason and skip.path.endswith(name)


def test_hidden_directory_is_one_skip_and_not_entered(tmp_path: Path) -> None:
    (tmp_path / ".git" / "objects").mkdir(parents=True)
    (tmp_path / ".git" / "objects" / "x.txt").write_text("Not an article\n\nGit data.\n")
    shutil.copy(SEED_000, tmp_path)
    items = list(walk([tmp_path]))
    assert reasons(items) == {".git": reasons(items)[".git"]}
    assert "hidden directory" in reasons(items)[".git"]
    # given as a path itself, it is read
    assert [p.name for p in walk([tmp_path / ".git"]) if isinstance(p, Path)] == ["x.txt"]


def test_unreadable_directory_is_reported(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    shutil.copy(SEED_000, locked)
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as root: the directory stays readable")
        why = reasons(list(walk([tmp_path])))
    finally:
        locked.chmod(0o755)
    assert "directory cannot be read" in why["locked"] and "permission" in why["locked"]


def test_a_directory_that_fails_to_list_is_reported_even_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = tmp_path / "in"
    (d / "locked").mkdir(parents=True)
    shutil.copy(SEED_000, d)
    real = os.scandir

    def scandir(path: os.PathLike[str]) -> os.ScandirIterator[str]:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    summary = build_index(d, tmp_path / "i", entities=False)
    assert summary.indexed == 1
    (skip,) = summary.skipped
    assert skip.path.endswith("locked") and "Permission denied" in skip.reason


def test_index_inside_the_input_is_skipped_not_read(tmp_path: Path) -> None:
    shutil.copy(SEED_000, tmp_path)
    first = build_index(tmp_path, tmp_path / "idx", entities=False)
    again = build_index(tmp_path, tmp_path / "idx", entities=False)
    for s in (first, again):
        (skip,) = s.skipped
        assert skip.path.endswith("idx") and "newsearch index" in skip.reason
    assert (first.indexed, again.unchanged, again.read) == (1, 1, 2)


def test_a_directory_met_twice_is_read_once(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(SEED_000, d)
    summary = build_index([d, d], tmp_path / "i", entities=False)
    assert summary.indexed == 1
    (skip,) = summary.skipped
    assert "already read" in skip.reason


def test_deep_nesting_is_walked_without_recursion(tmp_path: Path) -> None:
    levels = [tmp_path]
    for _ in range(1200):  # os.walk (3.11) recursed: RecursionError past ~1000 levels
        levels.append(levels[-1] / "d")
        levels[-1].mkdir()
    shutil.copy(SEED_000, levels[-1])
    try:
        assert [p.name for p in walk([tmp_path])] == [SEED_000.name]
    finally:  # shutil.rmtree (pytest's clean-up) recurses too
        (levels[-1] / SEED_000.name).unlink()
        for d in reversed(levels[1:]):
            d.rmdir()


def test_walk_order_is_files_then_each_subdirectory(tmp_path: Path) -> None:
    for rel in ("b.txt", "a/z.txt", "a/y/x.txt", "c/w.txt", "a.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    got = [p.relative_to(tmp_path).as_posix() for p in walk([tmp_path]) if isinstance(p, Path)]
    assert got == ["a.txt", "b.txt", "a/z.txt", "a/y/x.txt", "c/w.txt"]  # as os.walk gave


def test_a_reuters_distribution_reads_as_its_documents(tmp_path: Path) -> None:
    """Its own documentation is part of the distribution (not counted: Reuters reads as
    21,578); the same README beside ordinary articles is a skip."""
    d = tmp_path / "reuters21578"
    d.mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "reuters-sample.sgm", d / "reut2-000.sgm")
    alone = build_index(d / "reut2-000.sgm", tmp_path / "alone", entities=False)
    for doc in ("README.txt", "lewis.dtd", "all-places-strings.lc.txt"):
        (d / doc).write_text("documentation\n")
    shutil.copy(SEED_000, d / "mine.txt")  # not the distribution's: read as usual
    summary = build_index(d, tmp_path / "i", entities=False)
    assert summary.read == alone.read + 1 and summary.indexed == alone.indexed + 1
    assert {Path(k.path).name for k in summary.skipped} <= {"reut2-000.sgm"}
    other = tmp_path / "other"
    other.mkdir()
    (other / "README.txt").write_text("documentation\n")
    (skip,) = build_index(other, tmp_path / "o", entities=False).skipped
    assert "documentation" in skip.reason


def test_missing_path_is_an_error_and_makes_no_index(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    r = runner.invoke(app, ["index", str(missing), "--index", str(tmp_path / "x")])
    assert r.exit_code == 1 and r.output.startswith("Error: ")
    assert str(missing) in r.output and "check the path" in r.output
    assert not (tmp_path / "x").exists()
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(InputError, match="broken symbolic link"):
        build_index(tmp_path / "dangling", tmp_path / "x", entities=False)


def test_strict_fails_when_only_skipped_entries_are_met(tmp_path: Path) -> None:
    d = tmp_path / "d"
    d.mkdir()
    (d / ".x.txt").write_text("x")
    (d / "README").write_text("x")
    (d / "a.gz").write_bytes(b"x")
    (d / "link").symlink_to(tmp_path)
    args = ["index", str(d), "--index", str(tmp_path / "i"), "--no-entities", "--json"]
    r = runner.invoke(app, [*args, "--strict"])
    assert r.exit_code == 1
    out = json.loads(r.stdout)
    assert (out["read"], out["skipped"]) == (4, 4)  # before: 0 read, 0 skipped, exit 0
    assert runner.invoke(app, args).exit_code == 0


# ---------------------------------------------------------------------------- sizes


def test_file_over_max_file_size_is_skipped_with_its_size(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    (d / "big.txt").write_text("Big story\n\n" + "Kursk news today. " * 400)  # 7 KB
    shutil.copy(SEED_000, d)
    args = ["index", str(d), "--index", str(tmp_path / "i"), "--no-entities"]
    r = runner.invoke(app, [*args, "--max-file-size", "4K", "--json"])
    out = json.loads(r.stdout)
    assert (out["indexed"], out["skipped"]) == (1, 1)
    (skip,) = out["skips"]
    assert skip["path"].endswith("big.txt")
    size = (d / "big.txt").stat().st_size
    assert f"file is {size:,} bytes" in skip["reason"] and "4,096 bytes" in skip["reason"]
    assert runner.invoke(app, [*args, "--max-file-size", "1MB"]).exit_code == 0
    bad = runner.invoke(app, [*args, "--max-file-size", "lots"])
    assert bad.exit_code == 2 and "bad size 'lots'" in bad.output


@pytest.mark.parametrize(
    ("text", "size"),
    [("100", 100), ("4K", 4096), ("50M", 50 * 2**20), ("50MiB", 50 * 2**20),
     ("100MB", 100_000_000), ("1.5G", 3 * 2**29), ("2 kb", 2000)],
)  # fmt: skip
def test_sizes_read_as_coreutils_reads_them(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "MB", "-5", "0", "5X", "5iB"])
def test_bad_sizes_are_refused_with_the_forms(text: str) -> None:
    with pytest.raises(InputError, match="bad size"):
        parse_size(text)


def test_cut_body_falls_on_a_boundary_within_the_limit() -> None:
    assert cut_body("Short body.", 100) == "Short body."
    paragraphs = "First paragraph here.\n\nSecond one is longer than the rest of it."
    assert cut_body(paragraphs, 40) == "First paragraph here."
    sentences = "One sentence ends. Another ends here. A third goes on and on"
    assert cut_body(sentences, 50) == "One sentence ends. Another ends here."
    assert cut_body("x" * 500, 100) == "x" * 100  # no boundary at all: the limit
    body = "Kursk story sentence. " * 100_000
    cut = cut_body(body, 10_000)
    assert len(cut) <= 10_000 and cut.endswith(".") and body.startswith(cut)
    assert make_passages("a", cut)[-1].text.endswith("sentence.")


def test_huge_body_is_cut_with_a_warning_and_the_run_stays_quick(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    lines = "".join(f"Kursk filler sentence number {i} goes on.\n" for i in range(150_000))
    (d / "huge.txt").write_text(lines)  # 6.5 MB: one article of ~50,000 passages
    shutil.copy(SEED_000, d)
    started = time.monotonic()
    summary = build_index(d, tmp_path / "i", entities=False)
    assert time.monotonic() - started < 60  # about 5 s
    assert summary.indexed == 2
    (warning,) = [w for w in summary.warnings if "huge.txt" in w]
    assert "over the 1,000,000-character limit" in warning and "split the file" in warning
    with SearchEngine(tmp_path / "i") as engine:
        assert engine.stats().passages < MAX_BODY_CHARS // 100  # at most a few thousand
        hit = engine.search('"number 20000"').results[0]  # the start is searchable
        assert not engine.search('"number 149999"').results  # the end was cut
    assert hit.article.path.endswith("huge.txt")


def test_body_limit_is_a_reading_option(tmp_path: Path) -> None:
    (tmp_path / "long.txt").write_text("Long story\n\n" + "A sentence about Kursk. " * 200)
    (item,) = list(iter_items([tmp_path], ReadOptions(max_body_chars=500)))
    assert isinstance(item, Article) and len(item.body) <= 500
    assert item.body.endswith("Kursk.") and "500-character limit" in item.warnings[-1]
    with pytest.raises(InputError):
        ReadOptions(max_body_chars=0)


def test_file_that_grows_past_the_limit_while_read_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "growing.txt"
    f.write_text("Story\n\n" + "x" * 100)
    real = os.stat

    def small_stat(path: os.PathLike[str], *a: object, **k: object) -> os.stat_result:
        st = real(path, *a, **k)  # type: ignore[arg-type]
        if Path(path).name == "growing.txt":  # size as when first looked at: 1 byte
            return os.stat_result((st.st_mode, *st[1:6], 1, *st[7:]))
        return st

    monkeypatch.setattr(readers.os, "stat", small_stat)
    (skip,) = list(readers.read_file(f, ReadOptions(max_file_bytes=50)))
    assert isinstance(skip, Skip) and "file is 107 bytes" in skip.reason


def test_articles_given_as_objects_are_capped_too(tmp_path: Path) -> None:
    from newsearch import Article

    body = "A sentence about Kursk and its long aftermath. " * 60_000  # ~2.8 MB
    big = Article(id="big", path="api", body=body)
    summary = build_index([big], tmp_path / "i", entities=False)
    assert any("over the" in w and "limit" in w for w in summary.warnings)
    with SearchEngine(tmp_path / "i") as engine:
        assert engine.stats().passages < 10_000
