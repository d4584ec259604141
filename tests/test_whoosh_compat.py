"""newsearch's uses of Whoosh's internals (whoosh_compat.py): the speed-ups stay, but only for
the indexes newsearch opens and writes; a host application's own Whoosh is left as it was."""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage

from newsearch import NewsearchError, SearchEngine, build_index
from newsearch.errors import WhooshVersionError
from newsearch.index import store, whoosh_compat, whoosh_writing
from newsearch.index.view_file import ViewFile
from newsearch.index.whoosh_compat import check_whoosh
from newsearch.models import Article
from tests.conftest import SEEDS

HOST = """
import io, sys
import whoosh.codec.whoosh3 as w3
import whoosh.filedb.structfile as sf
from whoosh.fields import Schema, TEXT
from whoosh.filedb.filestore import RamStorage

def methods():
    return (sf.BufferFile.__init__, sf.BufferFile.subset, w3.W3PerDocReader._cached_reader,
            w3.W3Codec.per_document_reader, w3.W3Codec.field_writer, w3.W3FieldWriter.start_term)

before = methods()
from newsearch import SearchEngine, build_index
build_index(sys.argv[1], sys.argv[2], entities=False)
with SearchEngine(sys.argv[2]) as engine:
    assert engine.search("Kursk casualties", facets=True).results
    assert engine.search("", sort="newest").results
assert methods() == before, "a Whoosh class was changed"

storage = RamStorage()  # the host's own Whoosh: files in memory, written and read back
f = storage.create_file("notes")
f.write(b"written by the host")
f.close()
back = storage.open_file("notes")
assert isinstance(back.file, io.BytesIO) and back.file.getvalue() == b"written by the host"
back.write(b"!")
ix = storage.create_index(Schema(body=TEXT(stored=True)))
with ix.writer() as w:
    w.add_document(body="a harbour in the host's own index")
with ix.searcher() as s:
    found = [hit["body"] for hit in s.find("body", "harbour")]
assert found == ["a harbour in the host's own index"], found
print("ok")
"""


