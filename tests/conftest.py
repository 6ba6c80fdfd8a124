from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = ROOT / "notes" / "index.md"


@pytest.fixture
def book_dir(tmp_path: Path) -> Path:
    """A writable copy of the fixture notebook."""
    target = tmp_path / "book"
    shutil.copytree(FIXTURES / "book", target)
    return target
