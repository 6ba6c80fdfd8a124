"""The package's import graph: no cycles between modules, and no import from a lower
layer into a higher one.

The layers, bottom first (a module may import its own layer and those below):

- base: what every stage shares and that knows no stage: the problem record and the
  codes, the config, the cache, the build's files and dates, fonts, pictures, the
  math renderer;
- source: reading a note's text: the fixers (`normalize/`) and `pandoc/` (running
  pandoc, its AST's parts and walks);
- book: the notes read into a `Book` (order, titles, embeds, formulas), and the output
  folders and stamps;
- writers: `handbook/`, `slides/`, and the release gathered from what they wrote;
- services: what the commands share (`app.py`), the rebuild loop (`watch.py`) and the
  preview server (`serve.py`, `live_reload.py`);
- commands: `commands/`, one module per command;
- entry: `cli.py` and `python -m notebook_publish`.

A folder is one layer, named in `LAYERS` by its name, so a module added to it is
placed already; a module added at the top of the package must be placed here.

No cycles among module-level imports, without exception. An import inside a function
runs when the function is called, after every module involved has finished loading,
so it cannot meet a half-initialised module (what a cycle breaks at import time); the
package uses such imports on purpose, to keep WeasyPrint, python-pptx and pandoc out
of the commands that do not need them. So lazy imports are exempt from that rule, but
not from the others: the layer rule holds for every import (a lazy import upwards is
still a dependency the wrong way), and a cycle closed by a lazy import is allowed only
through the back edges listed in `BACK_EDGES`, each with its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "notebook_publish"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "base",
        (
            "notebook_publish",
            "diagnostics",
            "text_places",
            "codes",
            "levels",
            "baseline",
            "config",
            "config_keys",
            "limited_yaml",
            "cache",
            "fingerprints",
            "build",
            "themes",
            "fonts",
            "system_fonts",
            "glyphs",
            "filetypes",
            "pictures",
            "emoji",
            "lifeline",
            "progress",
            "math_macros",
            "mathrender",
            "math_unicode",
            "omml_fix",
        ),
    ),
    # callouts: the fixers write the boxes' one shape, and it reads them back from the AST.
    ("source", ("normalize", "pandoc", "callouts")),
    (
        "book",
        (
            "notes",
            "note_files",
            "book_order",
            "book_math",
            "book_tree",
            "transclude",
            "code_snippets",
            "titles",
            "page_links",
            "chapter_numbers",
            "picture_marks",
            "notion_export",
            "archive",
            "math_errors",
            "outputs",
            "freshness",
            # What untrusted notes may do (policy) and its raw-HTML filter: both writers
            # ask them, and they ask the resolver of the notes' paths.
            "policy",
            "rawhtml",
        ),
    ),
    ("writers", ("handbook", "slides", "release")),
    ("services", ("app", "watch", "serve", "live_reload")),
    ("commands", ("commands",)),
    ("entry", ("cli", "__main__")),
]

# Imports that go against the layers today, each with the reason it is left. Empty: a
# new one fails the test until it is fixed or placed here with its reason.
UPWARD_EXCEPTIONS: dict[tuple[str, str], str] = {}


def modules() -> dict[str, Path]:
    """Dotted name (without `notebook_publish.`, the package itself as `notebook_publish`) -> file."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts) or "notebook_publish"] = path
    return found


MODULES = modules()


def _target(name: str) -> str | None:
    """The module of ours a dotted import names (the longest known prefix), or None."""
    if name == "notebook_publish":
        return "notebook_publish"
    if not name.startswith("notebook_publish."):
        return None
    name = name.removeprefix("notebook_publish.")
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or "notebook_publish"


