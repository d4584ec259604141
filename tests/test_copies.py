"""Copies (newsearch/stories/copies.py): a syndicated copy of a seed collapses onto it with its
outlet listed, ``show`` says what each copy changed, other articles stay apart, and the copy
groups stay right through updates, deletions, prunes and a lost side file."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsearch import SearchEngine, build_index
from newsearch.cli import app
from newsearch.stories import copies, sidefile
from tests.conftest import SEED_000, SEEDS

runner = CliRunner()
SEED_BODY = SEED_000.read_text(encoding="utf-8").split("\n", 2)[2]


def syndicated(body: str) -> str:
    """The acceptance check's copy: three words changed, a credit line at the end."""
    changed = (
        body.replace("Monday", "Monday morning", 1)
        .replace("massive", "huge", 1)
        .replace("strongly", "sharply", 1)
    )
    return changed + "\nThis story was first published by Radio Free Asia.\n"


def front(title: str, source: str, body: str, date: str | None = None) -> str:
    when = f"date: {date}\n" if date else ""
    return f"---\ntitle: {title}\nsource: {source}\n{when}---\n{body}"


def cli(index: Path, *args: str) -> Any:
    r = runner.invoke(app, [*args, "--index", str(index)])
    assert r.exit_code == 0, r.output
    return r


def query_json(index: Path, text: str, *more: str) -> dict[str, Any]:
    return json.loads(cli(index, "query", text, "--json", *more).stdout)  # type: ignore[no-any-return]


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    """The seeds, a syndicated copy of seed 000 from another outlet, and an unrelated article."""
    d = tmp_path / "in"
    shutil.copytree(SEEDS, d)
    (d / "copy.txt").write_text(
        front("Pyongyang admits sending troops", "Example Wire", syndicated(SEED_BODY)),
        encoding="utf-8",
    )
    (d / "other.txt").write_text(
        front(
            "Harbour crane strike enters third day",
            "Port Gazette",
            "Dock workers walked out over pay on Monday. The crane strike closed the harbour "
            "and ships queued outside the mutual defense of the breakwater, the union said.",
        ),
        encoding="utf-8",
    )
    return d


def index_of(d: Path, tmp_path: Path, **options: Any) -> Path:
    idx = tmp_path / "idx"
    build_index(d, idx, entities=False, vectors=False, **options)
    return idx


def ids_by_name(idx: Path) -> dict[str, str]:
    with SearchEngine(idx) as e:
        hits = e.search("", limit=50, sort="newest", per_article=1).results
    return {Path(h.article.path).name: h.article.id for h in hits}


def test_a_syndicated_copy_collapses_onto_its_original_with_its_outlet(
    corpus: Path, tmp_path: Path
) -> None:
    idx = index_of(corpus, tmp_path)
    plain = query_json(idx, "mutual defense treaty")
    names = [Path(r["article"]["path"]).name for r in plain["results"]]
    assert "copy.txt" in names and any(n.startswith("000_") for n in names)
    out = query_json(idx, "mutual defense treaty", "--collapse-copies")
    shown = [Path(r["article"]["path"]).name for r in out["results"]]
    assert "copy.txt" not in shown  # the copy collapses onto the original ...
    first = next(r for r in out["results"] if r["article"]["path"].endswith(SEED_000.name))
    (copy,) = first["copies"]  # ... which lists it, with its outlet and similarity
    assert copy["source"] == "Example Wire" and copy["original"] is False
    assert set(copy) >= {"id", "source", "date", "similarity"}
    assert 0.8 < copy["similarity"] < 1.0
    assert all(r["copies"] == [] for r in out["results"] if r is not first)
    assert "other.txt" in shown  # the unrelated article shares words, not text
    text = cli(idx, "query", "mutual defense treaty", "--collapse-copies").stdout
    assert "and 1 copy (outlets Example Wire)" in text


