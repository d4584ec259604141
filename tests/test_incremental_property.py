"""A property test (hypothesis) of incremental runs: any sequence of adds, edits, copies, moves,
folder renames and deletes, indexed run after run with and without --prune, loses no article
(after every run each text in the folder is indexed once, at a place that holds it) and, once
pruned, leaves the index equal to a fresh build of the final folder: the same articles (ids,
paths, titles, bodies) and the same passages.

Derandomized in CI (the same examples each run); ``NEWSEARCH_FUZZ_EXAMPLES=N`` explores N
random ones.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsearch import SearchEngine, build_index
from newsearch.index import store
from newsearch.models import IndexSummary

MARKER = re.compile(r"\bzq[a-z]{3}\b")
_LETTERS = "bcdfghjklmnpqrtvwxz"  # no vowels, no s or y: the stemmer leaves markers alone
NAMES = ("0.txt", "f1.txt", "f2.txt", "z.txt")
DIRS = ("", "a", "b", "a/x")

Op = tuple[Any, ...]
OPS = st.one_of(
    st.tuples(st.just("add"), st.integers(0, 9), st.integers(0, 9)),
    st.tuples(st.just("edit"), st.integers(0, 99)),
    st.tuples(st.just("copy"), st.integers(0, 99), st.integers(0, 9), st.integers(0, 9)),
    st.tuples(st.just("move"), st.integers(0, 99), st.integers(0, 9), st.integers(0, 9)),
    st.tuples(st.just("rename"), st.integers(0, 9)),
    st.tuples(st.just("delete"), st.integers(0, 99)),
    st.tuples(st.just("run"), st.booleans()),
)


def marker(i: int) -> str:
    a, b = divmod(i, len(_LETTERS))
    a, c = divmod(a, len(_LETTERS))
    return "zq" + _LETTERS[a % len(_LETTERS)] + _LETTERS[c] + _LETTERS[b]


@dataclass
class Folder:
    """The articles' folder, changed as a user would; ``top`` is renamed with the folder."""

    base: Path
    top: Path
    texts: itertools.count[int] = field(default_factory=itertools.count)
    tops: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def files(self) -> list[Path]:
        return sorted(p for p in self.top.rglob("*.txt") if p.is_file())

    def dirs(self) -> list[Path]:
        return [self.top, *sorted(p for p in self.top.rglob("*") if p.is_dir())]

    def story(self) -> str:
        w = marker(next(self.texts))
        return (
            f"Story {w} in the harbour\n\n"
            f"The council met about {w} on Monday. Its members argued for an hour. "
            f"Nothing was decided about the {w} budget.\n\n"
            f"A second meeting on {w} is planned. The mayor said little about it.\n"
        )

    def place(self, d: int, n: int) -> Path:
        folder = self.top / DIRS[d % len(DIRS)]
        folder.mkdir(parents=True, exist_ok=True)
        return folder / NAMES[n % len(NAMES)]

    def apply(self, op: Op) -> None:
        files = self.files()
        kind = op[0]
        if kind == "add":
            self.place(op[1], op[2]).write_text(self.story())
        elif kind == "rename":
            dirs = self.dirs()
            d = dirs[op[1] % len(dirs)]
            target = (
                self.base / f"top{next(self.tops)}" if d == self.top else d.with_name(f"r{op[1]}")
            )
            if not target.exists():
                d.rename(target)
                if d == self.top:
                    self.top = target
        elif files:
            f = files[op[1] % len(files)]
            if kind == "edit":
                f.write_text(self.story())
            elif kind == "delete":
                f.unlink()
            elif kind in ("copy", "move"):
                dest = self.place(op[2], op[3])
                if dest != f:
                    (shutil.copy if kind == "copy" else os.replace)(f, dest)


def run(folder: Folder, idx: Path, prune: bool) -> IndexSummary:
    s = build_index(folder.top, idx, entities=False, processes=1, prune=prune, confirm=True)
    assert s.read == s.indexed + s.updated + s.unchanged + s.duplicate + s.moved + len(s.skipped)
    assert not s.skipped, s.skipped
    return s


