"""`notebook-publish watch`: rebuild on save.

watchfiles waits for changes under the notes, media and theme folders and the config
file, and groups a burst of saves into one rebuild (debounced). Each rebuild goes
through the normal commands (`commands/watch.py` hands them over), so the cache makes
it cost only what changed, and problems are printed as `file:line` like any build.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from notebook_publish.config import Config

DEBOUNCE_MS = 300


def watched_paths(config: Config) -> list[Path]:
    from notebook_publish.themes import load_theme

    paths = [config.notes, *config.media]
    try:
        paths += list(load_theme(config).folders)
    except Exception:  # a broken theme is reported by the build itself
        pass
    if config.source is not None:
        paths.append(config.source)
    if config.slides.template is not None:
        paths.append(config.slides.template)
    if config.math.macros_file is not None:
        paths.append(config.math.macros_file)
    return [p for p in paths if p.exists()]


def relevant(change_path: str, output: Path) -> bool:
    """Ignore our own outputs and editors' temporary files."""
    path = Path(change_path)
    if path.is_relative_to(output.resolve()):
        return False
    return not (path.name.startswith(".") or path.name.endswith(("~", ".swp", ".tmp")))


def watch(config: Config, builders: list[tuple[str, Callable[[], int]]], stream: TextIO = sys.stdout) -> int:
    """Run each of `builders` ((name, build() -> exit code) pairs) now and after every
    burst of saves under the folders `config` names, until Ctrl-C. A build reads the
    config afresh each time; `config` says what to watch and what is output."""
    import watchfiles

    def rebuild(reason: str) -> None:
        started = time.perf_counter()
        print(f"[watch] {reason}: rebuilding {', '.join(name for name, _ in builders)}", file=stream, flush=True)
        for name, build in builders:
            try:
                code = build()
            except Exception as exc:  # keep watching; the next save may fix it
                from notebook_publish.diagnostics import UsageError

                if isinstance(exc, UsageError):
                    print(exc.diagnostic.format(), file=sys.stderr, flush=True)
                    code = 2
                else:
                    raise
            status = "ok" if code == 0 else f"exit code {code}"
            print(f"[watch] {name}: {status}", file=stream, flush=True)
        print(f"[watch] done in {time.perf_counter() - started:.1f}s", file=stream, flush=True)

    rebuild("start")
    paths = watched_paths(config)
    announced = False
    # yield_on_timeout hands us an empty batch once the watcher is running, so
    # "waiting" is only printed when a save would really be seen.
    for changes in watchfiles.watch(
        *paths,
        debounce=DEBOUNCE_MS,
        watch_filter=lambda _change, path: relevant(path, config.output),
        raise_interrupt=False,
        yield_on_timeout=True,
        rust_timeout=500,
    ):
        if not changes:
            if not announced:
                print("[watch] waiting for changes (Ctrl-C to stop)", file=stream, flush=True)
                announced = True
            continue
        names = sorted({Path(p).name for _c, p in changes})
        rebuild("changed " + ", ".join(names[:5]) + (" …" if len(names) > 5 else ""))
        announced = False
    return 0
