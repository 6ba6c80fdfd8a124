"""The commands, one module each, in the order `--help` lists them.

Each module declares a `COMMAND` (`spec.CommandSpec`): its arguments and its
`run(args) -> exit code`. Modules import only the standard library and `app` when
loaded; the notes reader and the writers are imported when their command runs, so
`check` and a build with nothing to do stay quick.
"""

from __future__ import annotations

from notebook_publish.commands import check, clean, config, html, normalize, pdf, release, serve, slides, watch
from notebook_publish.commands.spec import CommandSpec

COMMANDS: tuple[CommandSpec, ...] = (
    check.COMMAND,
    normalize.COMMAND,
    config.COMMAND,
    pdf.COMMAND,
    html.COMMAND,
    slides.COMMAND,
    watch.COMMAND,
    serve.COMMAND,
    release.COMMAND,
    clean.COMMAND,
)