def test_show_lists_the_copies_and_what_each_changed(corpus: Path, tmp_path: Path) -> None:
    idx = index_of(corpus, tmp_path)
    ids = ids_by_name(idx)
    out = json.loads(cli(idx, "show", ids[SEED_000.name], "--json").stdout)
    (copy,) = out["copies"]
    assert copy["id"] == ids["copy.txt"]
    changes = {(c["removed"], c["added"]) for c in copy["changes"]}
    assert {("massive", "huge"), ("strongly", "sharply"), ("", "morning")} <= changes
    assert ("", "This story was first published by Radio Free Asia.") in changes
    assert ("", "Pyongyang admits sending troops") in changes  # the new headline
    for c in copy["changes"]:  # offsets into the article's own body
        assert out["body"][c["start"] : c["end"]] == c["removed"]
    # seen from the copy, the seed is the original
    back = json.loads(cli(idx, "show", ids["copy.txt"], "--json").stdout)
    assert [(c["id"], c["original"]) for c in back["copies"]] == [(ids[SEED_000.name], True)]
    text = cli(idx, "show", ids[SEED_000.name]).stdout
    assert "copies (1):" in text and "-[massive] +[huge]" in text
    assert json.loads(cli(idx, "show", ids["other.txt"], "--json").stdout)["copies"] == []


def test_a_figure_swapped_is_another_report_unless_it_says_it_corrects(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    body = SEED_BODY
    (d / "a.txt").write_text(front("Original", "Wire A", body, "2025-04-28"), encoding="utf-8")
    other = body.replace("14,000", "24,000").replace("3,000", "5,000")
    (d / "b.txt").write_text(
        front("Other figures", "Wire B", other, "2025-04-28"), encoding="utf-8"
    )
    note = "\nThis story corrects the number of reinforcements.\n"
    (d / "c.txt").write_text(
        front("Corrected", "Wire C", body.replace("3,000", "4,000") + note, "2025-04-28"),
        encoding="utf-8",
    )
    a_week = body.replace("Monday", "Tuesday", 1)
    (d / "d.txt").write_text(front("Later", "Wire D", a_week, "2025-05-12"), encoding="utf-8")
    idx = index_of(d, tmp_path)
    ids = ids_by_name(idx)
    with SearchEngine(idx) as e:
        copies_of = {n: {c.article.id for c in e.article(i).copies} for n, i in ids.items()}
    assert copies_of["a.txt"] == {ids["c.txt"]}  # the correction is a copy
    assert copies_of["b.txt"] == set()  # other figures: another report
    assert copies_of["d.txt"] == set()  # two weeks later: another report


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Dock workers struck at Rotterdam on Monday.", "Dock workers struck at Rotterdam.", True),
        ("Franklin Massachusetts fund sets payout", "Franklin California fund sets payout", False),
        (
            "The Fed added 1.5 billion dlrs in reserves",
            "The Fed added 2.5 billion dlrs in reserves",
            False,
        ),
        ("Said Reidgefield police on Friday", "Said Ridgefield police on Friday", True),  # a typo
        ("Qtly div 20 cts Pay April 15", "Qtly div 20 cts Payable April 15", True),
    ],
)
def test_what_a_copy_may_change(a: str, b: str, same: bool) -> None:
    assert copies.is_copy(a, b) is same


def test_a_long_copy_is_judged_by_the_words_it_changes() -> None:
    """A re-sent story of hundreds of words differs in a few: the swap between an equal
    head and tail is found, a dateline's day after its month is none, and one figure in
    the text's last words counts (the diff is of the words both texts do not share)."""
    head = " ".join(f"Traders in Rotterdam said volume{i} stayed firm" for i in range(60))
    tail = " ".join(f"Analysts at Kiel expected quota{i} to hold" for i in range(60))
    a = f"{head} in Massachusetts on March 3 and {tail} at 1.5 pct"
    b = f"{head} in California on March 4 and {tail} at 2.5 pct"
    assert copies.swaps(a, b) == [
        (frozenset({"massachusetts"}), frozenset({"california"})),
        (frozenset({"15"}), frozenset({"25"})),
    ]
    assert copies.swaps(a, a) == []
    assert copies.swaps(a, a.replace("Massachusetts", "massachusetts")) == []


