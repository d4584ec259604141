"""Which indexed article each item of a run is, so that moved and renamed files keep theirs.

An item read is judged by its id first, then by its text:

- **Ids.** An article's id is its source's own (front matter ``id:``, a JSON ``id``, Reuters'
  NEWID, the id of an ``Article`` passed in) or else derived from where it is read: the resolved
  path and the record's place in the file (``readers/ids.py``). A derived id is a function of
  the place, so an index updated run after run equals a fresh build of the same files, ids
  included, and a rebuild never changes an id. A moved file with a derived id takes the id of
  its new place: keeping the old one would make it stand for two places (and the old place's
  next file would need another), and the next rebuild would change it anyway. A source's own id
  follows its article wherever the file goes: give ids in the source to keep them across moves.
- **Text.** An item whose text (``norm_hash``: title and body whatever their case and spacing)
  is indexed under another id, at a place that no longer holds it (the file is gone, or was read
  this run without it), is that article moved to a new place: ``moved``, its document rewritten
  there, its stored entities reused without extracting them again, as nothing indexed changed
  (``content_hash``). Moved and edited, it is ``updated`` when its text is the same up to case
  and spacing (only metadata changed); with new text it is a new article (``indexed``) and the
  old one is pruned like a deleted file's. An article whose source id stays is ``moved`` or
  ``updated`` by its id. Where the old place still exists but has not been read yet, the item
  waits (``deferred``) for the end of the run's reading: the old place then turns out to hold
  the text still (the item is a copy: ``duplicate``) or not (a move).
- **Archives.** An archive member's place is ``archive.zip!inner/path`` (``readers/
  archives.py``): it exists while its archive does, and its archive read to the end without
  it no longer holds it. An unchanged archive's articles are ``unchanged`` like a file's.
- **Copies.** Within a run the first item read of a text is kept and later ones are duplicates;
  an article already indexed is kept over a copy of it read later.

Every indexed article a run reads is claimed (by id, or by its text moving elsewhere). A prune
removes only the articles left unclaimed whose place no longer holds them (file gone, or read
without them), so no text that is anywhere in the input is pruned.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from newsearch.index import keys, passage_terms
from newsearch.ingest.document import (
    ENTITY_KINDS,
    build_document,
    content_hash,
    norm_hash,
    passage_terms_value,
)
from newsearch.ingest.readers.containers import container_of
from newsearch.models import Article

Place = tuple[str, str | None]  # (absolute path, record location in the file)
Kind = Literal["indexed", "updated", "unchanged", "moved", "duplicate", "deferred"]


@dataclass(frozen=True)
class Key:
    """An article as the ledger judges it: an item read, or one the index holds."""

    id: str
    hash: str  # content_hash: anything indexed of it changed
    norm: str  # norm_hash: its text
    path: str  # as given, for display
    location: str | None  # of the record in the file
    abspath: str  # where the file is (was, for a stored article), whatever the working directory

    @property
    def place(self) -> Place:
        return self.abspath, self.location

    @property
    def where(self) -> str:
        """``path[:record]``, as shown to the user."""
        return f"{self.path}:{self.location}" if self.location else self.path

    @classmethod
    def of_article(cls, a: Article) -> Key:
        return cls(a.id, content_hash(a), norm_hash(a), a.path, a.location, os.path.abspath(a.path))

    @classmethod
    def of_document(cls, fields: Mapping[str, Any]) -> Key:
        """An indexed article's key, from its stored fields (an index from before "abspath"
        was stored: the path as given, taken from the working directory)."""
        meta = fields["meta"]
        path = meta["path"]
        abspath = os.path.abspath(meta.get("abspath", path))
        return cls(
            fields["article_id"],
            fields["hash"],
            fields["norm"],
            path,
            meta.get("location"),
            abspath,
        )


@dataclass(frozen=True)
class Decision:
    """What a run does with an item: count it as ``kind``; delete the documents of ``delete``;
    then, if ``write``, write the item's document (with the stored entities of ``relocate``, an
    article of the same content, instead of extracting them). ``other`` is where the article
    kept is (a duplicate) or where the article was (moved)."""

    kind: Kind
    write: bool = False
    delete: tuple[str, ...] = ()
    relocate: str | None = None
    other: str | None = None


class Ledger:
    """The index's articles at the start of a run, and what the run has decided about them."""

    def __init__(self, stored: Iterable[Key]) -> None:
        self.stored: dict[str, Key] = {}
        self.by_norm: dict[str, list[str]] = {}
        for s in stored:
            self.stored[s.id] = s
            self.by_norm.setdefault(s.norm, []).append(s.id)
        self.seen: set[str] = set()  # ids read this run
        self.claimed: set[str] = set()  # stored ids whose fate this run has decided
        self.kept: dict[str, tuple[str, str]] = {}  # text -> (id, where) of its article
        self.left: dict[str, Key] = {}  # text -> the stored article it left this run
        self.files_read: set[str] = set()
        self.current: str | None = None  # the file (or archive member) being read
        self.current_file: str | None = None  # the file on disk being read
        self.deferred: list[Key] = []

    def judge(self, item: Key) -> Decision:
        """Decide an item as it is read (``deferred``: decided by ``settle``)."""
        self.seen.add(item.id)
        if item.place[0] != self.current:
            self.current = item.place[0]
            self.files_read.add(self.current)
            # an archive member's place is in a file on disk: that file is being read
            self.current_file = container_of(self.current) or self.current
            self.files_read.add(self.current_file)
        decision = self._decide(item, final=False)
        if decision.kind == "deferred":
            self.deferred.append(item)
        return decision

    def settle(self) -> Iterator[tuple[Key, Decision]]:
        """Once every item is read: the deferred ones' decisions, in the order read."""
        self.current = self.current_file = None
        deferred, self.deferred = self.deferred, []
        for item in deferred:
            yield item, self._decide(item, final=True)

    def prunable(self) -> list[Key]:
        """The stored articles no item claimed whose place no longer holds them (after
        ``settle``), in the index's order."""
        return [
            s
            for s in self.stored.values()
            if s.id not in self.claimed and s.id not in self.seen and self._vacated(s)
        ]

    def _decide(self, item: Key, final: bool) -> Decision:
        own = self.stored.get(item.id)
        if own is not None and own.id in self.claimed:
            own = None  # its document went with an article that moved
        kept = self.kept.get(item.norm)
        if kept is not None and kept[0] != item.id:
            return Decision("duplicate", delete=self._drop(own, item.norm), other=kept[1])
        if own is not None and own.hash == item.hash and own.place == item.place:
            self.claimed.add(own.id)
            self.kept[item.norm] = (item.id, item.where)
            return Decision("unchanged")
        holder = self._holder(item)
        if holder is not None:
            if self._vacated(holder):
                return self._move(item, own, holder)
            if not final:
                return Decision("deferred")
            # its file is still there and was not read this run: the item is a copy of it
            self.claimed.add(holder.id)
            self.kept[item.norm] = (holder.id, holder.where)
            return Decision("duplicate", delete=self._drop(own, item.norm), other=holder.where)
        self.kept[item.norm] = (item.id, item.where)
        delete = self._drop(own, item.norm)
        was = self.left.get(item.norm)
        if was is not None and was.id != item.id:  # its text left another place this run
            kind: Kind = "moved" if was.hash == item.hash else "updated"
            return Decision(kind, write=True, delete=delete, other=was.where)
        if own is None:
            return Decision("indexed", write=True)
        if own.hash == item.hash:  # the source's own id, at a new place
            return Decision("moved", True, delete, relocate=own.id, other=own.where)
        return Decision("updated", write=True, delete=delete)

    def _move(self, item: Key, own: Key | None, holder: Key) -> Decision:
        """``item`` is ``holder`` moved (and, where its own id was indexed, put in its place)."""
        self.claimed.add(holder.id)
        delete = (holder.id, *self._drop(own, item.norm))
        self.kept[item.norm] = (item.id, item.where)
        if holder.hash == item.hash:
            return Decision("moved", True, delete, relocate=holder.id, other=holder.where)
        return Decision("updated", write=True, delete=delete, other=holder.where)

    def _drop(self, own: Key | None, norm: str) -> tuple[str, ...]:
        """Claim the item's own stored article, replaced this run: its document goes."""
        if own is None:
            return ()
        self.claimed.add(own.id)
        if own.norm != norm:
            self.left.setdefault(own.norm, own)
        return (own.id,)

    def _holder(self, item: Key) -> Key | None:
        """Another indexed article with the item's text, not claimed yet."""
        for aid in self.by_norm.get(item.norm, ()):
            if aid != item.id and aid not in self.claimed:
                return self.stored[aid]
        return None

    def _vacated(self, s: Key) -> bool:
        """Whether ``s``'s place no longer holds it: its id was read with other text, its
        file was read to the end without it, or the file is gone."""
        if s.id in self.seen:
            return True
        path = s.place[0]
        if path in self.files_read and path != self.current:
            return True
        if os.path.exists(path):
            return False
        outer = container_of(path)  # an archive member: judged by its archive
        if outer is None:
            return True
        return outer in self.files_read and outer != self.current_file


def relocated_document(
    a: Article, stored: Mapping[str, Any] | None, hashes: tuple[str, str]
) -> dict[str, Any]:
    """The document of an article moved with nothing indexed changed (``stored``: its stored
    fields at its old place): built afresh at its new place, its entities (the article's and
    each passage's) and passages taken from ``stored`` rather than extracted again."""
    doc = build_document(a, (), hashes)
    if stored is None:  # (not expected: the run claims a document before relocating it)
        return doc
    meta = stored["meta"]
    records = meta["entities"]
    fresh = [(p[0], p[1]) for p in doc["meta"]["passages"]]
    doc["meta"].update(entities=records, passages=meta["passages"])
    doc["passages"] = " ".join("p" for _ in meta["passages"])
    bounds = [(p[0], p[1]) for p in meta["passages"]]
    if bounds != fresh:  # (the stored passages were split otherwise: their own terms)
        doc[passage_terms.FIELD] = passage_terms_value(a, bounds, doc["language"])
    for kind in ENTITY_KINDS:
        doc.pop(kind, None)
        terms = keys.keyword_value(sorted({key for t, _, key in records if t == kind}))
        if terms:
            doc[kind] = terms
    return doc
