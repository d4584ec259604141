"""The README's Python examples run as written (from a folder holding seeds/)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT


def python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_has_python_examples() -> None:
    assert python_blocks()


@pytest.mark.parametrize("code", python_blocks())
def test_readme_python_example_runs(
    code: str, seeds_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cwd = os.getcwd()
    os.chdir(seeds_copy.parent)
    try:
        exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert "Kursk" in out or "kursk" in out.lower()


def syntax_table_queries() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("### Query syntax", 1)[1].split("\n\n", 2)[2].split("\n\n", 1)[0]
    cells = [row.split("|")[1] for row in table.splitlines()[2:]]
    return [q for cell in cells for q in re.findall(r"`([^`]+)`", cell) if not q.endswith(":")]


def test_readme_syntax_table_lists_the_forms() -> None:
    assert len(syntax_table_queries()) >= 15


@pytest.mark.parametrize("query", syntax_table_queries())
def test_readme_syntax_table_queries_run(query: str, seed_index: Path) -> None:
    """Every form in the README's syntax table is answered over the seeds, without a notice
    (nothing in the table is a repair)."""
    from newsearch import SearchEngine

    with SearchEngine(seed_index) as engine:
        res = engine.search(query)
    assert not res.notices, (query, res.notices)
