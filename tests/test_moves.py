"""Moved and renamed files keep their articles; a prune removes only text that is nowhere in the
input any more, says which with a dry run, and asks before it removes over half the index."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsearch import SearchEngine, build_index
from newsearch.cli import app
from newsearch.index import store
from newsearch.ingest.pipeline import PruneNotConfirmedError
from newsearch.ingest.readers.ids import make_id
from newsearch.models import Entity, IndexSummary, Mention
from tests.conftest import SEED_001

runner = CliRunner()
# words found in one seed only
ONLY_IN_001 = "Belgorod"


def accounted(s: IndexSummary) -> int:
    return s.indexed + s.updated + s.unchanged + s.duplicate + s.moved + len(s.skipped)


def index(folder: Path, idx: Path, **options: object) -> IndexSummary:
    summary = build_index(folder, idx, entities=False, processes=1, **options)  # type: ignore[arg-type]
    assert accounted(summary) == summary.read
    return summary


def articles(idx: Path) -> dict[str, tuple[str, str | None]]:
    """path -> (id, title) of every article in the index (as stored, deletions left out)."""
    ix = store.open_index(idx)
    try:
        with ix.searcher() as s:
            found = {
                f["meta"]["path"]: (f["article_id"], f["meta"]["title"])
                for f in s.all_stored_fields()
            }
            assert s.doc_count() == len(found)
    finally:
        ix.close()
    return found


def paths_of(idx: Path, word: str) -> list[str]:
    with SearchEngine(idx) as engine:
        return sorted(
            {h.article.path for h in engine.search(word, limit=50, mode="lexical").results}
        )


def test_a_file_moved_into_a_sub_folder_keeps_its_article_under_prune(
    seeds_copy: Path, tmp_path: Path
) -> None:
    idx = tmp_path / "i"
    index(seeds_copy, idx)
    (seeds_copy / "archive").mkdir()
    old, new = seeds_copy / SEED_001.name, seeds_copy / "archive" / SEED_001.name
    old.rename(new)
    run = index(seeds_copy, idx, prune=True)
    assert (run.moved, run.unchanged, run.duplicate, run.pruned) == (1, 4, 0, 0)
    assert run.moves == ((str(new), str(old)),)
    assert len(articles(idx)) == 5
    assert paths_of(idx, ONLY_IN_001) == [str(new)]
    # its id is the one its new place gives: what a fresh build would give it
    assert articles(idx)[str(new)][0] == make_id(new)
    again = index(seeds_copy, idx, prune=True)
    assert (again.unchanged, again.moved, again.pruned) == (5, 0, 0)


def test_a_renamed_folder_keeps_every_article(seeds_copy: Path, tmp_path: Path) -> None:
    idx = tmp_path / "i"
    index(seeds_copy, idx)
    before = articles(idx)
    renamed = seeds_copy.rename(tmp_path / "renamed")
    run = index(renamed, idx, prune=True)
    assert (run.moved, run.pruned, run.duplicate, run.indexed) == (5, 0, 0, 0)
    after = articles(idx)
    assert sorted(Path(p).name for p in after) == sorted(Path(p).name for p in before)
    assert all(p.startswith(str(renamed)) for p in after)
    assert sorted(str(t) for _, t in after.values()) == sorted(str(t) for _, t in before.values())


def test_cli_reports_moves_in_json_and_counts_add_up(seeds_copy: Path, tmp_path: Path) -> None:
    idx = str(tmp_path / "i")
    base = ["--index", idx, "--no-entities", "--json"]
    assert runner.invoke(app, ["index", str(seeds_copy), *base]).exit_code == 0
    renamed = seeds_copy.rename(tmp_path / "renamed")
    r = runner.invoke(app, ["index", str(renamed), *base, "--prune"])
    out = json.loads(r.stdout)
    keys = ("indexed", "updated", "unchanged", "duplicate", "skipped", "moved")
    assert sum(out[k] for k in keys) == out["read"] == out["moved"] == 5
    assert out["pruned"] == 0 and out["prunes"] == []
    assert {m["moved_from"] for m in out["moves"]} == {
        str(seeds_copy / n) for n in os.listdir(renamed)
    }


def test_moved_and_edited(seeds_copy: Path, tmp_path: Path) -> None:
    """New text at a new place is a new article (the old one goes with --prune, like a
    deleted file's); the same text with new metadata is the old article, updated."""
    idx = tmp_path / "i"
    index(seeds_copy, idx)
    (seeds_copy / "a").mkdir()
    text = (seeds_copy / SEED_001.name).read_text()
    (seeds_copy / "a" / "edited.txt").write_text(text + "\nA closing line about Vladivostok.\n")
    (seeds_copy / SEED_001.name).unlink()
    run = index(seeds_copy, idx, prune=True)
    assert (run.indexed, run.moved, run.pruned) == (1, 0, 1)
    assert run.prunes == (str(seeds_copy / SEED_001.name),)
    assert paths_of(idx, "Vladivostok") == [str(seeds_copy / "a" / "edited.txt")]
    # same text, new metadata (a source in front matter): updated, without --prune too
    moved = seeds_copy / "b" / "with-source.txt"
    moved.parent.mkdir()
    moved.write_text(
        "---\nsource: Example Wire\n---\n" + (seeds_copy / "a" / "edited.txt").read_text()
    )
    (seeds_copy / "a" / "edited.txt").unlink()
    run = index(seeds_copy, idx)
    assert (run.updated, run.indexed, run.moved, run.pruned) == (1, 0, 0, 0)
    with SearchEngine(idx) as engine:
        hits = engine.search("Vladivostok").results
        assert [(h.article.path, h.article.source) for h in hits] == [(str(moved), "Example Wire")]
        assert engine.stats().articles == 5


def test_a_copy_is_a_duplicate_and_the_indexed_article_stays(
    seeds_copy: Path, tmp_path: Path
) -> None:
    idx = tmp_path / "i"
    (seeds_copy / "sub").mkdir()
    original = seeds_copy / "sub" / "original.txt"
    shutil.move(seeds_copy / SEED_001.name, original)
    index(seeds_copy, idx)
    copy = seeds_copy / "0-copy.txt"  # read before the original (a top-level file)
    shutil.copy(original, copy)
    run = index(seeds_copy, idx, prune=True)
    assert (run.duplicate, run.moved, run.indexed, run.pruned) == (1, 0, 0, 0)
    assert run.duplicates == ((str(copy), str(original)),)
    assert paths_of(idx, ONLY_IN_001) == [str(original)]
    # the original deleted: the copy is the article now, moved
    original.unlink()
    run = index(seeds_copy, idx, prune=True)
    assert (run.moved, run.pruned, run.duplicate) == (1, 0, 0)
    assert paths_of(idx, ONLY_IN_001) == [str(copy)]


def test_a_deleted_file_is_pruned_and_listed(seeds_copy: Path, tmp_path: Path) -> None:
    idx = tmp_path / "i"
    index(seeds_copy, idx)
    (seeds_copy / SEED_001.name).unlink()
    assert index(seeds_copy, idx).pruned == 0  # without --prune nothing is removed
    run = index(seeds_copy, idx, prune=True)
    assert (run.pruned, run.prunes) == (1, (str(seeds_copy / SEED_001.name),))
    assert len(articles(idx)) == 4 and paths_of(idx, ONLY_IN_001) == []


def test_swapped_and_overwritten_files(seeds_copy: Path, tmp_path: Path) -> None:
    idx = tmp_path / "i"
    index(seeds_copy, idx)
    a, b, c = sorted(seeds_copy.iterdir())[:3]
    title = {p.name: articles(idx)[str(p)][1] for p in (a, b, c)}
    a.rename(tmp_path / "tmp")
    b.rename(a)
    (tmp_path / "tmp").rename(b)  # a and b swapped
    run = index(seeds_copy, idx)
    assert (run.moved, run.unchanged, run.indexed, run.updated) == (2, 3, 0, 0)
    now = articles(idx)
    assert (now[str(a)][1], now[str(b)][1]) == (title[b.name], title[a.name])
    c.rename(a)  # c overwrites a: a's text is gone from the input, c's is at a
    run = index(seeds_copy, idx, prune=True)
    assert (run.moved, run.unchanged, run.pruned) == (1, 3, 0)
    now = articles(idx)
    assert len(now) == 4 and now[str(a)][1] == title[c.name] and str(c) not in now


def test_a_source_id_follows_its_file(tmp_path: Path) -> None:
    folder, idx = tmp_path / "d", tmp_path / "i"
    folder.mkdir()
    story = "---\nid: wire-2025-0042\n---\nTroops seen near Kursk\n\nTroops were seen near Kursk.\n"
    (folder / "story.txt").write_text(story)
    index(folder, idx)
    (folder / "2025").mkdir()
    (folder / "story.txt").rename(folder / "2025" / "story.txt")
    run = index(folder, idx, prune=True)
    assert (run.moved, run.pruned) == (1, 0)
    assert articles(idx) == {
        str(folder / "2025" / "story.txt"): ("wire-2025-0042", "Troops seen near Kursk")
    }
    # moved and edited: the same article by its id, updated
    (folder / "2025" / "story.txt").rename(folder / "story.txt")
    (folder / "story.txt").write_text(story + "Shelling went on at night.\n")
    run = index(folder, idx, prune=True)
    assert (run.updated, run.moved, run.pruned) == (1, 0, 0)
    assert list(articles(idx).values()) == [("wire-2025-0042", "Troops seen near Kursk")]


def test_records_shifted_in_a_file_are_not_lost_to_prune(tmp_path: Path) -> None:
    folder, idx = tmp_path / "d", tmp_path / "i"
    folder.mkdir()
    lines = [
        json.dumps({"title": f"Story {w}", "body": f"A report about {w} today."})
        for w in ("alpha", "bravo", "charlie")
    ]
    (folder / "feed.jsonl").write_text("\n".join(lines) + "\n")
    index(folder, idx)
    new = json.dumps({"title": "Story delta", "body": "A report about delta today."})
    (folder / "feed.jsonl").write_text("\n".join([new, *lines]) + "\n")
    run = index(folder, idx, prune=True)
    assert run.pruned == 0
    with SearchEngine(idx) as engine:
        assert engine.stats().articles == 4
        for word in ("alpha", "bravo", "charlie", "delta"):
            assert len(engine.search(word, mode="lexical").results) == 1, word


class Kims:
    """An entity extractor that finds "Kim Jong Un", and remembers the texts it was given."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def extract(self, texts: Sequence[str]) -> list[tuple[Mention, ...]]:
        self.texts.extend(texts)
        kim = Entity("Kim Jong Un", "person")
        out = []
        for t in texts:
            at = t.find("Kim Jong Un")
            out.append((Mention(kim, at, at + 11),) if at >= 0 else ())
        return out


def test_a_moved_article_keeps_its_entities_without_extracting_them_again(
    seeds_copy: Path, tmp_path: Path
) -> None:
    idx, kims = tmp_path / "i", Kims()
    build_index(seeds_copy, idx, extractor=kims, processes=1)
    with SearchEngine(idx) as engine:
        before = {
            h.article.title for h in engine.search("Korea", person="kim jong un", limit=50).results
        }
    assert before
    kims.texts.clear()
    renamed = seeds_copy.rename(tmp_path / "renamed")
    run = build_index(renamed, idx, extractor=kims, processes=1, prune=True)
    assert run.moved == 5 and not any(kims.texts)  # nothing extracted again
    with SearchEngine(idx) as engine:
        hits = engine.search("Korea", person="kim jong un", limit=50).results
        assert {h.article.title for h in hits} == before
        assert all(h.article.path.startswith(str(renamed)) for h in hits)
        assert any(e.name == "Kim Jong Un" for h in hits for e in h.entities)


def _snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    return {
        str(p): (p.stat().st_size, p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_dry_run_lists_moves_and_prunes_and_writes_nothing(
    seeds_copy: Path, tmp_path: Path
) -> None:
    idx = tmp_path / "i"
    index(seeds_copy, idx)
    (seeds_copy / "archive").mkdir()
    (seeds_copy / SEED_001.name).rename(seeds_copy / "archive" / SEED_001.name)
    gone = sorted(seeds_copy.glob("00[34]_*"))
    for p in gone:
        p.unlink()
    (seeds_copy / "new.txt").write_text("A new story\n\nIt is about Vladivostok.\n")
    before = _snapshot(idx)
    dry = index(seeds_copy, idx, prune=True, dry_run=True)
    assert dry.dry_run and (dry.indexed, dry.moved, dry.unchanged, dry.pruned) == (1, 1, 2, 2)
    assert dry.moves == (
        (str(seeds_copy / "archive" / SEED_001.name), str(seeds_copy / SEED_001.name)),
    )
    assert sorted(dry.prunes) == [str(p) for p in gone]
    assert _snapshot(idx) == before
    r = runner.invoke(
        app,
        ["index", str(seeds_copy), "--index", str(idx), "--no-entities", "--prune", "--dry-run"],
    )
    assert r.exit_code == 0 and _snapshot(idx) == before
    assert (
        f"would move {seeds_copy / SEED_001.name} -> {seeds_copy / 'archive' / SEED_001.name}"
        in r.stderr
    )
    assert all(f"would prune {p}" in r.stderr for p in gone)
    assert "dry run, nothing written" in r.stderr
    # the real run does what the dry run said
    real = index(seeds_copy, idx, prune=True)
    assert (real.moves, real.prunes) == (dry.moves, dry.prunes)
    # no index yet: a dry run creates none
    fresh = index(seeds_copy, tmp_path / "none", dry_run=True)
    assert fresh.indexed == 4 and not (tmp_path / "none").exists()


def test_a_prune_of_over_half_the_index_needs_confirming(seeds_copy: Path, tmp_path: Path) -> None:
    idx = tmp_path / "i"
    index(seeds_copy, idx)
    gone = sorted(seeds_copy.iterdir())[:3]
    for p in gone:
        p.unlink()
    with pytest.raises(PruneNotConfirmedError) as refused:
        index(seeds_copy, idx, prune=True)
    assert (refused.value.count, refused.value.total) == (3, 5)
    assert len(articles(idx)) == 5  # nothing pruned
    asked: list[tuple[int, int]] = []

    def refuse(count: int, total: int) -> bool:
        asked.append((count, total))
        return False

    with pytest.raises(PruneNotConfirmedError):
        index(seeds_copy, idx, prune=True, confirm=refuse)
    assert asked == [(3, 5)] and len(articles(idx)) == 5
    args = ["index", str(seeds_copy), "--index", str(idx), "--no-entities", "--prune"]
    r = runner.invoke(app, args)
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("Error: --prune would remove 3 of")
    assert "--yes" in r.stderr and len(articles(idx)) == 5
    r = runner.invoke(app, [*args, "--yes"])
    assert r.exit_code == 0 and len(articles(idx)) == 2
    assert [x for x in r.stderr.splitlines() if x.startswith("pruned ")] == [
        f"pruned {p}" for p in sorted(gone)
    ]
    assert ", 3 pruned in " in r.stderr
