"""The Whoosh schema: one document per article.

An article document carries its text (title and body, with positions, for phrases), its title
again on its own (for ``title:word``), the filter fields, and stored metadata: the body, its
passages' offsets and entities, content hashes.
Passages are not documents of their own: the engine scores the passages of the best articles
when it answers (engine.py), which halves the postings written and the documents searched.
"""

from __future__ import annotations

from typing import Any

from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from newsearch.text.analysis import news_analyzer

FORMAT_VERSION = 4

TEXT_FIELDS = ("text", "title")  # the body and the headline
ENTITY_FIELDS = ("person", "org", "place")
FILTER_FIELDS = ("source", "date", *ENTITY_FIELDS, "topic")


def _patch_whoosh_length_reader() -> None:
    """Whoosh 2.7.5 looks for a field's length column on disk (a stat call) for every posting of
    a field that has none (ID, KEYWORD, DATETIME) when it flushes a segment; that was a third of
    indexing time here. Remember the absence too: segment files never change once written.
    """
    from whoosh.codec import whoosh3

    reader = whoosh3.W3PerDocReader
    if getattr(reader, "_newsearch_patched", False):
        return

    def _cached_reader(self: Any, fieldname: str, column: Any) -> Any:
        try:
            return self._readers[fieldname]
        except KeyError:
            found = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
            self._readers[fieldname] = found
            return found

    reader._cached_reader = _cached_reader
    reader._newsearch_patched = True


_patch_whoosh_length_reader()


class _ViewFile:
    """A read-only file over a memoryview, without copying it (see _patch_whoosh_buffer_file)."""

    def __init__(self, buf: memoryview) -> None:
        self._buf = buf
        self._pos = 0

    def read(self, n: int | None = -1) -> bytes:
        end = len(self._buf) if n is None or n < 0 else min(self._pos + n, len(self._buf))
        out = bytes(self._buf[self._pos : end])
        self._pos = max(end, self._pos)
        return out

    def peek(self, n: int = 1) -> bytes:  # lets pickle.load read ahead: two calls a pickle
        return bytes(self._buf[self._pos : self._pos + max(n, 1)])

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def readline(self, limit: int | None = -1) -> bytes:
        end, size = self._pos, len(self._buf)
        stop = size if limit is None or limit < 0 else min(size, self._pos + limit)
        while end < stop and self._buf[end] != 10:  # b"\n"
            end += 1
        return self.read(min(end + 1, stop) - self._pos)

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    def seek(self, pos: int, whence: int = 0) -> int:
        base = (0, self._pos, len(self._buf))[whence]
        self._pos = max(0, base + pos)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        pass


def _patch_whoosh_buffer_file() -> None:
    """Whoosh 2.7.5 opens each part of a segment's compound file (mapped into memory) as a
    BufferFile whose stream is ``BytesIO(buffer)``: a copy of the whole part. Opening an index
    of 216k articles copied ~1 GB (a query process peaked at 1.3 GB, and 0.5 s of its start).
    The stream now reads the mapped buffer in place."""
    from whoosh.filedb import structfile

    cls = structfile.BufferFile
    if getattr(cls, "_newsearch_patched", False):
        return

    def __init__(self: Any, buf: Any, name: str | None = None, onclose: Any = None) -> None:
        self._buf = buf
        self._name = name
        self.file = _ViewFile(memoryview(buf))
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    cls.__init__ = __init__
    cls._newsearch_patched = True


_patch_whoosh_buffer_file()


def build_schema() -> Schema:
    analyzer = news_analyzer()
    return Schema(
        article_id=ID(stored=True, unique=True),
        text=TEXT(analyzer=analyzer, phrase=True),
        title=TEXT(analyzer=analyzer, phrase=True),
        source=ID(),
        date=ID(),  # YYYYMMDD: one term a document, ranges by TermRange
        newest=COLUMN(),  # sort keys (see ingest.date_fields): columns, not terms
        oldest=COLUMN(),
        person=KEYWORD(commas=True, scorable=False),
        org=KEYWORD(commas=True, scorable=False),
        place=KEYWORD(commas=True, scorable=False),
        topic=KEYWORD(commas=True, scorable=False),
        # Stored only: the body, passage offsets and entities, article metadata, content hashes.
        # Its length is the article's number of passages, so the index knows the average passage
        # length (field_length("text") / field_length("passages")) for scoring passages.
        passages=KEYWORD(scorable=True),
        body=STORED(),
        meta=STORED(),
        hash=STORED(),
        norm=STORED(),
    )
