"""`notebook-publish config`: the keys with their defaults and the diagnostic codes
(`--keys`: the key table alone, as README shows it), or the values in force."""

from __future__ import annotations

from argparse import ArgumentParser, Namespace

from notebook_publish.app import EXIT_OK, config_from_args
from notebook_publish.commands.spec import CommandSpec


def add_arguments(p: ArgumentParser) -> None:
    what = p.add_mutually_exclusive_group()
    what.add_argument("--effective", action="store_true", help="print the values in force after handbook.yml and --set")
    what.add_argument(
        "--keys", action="store_true", help="print only the table of keys (README's Configuration table is this output)"
    )


def run_config(args: Namespace) -> int:
    from notebook_publish.config import SCHEMA, describe_schema

    if args.keys:
        print(describe_schema())
        return EXIT_OK
    if not args.effective:
        from notebook_publish.codes import describe_codes

        print(describe_schema())
        print("\nDiagnostic codes (for `diagnostics:` and the baseline):\n")
        print(describe_codes())
        return EXIT_OK
    config = config_from_args(args)
    for section, keys in SCHEMA.items():
        holder = getattr(config, section) if section else config
        for key in keys:
            name = f"{section}.{key.name}" if section else key.name
            print(f"{name}: {getattr(holder, key.name)!s}")
    for rule in config.diagnostics:
        print(f"diagnostics.{rule.code}: {rule.level}" + (f" in {', '.join(rule.paths)}" if rule.paths else ""))
    return EXIT_OK


COMMAND = CommandSpec(
    "config",
    "list the config keys with their defaults, or print the effective config",
    None,
    add_arguments,
    run_config,
)
