from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
CORPORA = ROOT.parent / "shared" / "corpora"

SEED_000 = SEEDS / "000_7605931e5e27fa1f.txt"  # " date 2025-04-28 By RFA"
SEED_001 = SEEDS / "001_19a4667f5072d908.txt"  # headline, no date, no source
SEED_002 = SEEDS / "002_38b05d4338d82b95.txt"  # " date 2025-04-28 By Hyonhee Shin"
SEED_003 = SEEDS / "003_f7fbc22d062b2b94.txt"  # headline, Published:, trailing byline
SEED_004 = SEEDS / "004_c473904d00b49991.txt"  # no header at all


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the seeds without entities (fast); tests must not write to it."""
    from newsearch import build_index

    path = tmp_path_factory.mktemp("seed-index")
    build_index(SEEDS, path, entities=False)
    return path


@pytest.fixture()
def seeds_copy(tmp_path: Path) -> Iterator[Path]:
    dest = tmp_path / "seeds"
    shutil.copytree(SEEDS, dest)
    yield dest


def corpus(name: str) -> Path:
    path = CORPORA / name
    if not path.is_dir():
        pytest.skip(f"{path} is absent (needs ../shared/corpora)")
    return path
