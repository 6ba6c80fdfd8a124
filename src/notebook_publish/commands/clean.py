"""`notebook-publish clean`: remove what the tool wrote under the output folder."""

from __future__ import annotations

from argparse import Namespace

from notebook_publish.app import config_from_args
from notebook_publish.commands.publish import report_build, say, shown
from notebook_publish.commands.spec import CommandSpec, no_arguments


def run_clean(args: Namespace) -> int:
    from notebook_publish.outputs import clean_output

    config = config_from_args(args)
    removed, diagnostics = clean_output(config)
    code = report_build(args, config, "clean", diagnostics) if diagnostics else 0
    say(args, f"removed {removed} file(s) notebook-publish wrote under {shown(config.output)}")
    return code


COMMAND = CommandSpec(
    "clean",
    "remove what notebook-publish wrote under the output folder (build/)",
    "Remove the files notebook-publish wrote under the output folder (as its manifests name "
    "them, and only while they are unchanged) and its cache. Any other file there is kept and "
    "listed.",
    no_arguments,
    run_clean,
)
