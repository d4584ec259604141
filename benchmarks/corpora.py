"""Readers for the classic SMART-format test collections used by ``relevance.py``.

Only the reading code lives in the repository; the data stays in ``shared/corpora`` (research
use only: see each collection's PROVENANCE.md). Judgments are returned as *gains*: an int > 0
for a relevant document, 0 for a document judged not relevant.

The module is named ``corpora`` rather than ``collections`` so that running
``python benchmarks/relevance.py`` (which puts ``benchmarks/`` first on ``sys.path``) cannot
shadow the standard library's ``collections``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

DEFAULT_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"

TimeQrels = Literal["aligned", "positional"]

# TIME.REL numbers documents by position in the original 425-document TIME.ALL; the shared
# TIME.ALL has 423. Every judgment up to position 370 matches the document at that position,
# every judgment from 378 on matches the document two positions earlier (e.g. q7 "Sihanouk's
# rejection of U.S. aid" -> 386 -> position 384, CAMBODIA; q15 "Park Chung Hee" -> 424 ->
# position 422, SOUTH KOREA; q39 "coalition in Italy" -> 396 -> position 394, ITALY). No judgment
# falls in 371..377, where the two missing documents were.
TIME_SHIFT_FROM = 378
TIME_SHIFT = 2


@dataclass(frozen=True)
class Doc:
    id: str
    body: str
    title: str | None = None

    @property
    def text(self) -> str:
        """Title and body as one string, for systems that index a single field."""
        return f"{self.title}\n\n{self.body}" if self.title else self.body


@dataclass(frozen=True)
class Collection:
    name: str
    docs: tuple[Doc, ...]
    queries: dict[str, str]  # qid -> text, in file order
    qrels: dict[str, dict[str, int]]  # qid -> doc id -> gain (0 = judged not relevant)
    notes: tuple[str, ...] = field(default=())

    def subset(self, n_queries: int) -> Collection:
        """The same documents with only the first ``n_queries`` queries (for ``--quick``)."""
        keep = list(self.queries)[:n_queries]
        return Collection(
            self.name,
            self.docs,
            {q: self.queries[q] for q in keep},
            {q: self.qrels[q] for q in keep if q in self.qrels},
            self.notes,
        )


class CorpusMissingError(Exception):
    """A collection's files are not where they were expected."""


def _read(path: Path) -> str:
    if not path.is_file():
        raise CorpusMissingError(f"corpus file not found: {path}")
    return path.read_text(encoding="ascii", errors="replace")


def _squash(lines: list[str]) -> str:
    return " ".join(" ".join(line.split()) for line in lines if line.strip())


def load_time(root: Path = DEFAULT_ROOT, qrels: TimeQrels = "aligned") -> Collection:
    """TIME (1963 TIME magazine): 423 documents, 83 queries, binary judgments.

    Document ids are positions, ``"1"`` .. ``"423"`` (the k-th ``*TEXT`` record). The body is
    the record's text with the hard-wrapped, double-spaced lines joined by single spaces (the
    headline runs into the body; there is no title field). ``qrels="aligned"`` (the default)
    maps judgments >= 378 two positions back (see ``TIME_SHIFT_FROM``);
    ``qrels="positional"`` takes them literally as others did, keeping the three that point
    past the last document (q15 -> 424, q23 -> 425, q26 -> 425) as relevant but unretrievable.
    """
    base = Path(root) / "time"
    records = re.split(r"^\*TEXT[^\n]*\n", _read(base / "TIME.ALL"), flags=re.M)[1:]
    records[-1] = re.sub(r"^\*STOP\s*$", "", records[-1], flags=re.M)
    docs = tuple(Doc(str(i), _squash(rec.splitlines())) for i, rec in enumerate(records, 1))

    queries: dict[str, str] = {}
    parts = re.split(r"^\*FIND\s+(\d+)\s*$", _read(base / "TIME.QUE"), flags=re.M)
    for qid, text in zip(parts[1::2], parts[2::2], strict=True):
        text = re.sub(r"^\*STOP\s*$", "", text, flags=re.M)
        queries[str(int(qid))] = _squash(text.splitlines())

    judged: dict[str, dict[str, int]] = {}
    for line in _read(base / "TIME.REL").splitlines():
        fields = line.split()
        if not fields:
            continue
        rels: dict[str, int] = {}
        for pos in map(int, fields[1:]):
            if qrels == "aligned" and pos >= TIME_SHIFT_FROM:
                pos -= TIME_SHIFT
            rels[str(pos)] = 1
        judged[str(int(fields[0]))] = rels
    note = (
        "TIME qrels aligned: judgments >= 378 shifted back by 2 (TIME.ALL lacks 2 of 425 docs)"
        if qrels == "aligned"
        else "TIME qrels positional: 424/425 kept as unretrievable relevant documents"
    )
    return Collection("time", docs, queries, judged, (note,))


def _smart_records(text: str) -> list[tuple[str, dict[str, list[str]]]]:
    """Split a SMART tagged-line file into ``(id, {tag: [lines, ...]})`` records.

    A tag seen twice in one record (CRAN 576/578 have two ``.W``) has its lines concatenated.
    """
    records: list[tuple[str, dict[str, list[str]]]] = []
    tag = ""
    for line in text.splitlines():
        head = re.match(r"^\.([A-Z])(?:\s+(\S+))?\s*$", line)
        if head and head.group(1) == "I":
            records.append((head.group(2) or "", {}))
            tag = ""
        elif head:
            tag = head.group(1)
            records[-1][1].setdefault(tag, [])
        elif records and tag:
            records[-1][1][tag].append(line)
    return records


def _paragraphs(lines: list[str]) -> str:
    """Join hard-wrapped lines; a line indented by 2+ spaces starts a new paragraph."""
    paras: list[list[str]] = []
    for line in lines:
        if not line.strip():
            continue
        if not paras or line.startswith("  "):
            paras.append([])
        paras[-1].append(line)
    return "\n\n".join(_squash(p) for p in paras)


def load_cran(root: Path = DEFAULT_ROOT) -> Collection:
    """Cranfield 1400: 1400 aeronautics abstracts, 225 queries, graded judgments.

    Title = ``.T``, body = ``.W`` (authors ``.A`` and source ``.B`` are left out). The k-th
    query in cran.qry is qrel id k. Gain = 5 - code (code 1 best -> 4 ... code 4 -> 1); code -1
    ("of no interest") is judged not relevant, gain 0.
    """
    base = Path(root) / "cran"
    docs = tuple(
        Doc(rid, _paragraphs(tags.get("W", [])), _squash(tags.get("T", [])) or None)
        for rid, tags in _smart_records(_read(base / "cran.all.1400"))
    )
    queries = {
        str(k): _squash(tags.get("W", []))
        for k, (_, tags) in enumerate(_smart_records(_read(base / "cran.qry")), 1)
    }
    judged: dict[str, dict[str, int]] = {}
    for line in _read(base / "cranqrel").splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        code = int(fields[2])
        gain = 5 - code if 1 <= code <= 4 else 0
        judged.setdefault(fields[0], {})[fields[1]] = gain
    return Collection("cran", docs, queries, judged)


LOADERS = {"time": load_time, "cran": load_cran}
