from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = ROOT / "notes" / "index.md"


@pytest.fixture(scope="session", autouse=True)
def bytecode_written() -> Iterator[None]:
    """Let the processes the tests start write their bytecode (`__pycache__`, which git
    ignores), as Python does by default. Most tests run the command line as a new
    process, and a build starts workers too: with PYTHONDONTWRITEBYTECODE set, each of
    them compiled the package's sources again, a quarter of a short command's time.
    The tool's own cache keys read only the `.py` files."""
    with pytest.MonkeyPatch.context() as env:
        env.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
        yield


@pytest.fixture
def book_dir(tmp_path: Path) -> Path:
    """A writable copy of the fixture notebook."""
    target = tmp_path / "book"
    shutil.copytree(FIXTURES / "book", target)
    return target