def indexed(idx: Path) -> dict[str, dict[str, Any]]:
    """id -> what the index holds of each article (its stored fields)."""
    ix = store.open_index(idx)
    try:
        with ix.searcher() as s:
            docs = {f["article_id"]: f for f in s.all_stored_fields()}
            assert s.doc_count() == len(docs)
    finally:
        ix.close()
    return docs


def article(fields: dict[str, Any]) -> tuple[Any, ...]:
    meta = fields["meta"]
    return (meta["path"], meta["title"], fields["body"], [p[:2] for p in meta["passages"]])


def mark(text: str) -> str:
    found = MARKER.search(text)
    assert found, text
    return found.group()


def holders(folder: Folder) -> dict[str, set[str]]:
    """marker -> the files holding its text."""
    out: dict[str, set[str]] = {}
    for f in folder.files():
        out.setdefault(mark(f.read_text()), set()).add(str(f))
    return out


def check_nothing_lost(folder: Folder, idx: Path, pruned: bool) -> None:
    """Each text in the folder indexed once, at a file holding it; with a prune, nothing more."""
    held = holders(folder)
    docs = {mark(fields["body"]): fields["meta"]["path"] for fields in indexed(idx).values()}
    assert len(docs) == len(indexed(idx)), "a text indexed twice"
    for m, path in docs.items():
        if Path(path).exists():
            assert path in held.get(m, ()), f"{path} indexed with another file's text"
        else:
            assert not pruned, f"{path} outlived a prune"
    lost = {m: sorted(paths) for m, paths in held.items() if docs.get(m) not in paths}
    assert not lost, f"lost: {lost}"


def check_equals_fresh_build(folder: Folder, idx: Path, tmp: Path) -> None:
    fresh = tmp / "fresh"
    run(folder, fresh, prune=False)
    ours, theirs = indexed(idx), indexed(fresh)
    copies = {m for m, paths in holders(folder).items() if len(paths) > 1}

    def unique(docs: dict[str, dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
        return {a: article(f) for a, f in docs.items() if mark(f["body"]) not in copies}

    def copied(docs: dict[str, dict[str, Any]]) -> list[tuple[Any, ...]]:
        # an article with copies stays where it was indexed first: all but its path
        return sorted(article(f)[1:] for f in docs.values() if mark(f["body"]) in copies)

    assert unique(ours) == unique(theirs)
    assert copied(ours) == copied(theirs)
    with SearchEngine(idx) as engine:  # the postings agree with the stored articles
        for aid, fields in ours.items():
            hits = engine.search(mark(fields["body"]), limit=20).results
            assert {h.article.id for h in hits} == {aid}


@settings(
    max_examples=int(os.environ.get("NEWSEARCH_FUZZ_EXAMPLES", "30")),
    deadline=None,
    derandomize=not os.environ.get("NEWSEARCH_FUZZ_EXAMPLES"),  # CI: the same examples each run
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=st.lists(OPS, min_size=1, max_size=14))
def test_incremental_runs_equal_a_fresh_build(tmp_path: Path, ops: list[Op]) -> None:
    base = tmp_path / f"case{next(_cases)}"
    base.mkdir()
    folder = Folder(base, base / "top0")
    folder.top.mkdir()
    for seed in range(3):
        folder.place(seed, seed).write_text(folder.story())
    idx = base / "idx"
    run(folder, idx, prune=False)
    for op in ops:
        if op[0] == "run":
            run(folder, idx, prune=op[1])
            check_nothing_lost(folder, idx, pruned=op[1])
        else:
            folder.apply(op)
    run(folder, idx, prune=True)
    check_nothing_lost(folder, idx, pruned=True)
    check_equals_fresh_build(folder, idx, base)
    shutil.rmtree(base)


_cases = itertools.count()
