"""Helpers shared by subcommands: config and journal lookup with one-line errors."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import CliError


def add_config_args(p: argparse.ArgumentParser, *, journal: bool = False) -> None:
    p.add_argument("--config", "-c", help="gateway TOML config (default: config/gateway.toml)")
    if journal:
        p.add_argument("--journal", help="journal SQLite file (default: from the config)")


def load_gateway_config(path: str | None) -> Any:
    from ..gateway.config import ConfigError, load_config

    try:
        return load_config(path or "config/gateway.toml")
    except ConfigError as exc:
        raise CliError(str(exc)) from None


def journal_path(args: argparse.Namespace) -> Path:
    if getattr(args, "journal", None):
        p = Path(args.journal)
    else:
        p = load_gateway_config(args.config).journal_path
    if not p.exists():
        raise CliError(f"no journal at {p} (has the gateway run yet?)")
    return p


def open_journal(args: argparse.Namespace) -> Any:
    from ..gateway.journal_sqlite import SqliteJournal

    path = journal_path(args)  # its CliError is already the whole message
    try:
        return SqliteJournal(path, writer_thread=False)
    except Exception as exc:  # unreadable / not a journal
        raise CliError(f"cannot open journal: {exc}") from None
