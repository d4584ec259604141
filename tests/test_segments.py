"""The SegmentView (index/segments.py) against Whoosh's public API, with and without copies
of postings, over an index of two segments with deleted documents."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from whoosh.searching import Searcher

from newsearch import build_index
from newsearch.index import postings_copy, store
from newsearch.index.segments import SegmentView
from newsearch.models import Article

WORDS = "ship port grain wheat oil price rise fall bank rate".split()


def _articles(ids: range, seed: int) -> Iterator[Article]:
    rng = random.Random(seed)
    for i in ids:
        yield Article(
            id=f"v{i}",
            path=f"view/{i}.txt",
            title=" ".join(rng.sample(WORDS, 2)),
            body=" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 40))) + ".",
            source=rng.choice(["Wire", "Daily", None]),
            date=None if i % 7 == 0 else dt.date(2024, 1, 1) + dt.timedelta(days=i % 90),
            tags=tuple(("place", p) for p in rng.sample(["uk", "peru", "japan"], i % 3)),
        )


@pytest.fixture(scope="module", params=["copied", "whoosh"])
def index(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    path = tmp_path_factory.mktemp("view")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(postings_copy, "MIN_DF", 1 if request.param == "copied" else 10**9)
        if request.param != "copied":
            mp.setattr(postings_copy, "COMPLETE_FIELDS", ())
        build_index(list(_articles(range(80), 1)), path, entities=False)
        build_index(list(_articles(range(60, 110), 2)), path, entities=False)  # 60-79 changed
    return path


@pytest.fixture()
def searcher(index: Path) -> Iterator[Searcher]:
    ix = store.open_index(index)
    with ix.searcher() as s:
        assert len(s.leaf_searchers()) >= 2
        yield s
    ix.close()


def test_live_documents_and_field_lengths(index: Path, searcher: Searcher) -> None:
    view = SegmentView(searcher, store.current_generation(index))
    reader = searcher.reader()
    n = searcher.doc_count_all()
    assert view.doc_count == n and view.live.tolist() == [
        not reader.is_deleted(d) for d in range(n)
    ]
    assert int(view.live.sum()) == searcher.doc_count() == 110
    for field in ("text", "title", "source"):
        expected = [searcher.doc_field_length(d, field, 0) or 0 for d in range(n)]
        assert view.field_lengths(field).tolist() == expected


def test_postings_and_masks(index: Path, searcher: Searcher) -> None:
    view = SegmentView(searcher, store.current_generation(index))
    reader = searcher.reader()
    for field, word in [("text", "grain"), ("title", "oil"), ("place", "peru"), ("text", "nil")]:
        btext = word.encode()
        held = sorted(reader.postings(field, btext).all_ids()) if (field, btext) in reader else []
        docs = view.term_docs(field, btext)
        assert docs[view.live[docs]].tolist() == held
        parts = [view.postings(seg, field, btext)[0] + off for seg, off in enumerate(view.offsets)]
        assert np.concatenate(parts).tolist() == docs.tolist()
        mask = view.terms_mask([(field, btext), ("source", b"wire")])
        wire = set(reader.postings("source", b"wire").all_ids())
        assert set(np.flatnonzero(mask & view.live).tolist()) == set(held) | wire


def test_field_values_and_columns(index: Path, searcher: Searcher) -> None:
    view = SegmentView(searcher, store.current_generation(index))
    reader = searcher.reader()
    keys, docs, codes = view.field_values("place")
    pairs = {(int(d), keys[c]) for d, c in zip(docs, codes, strict=True) if view.live[d]}
    expected = {
        (d, value.decode())
        for value in reader.lexicon("place")
        for d in reader.postings("place", value).all_ids()
    }
    assert pairs == expected and expected
    none = view.field_values("no such field")
    assert none[0] == [] and not len(none[1]) and not len(none[2])
    newest = view.column("newest")
    per_leaf = []
    for sub, _ in searcher.leaf_searchers():
        leaf = sub.reader()
        count = leaf.doc_count_all()
        per_leaf += (
            list(leaf.column_reader("newest")) if leaf.has_column("newest") else [b""] * count
        )
    assert newest.tolist() == per_leaf and len(newest) == searcher.doc_count_all()
    assert view.stored_fields(0) == searcher.stored_fields(0)


@pytest.mark.parametrize("size", [256, 384, 512])
def test_column_heads_are_each_values_first_bytes(
    index: Path, searcher: Searcher, size: int
) -> None:
    """Read at once (the vectors of every article when a searcher first ranks by meaning),
    the heads equal what Whoosh's column reader gives value by value."""
    view = SegmentView(searcher, store.current_generation(index))
    heads, whole = view.column_heads("vectors", size)
    values: list[bytes] = []
    for sub, _ in searcher.leaf_searchers():
        leaf = sub.reader()
        count = leaf.doc_count_all()
        values += (
            list(leaf.column_reader("vectors")) if leaf.has_column("vectors") else [b""] * count
        )
    assert len(values) == searcher.doc_count_all() == len(heads) == len(whole)
    expected = [len(v) >= size and len(v) % size == 0 for v in values]
    assert whole.tolist() == expected and (any(expected) or size != 256)
    for value, head, ok in zip(values, heads, whole, strict=True):
        assert head.tobytes() == (value[:size] if ok else bytes(size))
    assert view.column_value("vectors", 3) == values[3]
