"""``fixgw store verify``: check a session store's integrity."""

from __future__ import annotations

import argparse

from ..store import StoreError
from ..store import admin as store_admin
from . import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("store", help="session store maintenance")
    ss = p.add_subparsers(dest="store_command", metavar="verify")
    ss.required = True
    v = ss.add_parser("verify", help="check integrity, checksums and sequence continuity; exit 1 on problems")
    v.add_argument("store", help="SQLite store file")
    v.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    try:
        report = store_admin.verify(args.store)
    except StoreError as exc:
        raise CliError(str(exc)) from None
    print(store_admin.format_verify(report))
    return 0 if report.ok else 1
