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


# --- the longest files start first ------------------------------------------------------

# `make test` runs each file on one worker (`--dist loadfile`) and hands out files in
# collection order (`--no-loadscope-reorder`; xdist's own order, by number of tests,
# put a one-test file of 50 s last, and the other worker idled while it ran). These
# are the files that keep a worker longest, longest first, as measured with a per-file
# sum of `--durations` on two cores; the rest follow in their usual order. The list
# only orders the run: a file missing from it, or a stale figure, costs time, not
# correctness.
LONGEST_FILES = (
    "test_malformed.py",  # about 80 s
    "test_faults.py",  # 60 s
    "test_cache_freshness.py",  # 50 s, one test
    "test_freshness.py",  # 38 s
    "test_outputs_owned.py",  # 31 s
    "test_book_structure.py",  # 29 s
    "test_hostile.py",  # 25 s
    "test_levels_and_baseline.py",  # 18 s
    "test_build_faults.py",  # 16 s
    "test_worker_deaths.py",  # 15 s
    "test_picture_files.py",  # 13 s
    "test_bad_config.py",  # 12 s
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: number for number, name in enumerate(LONGEST_FILES)}
    order = {id(item): number for number, item in enumerate(items)}
    items.sort(key=lambda item: (rank.get(item.path.name, len(rank)), order[id(item)]))


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
