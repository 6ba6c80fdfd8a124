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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test`), keep the tests that read one module's shared
    build (a fixture of module scope or wider, defined in the tests) on one worker, so
    that the build is made once: `--dist loadgroup` sends a group to a single worker and
    spreads the other tests as they come."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            continue
        shared = [
            defs[-1].baseid
            for name in info.names_closure
            if (defs := info.name2fixturedefs.get(name))
            and defs[-1].scope != "function"
            and defs[-1].baseid.endswith(".py")  # a test module's own, not conftest's or pytest's
        ]
        if shared:
            item.add_marker(pytest.mark.xdist_group(min(shared)))
