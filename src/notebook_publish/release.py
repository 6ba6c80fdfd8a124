"""Gather the built files for a release: the handbook, a zip of the decks, checksums.

`build/release/` gets `handbook-<version>.pdf`, `slides-<version>.zip` and
`SHA256SUMS` (of those two), recorded in its manifest (`outputs.py`). The zip is
reproducible (`build.reproducible_zip`): entries in name order, each dated from
SOURCE_DATE_EPOCH (or 1980-01-01, zip's epoch), with fixed permissions.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from notebook_publish.build import display_version, epoch_time, reproducible_zip, write_atomically
from notebook_publish.diagnostics import Diagnostic, Severity, UsageError, error
from notebook_publish.outputs import OutputFolder

if TYPE_CHECKING:
    from notebook_publish.baseline import Settled
    from notebook_publish.config import Config

_RELEASE_FILE = re.compile(r"^(handbook-.+\.pdf|slides-.+\.zip)$")


def release_version(raw: str) -> str:
    """A version fit for a file name: `v1.2.0` -> `1.2.0` (as `build.display_version`
    shows it on the cover); anything odd becomes `-`."""
    version = display_version(raw) or "0.0.0"
    return re.sub(r"[^A-Za-z0-9._+-]", "-", version)


def zip_decks(decks: list[Path]) -> bytes:
    """The decks in name order, dated from SOURCE_DATE_EPOCH, else from zip's epoch (not
    today: a release made again the next day is the same file)."""
    return reproducible_zip(
        ((deck.name, deck.read_bytes()) for deck in sorted(decks, key=lambda p: p.name)), epoch_time()
    )


def make_release(pdf: Path, decks: list[Path], out_dir: Path, version: str) -> tuple[list[Path], list[Diagnostic]]:
    """Write the release files; returns their paths (checksums last) and, when a file
    of the user's is in the way, why nothing was written.

    Only the three files of this version are written (SHA256SUMS lists every release
    in the folder). Earlier releases stay, and so does anything else in the folder; a file of the same name that the tool did not
    write (its manifest says which it did) stops the release before anything is
    written."""
    if not pdf.is_file():
        raise UsageError(error(pdf, 0, "release", f"{pdf} has not been built", "run `make pdf` first"))
    if not decks:
        raise UsageError(
            error(pdf.parent / "slides", 0, "release", "no decks have been built", "run `make slides` first")
        )
    version = release_version(version)
    out_dir.mkdir(parents=True, exist_ok=True)
    folder = OutputFolder(out_dir)
    files = {
        f"handbook-{version}.pdf": pdf.read_bytes(),
        f"slides-{version}.zip": zip_decks(decks),
    }
    # The checksums of every release the folder holds, so that an earlier release's
    # files are not left without theirs.
    sums = {name: r.sha256 for name, r in folder.records.items() if _RELEASE_FILE.match(name) and folder.owns(name)}
    sums.update({name: hashlib.sha256(data).hexdigest() for name, data in files.items()})
    files["SHA256SUMS"] = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items())).encode()
    in_the_way = [folder.foreign(name, "the release") for name in files if not folder.may_write(name)]
    if in_the_way:
        return [], in_the_way
    try:
        for name, data in files.items():
            write_atomically(out_dir / name, data)
            folder.record(name, hashlib.sha256(data).hexdigest())
    finally:
        folder.save()
    return [out_dir / name for name in files], []


# --- the release's summary and its upload ----------------------------------------------


def _pages(pdf: Path) -> int:
    import pikepdf

    with pikepdf.open(pdf) as document:
        return len(document.pages)


def _decks_in(archive: Path) -> int:
    with zipfile.ZipFile(archive) as z:
        return sum(1 for name in z.namelist() if name.endswith(".pptx"))


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _where(d: Diagnostic) -> str:
    import os

    if d.path is None:
        return "-"
    path = os.path.relpath(d.path)
    return path if d.line <= 0 else f"{path}:{d.line}"


def summary(config: Config, written: list[Path], settled: Settled) -> str:
    """The release notes (Markdown): the book, its files, and the problems accepted."""
    from notebook_publish.baseline import BASELINE

    pdf = next(p for p in written if p.suffix == ".pdf")
    decks = next(p for p in written if p.suffix == ".zip")
    lines = [
        f"# {config.title} {config.pinned_version}",
        "",
        f"- **Handbook:** `{pdf.name}`, {_count(_pages(pdf), 'page')}",
        f"- **Slides:** `{decks.name}`, {_count(_decks_in(decks), 'deck')}",
        "- **Checksums:** `SHA256SUMS`",
        "",
    ]
    lines += _grouped(f"Accepted problems ({len(settled.accepted)}, in `{BASELINE}`)", settled.accepted)
    lines += _grouped(f"Other warnings ({len(settled.new)})", settled.new)
    if not settled.accepted and not settled.new:
        lines.append("The build found no problems.")
    return "\n".join(lines).rstrip() + "\n"


def _grouped(title: str, diagnostics: list[Diagnostic]) -> list[str]:
    if not diagnostics:
        return []
    lines = [f"## {title}", ""]
    by_code: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_code.setdefault(d.code, []).append(d)
    for code, found in sorted(by_code.items()):
        lines.append(f"### `{code}` ({len(found)})")
        lines += [f"- `{_where(d)}`: {d.message}" for d in found]
        lines.append("")
    return lines


def failure_summary(config: Config, diagnostics: Iterable[Diagnostic], strict: bool) -> str:
    """What the job's summary says when the release cannot be made: the new problems."""
    from notebook_publish.baseline import BASELINE, settle

    settled = settle(diagnostics, config, "release")
    failing = [d for d in settled.new if d.severity >= (Severity.WARNING if strict else Severity.ERROR)]
    lines = [f"# Release {config.pinned_version} of {config.title} not made", ""]
    if failing:
        lines += [f"{len(failing)} new problem(s), not in `{BASELINE}`:", ""]
        lines += [f"- `{_where(d)}` **{d.code}**: {d.message}" + (f" ({d.hint})" if d.hint else "") for d in failing]
        lines += [
            "",
            f"Fix them, or accept them with `notebook-publish check --write-baseline` and commit `{BASELINE}`.",
        ]
    else:
        lines.append("The build failed; its log says why.")
    return "\n".join(lines) + "\n"