def test_copies_stay_right_through_update_and_prune(corpus: Path, tmp_path: Path) -> None:
    idx = index_of(corpus, tmp_path)
    ids = ids_by_name(idx)
    seed, copy = ids[SEED_000.name], ids["copy.txt"]

    def group(aid: str) -> set[str]:
        with SearchEngine(idx) as e:
            return {c.article.id for c in e.article(aid).copies}

    assert group(seed) == {copy}
    # another outlet's copy joins the group; the seed stays its original
    (corpus / "copy2.txt").write_text(
        front("North Korea confirms troops", "Third Wire", syndicated(SEED_BODY) + "\nMore.\n"),
        encoding="utf-8",
    )
    build_index(corpus, idx, entities=False, vectors=False)
    third = ids_by_name(idx)["copy2.txt"]
    assert group(seed) == {copy, third}
    with SearchEngine(idx) as e:
        assert {c.article.id for c in e.article(third).copies if c.original} == {seed}
    # the copy rewritten into other news leaves the group
    (corpus / "copy.txt").write_text(
        front("Ferry timetable changes", "Example Wire", "The winter ferry timetable starts."),
        encoding="utf-8",
    )
    build_index(corpus, idx, entities=False, vectors=False)
    assert group(seed) == {third}
    assert group(copy) == set()
    # the original deleted and pruned: the copy stands alone, listed with nothing
    (corpus / SEED_000.name).unlink()
    build_index(corpus, idx, entities=False, vectors=False, prune=True)
    assert group(third) == set()
    out = query_json(idx, "mutual defense treaty", "--collapse-copies")
    assert any(r["article"]["id"] == third and r["copies"] == [] for r in out["results"])


def test_a_lost_side_file_is_made_again_by_the_next_run(corpus: Path, tmp_path: Path) -> None:
    idx = index_of(corpus, tmp_path)
    ids = ids_by_name(idx)
    (generation,) = idx.glob("gen-*")
    sidefile.path_of(generation).unlink()
    with SearchEngine(idx) as e:  # no file: no copies known, and no error
        assert e.article(ids[SEED_000.name]).copies == ()
    sidefile.path_of(generation).write_bytes(b"not a database")
    with SearchEngine(idx) as e:
        assert e.article(ids[SEED_000.name]).copies == ()
    build_index(corpus, idx, entities=False, vectors=False)  # nothing new: the file is made
    with SearchEngine(idx) as e:
        assert [c.article.id for c in e.article(ids[SEED_000.name]).copies] == [ids["copy.txt"]]
        story = e.article(ids[SEED_000.name]).story
        assert story is not None and e.article(ids["copy.txt"]).story == story


def test_a_side_file_of_an_older_version_is_made_anew(corpus: Path, tmp_path: Path) -> None:
    """A file written by an older newsearch (its tables without the columns this one
    writes) is known as none by queries, then made again by the next run, copies and all;
    an article edited after that is read against its copy's stored shingles."""
    idx = index_of(corpus, tmp_path)
    ids = ids_by_name(idx)
    (generation,) = idx.glob("gen-*")
    db = sqlite3.connect(sidefile.path_of(generation))
    db.execute("DROP TABLE articles")  # (version 2's: no shingles)
    db.execute(
        "CREATE TABLE articles (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, day INTEGER,"
        " source TEXT, norm TEXT, story TEXT, feature BLOB)"
    )
    db.execute("CREATE INDEX articles_story ON articles (story)")
    db.execute("CREATE INDEX articles_norm ON articles (norm)")
    db.execute("UPDATE meta SET value = ? WHERE key = 'version'", (str(sidefile.VERSION - 1),))
    db.commit()
    db.close()
    with SearchEngine(idx) as e:
        assert e.article(ids[SEED_000.name]).copies == ()
    build_index(corpus, idx, entities=False, vectors=False)
    with SearchEngine(idx) as e:
        assert [c.article.id for c in e.article(ids[SEED_000.name]).copies] == [ids["copy.txt"]]
    copy = corpus / "copy.txt"
    copy.write_text(copy.read_text(encoding="utf-8") + "\nA line added.\n", encoding="utf-8")
    build_index(corpus, idx, entities=False, vectors=False)
    with SearchEngine(idx) as e:
        assert [c.article.id for c in e.article(ids[SEED_000.name]).copies] == [ids["copy.txt"]]


