"""benchmarks/scale.py's replicas: every replica of every article is a distinct article (the
216k figures are of 216k articles, not of copies newsearch indexes once)."""

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
