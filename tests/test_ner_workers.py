"""Entity extraction in worker processes gives the same entities, in order, as in-process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from newsearch.ingest.entities import SpacyExtractor
from newsearch.ingest.ner_pool import extract_batches

TEXTS = [
    "Vladimir Putin met Kim Jong Un in Pyongyang.",
    "Troops left Kursk for Belgorod, the Russian Ministry of Defence said.",
    "Volodymyr Zelenskyy spoke in Kyiv on Sunday.",
    "No names here at all.",
    "Valery Gerasimov briefed Vladimir Putin in Moscow.",
]


def test_workers_match_in_process_extraction_in_order() -> None:
    batches = [[t] for t in TEXTS]  # one text a batch: the order of results must hold
    inline = list(extract_batches(SpacyExtractor(), iter(batches), str, processes=1))
    pooled = list(extract_batches(SpacyExtractor(), iter(batches), str, processes=2))
    assert [b for b, _ in pooled] == batches
    assert [m for _, m in pooled] == [m for _, m in inline]
    names = {m.entity.name for _, ms in pooled for mm in ms for m in mm}
    assert {"Vladimir Putin", "Kim Jong Un", "Pyongyang", "Kursk"} <= names


def test_unguarded_script_can_index_with_entities(tmp_path: Path) -> None:
    """A user's script without `if __name__ == "__main__":` must not be re-run by workers."""
    script = tmp_path / "job.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import json
            from newsearch import Article, build_index
            print("started")
            body = "Vladimir Putin visited Kursk on day {{}}."
            arts = [Article(id=str(i), path="mem", body=body.format(i)) for i in range(600)]
            s = build_index(arts, {str(tmp_path / "idx")!r}, processes=2)
            print(json.dumps({{"indexed": s.indexed, "duplicate": s.duplicate}}))
            """
        )
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.count("started") == 1
    assert json.loads(out.stdout.splitlines()[-1]) == {"indexed": 600, "duplicate": 0}


NOISY = '''
import os


class Noisy:
    """Upper-cases texts, printing as it goes: from Python, and from C (descriptor 1)."""

    def extract(self, texts):
        print("working on", len(texts), "texts")
        os.write(1, b"a C library's progress line\\n")
        return [t.upper() for t in texts]
'''


def test_a_worker_whose_work_prints_to_stdout_still_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a library prints in a worker, even below Python (descriptor 1), must not corrupt
    the pipe that carries the results (a profiler or a C library's progress line did)."""
    (tmp_path / "noisy_work.py").write_text(NOISY)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    from noisy_work import Noisy  # type: ignore[import-not-found]

    batches = [[t] for t in TEXTS] * 3
    pooled = list(extract_batches(Noisy(), iter(batches), str, processes=2))
    assert [b for b, _ in pooled] == batches
    assert [m for _, m in pooled] == [[t.upper() for t in b] for b in batches]
