"""benchmarks/scale.py's replicas: every replica of every article is a distinct article (the
216k figures are of 216k articles, not of copies newsearch indexes once); and its repeated
rounds report each system's median round."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsearch import build_index

SGML = """<!DOCTYPE lewis SYSTEM "lewis.dtd">
<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" NEWID="1">
<DATE>26-FEB-1987 15:01:01.79</DATE>
<TEXT>&#2;
<TITLE>COCOA EXPORTS RISE</TITLE>
<DATELINE>    SALVADOR, Feb 26 - </DATELINE><BODY>Cocoa exports rose in the week.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="NO" LEWISSPLIT="TRAIN" NEWID="2">
<DATE>26-FEB-1987 15:02:20.00</DATE>
<TEXT TYPE="BRIEF">&#2;
******<TITLE>GRAIN SHIPS WAITING AT PORT
</TITLE>
&#3;
</TEXT>
</REUTERS>
<REUTERS TOPICS="NO" LEWISSPLIT="TRAIN" NEWID="3">
<DATE>26-FEB-1987 15:03:27.51</DATE>
<TEXT TYPE="UNPROC">&#2;
LIVESTOCK REPORT
 cattle 120 hogs 300
&#3;
</TEXT>
</REUTERS>
"""


def test_replicas_are_distinct_articles_whatever_their_text_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A document with a body, a brief (title only) and an unprocessed text, three times each:
    nine articles indexed, none a duplicate, each replica's text its original's and a line."""
    from benchmarks import scale

    (tmp_path / "corpora" / "tiny").mkdir(parents=True)
    (tmp_path / "corpora" / "tiny" / "reut2-000.sgm").write_text(SGML, encoding="latin-1")
    monkeypatch.setattr(scale, "CORPORA", tmp_path / "corpora")
    data = scale.replicate("tiny", 3, tmp_path / "data")
    summary = build_index(data, tmp_path / "idx", entities=False, vectors=False)
    assert (summary.read, summary.indexed, summary.duplicate) == (9, 9, 0)
    from newsearch import SearchEngine

    with SearchEngine(tmp_path / "idx") as engine:
        for word, replicas in [("cocoa", 3), ("grain", 3), ("livestock", 3), ("replica", 6)]:
            assert engine.search(word, limit=20).total == replicas, word
        brief = engine.search("grain ships", limit=20).results
        assert {h.article.title for h in brief} == {"GRAIN SHIPS WAITING AT PORT"}


def test_repeated_rounds_report_each_system_s_median_round(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--repeat``: each round's ratio is to that round's own single run, and a system's row is
    its median round (the lower of two), with every round's ratio in the table."""
    from benchmarks import scale

    times = iter([100.0, 125.0, 200.0, 210.0, 100.0, 105.0])  # (single, cluster:2) x 3 rounds

    def fake_child(args: list[str]) -> dict[str, object]:
        return {"seconds": next(times), "indexed": 100000, "cpu_seconds": 10.0}

    monkeypatch.setattr(scale, "replicate", lambda *a, **k: tmp_path)
    monkeypatch.setattr(scale, "run_child", fake_child)
    result = scale.bench_ingest(1, [2], entities=False, files=None, repeat=3)
    row = result["systems"]["cluster:2"]
    assert row["rounds_vs_single"] == [0.8, 0.952, 0.952]
    assert row["vs_single"] == 0.952 and row["seconds"] == 210.0  # (of the equals, the slower)
    assert "0.952 (0.8, 0.952, 0.952)" in scale.table(result)
