"""``fixgw`` command line.  Each subcommand lives in its own module with ``register(sub)``.

Errors a user can fix are printed as one line on stderr with a non-zero exit code, never as
a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["main", "CliError"]

#: subcommand modules, in help order
COMMANDS = ("run", "sim", "demo", "decode", "keygen", "seq", "store", "orders", "journal", "dropcopy")


class CliError(Exception):
    """A user-facing error: printed as ``fixgw: <message>``, exit code ``code``."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fixgw", description="Kalshi FIX gateway, tools and simulator")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"fixgw.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"fixgw.cli.{name}":
                continue  # not built yet
            raise
        mod.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"fixgw: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
