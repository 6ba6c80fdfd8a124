"""Running pandoc: the command line, its limits, its errors.

Nothing here knows the rest of the project: text or files in, pandoc's JSON out, or a
`ParseError` that says why not.
"""

from __future__ import annotations

import subprocess
from functools import cache

import pypandoc

# GitHub-flavoured Markdown, as the exporters write it, plus what the notes use that
# GFM lacks: attributes (the normaliser marks missing images and broken links with
# classes), definition lists and fenced divs (`::: notes`, callouts).
READER = "gfm+tex_math_dollars+tex_math_gfm+attributes+bracketed_spans+definition_lists+fenced_divs+footnotes+task_lists+pipe_tables"

PANDOC_HEAP_MB = 1536  # a 9 MB note needs about 1 GB
PANDOC_SECONDS = 180  # the same note takes about 25 s


class ParseError(Exception):
    """pandoc refused the text. Carries pandoc's own message."""


@cache
def pandoc_version() -> str:
    return ".".join(str(p) for p in pypandoc.get_pandoc_version().split("."))


def run_pandoc(text: str) -> str:
    """pandoc's JSON for the text, in a sandbox, with bounded memory and time.

    `--sandbox` keeps pandoc from reading files or the network; the heap limit is
    what pandoc's manual recommends for untrusted input, and the time limit stops a
    pathological note from holding the build forever.
    """
    return run_pandoc_command(pandoc_command(), input=text.encode("utf-8", "replace"))


def pandoc_command(*files: str) -> list[str]:
    """The pandoc command line, sandboxed and memory-bounded, for stdin or `files`."""
    return [
        pypandoc.get_pandoc_path(),
        f"--from={READER}",
        "--to=json",
        "--wrap=none",
        "--sandbox",
        *files,
        "+RTS",
        f"-M{PANDOC_HEAP_MB}m",
        "-RTS",
    ]


def run_pandoc_command(command: list[str], input: bytes | None = None, cwd: str | None = None) -> str:
    """pandoc's standard output, or a `ParseError` with its message, its limit or its exit code."""
    try:
        done = subprocess.run(command, input=input, capture_output=True, timeout=PANDOC_SECONDS, cwd=cwd)
    except subprocess.TimeoutExpired:
        raise ParseError(f"pandoc took more than {PANDOC_SECONDS} s") from None
    except OSError as exc:
        raise ParseError(f"cannot run pandoc: {exc.strerror}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        if "Heap exhausted" in message:
            raise ParseError(f"pandoc needed more than {PANDOC_HEAP_MB} MB")
        raise ParseError(
            " ".join(message.split())[:300] if message else f"pandoc failed with exit code {done.returncode}"
        )
    return done.stdout.decode("utf-8")