def imports(module: str) -> tuple[set[str], set[str]]:
    """(module-level imports, imports inside functions) of `module`, as our modules.
    `from package import name` is the submodule when `name` is one, else the package;
    imports under `if TYPE_CHECKING:` are not run and not counted."""
    path = MODULES[module]
    dotted = "notebook_publish" if module == "notebook_publish" else f"notebook_publish.{module}"
    package = dotted if path.name == "__init__.py" else dotted.rpartition(".")[0]
    top: set[str] = set()
    lazy: set[str] = set()

    def names(node) -> list[str]:
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        base = node.module or ""
        if node.level:  # relative: from this module's package, up `level - 1` packages
            parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            base = ".".join(parts + ([base] if base else []))
        found = []
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            found.append(sub if _target(sub) == sub.removeprefix("notebook_publish.") else base)
        return found

    def visit(node, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for stmt in child.orelse:
                    visit_one(stmt, in_function)
                continue
            visit_one(child, in_function)

    def visit_one(node, in_function: bool) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for name in names(node):
                target = _target(name)
                if target is not None and target != module:
                    (lazy if in_function else top).add(target)
            return
        visit(node, in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return top, lazy - top


GRAPH = {m: imports(m) for m in MODULES}


def layer_of(module: str) -> int:
    top = "notebook_publish" if module == "notebook_publish" else module
    for index, (_name, members) in enumerate(LAYERS):
        for member in members:
            if top == member or top.startswith(member + "."):
                return index
    raise AssertionError(f"{module} is in no layer: place it in tests/test_imports.py LAYERS")


def test_every_module_is_in_one_layer_and_every_name_is_a_module():
    for module in MODULES:
        layer_of(module)
    named = [m for _layer, members in LAYERS for m in members]
    assert len(named) == len(set(named))
    stale = [m for m in named if not any(x == m or x.startswith(m + ".") for x in MODULES)]
    assert stale == [], f"no such module: {stale}"


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def test_no_import_cycles_between_modules():
    assert cycles({m: top for m, (top, _lazy) in GRAPH.items()}) == []


# The imports that close a cycle through a lazy import, in folders being restructured
# now; each is a module importing from the module that calls it. Each goes when its
# folder's new layout lands (take it out here then: the test says when it is gone).
BACK_EDGES: dict[tuple[str, str], str] = {}


def test_no_cycles_through_lazy_imports_but_the_listed_back_edges():
    graph = {m: {t for t in top | lazy if (m, t) not in BACK_EDGES} for m, (top, lazy) in GRAPH.items()}
    assert cycles(graph) == []
    gone = [edge for edge in BACK_EDGES if edge[1] not in GRAPH[edge[0]][0] | GRAPH[edge[0]][1]]
    assert gone == [], f"gone: take them out of BACK_EDGES: {gone}"


def test_the_cycle_finder_finds_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def upward() -> dict[tuple[str, str], str]:
    found = {}
    for module, (top, lazy) in GRAPH.items():
        for target in sorted(top | lazy):
            if layer_of(target) > layer_of(module):
                found[(module, target)] = f"{LAYERS[layer_of(module)][0]} -> {LAYERS[layer_of(target)][0]}" + (
                    " (lazy)" if target in lazy else ""
                )
    return found


def test_no_import_goes_up_a_layer():
    found = upward()
    new = {edge: how for edge, how in found.items() if edge not in UPWARD_EXCEPTIONS}
    assert new == {}, "\n".join(f"{a} imports {b}: {how}" for (a, b), how in new.items())
    gone = [edge for edge in UPWARD_EXCEPTIONS if edge not in found]
    assert gone == [], f"fixed: take them out of UPWARD_EXCEPTIONS: {gone}"


@pytest.mark.parametrize("module", ["commands.pdf", "commands.watch", "watch", "app"])
def test_the_commands_do_not_call_back_into_the_command_line(module):
    top, lazy = GRAPH[module]
    assert "cli" not in top | lazy


def test_the_commands_load_without_the_writers():
    """`check`, `config` and a build with nothing to do must stay quick: loading the
    command line imports no writer, no pandoc runner and no typesetter."""
    import subprocess
    import sys

    probe = (
        "import sys, notebook_publish.cli\n"
        "heavy = sorted(m for m in sys.modules if m.startswith(('notebook_publish.handbook', 'notebook_publish.slides', "
        "'notebook_publish.notes', 'notebook_publish.pandoc.parse', 'notebook_publish.pandoc.process', "
        "'weasyprint', 'pptx')))\n"
        "print(heavy)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(PACKAGE.parent)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_theme_check_for_the_pdf_does_not_load_the_slides(tmp_path):
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from notebook_publish.app import check_theme\n"
        "from notebook_publish.config import load_config\n"
        f"check_theme(load_config(None, cwd=__import__('pathlib').Path({str(tmp_path)!r})), slides=False)\n"
        "print(sorted(m for m in sys.modules if m.startswith('notebook_publish.slides')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(PACKAGE.parent)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


MAX_MODULE_LINES = 500


def test_no_module_is_over_500_lines():
    """A module a reader takes in whole: one job, small enough to hold in mind. Data
    (the emoji table) lives in `data/`, not in code."""
    lengths = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()}
    assert {name: n for name, n in lengths.items() if n > MAX_MODULE_LINES} == {}