def to_step_summary(text: str) -> None:
    """Append to the job's summary page on GitHub Actions ($GITHUB_STEP_SUMMARY)."""
    import os

    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError:
        pass  # the summary is a courtesy; the log has it all


def write_notes(out_dir: Path, version: str, text: str) -> Path:
    folder = OutputFolder(out_dir)
    name = f"notes-{release_version(version)}.md"
    if not folder.may_write(name):
        raise UsageError(folder.foreign(name, "the release notes"))
    try:
        write_atomically(out_dir / name, text.encode("utf-8"))
        folder.record(name)
    finally:
        folder.save()
    return out_dir / name


_GH_HELP = "install GitHub's CLI (https://cli.github.com; Debian: `apt install gh`), then run `gh auth login`"


def check_uploader() -> None:
    """Stop before building when `gh` cannot upload (exit code 2, with the way to fix it)."""
    import os
    import shutil
    import subprocess

    if shutil.which("gh") is None:
        raise UsageError(error(None, 0, "release", "--upload needs the `gh` command, which is not installed", _GH_HELP))
    if os.environ.get("GH_TOKEN") or os.environ.get("GITHUB_TOKEN"):
        return  # a CI job: gh takes the token from the environment
    done = subprocess.run(["gh", "auth", "status"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise UsageError(
            error(None, 0, "release", "`gh` is not logged in to GitHub", "run `gh auth login` (or set GH_TOKEN)")
        )


def release_tag(config: Config) -> str:
    """The tag the release belongs to: $GITHUB_REF_NAME in a tag's job, else the tag at HEAD."""
    import os
    import subprocess

    tag = os.environ.get("GITHUB_REF_NAME", "").strip()
    if tag:
        return tag
    done = subprocess.run(
        ["git", "describe", "--tags", "--exact-match", "HEAD"],
        cwd=config.root,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise UsageError(
            error(
                None,
                0,
                "release",
                "--upload needs a tag at the commit being released",
                "tag it (`git tag v1.0 && git push origin v1.0`), then publish",
            )
        )
    return done.stdout.strip()


def upload(config: Config, written: list[Path], notes: Path) -> None:
    """Create the tag's GitHub release with the files (or replace its files when it exists)."""
    import subprocess

    tag = release_tag(config)
    files = [str(p) for p in written]
    title = f"{config.title} {config.pinned_version}"
    create = subprocess.run(
        ["gh", "release", "create", tag, *files, "--verify-tag", "--title", title, "--notes-file", str(notes)],
        stdin=subprocess.DEVNULL,
    )
    if create.returncode == 0:
        return
    # The release exists already (a job run again): its files are replaced.
    again = subprocess.run(["gh", "release", "upload", tag, *files, "--clobber"], stdin=subprocess.DEVNULL)
    if again.returncode != 0:
        raise UsageError(
            error(
                None,
                0,
                "release",
                f"`gh` could not attach the files to the release {tag}",
                "see gh's message above; the files are in build/release/",
            )
        )
