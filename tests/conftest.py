from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from deck_checks import DeckChecks

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


# --- every deck the tool writes in a test is checked as a deck (deck_checks.py) ----------

DECK_CHECKS = DeckChecks()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--no-deck-checks",
        action="store_true",
        help="do not run openxml-audit and the package check on the decks each test writes",
    )


@pytest.fixture(autouse=True, scope="session")
def _deck_checks_root(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Where the decks the tests write are: the session's temporary folder."""
    if not request.config.getoption("--no-deck-checks"):
        DECK_CHECKS.root = tmp_path_factory.getbasetemp()
    yield
    DECK_CHECKS.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After a test has run: a fault in a deck the tool wrote during it fails it."""
    try:
        result = yield
    except BaseException:
        DECK_CHECKS.after_test(report=False)  # the test failed already; its decks count as seen
        raise
    faults = DECK_CHECKS.after_test()
    if faults:
        pytest.fail("faults in the decks this test wrote:\n" + "\n".join(faults), pytrace=False)
    return result


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if DECK_CHECKS.root is not None:
        terminalreporter.write_line(DECK_CHECKS.summary())
