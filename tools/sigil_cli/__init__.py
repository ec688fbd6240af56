"""The `sigil` command: a local receiver with a web view, a configuration doctor,
recording generations from JSON and managing spool directories.

Each subcommand lives in its own module, which exposes ``register(subparsers)``
(adds its parser and sets ``func`` to a callable taking the parsed arguments and
returning the exit status). The modules are imported only when listed here.
"""

from __future__ import annotations

import argparse
import importlib
import sys

__all__ = ["main", "COMMAND_MODULES"]

# Module per subcommand group, in the order `sigil --help` lists them.
COMMAND_MODULES = ("receive",)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sigil",
        description="libsigil's command-line tool: run a local receiver, check a configuration, "
        "record generations from JSON, inspect and replay spool directories.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
