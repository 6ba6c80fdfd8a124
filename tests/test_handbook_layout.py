"""The handbook's stage folders keep their shape: small modules, the workers' side
(`typeset/`, `overdraw/`) never loading the HTML writer, the drawing after layout
needing nothing else of the handbook, and the fingerprint that keys every cached part
covering the code of every folder, new ones included."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import notebook_publish
from conftest import ROOT
from notebook_publish import fingerprints

PACKAGE = Path(notebook_publish.__file__).resolve().parent
HANDBOOK = PACKAGE / "handbook"
# Kept only for importers outside the handbook that are being moved separately.
OLD_ADDRESSES = {
    "notebook_publish.handbook.parts",
    "notebook_publish.handbook.workers",
    "notebook_publish.handbook.pdf_build",
}


def _imported(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def _handbook_modules():
    return [
        p
        for p in sorted(HANDBOOK.rglob("*.py"))
        if p.relative_to(HANDBOOK).as_posix() not in ("parts.py", "workers.py", "pdf_build.py")
    ]


def test_no_module_of_the_handbook_is_over_500_lines():
    lengths = {
        p.relative_to(PACKAGE).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in HANDBOOK.rglob("*.py")
    }
    assert {name: n for name, n in lengths.items() if n > 500} == {}


def test_each_stage_imports_only_what_it_may():
    for path in _handbook_modules():
        stage = path.relative_to(HANDBOOK).parts[0]
        handbook_imports = {n.split(".")[2] for n in _imported(path) if n.startswith("notebook_publish.handbook.")}
        assert not (_imported(path) & OLD_ADDRESSES), path
        if stage == "overdraw":
            assert handbook_imports <= {"overdraw"}, path
        elif stage == "typeset":
            assert handbook_imports <= {"typeset", "overdraw"}, path


def test_the_typesetting_workers_never_load_the_html_writer():
    code = (
        "import importlib, sys\n"
        "from notebook_publish.handbook.typeset import workers\n"
        "for name in workers.PRELOAD: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('notebook_publish.handbook.html') or m == 'pygments'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_fingerprint_of_the_code_covers_every_folder(tmp_path, monkeypatch):
    copy = tmp_path / "notebook_publish"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fingerprints, "PACKAGE", copy)

    def source() -> str:
        fingerprints.package_source.cache_clear()
        return fingerprints.package_source()

    try:
        seen = {source()}
        for rel in (
            "handbook/typeset/parts.py",
            "handbook/overdraw/ops.py",
            "handbook/html/blocks.py",
            "handbook/build.py",
            "policy.py",
        ):
            with (copy / rel).open("a", encoding="utf-8") as f:
                f.write("\n# changed\n")
            now = source()
            assert now not in seen, rel
            seen.add(now)
        (copy / "handbook" / "later").mkdir()
        (copy / "handbook" / "later" / "__init__.py").write_text('"""A stage added later."""\n', encoding="utf-8")
        assert source() not in seen
    finally:
        monkeypatch.undo()
        fingerprints.package_source.cache_clear()
