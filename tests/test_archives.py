"""Compressed files and archives are read through the same readers as the files they hold
(issue 16): every member accounted for as ``archive.zip!inner/path``, bombs skipped while
streaming with memory bounded, archives nested one level deep, unchanged archives unchanged on
re-index; hidden entries and index folders counted apart."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import shutil
import tarfile
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from newsearch import SearchEngine, build_index
from newsearch.cli import app
from newsearch.ingest.readers import iter_items
from newsearch.models import Article, IndexSummary, Skip
from tests.conftest import SEED_000, SEED_002

runner = CliRunner()

STORY = "Glacier survey finds retreat\n\nThe glacier survey found the ice retreating faster.\n"
PAGE = (
    "<html><head><title>Lighthouse keepers return</title></head><body><article>"
    "<h1>Lighthouse keepers return</h1>"
    + "<p>The lighthouse keepers returned to the northern cape after automation.</p>" * 5
    + "</article></body></html>"
)
RECORDS = "\n".join(
    json.dumps({"headline": f"Harbour strike day {i}", "text": f"Dock workers walked out {i}."})
    for i in range(3)
)
MB = 1024 * 1024


def accounted(s: IndexSummary) -> int:
    return s.indexed + s.updated + s.unchanged + s.duplicate + s.moved + len(s.skipped)


def items(*paths: Path) -> tuple[dict[str, Article], dict[str, str]]:
    """The articles read (by path, and ``path#location`` for a record) and skips' reasons."""
    found: dict[str, Article] = {}
    skips: dict[str, str] = {}
    for item in iter_items(list(paths)):
        if isinstance(item, Article):
            found[f"{item.path}#{item.location}" if item.location else item.path] = item
        else:
            skips[item.path] = item.reason
    return found, skips


def cli_index(src: Path, index: Path, *extra: str) -> Result:
    """``newsearch index SRC --index INDEX --no-entities --no-vectors EXTRA...``"""
    args = ["index", str(src), "--index", str(index), "--no-entities", "--no-vectors", *extra]
    return runner.invoke(app, args)


def zeros_zip(path: Path, name: str, size: int) -> None:
    """A zip whose member ``name`` is ``size`` zero bytes, written in chunks (no big buffer)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z, z.open(name, "w") as member:
        for _ in range(size // MB):
            member.write(bytes(MB))


def test_a_gzipped_page_is_read_by_its_inner_name_and_content(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "page.html.gz").write_bytes(gzip.compress(PAGE.encode()))
    (tmp_path / "in" / "story.gz").write_bytes(gzip.compress(STORY.encode()))  # no inner suffix
    (tmp_path / "in" / "news.jsonl.xz").write_bytes(lzma.compress(RECORDS.encode()))
    (tmp_path / "in" / "more.jsonl.bz2").write_bytes(
        bz2.compress(RECORDS.replace("day", "d").encode())
    )
    # before: dropped from a walk without a word, and "binary file" when named
    found, skips = items(tmp_path / "in")
    assert skips == {}
    page = found[str(tmp_path / "in" / "page.html.gz")]
    assert page.title == "Lighthouse keepers return" and "northern cape" in page.body
    assert found[str(tmp_path / "in" / "story.gz")].title == "Glacier survey finds retreat"
    assert found[f"{tmp_path / 'in' / 'news.jsonl.xz'}#line 3"].title == "Harbour strike day 2"
    assert f"{tmp_path / 'in' / 'more.jsonl.bz2'}#line 1" in found
    named, _ = items(tmp_path / "in" / "page.html.gz")  # given by name, the same
    assert list(named) == [str(tmp_path / "in" / "page.html.gz")]


def test_zip_and_tarball_members_are_accounted_for_by_name(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    with zipfile.ZipFile(src / "bundle.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("inner/story.txt", STORY)
        z.writestr("inner/page.html", PAGE)
        z.writestr("inner/empty.txt", "")
        z.writestr("inner/README.md", "About this bundle.")
        z.writestr("__MACOSX/inner/._story.txt", b"\x00\x05\x16\x07")
        z.writestr("__MACOSX/inner/._page.html", b"\x00\x05\x16\x07")
        z.writestr(".DS_Store", b"\x00\x00\x00\x01Bud1")
    for name, mode in (("pages.tar.gz", "w:gz"), ("pages.tgz", "w:gz"), ("plain.tar", "w"),
                       ("x.tar.xz", "w:xz"), ("y.tar.bz2", "w:bz2")):  # fmt: skip
        with tarfile.open(src / name, mode) as t:
            data = STORY.replace("Glacier", f"Glacier {name}").encode()
            info = tarfile.TarInfo("docs/story.txt")
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
            link = tarfile.TarInfo("docs/link.txt")
            link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
            t.addfile(link)
    s = build_index(src, tmp_path / "i", entities=False, vectors=False)
    assert s.read == accounted(s)
    assert s.indexed == 2 + 5  # the zip's story and page, a story from each tarball
    reasons = {k.path: k.reason for k in s.skipped}
    assert "empty file" in reasons[f"{src}/bundle.zip!inner/empty.txt"]
    assert "documentation" in reasons[f"{src}/bundle.zip!inner/README.md"]
    assert "hidden" in reasons[f"{src}/bundle.zip!.DS_Store"]
    assert "hidden directory" in reasons[f"{src}/bundle.zip!__MACOSX/"]
    assert "link in the archive" in reasons[f"{src}/pages.tgz!docs/link.txt"]
    assert s.ignored == {"documentation": 1, "hidden": 3}  # .DS_Store, __MACOSX/ and its other
    with SearchEngine(tmp_path / "i") as engine:
        res = engine.search("glacier retreat", limit=10, mode="lexical")
    paths = {h.article.path for h in res.results}
    assert f"{src}/bundle.zip!inner/story.txt" in paths
    assert (
        f"{src}/pages.tar.gz!docs/story.txt" in paths and f"{src}/plain.tar!docs/story.txt" in paths
    )


def test_a_zip_bomb_is_skipped_with_its_reason_and_memory_stays_bounded(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    zeros_zip(src / "bomb.zip", "inner/bomb.txt", 300 * MB)  # ~300 KB on disk: over the limit
    zeros_zip(src / "dense.zip", "inner/dense.txt", 20 * MB)  # under the limit, ~1000:1
    with zipfile.ZipFile(src / "bomb.zip", "a") as z:
        z.writestr("inner/story.txt", STORY)
    with gzip.open(src / "zeros.txt.gz", "wb") as g:  # a stream: no size in any header
        for _ in range(200):
            g.write(bytes(MB))
    with tarfile.open(src / "bombs.tar.gz", "w:gz") as t:
        info = tarfile.TarInfo("a/zeros.txt")
        info.size = 50 * MB  # under the size limit: found by its ratio while streaming
        t.addfile(info, io.BytesIO(bytes(50 * MB)))
    shutil.copy(SEED_000, src)
    tracemalloc.start()
    try:
        s = build_index(src, tmp_path / "i", entities=False, vectors=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    reasons = {k.path: k.reason for k in s.skipped}
    bomb = reasons[f"{src}/bomb.zip!inner/bomb.txt"]
    assert "inner/bomb.txt" in bomb and "over the limit" in bomb and "--max-file-size" in bomb
    assert "100:1" in reasons[f"{src}/dense.zip!inner/dense.txt"]
    assert "100:1" in reasons[f"{src}/zeros.txt.gz"]  # no header says its size: found streaming
    assert "100:1" in reasons[f"{src}/bombs.tar.gz!a/zeros.txt"]
    assert s.indexed == 2 and s.read == accounted(s)  # the seed, and the story beside the bomb
    assert peak < 40 * MB, f"peak {peak / MB:.0f} MB while reading bombs of 20-300 MB"
    out = json.loads(cli_index(src, tmp_path / "j", "--json").stdout)
    assert "bomb.txt" in json.dumps(out["skips"]) and out["read"] == s.read


def test_archives_are_opened_one_level_deep(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("story.txt", STORY)
    deepest = io.BytesIO()
    with zipfile.ZipFile(deepest, "w") as z:
        z.writestr("deep.zip", inner.getvalue())
    with zipfile.ZipFile(tmp_path / "outer.zip", "w") as z:
        z.writestr("inner.zip", inner.getvalue())
        z.writestr("page.html.gz", gzip.compress(PAGE.encode()))
        z.writestr("middle.zip", deepest.getvalue())
    found, skips = items(tmp_path / "outer.zip")
    outer = tmp_path / "outer.zip"
    assert set(found) == {f"{outer}!inner.zip!story.txt", f"{outer}!page.html.gz"}
    assert skips.keys() == {f"{outer}!middle.zip!deep.zip"}
    assert "one level deep" in skips[f"{outer}!middle.zip!deep.zip"]


def test_an_unchanged_archive_is_unchanged_and_a_changed_member_updates(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()

    def write(story: str, extra: bool = True) -> None:
        with zipfile.ZipFile(src / "bundle.zip", "w") as z:
            z.writestr("a/story.txt", story)
            if extra:
                z.writestr("a/other.txt", "Ferry delays\n\nThe ferry was delayed by fog again.\n")

    write(STORY)
    (src / "page.html.gz").write_bytes(gzip.compress(PAGE.encode()))
    first = build_index(src, tmp_path / "i", entities=False, vectors=False)
    assert first.indexed == 3
    again = build_index(src, tmp_path / "i", entities=False, vectors=False)
    assert (again.read, again.unchanged, again.indexed, again.updated) == (3, 3, 0, 0)
    write(STORY.replace("faster", "more slowly"), extra=False)
    third = build_index(
        src, tmp_path / "i", entities=False, vectors=False, prune=True, confirm=True
    )
    assert (third.updated, third.unchanged, third.pruned) == (1, 1, 1)
    assert third.prunes == (f"{src}/bundle.zip!a/other.txt",)
    with SearchEngine(tmp_path / "i") as engine:
        assert engine.stats().articles == 2
        assert engine.search("slowly", mode="lexical").total == 1


def test_a_member_moved_out_of_an_archive_keeps_its_article(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    with zipfile.ZipFile(src / "bundle.zip", "w") as z:
        z.writestr("story.txt", STORY)
        z.writestr("other.txt", "Ferry delays\n\nThe ferry was delayed by fog again.\n")
    build_index(src, tmp_path / "i", entities=False, vectors=False)
    (src / "story.txt").write_text(STORY)  # unpacked beside the archive, still in it too
    s = build_index(src, tmp_path / "i", entities=False, vectors=False)
    assert (s.duplicate, s.unchanged, s.indexed) == (1, 2, 0)  # the copy is the duplicate
    with zipfile.ZipFile(src / "bundle.zip", "w") as z:  # now only in the folder
        z.writestr("other.txt", "Ferry delays\n\nThe ferry was delayed by fog again.\n")
    s = build_index(src, tmp_path / "i", entities=False, vectors=False, prune=True, confirm=True)
    assert s.pruned == 0 and s.read == accounted(s)
    with SearchEngine(tmp_path / "i") as engine:
        assert engine.stats().articles == 2


def test_a_damaged_archive_is_skipped_and_the_rest_indexed(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "broken.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    (src / "broken.tar.gz").write_bytes(gzip.compress(b"not a tarball at all")[:-6])
    (src / "notes.bz2").write_bytes(b"plain text, not bzip2")
    with zipfile.ZipFile(src / "locked.zip", "w") as z:
        z.writestr("s.txt", STORY)
    data = bytearray((src / "locked.zip").read_bytes())
    data[6] |= 1  # the local header's "encrypted" flag
    at = data.rfind(b"PK\x01\x02")
    data[at + 8] |= 1  # and the central directory's
    (src / "locked.zip").write_bytes(bytes(data))
    shutil.copy(SEED_002, src)
    s = build_index(src, tmp_path / "i", entities=False, vectors=False)
    reasons = {Path(k.path).name: k.reason for k in s.skipped}
    assert "cannot be read" in reasons["broken.zip"]
    assert "cannot be read" in reasons["broken.tar.gz"]
    assert "cannot be read" in reasons["notes.bz2"]
    assert "encrypted" in reasons["locked.zip!s.txt"]
    assert s.indexed == 1 and s.read == accounted(s) == 5


def test_hidden_entries_and_an_index_inside_the_input_are_counted_apart(tmp_path: Path) -> None:
    src = tmp_path / "in"
    (src / ".git" / "objects").mkdir(parents=True)
    (src / ".git" / "objects" / "x.txt").write_text("Not an article\n\nGit data.\n")
    (src / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (src / "README.md").write_text("About these files.")
    shutil.copy(SEED_000, src)
    build_index(SEED_002, src / "idx", entities=False, vectors=False)  # an index in the input
    out = json.loads(cli_index(src, tmp_path / "i", "--json").stdout)
    assert out["ignored"] == {"documentation": 1, "hidden": 2, "index": 1}
    counts = ("indexed", "updated", "unchanged", "duplicate", "moved", "skipped")
    assert out["read"] == sum(out[k] for k in counts) == 5  # each is a skip with its reason too
    assert {Path(k["path"]).name for k in out["skips"]} == {".git", ".DS_Store", "README.md", "idx"}
    text = cli_index(src, tmp_path / "i")
    assert "passed over by rule: 1 documentation, 2 hidden, 1 index" in text.output


@pytest.mark.parametrize("name", ["archive.7z", "archive.rar"])
def test_archives_of_other_kinds_are_skipped_with_a_reason(tmp_path: Path, name: str) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_bytes(b"7z\xbc\xaf\x27\x1c" + bytes(100))
    _, skips = items(tmp_path / "in")
    (reason,) = skips.values()
    assert "not read" in reason and "unpack" in reason


def test_a_member_path_reads_that_member(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "b.zip", "w") as z:
        z.writestr("x/one.txt", STORY)
        z.writestr("x/two.txt", "Ferry delays\n\nThe ferry was delayed by fog again.\n")
    found, skips = items(Path(f"{tmp_path}/b.zip!x/two.txt"))
    assert list(found) == [f"{tmp_path}/b.zip!x/two.txt"] and skips == {}
    s = build_index(f"{tmp_path}/b.zip!x/one.txt", tmp_path / "i", entities=False, vectors=False)
    assert s.indexed == 1
    assert isinstance(next(iter_items([tmp_path / "missing.zip!a.txt"])), Skip)


def test_text_moved_into_an_archive_is_moved_and_read_again_from_its_member(
    tmp_path: Path,
) -> None:
    """The member waits for its text's old file to be read (``deferred``); the run then reads
    that member again by its ``archive!member`` path to write it."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "z_story.txt").write_text(STORY)
    build_index(src, tmp_path / "i", entities=False, vectors=False)
    with zipfile.ZipFile(src / "bundle.zip", "w") as z:  # read first, the old file after it
        z.writestr("kept/story.txt", STORY)
    (src / "z_story.txt").write_text("Ferry delays\n\nThe ferry was delayed by fog again.\n")
    s = build_index(src, tmp_path / "i", entities=False, vectors=False)
    assert s.moves == ((f"{src}/bundle.zip!kept/story.txt", str(src / "z_story.txt")),)
    assert (s.moved, s.updated, len(s.skipped)) == (1, 1, 0)
    with SearchEngine(tmp_path / "i") as engine:
        (hit,) = engine.search("glacier", mode="lexical").results
    assert hit.article.path == f"{src}/bundle.zip!kept/story.txt"