def test_a_template_repeated_thousands_of_times_is_read_against_few(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Articles made from one template (market tables, results, weather) share their LSH
    band keys: each new one was read against every earlier one (21,000 of them: over ten
    minutes). Each is read against the few sharing the most keys, and a real copy among
    them is still found."""
    from newsearch.models import Article
    from newsearch.stories import rows

    topics = ["wheat", "coal", "steel", "coffee", "sugar", "copper", "cotton", "rubber"]

    def article(i: int) -> Article:
        a, b = topics[i % 8], topics[(i * 3 + 1) % 8]
        body = (
            f"Trading in {a} and {b} was steady on the exchange today, dealers said, with "
            f"volume close to the monthly average and no change in the official price. "
            f"Reference {i:05d}."
        )
        return Article(
            id=f"t{i:05d}", path=f"t{i:05d}", title=f"{a.title()} market report", body=body
        )

    read: list[int] = []
    close = copies.close

    def counted(a: Any, b: Any) -> bool:
        read.append(1)
        return close(a, b)

    monkeypatch.setattr(copies, "close", counted)
    n = 1200
    resent = Article(id="resent", path="resent", title="Wheat report", body=article(7).body)
    summary = build_index([*map(article, range(n)), resent], tmp_path / "idx", vectors=False,
                          entities=False)  # fmt: skip
    assert summary.indexed == n + 1
    assert len(read) <= rows.CANDIDATES * (n + 1)  # (was ~n * n / 2 pairs)
    with SearchEngine(tmp_path / "idx") as engine:
        assert "t00007" in {c.article.id for c in engine.article("resent").copies}


def test_copies_are_the_same_when_few_shingle_hashes_are_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tracker remembers the shingle hashes of its latest articles (HASHES_HELD); with a
    memory smaller than a copy check's candidates, it makes the others' again (a 216k-article
    build failed when taking a new one in let an older candidate go mid-check)."""
    from newsearch.models import Article
    from newsearch.stories import tracker

    ports = ["Rouen", "Hamburg", "Antwerp", "Rotterdam", "Lisbon", "Genoa", "Bremen", "Oslo"]

    def article(i: int) -> Article:  # 80 articles, each body told twice (a resent copy)
        a, b = ports[i % 8], ports[(i // 8) % 5]
        body = (
            f"Grain shipments from {a} to {b} were steady today, dealers said, with volume "
            f"close to the monthly average and no change in the official price of wheat."
        )
        title = "Grain report" if i < 40 else "Grain shipments report"
        return Article(id=f"g{i:04d}", path=f"g{i:04d}", title=title, body=body)

    arts = [article(i) for i in range(80)]

    def copies_of(where: Path) -> dict[str, set[str]]:
        build_index(arts, where, vectors=False, entities=False)
        with SearchEngine(where) as engine:
            return {a.id: {c.article.id for c in engine.article(a.id).copies} for a in arts}

    remembered = copies_of(tmp_path / "all")
    monkeypatch.setattr(tracker, "HASHES_HELD", 2)
    assert copies_of(tmp_path / "two") == remembered
    assert sum(map(len, remembered.values())) > 20  # (a corpus of copies)