def test_a_hosts_own_whoosh_is_untouched_by_indexing_and_searching(tmp_path: Path) -> None:
    """In a fresh process: no Whoosh method is replaced by importing newsearch, indexing or
    searching, and the host's RamStorage files still write and read (getvalue, write)."""
    out = subprocess.run(
        [sys.executable, "-c", HOST, str(SEEDS), str(tmp_path / "idx")],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("ok")


def _part(storage: object) -> object:
    """A part (the term table) of the segment whose files ``storage`` holds, opened."""
    name = next(n for n in storage.list() if n.endswith(".trm"))  # type: ignore[attr-defined]
    return storage.open_file(name)  # type: ignore[attr-defined]


def test_an_index_newsearch_opens_reads_segment_parts_in_place(seed_index: Path) -> None:
    """Each part of a compound segment file is a view of the mapped file, not a BytesIO copy
    (at 216k articles: 105 MB for a query process instead of 1.28 GB); the same index opened
    by the host's Whoosh still gets Whoosh's own copies."""
    gen = store.current_generation(seed_index)
    assert gen is not None
    ours, theirs = store.open_index(seed_index), whoosh_index.open_dir(str(gen))
    with ours.searcher() as mine, theirs.searcher() as host:
        (leaf,) = [sub.reader() for sub, _ in mine.leaf_searchers()]
        (host_leaf,) = [sub.reader() for sub, _ in host.leaf_searchers()]
        assert leaf.segment().is_compound()
        part, host_part = _part(leaf.storage()), _part(host_leaf.storage())
        assert isinstance(part.file, ViewFile)  # type: ignore[attr-defined]
        assert isinstance(host_part.file, io.BytesIO)  # type: ignore[attr-defined]
        assert part.read() == host_part.read()  # type: ignore[attr-defined]
        assert mine.doc_count() == host.doc_count() == 5
    ours.close()
    theirs.close()


def test_the_in_place_stream_reads_as_whoosh_reads_its_copies() -> None:
    """The same bytes, pickles and lines as BytesIO, wherever the stream is moved."""
    data = b"".join(pickle.dumps((i, "x" * (i % 7), [i] * (i % 5)), 2) for i in range(200))
    data += b"line one\nline two\nend"
    view, copy = ViewFile(memoryview(data)), io.BytesIO(data)
    for _ in range(200):
        assert pickle.load(view) == pickle.load(copy) and view.tell() == copy.tell()
    assert view.readline() == copy.readline() and view.read(3) == copy.read(3)
    assert view.readline(2) == copy.readline(2) and list(view) == list(copy)
    for pos, whence in [(5, 0), (3, 1), (-4, 2), (0, 2)]:
        assert view.seek(pos, whence) == copy.seek(pos, whence)
        assert view.read() == copy.read()


def test_flushing_a_segment_looks_for_an_absent_column_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whoosh looks for the length column of a field without lengths (``source``, an ID) on
    disk for each of the field's postings when it writes a segment; newsearch's writer asks
    once a segment (a third of indexing time at scale)."""
    asked: list[str] = []
    exists = FileStorage.file_exists

    def counting(self: FileStorage, name: str) -> bool:
        if "_source_len" in name:
            asked.append(name)
        return bool(exists(self, name))

    monkeypatch.setattr(FileStorage, "file_exists", counting)
    articles = [
        Article(id=f"a{i}", path=f"a/{i}.txt", body=f"Grain {i}.", source=f"S{i % 40}")
        for i in range(200)
    ]
    build_index(articles, tmp_path, entities=False, processes=1)  # (flushed in this process)
    assert 1 <= len(asked) <= 2, len(asked)  # (200 without: one per posting)


def test_another_whoosh_version_is_refused_with_the_fix(
    seed_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    check_whoosh()  # the installed one is the one pinned
    with pytest.raises(WhooshVersionError, match=r"found 2\.7\.4\).*whoosh-reloaded==2\.7\.5"):
        check_whoosh("2.7.4")
    monkeypatch.setattr(whoosh_compat, "installed_whoosh", lambda: "2.8.0")
    with pytest.raises(NewsearchError, match=r"pip install whoosh-reloaded==2\.7\.5"):
        SearchEngine(seed_index)
    with pytest.raises(WhooshVersionError):
        build_index([], seed_index.parent / "other", entities=False)


def _postings_and_lengths(ix_dir: Path) -> tuple[dict[tuple[str, bytes], list], dict]:
    """Every term's postings (document, weight, positions) and every document's field
    lengths, read through Whoosh's public API."""
    ix = whoosh_index.open_dir(str(ix_dir))
    postings: dict[tuple[str, bytes], list] = {}
    lengths: dict[tuple[int, str], int] = {}
    with ix.searcher() as s:
        r = s.reader()
        for field in ("text", "title"):
            for btext in r.lexicon(field):
                m = r.postings(field, btext)
                postings[(field, btext)] = [
                    (m.id(), m.weight(), tuple(m.value_as("positions"))) for _ in m.all_ids()
                ]
            for d in range(r.doc_count_all()):
                lengths[(d, field)] = r.doc_field_length(d, field)
    return postings, lengths


def test_postings_and_lengths_read_back_as_plain_whooshs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """newsearch's writer leaves small posting blocks uncompressed and reads field lengths a
    column at a time while flushing: what Whoosh reads back is what its own writer gives,
    for rare words (a block of one or two postings) and common ones (many blocks)."""
    articles = [
        Article(
            id=f"a{i}",
            path=f"a/{i}.txt",
            title=f"Grain report {i % 7}",
            body=" ".join(["wheat"] * (1 + i % 5) + [f"rare{i}", "barley", "grain"] * (i % 3 + 1)),
        )
        for i in range(400)
    ]
    build_index(articles, tmp_path / "ours", entities=False, vectors=False, processes=1)
    ours = _postings_and_lengths(store.current_generation(tmp_path / "ours"))
    # The same articles through Whoosh's own codec and per-document reader.
    monkeypatch.setattr(whoosh_writing.TeeCodec, "postings_writer", W3Codec.postings_writer)
    monkeypatch.setattr(whoosh_writing.TeeCodec, "per_document_reader", W3Codec.per_document_reader)
    build_index(articles, tmp_path / "plain", entities=False, vectors=False, processes=1)
    plain = _postings_and_lengths(store.current_generation(tmp_path / "plain"))
    assert ours[0][("text", b"wheat")] and ours[0][("text", b"rare7")]
    assert ours == plain


def test_small_posting_blocks_are_left_uncompressed(tmp_path: Path) -> None:
    """A block of a few postings is stored as it is (zlib costs more than it saves there);
    a large block is still compressed."""
    articles = [
        Article(id=f"a{i}", path=f"a/{i}.txt", body=f"wheat rare{i // 2} copy{i}")
        for i in range(300)
    ]
    build_index(articles, tmp_path, entities=False, vectors=False, processes=1)
    ix = whoosh_index.open_dir(str(store.current_generation(tmp_path)))
    with ix.searcher() as s:
        r = s.reader()
        small = r.postings("text", b"rare3")
        large = r.postings("text", b"wheat")
        assert small._compression == 0
        assert large._compression > 0
        assert len(list(small.all_ids())) == 2 and len(list(large.all_ids())) == 300


def test_text_postings_are_the_analyzers_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NewsPositions makes the text fields' postings without Whoosh's token objects: the
    terms, frequencies and positions are those Whoosh's Positions format makes through the
    analyzer (stop words, possessives, acronyms, accents, apostrophes, numbers)."""
    from whoosh.formats import Positions

    from newsearch.index.text_format import NewsPositions

    bodies = [
        "The U.S. and Russia's talks on Kyiv’s grain: 3.5 mln tonnes, said Zelenskyy.",
        "Économie: the café's owner didn't say; it was the 2nd time. O'Neill wasn't there.",
        "Kursk casualties and the war in the Kursk region, the war of the words.",
    ]
    articles = [
        Article(id=f"a{i}", path=f"a/{i}.txt", title=f"Title {i}: the U.N.'s view", body=b)
        for i, b in enumerate(bodies)
    ]
    build_index(articles, tmp_path / "fast", entities=False, vectors=False, processes=1)
    fast = _postings_and_lengths(store.current_generation(tmp_path / "fast"))
    monkeypatch.setattr(NewsPositions, "word_values", Positions.word_values)
    build_index(articles, tmp_path / "slow", entities=False, vectors=False, processes=1)
    slow = _postings_and_lengths(store.current_generation(tmp_path / "slow"))
    assert fast[0][("text", b"kursk")] == [(2, 2.0, (4, 7))]  # after the title's 4 terms
    assert fast == slow
